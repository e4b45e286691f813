"""Store tables -> JSON Lines, CSV or Parquet files with flat, documented columns.

Column layouts are in ``docs/tables.md``; names follow GDELT and ACLED where one exists
(``actor1``, ``actor1_country``, ``assoc_actor_1``, ``fatalities``, ``quad_class``,
``num_mentions``, ``num_sources``, ``source_url``...). Files are written to a temporary name
and renamed, so a killed export never leaves a half file under the real name.
"""
from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal

from .errors import ConfigError
from .store import TABLES, Column, Filters, Store

Format = Literal["jsonl", "csv", "parquet"]
FORMATS = ("jsonl", "csv", "parquet")
EXPORT_TABLES = ("events", "dedup_events", "quotes", "entities", "articles", "failures")


def export_table(store: Store, table: str, path: str | Path, *, format: Format,
                 filters: Filters | None = None, with_body: bool = True) -> int:
    """Write ``table`` (optionally filtered) to ``path``; the number of rows written."""
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
        else:
            chunk = 2_000 if table == "articles" else 50_000  # bodies are large
            columns, lines = store.iter_json(table, filters, with_body=with_body, chunk=chunk)
            writer = _write_jsonl if format == "jsonl" else _write_parquet
            count = writer(temporary, columns, lines)
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


def _write_parquet(path: Path, columns: list[Column], chunks: Iterator[list[str]]) -> int:
    """JSON objects built by SQLite -> Arrow's (C++, multi-threaded) JSON reader -> Parquet."""
    import pyarrow.json as pj
    import pyarrow.parquet as pq

    schema = arrow_schema(columns)
    options = pj.ParseOptions(explicit_schema=schema, newlines_in_values=False)
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for lines in chunks:
            data = ("\n".join(lines) + "\n").encode("utf-8")
            table = pj.read_json(io.BytesIO(data), parse_options=options,
                                 read_options=pj.ReadOptions(block_size=1 << 24))
            writer.write_table(table.select(schema.names).cast(schema))
            count += len(lines)
    return count
