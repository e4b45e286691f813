"""Parquet shards of the eventdesk/1 tables: atomic writes, a manifest, and loading into a store.

A distributed run (``eventdesk run-ray``) writes its results as shards in one folder, which
must be on storage every node sees:

    OUT/manifest.jsonl                   one line per finished shard, in the order to load them
    OUT/articles/part-<shard>.parquet    identity, text hash, article columns, eventdesk/1 JSON
    OUT/events/part-<shard>.parquet      flat event rows (the ``events`` columns of docs/tables.md)
    OUT/failures/part-<shard>.parquet    inputs that could not be read or extracted

Every file is written under a temporary name, flushed to disk and renamed, so a reader never
sees half a file. A shard counts as finished only once its manifest line is written, after
all its files are in place; files no manifest line names (a killed run's) are removed by the
next run and never loaded. ``eventdesk load`` stores the finished shards through the Store's
own ``add_many`` (identities, text hashes, cross-article dedup), so loading twice adds nothing.
No Ray needed here: shards can be read and loaded on any machine.
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .store import EVENT_COLUMNS, Status, Store, event_row

FORMAT = "eventdesk-shards/1"
MANIFEST = "manifest.jsonl"
TABLES = ("articles", "events", "failures")
TMP_MARK = ".tmp-"

Record = tuple[dict[str, Any], str, str]  # (eventdesk/1 dict, identity, text hash)


@dataclass(frozen=True, slots=True)
class FailureRow:
    """An input that could not be read or extracted (``text_hash`` None when never read)."""

    item: str
    reason: str
    message: str
    text_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Shard:
    """One finished shard read back: its articles (in input order) and its failures."""

    name: str
    records: list[Record]
    failures: list[FailureRow]


# --- schemas and rows ---------------------------------------------------------------------

def _arrow_type(kind: str) -> Any:
    import pyarrow as pa
    return {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}.get(kind, pa.string())


_ARTICLE_FIELDS = (("identity", "str"), ("text_hash", "str"), ("article_id", "str"),
                   ("title", "str"), ("source", "str"), ("url", "str"), ("published", "str"),
                   ("language", "str"), ("n_entities", "int"), ("n_quotes", "int"),
                   ("n_times", "int"), ("n_places", "int"), ("n_events", "int"),
                   ("extraction", "str"))
_FAILURE_FIELDS = (("item", "str"), ("reason", "str"), ("message", "str"), ("text_hash", "str"))


def _event_fields() -> list[tuple[str, str, str]]:
    """(event_row key, column name, kind): the store's own ``events`` columns that
    ``store.event_row`` fills, under their export names (``type`` -> ``event_type``)."""
    sample = event_row({}, {}, {})
    out = []
    for column in EVENT_COLUMNS:
        key = column.sql.removeprefix("e.")
        if column.sql.startswith("e.") and key in sample:
            out.append((key, column.name, column.kind))
    return out


def schema(table: str) -> Any:
    """The Arrow schema of a shard table (the same in every shard, so they read as one)."""
    import pyarrow as pa
    if table == "articles":
        fields = [(n, k) for n, k in _ARTICLE_FIELDS]
    elif table == "failures":
        fields = [(n, k) for n, k in _FAILURE_FIELDS]
    elif table == "events":
        fields = [("event_id", "str"), ("article_id", "str"), ("local_id", "str"),
                  *((name, kind) for _, name, kind in _event_fields())]
    else:
        raise ConfigError(f"no shard table {table!r}; expected one of {', '.join(TABLES)}",
                          reason="unknown_table")
    return pa.schema([(name, _arrow_type(kind)) for name, kind in fields])


def event_uid(identity: str, text_hash: str, local_id: str) -> str:
    """An event's stable id; the store derives ``events.uid`` the same way (a test checks)."""
    key = f"{identity}\x1f{text_hash}\x1f{local_id}"
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]


def article_row(record: Record) -> dict[str, Any]:
    doc, identity, text_hash = record
    article = doc["article"]
    counts = {f"n_{t}": len(doc.get(t) or []) for t in ("entities", "quotes", "times", "places",
                                                         "events")}
    return {"identity": identity, "text_hash": text_hash, "article_id": article.get("id"),
            **{k: article.get(k) for k in ("title", "source", "url", "published", "language")},
            **counts, "extraction": json.dumps(doc, ensure_ascii=False, separators=(",", ":"))}


def event_rows(record: Record) -> list[dict[str, Any]]:
    """The flat ``events`` rows of one article (store.event_row, export column names)."""
    doc, identity, text_hash = record
    entities = {e["id"]: e for e in doc.get("entities") or []}
    places = {p["id"]: p for p in doc.get("places") or []}
    fields = _event_fields()
    rows = []
    for event in doc.get("events") or []:
        flat = event_row(event, entities, places)
        row: dict[str, Any] = {"event_id": event_uid(identity, text_hash, event["id"]),
                               "article_id": identity, "local_id": event["id"]}
        for key, name, kind in fields:
            value = flat[key]
            row[name] = bool(value) if kind == "bool" and value is not None else value
        rows.append(row)
    return rows


def shard_name(records: list[Record], failures: list[FailureRow]) -> str:
    """A name derived from what the shard holds: the same work always gets the same name."""
    digest = hashlib.sha256()
    for _, identity, text_hash in records:
        digest.update(f"a\x1f{identity}\x1f{text_hash}\x1e".encode("utf-8", "surrogatepass"))
    for failure in failures:
        digest.update(f"f\x1f{failure.item}\x1f{failure.text_hash}\x1e".encode(
            "utf-8", "surrogatepass"))
    return digest.hexdigest()[:24]


# --- writing ------------------------------------------------------------------------------

def _part(out: Path, table: str, name: str) -> Path:
    return out / table / f"part-{name}.parquet"


def _write_atomic(table: Any, path: Path) -> None:
    """Write an Arrow table to a temporary file beside ``path``, fsync, rename."""
    import pyarrow.parquet as pq
    tmp = path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")
    with tmp.open("wb") as handle:
        pq.write_table(table, handle, compression="zstd")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_shard(out: Path, records: list[Record], failures: list[FailureRow]) -> dict[str, Any]:
    """Write one shard's tables atomically; its manifest entry (not yet appended)."""
    import pyarrow as pa
    name = shard_name(records, failures)
    rows = {"articles": [article_row(r) for r in records],
            "events": [row for r in records for row in event_rows(r)],
            "failures": [{"item": f.item, "reason": f.reason, "message": f.message,
                          "text_hash": f.text_hash} for f in failures]}
    for table, table_rows in rows.items():
        (out / table).mkdir(parents=True, exist_ok=True)
        _write_atomic(pa.Table.from_pylist(table_rows, schema=schema(table)),
                      _part(out, table, name))
    return {"format": FORMAT, "shard": name, "articles": len(records),
            "events": len(rows["events"]), "failures": len(failures),
            "chars": sum(len(doc["article"].get("body") or "") for doc, _, _ in records)}


def append_manifest(out: Path, entry: dict[str, Any]) -> None:
    """Mark a shard finished: one line appended to the manifest and flushed to disk."""
    line = json.dumps({**entry, "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, ensure_ascii=False)
    with (out / MANIFEST).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


# --- reading ------------------------------------------------------------------------------

def read_manifest(out: Path) -> list[dict[str, Any]]:
    """Finished shards in the order they were finished (a torn last line is ignored)."""
    path = out / MANIFEST
    if not path.exists():
        return []
    entries: dict[str, dict[str, Any]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a run killed while appending leaves at most one torn line
        if isinstance(entry, dict) and entry.get("format") == FORMAT:
            entries.setdefault(entry["shard"], entry)
    return list(entries.values())


def check_folder(out: Path) -> list[dict[str, Any]]:
    """The manifest of a shard folder; ConfigError when ``out`` is not one."""
    if not (out / MANIFEST).exists():
        raise ConfigError(f"{out} has no {MANIFEST}: expected a folder written by `eventdesk"
                          " run-ray --out`; run that first (or pass the folder it wrote)",
                          reason="no_shards")
    return read_manifest(out)


def _read_table(out: Path, table: str, name: str, columns: list[str] | None = None) -> Any:
    import pyarrow.parquet as pq
    return pq.read_table(_part(out, table, name), columns=columns, schema=schema(table))


def finished(out: Path) -> dict[str, str | None]:
    """identity -> text hash of everything finished shards hold (articles and failures):
    what a rerun skips."""
    done: dict[str, str | None] = {}
    for entry in read_manifest(out):
        name = entry["shard"]
        failures = _read_table(out, "failures", name, ["item", "text_hash"]).to_pylist()
        done.update((f["item"], f["text_hash"]) for f in failures)
        articles = _read_table(out, "articles", name, ["identity", "text_hash"]).to_pylist()
        done.update((a["identity"], a["text_hash"]) for a in articles)
    return done


def read_shard(out: Path, name: str) -> Shard:
    articles = _read_table(out, "articles", name, ["identity", "text_hash", "extraction"])
    records = [(json.loads(a["extraction"]), a["identity"], a["text_hash"])
               for a in articles.to_pylist()]
    failures = [FailureRow(**f) for f in _read_table(out, "failures", name).to_pylist()]
    return Shard(name, records, failures)


def iter_shards(out: Path) -> Iterator[Shard]:
    """Finished shards, in manifest order."""
    for entry in check_folder(out):
        yield read_shard(out, entry["shard"])


def remove_unfinished(out: Path) -> int:
    """Delete temporary files and parts no manifest line names (a killed run's); how many."""
    names = {e["shard"] for e in read_manifest(out)}
    removed = 0
    for table in TABLES:
        for path in sorted((out / table).glob("part-*")) if (out / table).is_dir() else []:
            name = path.name.removeprefix("part-").split(".parquet")[0]
            if TMP_MARK in path.name or name not in names:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


# --- loading into a store -------------------------------------------------------------------

@dataclass(slots=True)
class LoadSummary:
    shards: int = 0
    stored: int = 0
    replaced: int = 0
    unchanged: int = 0
    failed: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        return (f"loaded {self.shards} shards in {self.seconds:.1f} s: {self.stored} new,"
                f" {self.replaced} replaced, {self.unchanged} unchanged, {self.failed} failed")


def load(out: Path, store: Store, *, command: str = "load",
         on_shard: Callable[[Shard], None] | None = None) -> LoadSummary:
    """Store every finished shard of ``out`` (manifest order, one transaction per shard)."""
    from . import __version__
    summary = LoadSummary()
    started = time.perf_counter()
    run_id = store.start_run(command=command, model="(shards)", version=__version__)
    for shard in iter_shards(out):
        for status in _add_shard(store, shard.records, run_id=run_id, summary=summary):
            setattr(summary, status, getattr(summary, status) + 1)
        for failure in shard.failures:
            store.record_failure(failure.item, failure.reason, failure.message, run_id=run_id)
        summary.failed += len(shard.failures)
        summary.shards += 1
        if on_shard is not None:
            on_shard(shard)
    summary.seconds = time.perf_counter() - started
    store.finish_run(run_id, status="done", counts={
        "seen": summary.stored + summary.replaced + summary.unchanged + summary.failed,
        "stored": summary.stored + summary.replaced, "unchanged": summary.unchanged,
        "failed": summary.failed})
    return summary


_STORE_ERRORS = (KeyError, TypeError, ValueError, sqlite3.IntegrityError)


def _add_shard(store: Store, records: Iterable[Record], *, run_id: int,
               summary: LoadSummary) -> list[Status]:
    """One transaction for the shard; if the store refuses it, each article alone."""
    records = list(records)
    try:
        return store.add_many(records, run_id=run_id)
    except _STORE_ERRORS:
        statuses: list[Status] = []
        for doc, identity, text_hash in records:
            try:
                statuses.append(store.add(doc, identity=identity, text_hash=text_hash,
                                          run_id=run_id))
            except _STORE_ERRORS as exc:
                store.record_failure(identity, "store_error",
                                     f"the extraction could not be stored ({type(exc).__name__}:"
                                     f" {exc}); please report this with the article",
                                     run_id=run_id)
                summary.failed += 1
        return statuses
