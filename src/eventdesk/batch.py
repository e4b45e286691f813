"""Ingest: inputs -> pipeline (in a process pool) -> store, resumable and safe to kill.

The main process reads inputs, skips what ``--resume`` finds already stored, groups the rest
into batches sized by characters, and hands batches to workers that each load the spaCy
pipeline once (pool initializer) and run the pipeline's own ``extract_many``. Workers return
plain eventdesk/1 dicts (they pickle); only the main process writes, one transaction per
batch of whole articles, in input order. Ctrl-C stops after the batches in flight are
stored; SIGKILL at any moment loses at most the uncommitted batch, which a rerun redoes.
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
import sqlite3
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .model import ArticleInput, Extraction
from .nlp import DEFAULT_MODEL
from .pipeline import Failure, extract_many
from .serialize import error_to_json
from .sources import Item, item_size
from .store import Store, identity_of, input_hash

BATCH_CHARS = 50_000  # characters per batch sent to a worker and committed at once

_worker_model = DEFAULT_MODEL
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Job:
    """One input on its way through: the identity and text hash the store keys it by."""

    identity: str
    text_hash: str
    item: ArticleInput


@dataclass(slots=True)
class Summary:
    """What a run did; ``line()`` is the final summary line."""

    seen: int = 0
    stored: int = 0
    replaced: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        return {"seen": self.seen, "stored": self.stored + self.replaced,
                "unchanged": self.unchanged, "skipped": self.skipped, "failed": self.failed}

    def line(self) -> str:
        done = self.seen - self.skipped
        rate = done / self.seconds if self.seconds > 0 else 0.0
        status = "stopped early (Ctrl-C); rerun with --resume to finish" if self.interrupted \
            else "done"
        return (f"{status}: {self.seen} articles in {self.seconds:.1f} s ({rate:.1f} articles/s):"
                f" {self.stored} new, {self.replaced} replaced, {self.unchanged} unchanged,"
                f" {self.skipped} skipped, {self.failed} failed")


# --- the per-batch function (runs in workers) --------------------------------------------

def init_worker(model: str) -> None:
    """Pool initializer: ignore Ctrl-C (the main process decides) and load spaCy once."""
    global _worker_model
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_model = model
    from .nlp import load_nlp
    load_nlp(model)


def extract_records(items: list[ArticleInput], *, model: str | None = None) -> list[dict[str, Any]]:
    """The pipeline's ``extract_many`` over one batch -> eventdesk/1 dicts or error dicts,
    one per item, in order. Plain dicts, so they pickle across processes (and Ray)."""
    results = extract_many(items, model=model or _worker_model)
    return [r.to_json() if isinstance(r, Extraction) else error_to_json(r) for r in results]


def _extract_batch(items: list[ArticleInput]) -> list[dict[str, Any]]:
    return extract_records(items)


# --- the main process ---------------------------------------------------------------------

def prepare(items: Iterable[Item], store: Store, *, resume: bool,
            summary: Summary, on_failure: Callable[[Failure], None]) -> Iterator[Job]:
    """Inputs -> Jobs keyed by identity and text hash; failures recorded, resumed items skipped."""
    for item in items:
        summary.seen += 1
        if isinstance(item, Failure):
            on_failure(item)
            continue
        text_hash = input_hash(item)
        identity = identity_of(item.id, item.url, text_hash)
        if resume and store.stored_hash(identity) == text_hash:
            summary.skipped += 1
            continue
        yield Job(identity, text_hash, item)


def batches(jobs: Iterable[Job], *, batch_chars: int) -> Iterator[list[Job]]:
    """Jobs grouped so that each batch holds about ``batch_chars`` characters of input."""
    batch: list[Job] = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += item_size(job.item)
        if size >= batch_chars:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class _Stop:
    """First Ctrl-C: finish the batches in flight, then stop. Second: abort now."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\neventdesk: stopping after the current batch (Ctrl-C again to abort)",
              file=sys.stderr)


def ingest(items: Iterable[Item], store: Store, *, workers: int = 1, model: str = DEFAULT_MODEL,
           batch_chars: int = BATCH_CHARS, resume: bool = False, progress: bool = False,
           total: int | None = None, command: str = "") -> Summary:
    """Run inputs through the pipeline into ``store``; the Summary of what happened."""
    from . import __version__

    summary = Summary()
    run_id = store.start_run(command=command, model=model, version=__version__)
    started = time.perf_counter()
    stop = _Stop()
    with _progress(progress, total) as bar, _sigint(stop):
        def failed(failure: Failure, identity: str | None = None) -> None:
            summary.failed += 1
            store.record_failure(failure.id or identity or f"input {summary.seen}", failure.reason,
                                 failure.message, run_id=run_id)
            bar.set_postfix(failed=summary.failed, refresh=False)

        def record(failure: Failure) -> None:
            failed(failure)
            bar.update(1)

        jobs = prepare(items, store, resume=resume, summary=summary, on_failure=record)
        for batch, records in _run(batches(jobs, batch_chars=batch_chars), workers=workers,
                                   model=model, stop=stop):
            _write(store, batch, records, summary=summary, run_id=run_id, on_failure=failed)
            bar.update(len(batch))
    summary.seconds = time.perf_counter() - started
    summary.interrupted = stop.requested
    store.finish_run(run_id, status="interrupted" if stop.requested else "done",
                     counts=summary.as_dict())
    return summary


def _write(store: Store, batch: list[Job], records: list[dict[str, Any]], *, summary: Summary,
           run_id: int, on_failure: Callable[[Failure, str | None], None]) -> None:
    good = [(r, job.identity, job.text_hash) for job, r in zip(batch, records) if "error" not in r]
    try:
        statuses: list[str] = list(store.add_many(good, run_id=run_id))
    except (KeyError, TypeError, ValueError, sqlite3.IntegrityError):
        statuses = _add_one_by_one(store, good, run_id=run_id, on_failure=on_failure)
    for status in statuses:
        if status != "failed":
            setattr(summary, status, getattr(summary, status) + 1)
    for job, record in zip(batch, records):
        if "error" in record:
            error = record["error"]
            on_failure(Failure(job.identity, error["reason"], error["message"]), job.identity)


def _add_one_by_one(store: Store, good: list[tuple[dict[str, Any], str, str]], *, run_id: int,
                    on_failure: Callable[[Failure, str | None], None]) -> list[str]:
    """A batch the store refused as a whole: store each article alone, record the bad ones."""
    statuses: list[str] = []
    for record, identity, text_hash in good:
        try:
            statuses.append(store.add(record, identity=identity, text_hash=text_hash,
                                      run_id=run_id))
        except (KeyError, TypeError, ValueError, sqlite3.IntegrityError) as exc:
            log.exception("cannot store %r", identity)
            on_failure(Failure(identity, "store_error",
                               f"the extraction could not be stored ({type(exc).__name__}: "
                               f"{exc}); please report this with the article"), identity)
            statuses.append("failed")
    return statuses


def _run(work: Iterator[list[Job]], *, workers: int, model: str,
         stop: _Stop) -> Iterator[tuple[list[Job], list[dict[str, Any]]]]:
    """(batch, records) in input order, from this process or a pool of ``workers``."""
    if workers <= 1:
        for batch in work:
            yield batch, extract_records([job.item for job in batch], model=model)
            if stop.requested:
                return
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=init_worker,
                             initargs=(model,)) as pool:
        pending: deque[tuple[list[Job], Future[list[dict[str, Any]]]]] = deque()
        for batch in work:
            pending.append((batch, pool.submit(_extract_batch, [job.item for job in batch])))
            while len(pending) >= 2 * workers or (stop.requested and pending):
                done, future = pending.popleft()
                yield done, future.result()
            if stop.requested:
                break
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


class _progress:
    """A tqdm bar on stderr (articles/s, failures, ETA when the total is known)."""

    def __init__(self, show: bool, total: int | None) -> None:
        from tqdm import tqdm
        self.bar = tqdm(total=total, disable=not show, unit=" articles", file=sys.stderr,
                        dynamic_ncols=True, smoothing=0.1)

    def __enter__(self) -> Any:
        return self.bar

    def __exit__(self, *exc: object) -> None:
        self.bar.close()


class _sigint:
    """Install ``handler`` for SIGINT while ingesting (main thread only)."""

    def __init__(self, handler: _Stop) -> None:
        self.handler = handler
        self.old: Any = None

    def __enter__(self) -> None:
        if threading.current_thread() is threading.main_thread():
            self.old = signal.signal(signal.SIGINT, self.handler)

    def __exit__(self, *exc: object) -> None:
        if self.old is not None:
            signal.signal(signal.SIGINT, self.old)
