"""Store tables -> JSON Lines, CSV or Parquet files with flat, documented columns.

Column layouts are in ``docs/tables.md``; names follow GDELT and ACLED where one exists
(``actor1``, ``actor1_country``, ``assoc_actor_1``, ``fatalities``, ``quad_class``,
``num_mentions``, ``num_sources``, ``source_url``...). Files are written to a temporary name
and renamed, so a killed export never leaves a half file under the real name.
"""
from __future__ import annotations

import csv
import json
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
    columns, chunks = store.iter_rows(table, filters, with_body=with_body)
    columns, chunks = columns[1:], (_drop_key(c) for c in chunks)  # the key is internal
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    try:
        writer = {"jsonl": _write_jsonl, "csv": _write_csv, "parquet": _write_parquet}[format]
        count = writer(temporary, columns, chunks)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return count


def _drop_key(chunk: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [row[1:] for row in chunk]


def plain_value(value: Any, column: Column) -> Any:
    """A stored value as it goes into JSON and CSV: 0/1 flags become booleans."""
    if column.kind == "bool" and value is not None:
        return bool(value)
    return value


def _write_jsonl(path: Path, columns: list[Column], chunks: Iterator[list[tuple[Any, ...]]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for chunk in chunks:
            for row in chunk:
                record = {c.name: plain_value(v, c) for c, v in zip(columns, row)}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += len(chunk)
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


def _arrow_batch(columns: list[Column], chunk: list[tuple[Any, ...]], schema: Any) -> Any:
    import pyarrow as pa

    arrays = []
    for index, column in enumerate(columns):
        values = [row[index] for row in chunk]
        if column.kind == "bool":
            arrays.append(pa.array(values, type=pa.int8()).cast(pa.bool_()))
        else:
            arrays.append(pa.array(values, type=schema.field(index).type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _write_parquet(path: Path, columns: list[Column],
                   chunks: Iterator[list[tuple[Any, ...]]]) -> int:
    import pyarrow.parquet as pq

    schema = arrow_schema(columns)
    count = 0
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for chunk in chunks:
            writer.write_batch(_arrow_batch(columns, chunk, schema))
            count += len(chunk)
    return count
