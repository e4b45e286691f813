"""Open the gazetteer (building it on first use, behind a file lock) and look names up.

One read-only SQLite connection per process; lookups are indexed key queries, so loading
costs a file open and memory stays at SQLite's small page cache.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .build import build_gazetteer, fingerprint
from .normalize import normalize_name
from .paths import gazetteer_path

log = logging.getLogger(__name__)
LOCK_TIMEOUT = 600.0  # seconds to wait for another process's build

_QUERY = """SELECT p.id, p.name, p.feature, p.country, p.admin1, p.lat, p.lon, p.population,
                   p.geonameid, p.source, p.capital, n.kind
            FROM names n JOIN places p ON p.id = n.place WHERE n.key = ? ORDER BY p.id"""


class GazetteerError(ConfigError):
    """The gazetteer file cannot be built or read."""

    reason = "gazetteer"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A gazetteer entry a name may refer to; ``kind`` 0 = its own name, 1 = alternate, 2 = derived."""

    id: int
    name: str
    feature: str
    country: str | None
    admin1: str | None
    lat: float
    lon: float
    population: int
    geonameid: int | None
    source: str
    capital: bool
    kind: int


class Gazetteer:
    """A read-only view of one gazetteer file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        uri = f"file:{path}?mode=ro"
        self._con = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self.meta = dict(self._con.execute("SELECT key, value FROM meta").fetchall())

    def lookup(self, name: str) -> list[Candidate]:
        """Every entry whose name, alternate or derived name normalises like ``name``."""
        key = normalize_name(name)
        if not key:
            return []
        with self._lock:
            rows = self._con.execute(_QUERY, (key,)).fetchall()
        return [Candidate(id=r[0], name=r[1], feature=r[2], country=r[3], admin1=r[4], lat=r[5],
                          lon=r[6], population=r[7], geonameid=r[8], source=r[9],
                          capital=bool(r[10]), kind=r[11]) for r in rows]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._con.execute("SELECT feature, count(*) FROM places GROUP BY feature")
            features = dict(rows.fetchall())
            names = self._con.execute("SELECT count(*) FROM names").fetchone()[0]
        return {"places": sum(features.values()), "names": names, **features}

    def close(self) -> None:
        self._con.close()


_open: dict[tuple[str, int], Gazetteer] = {}
_open_lock = threading.Lock()


def load_gazetteer(path: Path | None = None, *, build: bool = True) -> Gazetteer:
    """The gazetteer at ``path`` (default: the cache folder), opened once per process.

    A missing, stale (other version or inputs) or unreadable file is rebuilt under a file lock
    when ``build`` is true; otherwise, and when the rebuild fails, raises GazetteerError.
    """
    path = path or gazetteer_path()
    key = (str(path), os.getpid())
    with _open_lock:
        if key not in _open:
            _open[key] = _open_or_build(path, build=build)
        return _open[key]


def forget_gazetteer(path: Path | None = None) -> None:
    """Close this process's connection to ``path`` (default: every open gazetteer)."""
    with _open_lock:
        for key in [k for k in _open if path is None or k[0] == str(path)]:
            _open.pop(key).close()


def _open_or_build(path: Path, *, build: bool) -> Gazetteer:
    problem = _check(path)
    if problem is None:
        return Gazetteer(path)
    if not build:
        raise GazetteerError(f"the gazetteer at {path} is {problem}; build it with "
                             f"`eventdesk gazetteer build`", reason="gazetteer_missing")
    return _build_locked(path, problem)


def _build_locked(path: Path, problem: str) -> Gazetteer:
    from filelock import FileLock, Timeout

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path) + ".lock", timeout=LOCK_TIMEOUT):
            if _check(path) is not None:  # another process may have built it while we waited
                log.info("gazetteer at %s is %s; building it (once, about 15 s)", path, problem)
                build_gazetteer(path)
    except (OSError, sqlite3.Error, ValueError, Timeout) as exc:
        raise GazetteerError(
            f"could not build the gazetteer at {path} ({problem}): {type(exc).__name__}: {exc}; "
            f"check that the folder is writable, or point EVENTDESK_CACHE at one that is",
            reason="gazetteer_build") from exc
    problem_after = _check(path)
    if problem_after is not None:
        raise GazetteerError(f"the gazetteer at {path} is still {problem_after} after a rebuild; "
                             f"delete it and run `eventdesk gazetteer build`",
                             reason="gazetteer_corrupt")
    return Gazetteer(path)


def _check(path: Path) -> str | None:
    """None when the file is present, readable and built from the current inputs; else why not."""
    if not path.exists():
        return "missing"
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = con.execute("SELECT value FROM meta WHERE key = 'fingerprint'").fetchone()
            con.execute("SELECT id FROM places LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"unreadable ({exc})"
    if row is None or row[0] != fingerprint():
        return "out of date"
    return None
