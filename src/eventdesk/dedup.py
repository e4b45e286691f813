"""Cross-article event deduplication: many reports of one event -> one dedup_events row.

Two raw events (one per article) are reports of the same event when they have the same
PLOVER type, the same negation and hypothetical flags, dates within a window (default one
day), actor and recipient countries that overlap where both sides name any, and compatible
places. Each raw event keeps its row in ``events``; ``events.dedup_key`` points at its
dedup event. Counts are recomputed from the member rows, never incremented, so reruns and
replaced articles cannot inflate them:

- ``num_mentions``: every telling of the event in every member article (GDELT NumMentions);
- ``num_articles``: distinct articles (a dedup event takes at most one event per article);
- ``num_sources``: distinct sources (the article's source, else its URL's host, else its id).
"""
from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_WINDOW_DAYS = 1


@dataclass(frozen=True, slots=True)
class Report:
    """The parts of one raw event that deduplication compares."""

    type: str
    negated: bool
    hypothetical: bool
    day: dt.date | None
    actor_countries: frozenset[str]
    recipient_countries: frozenset[str]
    location: str | None = None
    country: str | None = None
    geonameid: int | None = None
    feature: str | None = None


def day_of(value: str | None) -> dt.date | None:
    """The calendar day of an ISO date or datetime (``2020-10-09``, ``2020-10-09T22:43``); None
    for anything coarser (``2020-10``), an interval or no date."""
    if not value or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def countries(value: str | None) -> frozenset[str]:
    """``"ARM AZE"`` -> {"ARM", "AZE"}."""
    return frozenset((value or "").split())


def join_countries(codes: Iterable[str | None]) -> str:
    """Country codes -> the sorted, space-separated form stored in the database."""
    return " ".join(sorted({c for c in codes if c}))


def sides_overlap(a: frozenset[str], b: frozenset[str]) -> bool:
    """Two sides are compatible when either names no country or they share one."""
    return not a or not b or bool(a & b)


def places_compatible(a: Report, b: Report) -> bool:
    """Same gazetteer entry, same name, or one is the country the other lies in (or unknown)."""
    if not (a.location or a.country) or not (b.location or b.country):
        return True
    if a.geonameid is not None and a.geonameid == b.geonameid:
        return True
    if a.location and b.location and a.location.casefold() == b.location.casefold():
        return True
    if "country" in (a.feature, b.feature) or not (a.location and b.location):
        return bool(a.country) and a.country == b.country
    return False


def same_event(a: Report, b: Report, *, window_days: int = DEFAULT_WINDOW_DAYS) -> bool:
    """Whether two reports describe one event (see the module docstring)."""
    if (a.type, a.negated, a.hypothetical) != (b.type, b.negated, b.hypothetical):
        return False
    if a.day is None or b.day is None or abs((a.day - b.day).days) > window_days:
        return False
    if not sides_overlap(a.actor_countries, b.actor_countries):
        return False
    if not sides_overlap(a.recipient_countries, b.recipient_countries):
        return False
    named_a = a.actor_countries | a.recipient_countries
    named_b = b.actor_countries | b.recipient_countries
    if (named_a or named_b) and not named_a & named_b:
        return False
    return places_compatible(a, b)


def report_of(row: Mapping[str, Any], *, day: dt.date | None = None) -> Report:
    """A Report from an ``events`` or ``dedup_events`` row (dict or sqlite3.Row)."""
    return Report(type=row["type"], negated=bool(row["negated"]),
                  hypothetical=bool(row["hypothetical"]), day=day,
                  actor_countries=countries(row["actor_countries"]),
                  recipient_countries=countries(row["recipient_countries"]),
                  location=row["location"], country=row["country"],
                  geonameid=row["geonameid"], feature=row["feature"])


# --- the dedup_events table -------------------------------------------------------------

_CANDIDATES = """
SELECT key, type, negated, hypothetical, date_first, date_last, actor_countries,
       recipient_countries, location, country, geonameid, feature
FROM dedup_events
WHERE type = ? AND negated = ? AND hypothetical = ? AND date_first <= ? AND date_last >= ?
  AND NOT EXISTS (SELECT 1 FROM events WHERE dedup_key = dedup_events.key AND article_key = ?)
ORDER BY key
"""


def assign(conn: sqlite3.Connection, event_key: int, *, window_days: int) -> int:
    """Attach the raw event ``event_key`` to a matching dedup event (or a new one); its key."""
    row = conn.execute("SELECT * FROM events WHERE key = ?", (event_key,)).fetchone()
    day = day_of(row["date"])
    report = report_of(row, day=day)
    dedup_key = _find_match(conn, report, article_key=row["article_key"], window_days=window_days)
    if dedup_key is None:
        dedup_key = _insert_dedup(conn, row)
    conn.execute("UPDATE events SET dedup_key = ? WHERE key = ?", (dedup_key, event_key))
    refresh(conn, dedup_key)
    return dedup_key


def _find_match(conn: sqlite3.Connection, report: Report, *, article_key: int,
                window_days: int) -> int | None:
    if report.day is None:
        return None
    window = dt.timedelta(days=window_days)
    params = (report.type, int(report.negated), int(report.hypothetical),
              (report.day + window).isoformat(), (report.day - window).isoformat(), article_key)
    for candidate in conn.execute(_CANDIDATES, params):
        first, last = day_of(candidate["date_first"]), day_of(candidate["date_last"])
        assert first is not None and last is not None
        nearest = min(max(report.day, first), last)  # the cluster's day closest to this one
        if same_event(report, report_of(candidate, day=nearest), window_days=window_days):
            return int(candidate["key"])
    return None


def _insert_dedup(conn: sqlite3.Connection, row: sqlite3.Row) -> int:
    cursor = conn.execute(
        "INSERT INTO dedup_events (type, negated, hypothetical, location, country, geonameid,"
        " feature, latitude, longitude) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (row["type"], row["negated"], row["hypothetical"], row["location"], row["country"],
         row["geonameid"], row["feature"], row["latitude"], row["longitude"]))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


_MEMBERS = """
SELECT e.date, e.actor_countries, e.recipient_countries, e.n_mentions, e.article_key,
       e.location, e.country, e.geonameid, e.feature, e.latitude, e.longitude, a.source_key
FROM events e JOIN articles a ON a.key = e.article_key
WHERE e.dedup_key = ? ORDER BY e.key
"""


def refresh(conn: sqlite3.Connection, dedup_key: int) -> None:
    """Recompute a dedup event from its member rows; delete it when it has none left."""
    members = conn.execute(_MEMBERS, (dedup_key,)).fetchall()
    if not members:
        conn.execute("DELETE FROM dedup_events WHERE key = ?", (dedup_key,))
        return
    days = sorted(d.isoformat() for d in (day_of(m["date"]) for m in members) if d)
    sources = sorted({m["source_key"] for m in members})
    place = next((m for m in members if m["location"] or m["country"]), members[0])
    conn.execute(
        "UPDATE dedup_events SET date_first = ?, date_last = ?, actor_countries = ?,"
        " recipient_countries = ?, num_mentions = ?, num_articles = ?, num_sources = ?,"
        " sources = ?, location = ?, country = ?, geonameid = ?, feature = ?, latitude = ?,"
        " longitude = ? WHERE key = ?",
        (days[0] if days else None, days[-1] if days else None,
         join_countries(c for m in members for c in countries(m["actor_countries"])),
         join_countries(c for m in members for c in countries(m["recipient_countries"])),
         sum(m["n_mentions"] for m in members), len({m["article_key"] for m in members}),
         len(sources), json.dumps(sources, ensure_ascii=False), place["location"],
         place["country"], place["geonameid"], place["feature"], place["latitude"],
         place["longitude"], dedup_key))


def rebuild(conn: sqlite3.Connection, *, window_days: int) -> int:
    """Regroup every raw event from scratch (e.g. after changing the window); dedup count."""
    conn.execute("UPDATE events SET dedup_key = NULL")
    conn.execute("DELETE FROM dedup_events")
    keys = [r[0] for r in conn.execute("SELECT key FROM events ORDER BY date IS NULL, date, key")]
    for key in keys:
        assign(conn, key, window_days=window_days)
    return int(conn.execute("SELECT count(*) FROM dedup_events").fetchone()[0])
