"""The ingest on Ray Data: input shards -> the pipeline in an actor pool -> Parquet shards.

    eventdesk run-ray corpus/ wire.jsonl archive.parquet --out shards/ [--address auto]
    eventdesk load shards/ --db events.db

Ray Data reads the input files (JSON Lines, Parquet, text/HTML/feed/WARC files, folders of
them) as one dataset, in the order ``eventdesk ingest`` reads them; a cheap task step turns
them into one row per input record; ``map_batches`` hands batches
sized by characters to a pool of actors (``num_cpus=1`` each) that load the spaCy pipeline
once and run ``batch.extract_records``, the very function the local process pool runs, then
write each batch as a Parquet shard (``shards.write_shard``: temporary file, fsync, rename).
The driver appends one manifest line per finished shard; a rerun skips every article a
finished shard holds and removes the files of unfinished ones. ``load`` merges the shards
into a store through the Store's own ``add_many`` (identity, hashes, cross-article dedup).

Ray is an optional extra: this module imports it only inside functions, and raises a
ConfigError naming ``pip install 'eventdesk[ray]'`` when it is missing.
"""
from __future__ import annotations

import io
import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from . import shards
from .batch import Summary, batches, extract_records, prepare
from .errors import ConfigError, EventdeskError
from .nlp import DEFAULT_MODEL
from .parse import input_from_json_line
from .pipeline import Failure
from .sources import JSONL_SUFFIXES, WARC_SUFFIXES, Item
from .store import Store

RAY_BATCH_CHARS = 200_000  # characters of input per Ray batch and per output shard
READ_CPUS = 0.0  # reading and splitting files is light: never wait for a CPU the actors hold
PARQUET_SUFFIXES = (".parquet", ".pq")
MAX_BATCH_ROWS = 10_000

Root = tuple[str, str]  # (an input path as given, resolved; the folder ids are relative to)


def require_ray() -> Any:
    """The ``ray`` module, or a ConfigError saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError("the Ray engine needs Ray, which is not installed; install it with"
                          " `pip install 'eventdesk[ray]'` (or use `eventdesk ingest`, which runs"
                          " on this machine without Ray)", reason="ray_missing") from exc
    return ray


# --- planning the inputs ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Inputs:
    """The input files of a run (JSON Lines, Parquet, text, HTML, feeds, WARC), resolved, in
    the order ``ingest`` reads them; ``roots`` name files as ``ingest`` names them."""

    files: tuple[str, ...]
    roots: tuple[Root, ...]


def plan_inputs(paths: Sequence[str], *, glob: str | None = None) -> Inputs:
    """Files below ``paths``, in the order ``eventdesk ingest`` reads them (sorted, no hidden
    files); ConfigError for what Ray cannot read (stdin, URLs, missing paths)."""
    files: list[str] = []
    roots: list[Root] = []
    for path in paths:
        if path == "-" or path.startswith(("http://", "https://")):
            raise ConfigError(f"the Ray engine reads files and folders, not {path!r}; save the"
                              " input to files on shared storage first, or use `eventdesk"
                              " ingest`", reason="ray_input")
        root = Path(path).resolve()
        if not root.exists():
            raise ConfigError(f"no such file or folder: {path}", reason="ray_input")
        roots.append((str(root), str(root.parent)))
        files.extend(str(file) for file in _files(root, glob=glob))
    return Inputs(tuple(files), tuple(roots))


def _files(root: Path, *, glob: str | None) -> list[Path]:
    if not root.is_dir():
        return [root]
    out = []
    for file in sorted(root.rglob(glob or "*")):
        if file.is_file() and not any(p.startswith(".") for p in file.relative_to(root).parts):
            out.append(file)
    return out


def file_id(path: str, roots: Sequence[Root]) -> str:
    """An input file's id, as ``eventdesk ingest`` names it: its path below the parent of the
    folder argument it was found in (``corpus/a/b.txt``), or its name for a file argument."""
    resolved = Path(path.removeprefix("file://")).resolve()
    best: Root | None = None
    for root, base in roots:
        if (resolved == Path(root) or Path(root) in resolved.parents) and \
                (best is None or len(root) > len(best[0])):
            best = (root, base)
    return resolved.relative_to(best[1]).as_posix() if best else resolved.name


def chars_per_row(inputs: Inputs, *, sample_bytes: int = 1 << 20) -> int:
    """About how many characters one input record holds (from the first files' heads)."""
    sizes: list[float] = []
    for path in inputs.files[:8]:
        if path.lower().endswith(JSONL_SUFFIXES):
            with open(path, "rb") as handle:
                lines = [line for line in handle.readlines(sample_bytes) if line.strip()]
            sizes.append(sum(map(len, lines)) / max(1, len(lines)))
        elif path.lower().endswith(PARQUET_SUFFIXES):
            import pyarrow.parquet as pq
            meta = pq.ParquetFile(path).metadata
            raw = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
            sizes.append(raw / max(1, meta.num_rows))
        else:
            sizes.append(os.path.getsize(path))
    return max(1, int(sum(sizes) / len(sizes))) if sizes else 2_000


# --- rows: one per input record -----------------------------------------------------------

def _row(kind: str, name: str, line: int, data: bytes) -> dict[str, Any]:
    return {"kind": kind, "name": name, "line": line, "data": data}


def split_files(batch: Any, *, roots: Sequence[Root]) -> Any:
    """Ray task step: ``{bytes, path}`` rows -> one row per record: a JSON line, a Parquet
    row (as a JSON line, numbered from 1), or a whole document, feed or WARC file for
    ``read_document``/``read_warc`` to take apart."""
    import pyarrow as pa
    rows: list[dict[str, Any]] = []
    for data, path in zip(batch["bytes"].to_pylist(), batch["path"].to_pylist()):
        name = file_id(path, roots)
        lower = path.lower()
        if lower.endswith(JSONL_SUFFIXES):
            rows.extend(_row("jsonl", name, number, line)
                        for number, line in enumerate(io.BytesIO(data), 1) if line.strip())
        elif lower.endswith(PARQUET_SUFFIXES):
            rows.extend(_row("jsonl", name, number, line)
                        for number, line in enumerate(_parquet_lines(data), 1))
        else:
            rows.append(_row("warc" if lower.endswith(WARC_SUFFIXES) else "doc", name, 0, data))
    return pa.Table.from_pylist(rows, schema=_row_schema())


def _parquet_lines(data: bytes) -> Iterator[bytes]:
    """A Parquet table of input records (columns id, text, html, title, published, url,
    source) -> one JSON line per row."""
    import pyarrow.parquet as pq
    for record in pq.read_table(io.BytesIO(data)).to_pylist():
        yield json.dumps(record, ensure_ascii=False, default=str).encode("utf-8")


def _row_schema() -> Any:
    import pyarrow as pa
    return pa.schema([("kind", pa.string()), ("name", pa.string()), ("line", pa.int64()),
                      ("data", pa.binary())])


def row_items(row: dict[str, Any]) -> list[Item]:
    """One input row -> its articles (or Failures), named as ``eventdesk ingest`` names them."""
    from .sources import read_document, read_warc
    data: bytes = row["data"]
    if row["kind"] == "doc":
        return list(read_document(data, item_id=row["name"]))
    if row["kind"] == "warc":
        return list(read_warc(io.BytesIO(data)))
    line = data.decode("utf-8", errors="replace")
    try:
        return [input_from_json_line(line)]
    except EventdeskError as exc:
        return [Failure(_line_name(line, row), exc.reason, exc.message)]


def _line_name(line: str, row: dict[str, Any]) -> str:
    from .sources import _LINE_ID
    match = _LINE_ID.search(line)
    if match:
        return match.group(1)
    return f"{row['name']} line {row['line']}"


# --- the actor ------------------------------------------------------------------------------

class _Finished:
    """What finished shards hold, with the one method ``batch.prepare`` asks a store."""

    def __init__(self, done: dict[str, str | None]) -> None:
        self.done = done

    def stored_hash(self, identity: str) -> str | None:
        return self.done.get(identity)


class ExtractShards:
    """Ray Data callable class: loads the spaCy pipeline once per actor, then turns each
    batch of input rows into Parquet shards (one per ``batch_chars`` characters)."""

    def __init__(self, *, out: str, model: str, batch_chars: int,
                 done: dict[str, str | None]) -> None:
        from .nlp import load_nlp
        load_nlp(model)
        self.out = Path(out)
        self.model = model
        self.batch_chars = batch_chars
        self.finished = _Finished(done)

    def __call__(self, batch: Any) -> Iterator[dict[str, list[Any]]]:
        summary = Summary()
        failures: list[shards.FailureRow] = []

        def failed(failure: Failure) -> None:
            item = failure.id or "input"
            if item in self.finished.done:
                summary.skipped += 1
            else:
                failures.append(shards.FailureRow(item, failure.reason, failure.message))

        items = [item for row in batch.to_pylist() for item in row_items(row)]
        finished = cast(Store, self.finished)  # prepare() asks a store only stored_hash()
        jobs = prepare(items, finished, resume=True, summary=summary, on_failure=failed)
        reported = Summary()
        for chunk in batches(jobs, batch_chars=self.batch_chars):
            yield _entry_row(self._shard(chunk, failures), summary, reported)
            failures.clear()
        if failures or reported.seen < summary.seen:
            rest = shards.write_shard(self.out, [], failures) if failures else None
            yield _entry_row(rest, summary, reported)

    def _shard(self, chunk: list[Any], failures: list[shards.FailureRow]) -> dict[str, Any]:
        records = extract_records([job.item for job in chunk], model=self.model)
        good: list[shards.Record] = []
        for job, record in zip(chunk, records):
            if "error" in record:
                error = record["error"]
                failures.append(shards.FailureRow(job.identity, error["reason"],
                                                  error["message"], job.text_hash))
            else:
                good.append((record, job.identity, job.text_hash))
        return shards.write_shard(self.out, good, failures)


def _entry_row(entry: dict[str, Any] | None, summary: Summary,
               reported: Summary) -> dict[str, list[Any]]:
    """One output row: a shard's manifest entry ("" for none) and the inputs seen and
    skipped since the previous row."""
    seen, skipped = summary.seen - reported.seen, summary.skipped - reported.skipped
    reported.seen, reported.skipped = summary.seen, summary.skipped
    return {"entry": [json.dumps(entry) if entry else ""], "seen": [seen], "skipped": [skipped]}


# --- the driver -----------------------------------------------------------------------------

@dataclass(slots=True)
class RunSummary:
    """What a Ray run did; ``line()`` is its final summary line."""

    seen: int = 0
    skipped: int = 0
    shards: int = 0
    articles: int = 0
    events: int = 0
    failed: int = 0
    removed: int = 0
    workers: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        rate = (self.seen - self.skipped) / self.seconds if self.seconds > 0 else 0.0
        return (f"done: {self.seen} inputs in {self.seconds:.1f} s ({rate:.1f} articles/s,"
                f" {self.workers} workers): {self.articles} articles and {self.events} events in"
                f" {self.shards} new shards, {self.skipped} skipped (finished before),"
                f" {self.failed} failed")


def check_model(model: str) -> None:
    """ModelNotFound now, on the driver, rather than from every actor once Ray has started
    (cheap: the pipeline is loaded only when it is not an installed package, to fail)."""
    import spacy.util
    if not spacy.util.is_package(model) and not Path(model).exists():
        from .nlp import load_nlp
        load_nlp(model)


def connect(address: str | None, *, workers: int | None) -> bool:
    """Join the cluster at ``address`` (``auto``, ``ray://host:10001``, ``host:6379``) or start
    a local Ray (``workers`` CPUs); whether this call started Ray (and so shuts it down)."""
    ray = require_ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address:
        ray.init(address=address, log_to_driver=False)
    else:
        ray.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False,
                 log_to_driver=False)
    return True


def build_dataset(inputs: Inputs, *, out: Path, workers: int, model: str,
                  batch_chars: int, done: dict[str, str | None]) -> Any:
    """The Ray Data plan: read -> split into records -> ExtractShards actors -> entries."""
    ray = require_ray()
    if not inputs.files:
        raise ConfigError("no input files found; check the paths and --glob", reason="ray_input")
    files = ray.data.read_binary_files(list(inputs.files), include_paths=True,
                                       num_cpus=READ_CPUS)
    records = files.map_batches(split_files, batch_format="pyarrow", batch_size=None,
                                fn_kwargs={"roots": inputs.roots}, num_cpus=READ_CPUS)
    rows = min(MAX_BATCH_ROWS, max(1, batch_chars // chars_per_row(inputs)))
    return records.map_batches(
        ExtractShards, batch_format="pyarrow", batch_size=rows, num_cpus=1,
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=workers, initial_size=workers),
        fn_constructor_kwargs={"out": str(out), "model": model, "batch_chars": batch_chars,
                               "done": done})  # read once here, put in Ray's object store


def _rows(dataset: Any) -> Iterator[dict[str, Any]]:
    """The dataset's output rows; an eventdesk error raised in an actor (a spaCy pipeline
    missing on a node, say) comes out as itself rather than wrapped in Ray's errors."""
    try:
        yield from dataset.iter_rows()
    except Exception as exc:
        cause: BaseException | None = exc
        for _ in range(8):  # RayTaskError.cause, then __cause__ chains
            if cause is None or isinstance(cause, EventdeskError):
                break
            cause = getattr(cause, "cause", None) or cause.__cause__
        if isinstance(cause, EventdeskError):
            raise cause from None
        raise


@contextmanager
def _data_context(*, batch_chars: int) -> Iterator[None]:
    """Ray Data settings for a run, restored afterwards:

    - blocks of at most ``batch_chars`` bytes: a JSONL file is read as one block and one
      block goes to one actor call, so without this a big file would run on one actor (and
      report its shards only when all were done); smaller blocks are combined up to the
      batch size estimated from the input;
    - output in input order, so the manifest lists shards in the order ``ingest`` stores
      articles and ``load`` gives the same keys and dedup groups;
    - no Ray progress bars (ours counts articles).
    """
    import ray.data
    context = ray.data.DataContext.get_current()
    saved = (context.target_max_block_size, context.execution_options.preserve_order,
             context.enable_progress_bars, context.print_on_execution_start)
    context.target_max_block_size = batch_chars
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    try:
        yield
    finally:
        (context.target_max_block_size, context.execution_options.preserve_order,
         context.enable_progress_bars, context.print_on_execution_start) = saved


def run(paths: Sequence[str], out: str | Path, *, address: str | None = None,
        workers: int | None = None, batch_chars: int = RAY_BATCH_CHARS,
        model: str = DEFAULT_MODEL, glob: str | None = None, progress: bool = False) -> RunSummary:
    """Run ``paths`` through the pipeline on Ray into Parquet shards in ``out``; a rerun
    skips what finished shards hold. One run per ``out`` folder at a time."""
    from filelock import FileLock, Timeout

    inputs = plan_inputs(paths, glob=glob)
    check_model(model)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(out / ".lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout as exc:
        raise ConfigError(f"another run is writing to {out} (its .lock is held); wait for it or"
                          " pass another --out", reason="out_locked") from exc
    summary = RunSummary()
    started = time.perf_counter()
    try:
        summary.removed = shards.remove_unfinished(out)
        owned = connect(address, workers=workers)
        try:
            _execute(inputs, out, summary=summary, workers=workers, model=model,
                     batch_chars=batch_chars, progress=progress)
        finally:
            if owned:
                require_ray().shutdown()
    finally:
        lock.release()
    summary.seconds = time.perf_counter() - started
    return summary


def _execute(inputs: Inputs, out: Path, *, summary: RunSummary, workers: int | None,
             model: str, batch_chars: int, progress: bool) -> None:
    ray = require_ray()
    from tqdm import tqdm

    summary.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    with _data_context(batch_chars=batch_chars), \
            tqdm(disable=not progress, unit=" inputs", dynamic_ncols=True) as bar:
        dataset = build_dataset(inputs, out=out, workers=summary.workers, model=model,
                                batch_chars=batch_chars, done=shards.finished(out))
        for row in _rows(dataset):
            summary.seen += row["seen"]
            summary.skipped += row["skipped"]
            if row["entry"]:
                entry = json.loads(row["entry"])
                shards.append_manifest(out, entry)
                summary.shards += 1
                summary.articles += entry["articles"]
                summary.events += entry["events"]
                summary.failed += entry["failures"]
            bar.update(row["seen"])
