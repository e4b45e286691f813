"""Store tables -> JSON Lines, CSV or Parquet files with flat, documented columns.

Column layouts are in ``docs/tables.md``; names follow GDELT and ACLED where one exists
(``actor1``, ``actor1_country``, ``assoc_actor_1``, ``fatalities``, ``quad_class``,
``num_mentions``, ``num_sources``, ``source_url``...). Files are written to a temporary name
and renamed, so a killed export never leaves a half file under the real name.
"""
from __future__ import annotations

import csv
import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import IO, Any, Literal

from .errors import ConfigError
from .store import _BODY, TABLES, Column, Filters, Store, select_sql

Format = Literal["jsonl", "csv", "parquet"]
FORMATS = ("jsonl", "csv", "parquet")
EXPORT_TABLES = ("events", "dedup_events", "quotes", "entities", "articles", "failures")


def export_table(store: Store, table: str, path: str | Path, *, format: Format,
                 filters: Filters | None = None, with_body: bool = True,
                 workers: int = 1) -> int:
    """Write ``table`` (optionally filtered) to ``path``; the number of rows written.

    Parquet exports read the table in key slices; with ``workers`` > 1, in that many
    processes (worth it on an idle machine with several cores), written in key order.
    """
    if table not in TABLES or table not in EXPORT_TABLES:
        raise ConfigError(f"cannot export {table!r}; expected one of {', '.join(EXPORT_TABLES)}",
                          reason="unknown_table")
    if format not in FORMATS:
        raise ConfigError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}",
                          reason="unknown_format")
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        if format == "csv":
            columns, chunks = store.iter_rows(table, filters, with_body=with_body)
            count = _write_csv(temporary, columns[1:], (_drop_key(c) for c in chunks))
        elif format == "jsonl":
            chunk = 2_000 if table == "articles" else 50_000  # bodies are large
            columns, lines = store.iter_json(table, filters, with_body=with_body, chunk=chunk)
            count = _write_jsonl(temporary, columns, lines)
        else:
            count = _write_parquet(store, table, temporary, filters=filters or Filters(),
                                   with_body=with_body, workers=workers)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return count


def _drop_key(chunk: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [row[1:] for row in chunk]


def _write_jsonl(path: Path, columns: list[Column], chunks: Iterator[list[str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for lines in chunks:
            out.write("\n".join(lines) + "\n")
            count += len(lines)
    return count


def write_csv_rows(out: IO[str], columns: list[Column],
                   chunks: Iterator[list[tuple[Any, ...]]]) -> int:
    """CSV with a header row; booleans as ``true``/``false``, missing values empty."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    count = 0
    for chunk in chunks:
        writer.writerows([_csv_value(v, c) for c, v in zip(columns, row)] for row in chunk)
        count += len(chunk)
    return count


def _csv_value(value: Any, column: Column) -> Any:
    if column.kind == "bool" and value is not None:
        return "true" if value else "false"
    return value


def _write_csv(path: Path, columns: list[Column], chunks: Iterator[list[tuple[Any, ...]]]) -> int:
    with path.open("w", encoding="utf-8", newline="") as out:
        return write_csv_rows(out, columns, chunks)


def arrow_schema(columns: list[Column]) -> Any:
    """The Parquet schema of a table: strings, int64, float64 and booleans."""
    import pyarrow as pa

    types = {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
    return pa.schema([pa.field(c.name, types[c.kind]) for c in columns])


SLICE_ROWS = 50_000  # rows per slice a worker reads and converts at once


def export_columns(table: str, *, with_body: bool) -> list[Column]:
    """The columns ``table`` is exported with, the internal key first."""
    columns = list(TABLES[table][0])
    return columns + [_BODY] if with_body and table == "articles" else columns


def key_slices(store: Store, table: str, *, rows: int) -> list[tuple[int, int]]:
    """``(after, upto]`` key ranges of about ``rows`` rows each, covering the whole table."""
    base = TABLES[table][1].split()[0]
    bounds = [r[0] for r in store.conn.execute(
        f"SELECT key FROM (SELECT key, row_number() OVER (ORDER BY key) AS n FROM {base})"
        " WHERE n % ? = 0", (rows,))]
    last = store.conn.execute(f"SELECT max(key) FROM {base}").fetchone()[0]
    if last is None:
        return [(-1, 0)]
    edges = [-1, *bounds] + ([last] if not bounds or bounds[-1] != last else [])
    return list(zip(edges, edges[1:]))


def slice_table(store: Store, table: str, filters: Filters, key_range: tuple[int, int], *,
                with_body: bool) -> Any:
    """One key slice of ``table`` as an Arrow table in the export schema."""
    columns = export_columns(table, with_body=with_body)
    with _no_gc():
        if table == "events" and _unfiltered(filters):
            return _event_slice(store, columns, key_range)
        sql, params = select_sql(table, filters, columns=columns, paged=False,
                                 key_range=key_range, dedup_links=store.dedup_links)
        return pa_table(_arrow_table(_fetch(store, sql, params), columns)[1:], columns[1:])


def pa_table(arrays: list[Any], columns: list[Column]) -> Any:
    import pyarrow as pa

    return pa.table(arrays, schema=arrow_schema(columns))


@contextmanager
def _no_gc() -> Iterator[None]:
    """Python's cyclic GC off while a slice's row tuples exist: they hold no cycles, and
    collecting over millions of fresh tuples costs about a quarter of the export."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _unfiltered(filters: Filters) -> bool:
    return replace(filters, limit=0, cursor=None) == Filters(limit=0)


def _fetch(store: Store, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    cursor = store.conn.execute(sql, params)
    cursor.row_factory = None  # type: ignore[assignment]
    return cursor.fetchall()


def _arrow_table(rows: list[tuple[Any, ...]], columns: list[Column]) -> list[Any]:
    """Rows -> one Arrow array per column (through one struct array: Arrow reads the row
    tuples in C++, no per-column Python lists)."""
    import pyarrow as pa

    stored = pa.struct([pa.field(c.name, pa.int8() if c.kind == "bool" else _types()[c.kind])
                        for c in columns])  # flags are stored as 0/1
    data = pa.array(rows, type=stored)
    return [data.field(i).cast(pa.bool_()) if c.kind == "bool" else data.field(i)
            for i, c in enumerate(columns)]


def _types() -> dict[str, Any]:
    import pyarrow as pa

    return {"str": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}


_SIDES = {"a.": ("articles a", "e.article_key"), "d.": ("dedup_events d", "e.dedup_key")}


def _event_slice(store: Store, columns: list[Column], key_range: tuple[int, int]) -> Any:
    """Unfiltered events without the SQL join: the events' own columns, then the article and
    dedup columns read once per article / dedup event and repeated in Arrow (``take``).
    Same table as the joined SELECT, for a fraction of the Python objects."""
    import pyarrow as pa

    own = [c for c in columns if not c.sql.startswith(tuple(_SIDES))]
    links = [link for _, link in _SIDES.values()]
    rows = _fetch(store, f"SELECT {', '.join(c.sql for c in own)}, {', '.join(links)}"
                         " FROM events e WHERE e.key > ? AND e.key <= ? ORDER BY e.key", key_range)
    link_columns = [Column(f"_link{i}", link, "int") for i, link in enumerate(links)]
    arrays = dict(zip((c.name for c in own + link_columns),
                      _arrow_table(rows, own + link_columns)))
    for i, (prefix, (source, link)) in enumerate(_SIDES.items()):
        side = [c for c in columns if c.sql.startswith(prefix)]
        refs = arrays[f"_link{i}"]
        alias = source.split()[1]
        found = _fetch(store, f"SELECT {alias}.key, {', '.join(c.sql for c in side)} FROM"
                              f" {source} WHERE {alias}.key IN (SELECT {link} FROM events e"
                              " WHERE e.key > ? AND e.key <= ?) ORDER BY 1", key_range)
        side_arrays = _arrow_table(found, [Column("key", "", "int"), *side])
        where = pc_index_in(refs, side_arrays[0])
        arrays.update((c.name, a.take(where)) for c, a in zip(side, side_arrays[1:]))
    return pa.table([arrays[c.name] for c in columns[1:]],
                    schema=arrow_schema(columns[1:]))


def pc_index_in(values: Any, keys: Any) -> Any:
    """Positions of ``values`` in the sorted ``keys`` (null where a value is null/absent)."""
    import pyarrow.compute as pc

    return pc.index_in(values, value_set=keys)


def _slice_ipc(path: str, table: str, filters: Filters, key_range: tuple[int, int],
               with_body: bool) -> bytes:
    """In a worker: one slice as Arrow IPC bytes (cheap to send back)."""
    import pyarrow as pa

    with Store(path, readonly=True) as store:
        data = slice_table(store, table, filters, key_range, with_body=with_body)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(data)
    return bytes(sink.getvalue())


def _slice_tables(store: Store, table: str, filters: Filters, *, with_body: bool,
                  workers: int) -> Iterator[Any]:
    """Every slice's Arrow table, in key order; slices read in parallel when worth it."""
    import pyarrow as pa

    slices = key_slices(store, table, rows=2_000 if table == "articles" else SLICE_ROWS)
    if workers <= 1 or len(slices) < 3:
        for key_range in slices:
            yield slice_table(store, table, filters, key_range, with_body=with_body)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method)) as pool:
        pending: deque[Future[bytes]] = deque()
        for key_range in slices:
            pending.append(pool.submit(_slice_ipc, str(store.path), table, filters, key_range,
                                       with_body))
            if len(pending) > 2 * workers:
                yield pa.ipc.open_stream(pending.popleft().result()).read_all()
        while pending:
            yield pa.ipc.open_stream(pending.popleft().result()).read_all()


def _write_parquet(store: Store, table: str, path: Path, *, filters: Filters, with_body: bool,
                   workers: int) -> int:
    import pyarrow.parquet as pq

    schema = arrow_schema(export_columns(table, with_body=with_body)[1:])
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for part in _slice_tables(store, table, filters, with_body=with_body, workers=workers):
            writer.write_table(part)
            count += part.num_rows
    return count
