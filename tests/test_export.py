"""Exports: JSONL, CSV and Parquet read back with pandas/pyarrow give the store's rows, and
every exported column is documented in docs/tables.md."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from conftest import ROOT
from eventdesk.errors import ConfigError
from eventdesk.export import EXPORT_TABLES, export_table
from eventdesk.store import TABLES, Store
from test_dedup import other_event, three_articles
from test_store import rich_extraction

TABLES_DOC = ROOT / "docs" / "tables.md"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "x.db"
    with Store(path) as s:
        for result in [*three_articles(), other_event(), rich_extraction()]:
            s.add(result)
        s.record_failure("feed line 3", "bad_json", "line is not JSON")
    with Store(path, readonly=True) as s:
        yield s


def expected_rows(store: Store, table: str) -> list[dict]:
    columns, chunks = store.iter_rows(table, with_body=True)
    rows = [row for chunk in chunks for row in chunk]
    return [{c.name: (bool(v) if c.kind == "bool" and v is not None else v)
             for c, v in zip(columns[1:], row[1:])} for row in rows]


def normalized(records: list[dict]) -> list[dict]:
    """NaN and None alike, numpy scalars as Python values."""
    out = []
    for record in records:
        clean = {}
        for key, value in record.items():
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and math.isnan(value):
                value = None
            clean[key] = value
        out.append(clean)
    return out


@pytest.mark.parametrize("table", EXPORT_TABLES)
def test_parquet_round_trip(store, tmp_path, table):
    path = tmp_path / f"{table}.parquet"
    count = export_table(store, table, path, format="parquet")
    expected = expected_rows(store, table)
    assert count == len(expected) > 0
    assert normalized(pq.read_table(path).to_pylist()) == expected
    frame = pd.read_parquet(path)
    assert list(frame.columns) == list(expected[0])


@pytest.mark.parametrize("table", ["events", "dedup_events", "quotes", "entities"])
def test_csv_round_trip(store, tmp_path, table):
    path = tmp_path / f"{table}.csv"
    export_table(store, table, path, format="csv")
    columns = TABLES[table][0][1:]
    dtypes = {c.name: {"int": "Int64", "float": "float64", "str": "string",
                       "bool": "boolean"}[c.kind] for c in columns}
    frame = pd.read_csv(path, dtype=dtypes, keep_default_na=False, na_values=[""])
    back = normalized([{k: (None if v is pd.NA else v) for k, v in r.items()}
                       for r in frame.to_dict("records")])
    assert back == expected_rows(store, table)


def test_jsonl_round_trip(store, tmp_path):
    path = tmp_path / "events.jsonl"
    export_table(store, "events", path, format="jsonl")
    back = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert back == expected_rows(store, "events")


def test_filtered_export(store, tmp_path):
    from eventdesk.store import Filters
    path = tmp_path / "few.parquet"
    assert export_table(store, "events", path, format="parquet",
                        filters=Filters(since="2020-10-15")) == 1


def test_unknown_table_or_format_is_a_config_error(store, tmp_path):
    with pytest.raises(ConfigError):
        export_table(store, "customers", tmp_path / "x.csv", format="csv")
    with pytest.raises(ConfigError):
        export_table(store, "events", tmp_path / "x.xlsx", format="xlsx")  # type: ignore[arg-type]
    assert not list(tmp_path.iterdir())  # nothing half-written


@pytest.mark.parametrize("table", EXPORT_TABLES)
def test_every_exported_column_is_documented(table):
    doc = TABLES_DOC.read_text(encoding="utf-8")
    section = doc.split(f"## `{table}`", 1)
    assert len(section) == 2, f"docs/tables.md has no section for {table}"
    body = section[1].split("\n## ", 1)[0]
    columns = [c.name for c in TABLES[table][0][1:]] + (["body"] if table == "articles" else [])
    missing = [c for c in columns if f"`{c}`" not in body]
    assert not missing, f"undocumented {table} columns: {missing}"


def test_export_cli_writes_parquet(store, tmp_path):
    out = tmp_path / "cli.parquet"
    proc = subprocess.run([sys.executable, "-m", "eventdesk", "export", "--db", str(store.path),
                           "--table", "events", "--format", "parquet", "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert pq.read_table(out).num_rows == 5
    assert "wrote 5 events rows" in proc.stderr


def test_parallel_parquet_slices_give_the_same_rows(store, tmp_path, monkeypatch):
    import eventdesk.export as export
    monkeypatch.setattr(export, "SLICE_ROWS", 1)  # one row per slice: many slices, 2 workers
    path = tmp_path / "parallel.parquet"
    assert export_table(store, "events", path, format="parquet", workers=2) == 5
    assert normalized(pq.read_table(path).to_pylist()) == expected_rows(store, "events")


def test_unjoined_event_slices_equal_the_joined_select(store):
    """A full events export reads article and dedup columns once and repeats them in Arrow;
    it must give exactly what the joined SELECT (used under filters) gives."""
    from eventdesk.export import slice_table
    from eventdesk.store import Filters

    everything = Filters(since="0000")  # a filter every event passes: the joined path
    for key_range in [(-1, 10**9), (1, 3)]:
        fast = slice_table(store, "events", Filters(), key_range, with_body=False)
        joined = slice_table(store, "events", everything, key_range, with_body=False)
        assert fast.num_rows > 0 and fast.equals(joined)
