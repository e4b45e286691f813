"""Queries the web UI needs beyond ``Store``'s row pages: places, and aggregates for the
timeline, the actor network and the map.

Every query reuses ``store.select_sql`` for its WHERE clause, so the filters mean exactly what
they mean in ``Store.events`` and the CLI, and every value stays an SQL parameter.
"""
from __future__ import annotations

import csv
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import StorageError
from ..store import MAX_LIMIT, Column, Filters, Page, Store, fts_query, select_sql

ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"

_KEY = Column("key", "e.key", "int")


@cache
def event_types() -> tuple[tuple[str, str], ...]:
    """(PLOVER type, quad category) in manual order, from ``ontology/types.tsv``."""
    with (ONTOLOGY / "types.tsv").open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return tuple((row["type"], row["quad"]) for row in csv.DictReader(lines, delimiter="\t"))


def _filtered_events(filters: Filters, *columns: Column) -> tuple[str, list[Any]]:
    """A subquery of the events under ``filters`` (unpaged) with ``key`` and ``columns``."""
    return select_sql("events", replace(filters, cursor=None), columns=[_KEY, *columns],
                      paged=False)


def _read(store: Store, sql: str, params: Sequence[Any]) -> list[sqlite3.Row]:
    try:
        return store.conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        raise StorageError(f"query failed: {exc}", reason="bad_query") from exc


def _rows(store: Store, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    return [dict(row) for row in _read(store, sql, params)]


# --- places ----------------------------------------------------------------------------

PLACE_COLUMNS = ("p.key AS key, a.id AS article_id, p.local_id AS local_id, p.name AS name,"
                 " p.country AS country, p.admin1 AS admin1, p.lat AS lat, p.lon AS lon,"
                 " p.geonameid AS geonameid, p.feature AS feature,"
                 " (SELECT count(*) FROM mentions m WHERE m.article_key = p.article_key"
                 " AND m.owner = p.local_id AND m.kind = 'place') AS n_mentions,"
                 " a.source AS source, a.published AS published")


def _place_where(filters: Filters) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    checks = ((filters.since, "a.published >= ?", filters.since),
              (filters.until, "a.published <= ?", f"{filters.until}~"),
              (filters.actor_country, "p.country = ?", (filters.actor_country or "").upper()),
              (filters.article, "a.id = ?", filters.article),
              (filters.search, "p.article_key IN (SELECT rowid FROM articles_fts WHERE"
                               " articles_fts MATCH ?)", fts_query(filters.search or "")))
    for given, clause, value in checks:
        if given:
            clauses.append(clause)
            params.append(value)
    if filters.place:
        operator = "LIKE ?" if "%" in filters.place else "= ? COLLATE NOCASE"
        clauses.append(f"(p.name {operator} OR p.country = ?)")
        params += [filters.place, filters.place.upper()]
    return clauses, params


def places(store: Store, filters: Filters) -> Page:
    """One page of resolved and unresolved places, one row per article they occur in."""
    clauses, params = _place_where(filters)
    if filters.cursor is not None:
        clauses.append("p.key > ?")
        params.append(int(filters.cursor))
    limit = max(1, min(int(filters.limit), MAX_LIMIT))
    where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = (f"SELECT {PLACE_COLUMNS} FROM places p JOIN articles a ON a.key = p.article_key"
           f"{where} ORDER BY p.key LIMIT ?")
    rows = _rows(store, sql, [*params, limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1]["key"] if more else None)


# --- aggregates over events ------------------------------------------------------------

def timeline(store: Store, filters: Filters) -> list[dict[str, Any]]:
    """Event counts per day and type: ``{"day": "2020-10-09" | None, "type", "count"}``."""
    inner, params = _filtered_events(filters, Column("date", "e.date", "str"),
                                     Column("type", "e.type", "str"))
    sql = (f"SELECT substr(date, 1, 10) AS day, type, count(*) AS count FROM ({inner})"
           " GROUP BY day, type ORDER BY day, type")
    return _rows(store, sql, params)


def actor_links(store: Store, filters: Filters, *, limit: int = 300) -> list[dict[str, Any]]:
    """Who acts on whom: actor -> recipient pairs (and fellow actors of events without
    recipients, as ``mutual``), weighted by the number of events, heaviest first."""
    inner, params = _filtered_events(filters)
    sql = f"""
        WITH f AS ({inner}),
        pairs AS (
            SELECT a.name AS source, a.country AS source_country, r.name AS target,
                   r.country AS target_country, 'acts-on' AS kind, f.key AS event
            FROM f JOIN event_roles a ON a.event_key = f.key AND a.role = 'actor'
                   JOIN event_roles r ON r.event_key = f.key AND r.role = 'recipient'
            UNION ALL
            SELECT a.name, a.country, b.name, b.country, 'mutual', f.key
            FROM f JOIN event_roles a ON a.event_key = f.key AND a.role = 'actor'
                   JOIN event_roles b ON b.event_key = f.key AND b.role = 'actor'
                        AND b.position > a.position
            WHERE NOT EXISTS (SELECT 1 FROM event_roles x WHERE x.event_key = f.key
                              AND x.role = 'recipient'))
        SELECT source, max(source_country) AS source_country, target,
               max(target_country) AS target_country, kind, count(DISTINCT event) AS weight
        FROM pairs WHERE source IS NOT NULL AND target IS NOT NULL AND source != target
        GROUP BY source, target, kind ORDER BY weight DESC, source, target LIMIT ?"""
    return _rows(store, sql, [*params, limit])


def event_places(store: Store, filters: Filters, *, limit: int = 2000) -> list[dict[str, Any]]:
    """Events per located place and type: ``{"location", "country", "latitude", "longitude",
    "type", "count"}``, most events first."""
    inner, params = _filtered_events(
        filters, *(Column(n, f"e.{n}", "str") for n in ("location", "country", "latitude",
                                                       "longitude", "type")))
    sql = (f"SELECT location, country, latitude, longitude, type, count(*) AS count"
           f" FROM ({inner}) WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
           " GROUP BY location, country, latitude, longitude, type"
           " ORDER BY count DESC, location LIMIT ?")
    return _rows(store, sql, [*params, limit])


def count_events(store: Store, filters: Filters) -> int:
    """How many events match ``filters`` (all pages)."""
    inner, params = _filtered_events(filters)
    return int(_read(store, f"SELECT count(*) FROM ({inner})", params)[0][0])


def iter_places(store: Store, filters: Filters) -> Iterator[dict[str, Any]]:
    """Every place row under ``filters``, page by page (for CSV downloads)."""
    page = places(store, replace(filters, limit=MAX_LIMIT))
    yield from page.rows
    while page.next_cursor is not None:
        page = places(store, replace(filters, limit=MAX_LIMIT, cursor=page.next_cursor))
        yield from page.rows
