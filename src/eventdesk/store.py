"""The SQLite event store: schema, ordered recorded migrations, idempotent upserts, queries.

    >>> from eventdesk.store import Store, Filters
    >>> with Store("events.db") as store:
    ...     store.add(eventdesk.extract(text))
    ...     page = store.events(Filters(type="ASSAULT", actor_country="RUS", since="2022-02-24"))

An article's identity is its input id, else its URL, else ``sha256:<hash of its text>``.
Every row derived from it hangs off the ``articles`` row that carries that identity and the
hash of the input it came from, so storing the same input twice adds nothing and a changed
text replaces the old extraction in one transaction. Queries page by ``key`` (a cursor), so
the HTTP API can read the store read-only through this class.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from . import dedup
from .errors import StorageError
from .model import SCHEMA, ArticleInput, Extraction

APPLICATION_ID = 0x45564454  # "EVDT" in the SQLite header: this file is an eventdesk store
MIGRATIONS = Path(__file__).parent / "data" / "migrations"
SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_LIMIT = 10_000
SEARCH_COUNT_CAP = 20_000  # full-text matches counted when choosing a query plan

Status = Literal["stored", "replaced", "unchanged"]


# --- identity and hashes ----------------------------------------------------------------

def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def input_hash(item: ArticleInput) -> str:
    """The hash of an input record: the same input always hashes the same."""
    fields = [item.text, item.html, item.title, item.published, item.url, item.source]
    return _sha256(json.dumps(fields, ensure_ascii=False))


def identity_of(item_id: str | None, url: str | None, text_hash: str) -> str:
    """An article's identity: input id, else URL, else the hash of its text."""
    return item_id or url or f"sha256:{text_hash[:32]}"


def _article_hash(article: dict[str, Any]) -> str:
    fields = [article.get("body"), None, article.get("title"), article.get("published"),
              article.get("url"), article.get("source")]
    return _sha256(json.dumps(fields, ensure_ascii=False))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


# --- query filters and pages ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Filters:
    """What the CLI and the API filter on; every value goes into SQL as a parameter.

    ``since``/``until`` are ISO dates (inclusive); ``type`` a PLOVER type or a comma list;
    ``entity`` an entity's canonical name (case-insensitive; ``%`` is a wildcard); ``place``
    a place name or an ISO alpha-3 country; ``search`` words for full-text search (all must
    occur); ``cursor`` the ``next_cursor`` of the previous page.
    """

    since: str | None = None
    until: str | None = None
    type: str | None = None
    actor_country: str | None = None
    recipient_country: str | None = None
    entity: str | None = None
    place: str | None = None
    search: str | None = None
    article: str | None = None
    limit: int = 100
    cursor: int | None = None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of rows; pass ``next_cursor`` back as ``Filters.cursor`` for the next one."""

    rows: list[dict[str, Any]]
    next_cursor: int | None


@dataclass(frozen=True, slots=True)
class JsonPage:
    """One page of rows as JSON object strings (``Store.query_json``)."""

    rows: list[str]
    next_cursor: int | None


SQL_MAX_FUNCTION_ARGS = 127  # SQLite's default SQLITE_MAX_FUNCTION_ARG


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    sql: str
    kind: str  # str int float bool


def _cols(spec: str, kinds: dict[str, str], prefix: str) -> list[Column]:
    """``"a b c=expr"`` -> Columns; a bare name means ``prefix.name``."""
    out = []
    for item in spec.split():
        name, _, expr = item.partition("=")
        expr = expr.replace("+", " ")  # "+" stands for a space inside one spec item
        out.append(Column(name, expr or f"{prefix}.{name}", kinds.get(name, "str")))
    return out


_INT, _FLOAT, _BOOL = "int", "float", "bool"

EVENT_COLUMNS = _cols(
    "key=e.key event_id=e.uid article_id=a.id local_id dedup_id=e.dedup_key event_type=e.type"
    " mode contexts cameo quad quad_class event_date=e.date year=nullif(CAST(substr(e.date,1,4)AS+INTEGER),0)"
    " date_source actor1 actor1_country actor1_sector assoc_actor_1"
    " actor2 actor2_country actor2_sector assoc_actor_2 mediators"
    " actor_countries=nullif(e.actor_countries,'') recipient_countries=nullif(e.recipient_countries,'')"
    " place_id location country admin1 latitude longitude geonameid feature"
    " fatalities fatalities_qualifier injured size arrested negated hypothetical quote confidence"
    " trigger trigger_start trigger_end trigger_in_title sentence sentence_start sentence_end"
    " n_mentions num_mentions=d.num_mentions num_articles=d.num_articles"
    " num_sources=d.num_sources source=a.source source_url=a.url published=a.published"
    " title=a.title",
    {"key": _INT, "dedup_id": _INT, "quad_class": _INT, "year": _INT, "latitude": _FLOAT, "longitude": _FLOAT,
     "geonameid": _INT, "fatalities": _INT, "injured": _INT, "size": _INT, "arrested": _INT,
     "negated": _BOOL, "hypothetical": _BOOL, "confidence": _FLOAT, "trigger_start": _INT,
     "trigger_end": _INT, "trigger_in_title": _BOOL, "sentence_start": _INT, "sentence_end": _INT,
     "n_mentions": _INT, "num_mentions": _INT, "num_articles": _INT, "num_sources": _INT},
    "e")

DEDUP_COLUMNS = _cols(
    "key=d.key dedup_id=d.key event_type=d.type negated hypothetical date_first date_last"
    " actor_countries=nullif(d.actor_countries,'') recipient_countries=nullif(d.recipient_countries,'')"
    " location country geonameid feature latitude longitude num_mentions"
    " num_articles num_sources sources",
    {"key": _INT, "dedup_id": _INT, "negated": _BOOL, "hypothetical": _BOOL, "geonameid": _INT,
     "latitude": _FLOAT, "longitude": _FLOAT, "num_mentions": _INT, "num_articles": _INT,
     "num_sources": _INT},
    "d")

QUOTE_COLUMNS = _cols(
    "key=q.key article_id=a.id local_id kind text start end=q.\"end\" in_title speaker"
    " speaker_name speaker_country speaker_text cue date source=a.source source_url=a.url"
    " published=a.published",
    {"key": _INT, "start": _INT, "end": _INT, "in_title": _BOOL}, "q")

ENTITY_COLUMNS = _cols(
    "key=n.key article_id=a.id local_id name type country role sector n_mentions"
    " mentions=json_extract(n.data,'$.mentions') source=a.source published=a.published",
    {"key": _INT, "n_mentions": _INT}, "n")

ARTICLE_COLUMNS = _cols(
    "key=a.key article_id=a.id text_hash title source url published language n_entities"
    " n_quotes n_times n_places n_events stored_at",
    {"key": _INT, "n_entities": _INT, "n_quotes": _INT, "n_times": _INT, "n_places": _INT,
     "n_events": _INT}, "a")

FAILURE_COLUMNS = _cols("key=f.key item reason message run_id at", {"key": _INT, "run_id": _INT},
                        "f")

_BODY = Column("body", "a.body", "str")

TABLES: dict[str, tuple[list[Column], str]] = {
    "events": (EVENT_COLUMNS, "events e JOIN articles a ON a.key = e.article_key"
                              " LEFT JOIN dedup_events d ON d.key = e.dedup_key"),
    "dedup_events": (DEDUP_COLUMNS, "dedup_events d"),
    "quotes": (QUOTE_COLUMNS, "quotes q JOIN articles a ON a.key = q.article_key"),
    "entities": (ENTITY_COLUMNS, "entities n JOIN articles a ON a.key = n.article_key"),
    "articles": (ARTICLE_COLUMNS, "articles a"),
    "failures": (FAILURE_COLUMNS, "failures f"),
}


def fts_query(words: str) -> str:
    """User words -> an FTS5 query where every word must occur, with no FTS syntax exposed."""
    terms = [t.replace('"', '""') for t in words.split() if t.strip('"')]
    return " ".join(f'"{t}"' for t in terms) or '""'


def _until(value: str) -> str:
    return value + "~"  # "~" sorts after digits and "T": 2020-10-09T22:43 <= 2020-10-09~


def _types(value: str) -> list[str]:
    return [t.strip().upper() for t in value.split(",") if t.strip()]


def _name_clause(column: str, value: str) -> str:
    return f"{column} LIKE ?" if "%" in value else f"{column} = ? COLLATE NOCASE"


def _where(table: str, f: Filters, *, broad_search: bool = False,
           dedup_links: bool = True) -> tuple[list[str], list[Any]]:
    """WHERE clauses and parameters for ``table``; every value is a parameter.

    ``broad_search``: the full-text words match so many articles that walking the table in
    key order and checking each row's article against the matches finds a page sooner than
    collecting every matching article's rows and sorting them (see ``Store.broad_search``).
    ``dedup_links``: the store has the ``dedup_countries`` table (migration 3).
    """
    if table == "dedup_events":
        return _dedup_where(f, links=dedup_links)
    if table == "events":
        return _event_where(f, broad_search=broad_search)
    if table == "entities":
        return _entity_where(f, broad_search=broad_search)
    builder = {"quotes": _quote_where,
               "articles": _article_where, "failures": lambda f: ([], [])}[table]
    return builder(f)


def _add(clauses: list[str], params: list[Any], clause: str, *values: Any) -> None:
    clauses.append(clause)
    params.extend(values)


def _cut(rows: list[Any], f: Filters) -> tuple[list[Any], bool]:
    """The first page of ``rows`` (fetched one past the page size) and whether more follow."""
    limit = max(1, min(int(f.limit), MAX_LIMIT))
    return rows[:limit], len(rows) > limit


def _add_in(clauses: list[str], params: list[Any], column: str, values: list[str]) -> None:
    """``column IN (?, ...)`` with one parameter per value."""
    _add(clauses, params, f"{column} IN ({','.join('?' * len(values))})", *values)


def _add_dates(clauses: list[str], params: list[Any], f: Filters, first: str, *,
               last: str | None = None) -> None:
    """``f.since``/``f.until`` (inclusive) on a date column; ``first``/``last`` for a span
    of dates (a row from ``first`` to ``last`` overlaps the range)."""
    if f.since:
        _add(clauses, params, f"{last or first} >= ?", f.since)
    if f.until:
        _add(clauses, params, f"{first} <= ?", _until(f.until))


def _common(f: Filters, alias: str, clauses: list[str], params: list[Any], *,
            broad_search: bool = False) -> None:
    if f.search:  # "+" keeps SQLite from driving the query by the matches when they are many
        _add(clauses, params, f"{'+' if broad_search else ''}{alias}.article_key IN"
                              " (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)",
             fts_query(f.search))
    if f.article:
        _add(clauses, params, "a.id = ?", f.article)


def _event_where(f: Filters, *, broad_search: bool = False) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    _add_dates(clauses, params, f, "e.date")
    if f.type:  # a type alone is too broad to drive a broad search: walk keys instead
        by_key = "+" if broad_search and not (f.since or f.until) else ""
        _add_in(clauses, params, f"{by_key}e.type", _types(f.type))
    for role, value in (("actor", f.actor_country), ("recipient", f.recipient_country)):
        if value:
            _add(clauses, params, "e.key IN (SELECT event_key FROM event_roles"
                                  " WHERE country = ? AND role = ?)", value.upper(), role)
    if f.entity:
        _add(clauses, params, "e.key IN (SELECT event_key FROM event_roles WHERE "
                              f"{_name_clause('name', f.entity)})", f.entity)
    if f.place:
        _add(clauses, params, f"({_name_clause('e.location', f.place)} OR e.country = ?)",
             f.place, f.place.upper())
    _common(f, "e", clauses, params, broad_search=broad_search)
    return clauses, params


def _dedup_where(f: Filters, *, links: bool = True) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    _add_dates(clauses, params, f, "d.date_first", last="d.date_last")
    if f.type:
        _add_in(clauses, params, "d.type", _types(f.type))
    for role, value in (("actor", f.actor_country), ("recipient", f.recipient_country)):
        if value and links:  # the group's country union, as link rows (migration 3)
            _add(clauses, params, "d.key IN (SELECT dedup_key FROM dedup_countries"
                                  " WHERE country = ? AND role = ?)", value.upper(), role)
        elif value:  # a store not yet migrated, open read-only: through the member events
            _add(clauses, params, "d.key IN (SELECT e.dedup_key FROM events e WHERE e.key IN"
                                  " (SELECT event_key FROM event_roles WHERE country = ?"
                                  " AND role = ?))", value.upper(), role)
    if f.place:
        _add(clauses, params, f"({_name_clause('d.location', f.place)} OR d.country = ?)",
             f.place, f.place.upper())
    if f.entity or f.search or f.article:
        inner, inner_params = _event_where(replace(f, since=None, until=None, type=None,
                                                   actor_country=None, recipient_country=None,
                                                   place=None))
        _add(clauses, params, "d.key IN (SELECT e.dedup_key FROM events e JOIN articles a"
                              f" ON a.key = e.article_key WHERE {' AND '.join(inner)})",
             *inner_params)
    return clauses, params


def _quote_where(f: Filters) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    _add_dates(clauses, params, f, "coalesce(q.date, a.published)")
    if f.entity:
        _add(clauses, params, _name_clause("q.speaker_name", f.entity), f.entity)
    if f.actor_country:
        _add(clauses, params, "q.speaker_country = ?", f.actor_country.upper())
    if f.search:
        _add(clauses, params, "q.key IN (SELECT rowid FROM quotes_fts WHERE quotes_fts MATCH ?)",
             fts_query(f.search))
    if f.article:
        _add(clauses, params, "a.id = ?", f.article)
    return clauses, params


def _entity_where(f: Filters, *, broad_search: bool = False) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    _add_dates(clauses, params, f, "a.published")
    if f.type:
        _add_in(clauses, params, "n.type", _types(f.type))
    if f.actor_country:
        _add(clauses, params, "n.country = ?", f.actor_country.upper())
    if f.entity:
        _add(clauses, params, _name_clause("n.name", f.entity), f.entity)
    _common(f, "n", clauses, params, broad_search=broad_search)
    return clauses, params


def _article_where(f: Filters) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    _add_dates(clauses, params, f, "a.published")
    if f.entity:
        _add(clauses, params, "a.key IN (SELECT article_key FROM entities WHERE "
                              f"{_name_clause('name', f.entity)})", f.entity)
    if f.place:
        _add(clauses, params, "a.key IN (SELECT article_key FROM places WHERE "
                              f"{_name_clause('name', f.place)} OR country = ?)",
             f.place, f.place.upper())
    if f.search:
        _add(clauses, params, "a.key IN (SELECT rowid FROM articles_fts WHERE articles_fts"
                              " MATCH ?)", fts_query(f.search))
    if f.article:
        _add(clauses, params, "a.id = ?", f.article)
    return clauses, params


def select_sql(table: str, f: Filters, *, columns: Sequence[Column] | None = None,
               paged: bool = True, key_range: tuple[int, int] | None = None,
               broad_search: bool = False, dedup_links: bool = True) -> tuple[str, list[Any]]:
    """The SELECT for ``table`` under filters ``f`` (paged by key unless ``paged=False``;
    ``key_range`` ``(after, upto)`` limits the keys, for exports in parallel slices).

    A page is found in two steps: the keys first (a narrow sort), then the wide rows of
    those keys only, so a filter matching 20,000 rows never sorts 20,000 wide rows.
    """
    if table not in TABLES:
        raise StorageError(f"no table {table!r}; expected one of {', '.join(TABLES)}",
                           reason="unknown_table")
    default_columns, source = TABLES[table]
    cols = columns or default_columns
    clauses, params = _where(table, f, broad_search=broad_search, dedup_links=dedup_links)
    key = cols[0].sql  # every table's first column is its key
    if paged and f.cursor is not None:
        _add(clauses, params, f"{key} > ?", int(f.cursor))
    if key_range is not None:
        _add(clauses, params, f"{key} > ? AND {key} <= ?", *key_range)
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    select = f"SELECT {', '.join(f'{c.sql} AS {_quote_name(c.name)}' for c in cols)} FROM {source}"
    if not paged:
        return f"{select}{where} ORDER BY {key}", params
    params.append(max(1, min(int(f.limit), MAX_LIMIT)) + 1)
    keys = f"SELECT {key} FROM {source}{where} ORDER BY {key} LIMIT ?"
    return f"{select} WHERE {key} IN ({keys}) ORDER BY {key}", params


def _quote_name(name: str) -> str:
    return f'"{name}"'


def _json_expr(column: Column) -> str:
    """The value of ``column`` (selected under its name) as json_object should embed it."""
    name = _quote_name(column.name)
    if column.kind == "bool":
        return f"CASE WHEN {name} IS NULL THEN NULL WHEN {name} THEN json('true') ELSE json('false') END"
    if column.kind == "str":
        return f"('' || {name})"  # a plain string, even when the value came from json_*()
    return name


def _json_object(columns: Sequence[Column]) -> str:
    """``json_object(...)`` of ``columns`` (selected under their names) in one SQL call."""
    if 2 * len(columns) > SQL_MAX_FUNCTION_ARGS:
        raise StorageError(f"{len(columns)} columns do not fit one json_object call (at most "
                           f"{SQL_MAX_FUNCTION_ARGS // 2}); split the table's columns",
                           reason="too_many_columns")
    return "json_object(" + ", ".join(f"'{c.name}', {_json_expr(c)}" for c in columns) + ")"


# --- rows from eventdesk/1 objects ------------------------------------------------------

def _in_title(span: dict[str, Any] | None) -> int:
    return int(bool(span) and span.get("in") == "title")  # type: ignore[union-attr]


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_QUAD_CLASS = {"verbal cooperation": 1, "material cooperation": 2, "verbal conflict": 3,
               "material conflict": 4}


def _people(ids: Iterable[str], entities: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [entities.get(i, {"id": i}) for i in ids]


def _names(people: list[dict[str, Any]]) -> str | None:
    return "; ".join(p.get("name") or p["id"] for p in people) or None


def _count(counts: dict[str, Any], name: str) -> Any:
    count = counts.get(name)
    return count.get("value") if isinstance(count, dict) else None


def event_row(event: dict[str, Any], entities: dict[str, dict[str, Any]],
              places: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One eventdesk/1 event -> the flat ``events`` columns (GDELT/ACLED-style names)."""
    actors = _people(event.get("actors") or [], entities)
    recipients = _people(event.get("recipients") or [], entities)
    place = places.get(event.get("place") or "", {})
    counts = event.get("counts") or {}
    trigger = event.get("trigger") or {}
    sentence = event.get("sentence") or {}
    first_actor = actors[0] if actors else {}
    first_recipient = recipients[0] if recipients else {}
    dead: dict[str, Any] = counts["dead"] if isinstance(counts.get("dead"), dict) else {}
    return {
        "type": event.get("type") or "UNKNOWN", "mode": event.get("mode"),
        "contexts": "; ".join(event.get("contexts") or []) or None,
        "cameo": event.get("cameo"), "quad": event.get("quad"),
        "quad_class": _QUAD_CLASS.get(event.get("quad") or ""),
        "date": event.get("date"), "date_source": event.get("date_source"),
        "actor1": first_actor.get("name"), "actor1_country": first_actor.get("country"),
        "actor1_sector": first_actor.get("sector"), "assoc_actor_1": _names(actors[1:]),
        "actor2": first_recipient.get("name"), "actor2_country": first_recipient.get("country"),
        "actor2_sector": first_recipient.get("sector"), "assoc_actor_2": _names(recipients[1:]),
        "mediators": _names(_people(event.get("mediators") or [], entities)),
        "actor_countries": dedup.join_countries(p.get("country") for p in actors),
        "recipient_countries": dedup.join_countries(p.get("country") for p in recipients),
        "place_id": event.get("place"), "location": place.get("name"),
        "country": place.get("country"), "admin1": place.get("admin1"),
        "latitude": place.get("lat"), "longitude": place.get("lon"),
        "geonameid": place.get("geonameid"), "feature": place.get("feature"),
        "fatalities": _count(counts, "dead"), "fatalities_qualifier": dead.get("qualifier"),
        "injured": _count(counts, "injured"), "size": _count(counts, "size"),
        "arrested": _count(counts, "arrested"),
        "negated": int(bool(event.get("negated"))),
        "hypothetical": int(bool(event.get("hypothetical"))),
        "quote": event.get("quote"), "confidence": event.get("confidence"),
        "trigger": trigger.get("text"), "trigger_start": trigger.get("start"),
        "trigger_end": trigger.get("end"), "trigger_in_title": _in_title(trigger),
        "sentence": sentence.get("text"), "sentence_start": sentence.get("start"),
        "sentence_end": sentence.get("end"),
        "n_mentions": 1 + len(event.get("mentions") or []),
    }


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> int:
    names = ", ".join(_quote_name(k) for k in row)
    marks = ", ".join("?" * len(row))
    cursor = conn.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(row.values()))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def _insert_mentions(conn: sqlite3.Connection, article_key: int, owner: str, kind: str,
                     spans: Iterable[dict[str, Any]]) -> None:
    conn.executemany(
        'INSERT INTO mentions (article_key, owner, kind, start, "end", text, in_title)'
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(article_key, owner, kind, s.get("start"), s.get("end"), s.get("text") or "",
          _in_title(s)) for s in spans])


def _insert_entities(conn: sqlite3.Connection, key: int, entities: list[dict[str, Any]]) -> None:
    for entity in entities:
        mentions = entity.get("mentions") or []
        _insert(conn, "entities", {
            "article_key": key, "local_id": entity["id"], "name": entity.get("name") or "",
            "type": entity.get("type"), "country": entity.get("country"),
            "role": entity.get("role"), "sector": entity.get("sector"),
            "n_mentions": len(mentions), "data": _json(entity)})
        _insert_mentions(conn, key, entity["id"], "entity", mentions)


def _insert_quotes(conn: sqlite3.Connection, key: int, quotes: list[dict[str, Any]],
                   entities: dict[str, dict[str, Any]]) -> None:
    for quote in quotes:
        speaker = entities.get(quote.get("speaker") or "", {})
        _insert(conn, "quotes", {
            "article_key": key, "local_id": quote["id"], "kind": quote.get("kind"),
            "text": quote.get("text") or "", "start": quote.get("start"),
            "end": quote.get("end"), "in_title": _in_title(quote),
            "speaker": quote.get("speaker"), "speaker_name": speaker.get("name"),
            "speaker_country": speaker.get("country"), "speaker_text": quote.get("speaker_text"),
            "cue": quote.get("cue"), "date": quote.get("date"), "data": _json(quote)})


def _insert_times(conn: sqlite3.Connection, key: int, times: list[dict[str, Any]]) -> None:
    conn.executemany(
        'INSERT INTO times (article_key, seq, text, start, "end", in_title, value, kind, data)'
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(key, seq, t.get("text") or "", t.get("start"), t.get("end"), _in_title(t),
          t.get("value"), t.get("kind"), _json(t)) for seq, t in enumerate(times)])


def _insert_places(conn: sqlite3.Connection, key: int, places: list[dict[str, Any]]) -> None:
    for place in places:
        _insert(conn, "places", {
            "article_key": key, "local_id": place["id"], "name": place.get("name") or "",
            "country": place.get("country"), "lat": place.get("lat"), "lon": place.get("lon"),
            "geonameid": place.get("geonameid"), "feature": place.get("feature"),
            "admin1": place.get("admin1"), "entity": place.get("entity"), "data": _json(place)})
        _insert_mentions(conn, key, place["id"], "place", place.get("mentions") or [])


def _insert_events(conn: sqlite3.Connection, key: int, identity: str, text_hash: str,
                   doc: dict[str, Any], *, window_days: int) -> None:
    entities = {e["id"]: e for e in doc.get("entities") or []}
    places = {p["id"]: p for p in doc.get("places") or []}
    for event in doc.get("events") or []:
        uid = _sha256(f"{identity}\x1f{text_hash}\x1f{event['id']}")[:20]
        event_key = _insert(conn, "events", {
            "uid": uid, "article_key": key, "local_id": event["id"],
            **event_row(event, entities, places), "data": _json(event)})
        _insert_roles(conn, event_key, event, entities)
        tellings = [event.get("trigger") or {}, *(event.get("mentions") or [])]
        conn.executemany(
            'INSERT INTO event_mentions (event_key, seq, start, "end", text, in_title)'
            " VALUES (?, ?, ?, ?, ?, ?)",
            [(event_key, seq, s.get("start", 0), s.get("end", 0), s.get("text") or "",
              _in_title(s)) for seq, s in enumerate(tellings)])
        dedup.assign(conn, event_key, window_days=window_days)


def _insert_roles(conn: sqlite3.Connection, event_key: int, event: dict[str, Any],
                  entities: dict[str, dict[str, Any]]) -> None:
    rows = []
    for role, field in (("actor", "actors"), ("recipient", "recipients"),
                        ("mediator", "mediators")):
        for position, entity_id in enumerate(event.get(field) or []):
            entity = entities.get(entity_id, {})
            rows.append((event_key, role, position, entity_id, entity.get("name"),
                         entity.get("country"), entity.get("sector")))
    conn.executemany("INSERT INTO event_roles (event_key, role, position, entity, name, country,"
                     " sector) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


_ARTICLE_KEYS = {"id", "title", "source", "url", "published", "language", "body", "captions",
                 "related"}


def _source_key(article: dict[str, Any], identity: str) -> str:
    if article.get("source"):
        return str(article["source"]).strip().casefold()
    host = urlsplit(article.get("url") or "").hostname
    return host.removeprefix("www.") if host else identity


def _article_row(doc: dict[str, Any], identity: str, text_hash: str, ext_hash: str,
                 run_id: int | None) -> dict[str, Any]:
    article = doc["article"]
    extra = {k: v for k, v in article.items() if k not in _ARTICLE_KEYS}
    return {
        "id": identity, "text_hash": text_hash, "extraction_hash": ext_hash,
        "schema": doc.get("schema") or SCHEMA, "title": article.get("title"),
        "source": article.get("source"), "source_key": _source_key(article, identity),
        "url": article.get("url"), "published": article.get("published"),
        "language": article.get("language"), "body": article.get("body") or "",
        "captions": _json(article.get("captions") or []),
        "related": _json(article.get("related") or []), "extra": _json(extra) if extra else None,
        "n_entities": len(doc.get("entities") or []), "n_quotes": len(doc.get("quotes") or []),
        "n_times": len(doc.get("times") or []), "n_places": len(doc.get("places") or []),
        "n_events": len(doc.get("events") or []), "run_id": run_id, "stored_at": _now(),
    }


# --- opening ----------------------------------------------------------------------------

def _check_file(path: Path) -> None:
    """Refuse anything that is not an SQLite file before SQLite touches it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise StorageError(f"cannot read the store {path}: {exc.strerror}",
                           reason="unreadable") from exc
    if head != SQLITE_MAGIC:
        raise StorageError(
            f"{path} is not an eventdesk store (expected an SQLite database, found other data);"
            " it was left untouched: pass another --db path", reason="not_a_store")


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               isolation_level=None, check_same_thread=False, timeout=30)
    else:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA busy_timeout = 60000")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB of pages per connection
    conn.execute("PRAGMA mmap_size = 1073741824")  # read pages in place, no copy per read
    return conn


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) from ``data/migrations/NNNN_name.sql``, in order."""
    out = []
    for file in sorted(MIGRATIONS.glob("*.sql")):
        number, _, name = file.stem.partition("_")
        out.append((int(number), name, file.read_text(encoding="utf-8")))
    return out


def _user_tables(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                        " AND name NOT LIKE 'sqlite_%'")
    return {r[0] for r in rows}


def _check_owner(conn: sqlite3.Connection, path: Path) -> bool:
    """True for a fresh (empty) database; StorageError for one that is not ours."""
    tables = _user_tables(conn)
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if not tables and app_id in (0, APPLICATION_ID):
        return True
    if app_id != APPLICATION_ID or "schema_migrations" not in tables:
        raise StorageError(
            f"{path} is an SQLite database but not an eventdesk store (tables: "
            f"{', '.join(sorted(tables)[:5]) or 'none'}); it was left untouched: pass another"
            " --db path", reason="foreign_db")
    return False


def migrate(conn: sqlite3.Connection) -> list[int]:
    """Apply missing migrations in order, each in its own transaction; versions applied."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                 " name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    known = _migrations()
    newer = done - {v for v, _, _ in known}
    if newer:
        raise StorageError(f"the store has schema version {max(newer)}, newer than this eventdesk"
                           f" knows ({max(v for v, _, _ in known)}); upgrade eventdesk",
                           reason="schema_too_new")
    applied = []
    for version, name, sql in known:
        if version in done:
            continue
        record = (f"INSERT INTO schema_migrations (version, name, applied_at) VALUES "
                  f"({version}, '{name}', '{_now()}');")
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{sql}\n{record}\nCOMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied


# --- the store --------------------------------------------------------------------------

class Store:
    """An eventdesk SQLite store (WAL, foreign keys on). Open read-only for serving.

    Raises StorageError for a file that is not an eventdesk store (it is never overwritten),
    a corrupt one, or one written by a newer eventdesk.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False,
                 window_days: int | None = None) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if self.path.exists() and self.path.stat().st_size > 0:
            _check_file(self.path)
        elif readonly:
            raise StorageError(f"no store at {self.path}; create one with `eventdesk ingest`",
                               reason="no_store")
        try:
            self.conn = _connect(self.path, readonly=readonly)
            self._open(window_days)
        except sqlite3.DatabaseError as exc:
            raise StorageError(f"{self.path} cannot be opened as an eventdesk store ({exc}); it"
                               " was left untouched: restore it from a backup or pass another"
                               " --db path", reason="corrupt_db") from exc

    def _open(self, window_days: int | None) -> None:
        fresh = _check_owner(self.conn, self.path)
        self.dedup_links = True
        if self.readonly:
            self.dedup_links = fresh or "dedup_countries" in _user_tables(self.conn)
            return
        if fresh:
            self.conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        migrate(self.conn)
        if window_days is not None:
            self.set_setting("dedup_window_days", str(window_days))

    # context manager and lifetime
    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception."""
        self._writable()
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def _writable(self) -> None:
        if self.readonly:
            raise StorageError(f"{self.path} is open read-only; open it with readonly=False to"
                               " write", reason="readonly")

    # settings
    def setting(self, name: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return row[0] if row else default

    def set_setting(self, name: str, value: str) -> None:
        self._writable()
        self.conn.execute("INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT(name)"
                          " DO UPDATE SET value = excluded.value", (name, value))

    @property
    def window_days(self) -> int:
        """The dedup window in days (stored in the database, so every run uses the same)."""
        return int(self.setting("dedup_window_days", str(dedup.DEFAULT_WINDOW_DAYS)) or 1)

    # writing
    def add(self, result: Extraction | dict[str, Any], *, identity: str | None = None,
            text_hash: str | None = None, run_id: int | None = None) -> Status:
        """Store one extraction (an Extraction or its eventdesk/1 dict) in one transaction.

        ``identity`` defaults to the article id or URL, else a hash of the text;
        ``text_hash`` to a hash of the article. Returns ``stored``, ``replaced`` (the text
        changed, or the extraction did) or ``unchanged`` (nothing was written).
        """
        with self.transaction():
            return self._write(result, identity=identity, text_hash=text_hash, run_id=run_id)

    def add_many(self, items: Iterable[tuple[Extraction | dict[str, Any], str | None,
                                             str | None]],
                 *, run_id: int | None = None) -> list[Status]:
        """Store whole articles ``(result, identity, text_hash)`` in one transaction."""
        with self.transaction():
            return [self._write(result, identity=identity, text_hash=text_hash, run_id=run_id)
                    for result, identity, text_hash in items]

    def _write(self, result: Extraction | dict[str, Any], *, identity: str | None,
               text_hash: str | None, run_id: int | None) -> Status:
        doc = result.to_json() if isinstance(result, Extraction) else result
        article = doc["article"]
        text_hash = text_hash or _article_hash(article)
        identity = identity or identity_of(article.get("id"), article.get("url"), text_hash)
        ext_hash = _sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False))
        old = self.conn.execute("SELECT key, text_hash, extraction_hash FROM articles"
                                " WHERE id = ?", (identity,)).fetchone()
        if old is not None and (old["text_hash"], old["extraction_hash"]) == (text_hash, ext_hash):
            return "unchanged"
        row = _article_row(doc, identity, text_hash, ext_hash, run_id)
        if old is not None:
            self._delete_article(old["key"])
            row["key"] = old["key"]  # the article keeps its key; its rows are new
        key = _insert(self.conn, "articles", row)
        self._insert_derived(key, identity, text_hash, doc)
        self.conn.execute("DELETE FROM failures WHERE item = ?", (identity,))
        return "stored" if old is None else "replaced"

    def _insert_derived(self, key: int, identity: str, text_hash: str, doc: dict[str, Any]) -> None:
        entities = {e["id"]: e for e in doc.get("entities") or []}
        _insert_entities(self.conn, key, doc.get("entities") or [])
        _insert_quotes(self.conn, key, doc.get("quotes") or [], entities)
        _insert_times(self.conn, key, doc.get("times") or [])
        _insert_places(self.conn, key, doc.get("places") or [])
        _insert_events(self.conn, key, identity, text_hash, doc, window_days=self.window_days)

    def _delete_article(self, key: int) -> None:
        groups = [r[0] for r in self.conn.execute(
            "SELECT DISTINCT dedup_key FROM events WHERE article_key = ? AND dedup_key IS NOT NULL",
            (key,))]
        self.conn.execute("DELETE FROM articles WHERE key = ?", (key,))
        for group in groups:
            dedup.refresh(self.conn, group)

    def delete(self, identity: str) -> bool:
        """Remove an article and everything derived from it; whether it was there."""
        with self.transaction():
            row = self.conn.execute("SELECT key FROM articles WHERE id = ?", (identity,)).fetchone()
            if row is not None:
                self._delete_article(row["key"])
            return row is not None

    def record_failure(self, item: str, reason: str, message: str, *,
                       run_id: int | None = None) -> None:
        """Record (or update) why ``item`` could not be stored; one row per item."""
        with self.transaction():
            self.conn.execute(
                "INSERT INTO failures (item, reason, message, run_id, at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(item) DO UPDATE SET reason = excluded.reason,"
                " message = excluded.message, run_id = excluded.run_id, at = excluded.at",
                (item, reason, message, run_id, _now()))

    def stored_hash(self, identity: str) -> str | None:
        """The text hash stored for ``identity``, or None when it is not stored."""
        row = self.conn.execute("SELECT text_hash FROM articles WHERE id = ?",
                                (identity,)).fetchone()
        return row[0] if row else None

    def rebuild_dedup(self, *, window_days: int | None = None) -> int:
        """Regroup all raw events (optionally with a new window); number of dedup events."""
        with self.transaction():
            if window_days is not None:
                self.set_setting("dedup_window_days", str(window_days))
            return dedup.rebuild(self.conn, window_days=self.window_days)

    # runs
    def start_run(self, *, command: str, model: str, version: str) -> int:
        with self.transaction():
            cursor = self.conn.execute(
                "INSERT INTO runs (started_at, status, command, model, version)"
                " VALUES (?, 'running', ?, ?, ?)", (_now(), command, model, version))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def finish_run(self, run_id: int, *, status: str, counts: dict[str, int]) -> None:
        with self.transaction():
            self.conn.execute(
                "UPDATE runs SET finished_at = ?, status = ?, seen = ?, stored = ?, unchanged = ?,"
                " skipped = ?, failed = ? WHERE id = ?",
                (_now(), status, counts.get("seen", 0), counts.get("stored", 0),
                 counts.get("unchanged", 0), counts.get("skipped", 0), counts.get("failed", 0),
                 run_id))

    # reading
    def query(self, table: str, filters: Filters | None = None) -> Page:
        """One page of ``table`` rows under ``filters``, ordered by key."""
        f = filters or Filters()
        rows, more = _cut([dict(r) for r in self._read(*self._page_sql(table, f))], f)
        return Page(rows, rows[-1]["key"] if more else None)

    def query_json(self, table: str, filters: Filters | None = None) -> JsonPage:
        """``query``, with each row as a JSON object string built by SQLite: the API's fast
        path (one Python object per row instead of one per value, and no encoding pass)."""
        f = filters or Filters()
        sql, params = self._page_sql(table, f)
        columns = TABLES[table][0]
        key = _quote_name(columns[0].name)
        rows, more = _cut(self._read(f"SELECT {key}, {_json_object(columns)} FROM ({sql})"
                                     f" ORDER BY {key}", params, tuples=True), f)
        return JsonPage([r[1] for r in rows], rows[-1][0] if more else None)

    def _page_sql(self, table: str, f: Filters) -> tuple[str, list[Any]]:
        """The SELECT of one page of ``table`` (with the full-text plan chosen for ``f``)."""
        broad = table in ("events", "entities") and self.broad_search(table, f)
        return select_sql(table, f, broad_search=broad, dedup_links=self.dedup_links)

    def broad_search(self, table: str, f: Filters) -> bool:
        """Whether ``f.search`` matches so many articles that one page of ``table`` is found
        sooner by walking rows in key order and checking each against the matches than by
        collecting every match's rows and sorting them.

        Walking reads about ``limit * spread / share`` rows (``share``: the matching share of
        articles; ``spread``: how much a type filter thins them); collecting reads every
        match's rows. The match count is bounded (``SEARCH_COUNT_CAP``), so this costs well
        under a millisecond even when a word is in every article.
        """
        if not f.search:
            return False
        n = self._read("SELECT count(*) FROM (SELECT 1 FROM articles_fts WHERE articles_fts"
                       " MATCH ? LIMIT ?)", (fts_query(f.search), SEARCH_COUNT_CAP))[0][0]
        articles, rows = (self.conn.execute(f"SELECT max(key) FROM {name}").fetchone()[0] or 0
                          for name in ("articles", table))
        if n == 0 or not articles:
            return False
        spread = 10 if f.type else 1
        walk = max(1, min(int(f.limit), MAX_LIMIT)) * spread * articles / n
        collect = n * rows / articles
        return walk < collect

    def _read(self, sql: str, params: Sequence[Any], *, tuples: bool = False) -> list[Any]:
        """Every row of ``sql`` (``sqlite3.Row``, or plain tuples with ``tuples``)."""
        try:
            cursor = self.conn.execute(sql, params)
            if tuples:
                cursor.row_factory = None  # type: ignore[assignment]
            return cursor.fetchall()
        except sqlite3.OperationalError as exc:
            raise StorageError(f"query failed: {exc}", reason="bad_query") from exc

    def events(self, filters: Filters | None = None) -> Page:
        """Raw per-article events, flat (``docs/tables.md``)."""
        return self.query("events", filters)

    def dedup_events(self, filters: Filters | None = None) -> Page:
        """Deduplicated events with num_mentions, num_articles and num_sources."""
        return self.query("dedup_events", filters)

    def quotes(self, filters: Filters | None = None) -> Page:
        return self.query("quotes", filters)

    def entities(self, filters: Filters | None = None) -> Page:
        return self.query("entities", filters)

    def articles(self, filters: Filters | None = None) -> Page:
        return self.query("articles", filters)

    def failures(self, filters: Filters | None = None) -> Page:
        return self.query("failures", filters)

    def iter_rows(self, table: str, filters: Filters | None = None, *, with_body: bool = False,
                  chunk: int = 50_000) -> tuple[list[Column], Iterator[list[tuple[Any, ...]]]]:
        """All rows of ``table`` (for export): the columns and an iterator of row chunks."""
        columns = list(TABLES[table][0]) if table in TABLES else []
        if with_body and table == "articles":
            columns.append(_BODY)
        sql, params = select_sql(table, filters or Filters(), columns=columns or None,
                                 paged=False, dedup_links=self.dedup_links)
        cursor = self.conn.execute(sql, params)
        cursor.row_factory = None  # type: ignore[assignment]

        def chunks() -> Iterator[list[tuple[Any, ...]]]:
            while rows := cursor.fetchmany(chunk):
                yield rows
        return columns, chunks()

    def iter_json(self, table: str, filters: Filters | None = None, *, with_body: bool = False,
                  chunk: int = 50_000) -> tuple[list[Column], Iterator[list[str]]]:
        """All rows of ``table`` as JSON object strings built by SQLite (no key column):
        the fast path for JSONL and Parquet exports (one Python object per row, not per value)."""
        columns = list(TABLES[table][0]) if table in TABLES else []
        if with_body and table == "articles":
            columns.append(_BODY)
        sql, params = select_sql(table, filters or Filters(), columns=columns or None,
                                 paged=False, dedup_links=self.dedup_links)
        cursor = self.conn.execute(f"SELECT {_json_object(columns[1:])} FROM ({sql})", params)
        cursor.row_factory = None  # type: ignore[assignment]

        def chunks() -> Iterator[list[str]]:
            while rows := cursor.fetchmany(chunk):
                yield [r[0] for r in rows]
        return columns[1:], chunks()

    def extraction(self, identity: str) -> dict[str, Any] | None:
        """The stored eventdesk/1 object of one article, rebuilt from its rows."""
        article = self.conn.execute("SELECT * FROM articles WHERE id = ?", (identity,)).fetchone()
        if article is None:
            return None
        key = article["key"]
        data = {table: [json.loads(r[0]) for r in self.conn.execute(
            f"SELECT data FROM {table} WHERE article_key = ? ORDER BY key", (key,))]
            for table in ("entities", "quotes", "times", "places", "events")}
        body = {k: article[k] for k in ("title", "source", "url", "published", "language",
                                        "body")}
        head = {"id": article["id"], **body, "captions": json.loads(article["captions"]),
                "related": json.loads(article["related"]),
                **json.loads(article["extra"] or "{}")}
        return {"schema": article["schema"], "article": head, **data}

    def counts(self) -> dict[str, int]:
        """Row counts of every table."""
        names = ("articles", "entities", "mentions", "quotes", "times", "places", "events",
                 "event_roles", "event_mentions", "dedup_events", "failures", "runs")
        return {n: int(self.conn.execute(f"SELECT count(*) FROM {n}").fetchone()[0])
                for n in names}


def filters_dict(filters: Filters) -> dict[str, Any]:
    """Filters as a plain dict (for logging and the API's echo of what it applied)."""
    return {k: v for k, v in asdict(filters).items() if v is not None}
