"""Ingest throughput: bare ``extract_many`` vs ``eventdesk ingest`` with 1 and 2 workers.

    .venv/bin/python bench/bench_ingest.py [--n 1000] [--skip-pool]

The corpus is the dev-set news texts in ../shared/eval/data replicated with fresh ids.
Prints articles/s for each, the store's overhead (the time the store alone needs to write
the same extractions, as a share of the bare pipeline time, and the ingest/bare ratio), and
the store's size per 1,000 articles. Numbers go into docs/performance.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import news_inputs, replicate  # noqa: E402

from eventdesk.batch import BATCH_CHARS, Job, batches, extract_records, ingest  # noqa: E402
from eventdesk.nlp import load_nlp  # noqa: E402
from eventdesk.parse import to_input  # noqa: E402
from eventdesk.store import Store, identity_of, input_hash  # noqa: E402


class Clock:
    """Wall and CPU (this process) seconds, summed over many timed slices."""

    def __init__(self) -> None:
        self.wall = self.cpu = 0.0

    def time(self, func) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu

    def line(self, label: str, n: int) -> str:
        return (f"{label:<36} wall {self.wall:7.1f} s ({n / self.wall:6.1f} articles/s)"
                f"   cpu {self.cpu:7.1f} s ({n / self.cpu:6.1f} articles/s)")


def store_size(path: Path) -> int:
    with Store(path) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def _bare(part: list[Job]) -> list[dict]:
    out: list[dict] = []
    for batch in batches(part, batch_chars=BATCH_CHARS):
        out.extend(extract_records([job.item for job in batch]))
    return out


def _write_only(store: Store, part: list[Job], records: list[dict]) -> None:
    done = 0
    for batch in batches(part, batch_chars=BATCH_CHARS):
        chunk = records[done:done + len(batch)]
        store.add_many([(r, j.identity, j.text_hash) for r, j in zip(chunk, batch)
                        if "error" not in r])
        done += len(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--skip-pool", action="store_true", help="no 2-worker run")
    parser.add_argument("--slice", type=int, default=50, help="articles per interleaved slice")
    args = parser.parse_args()
    items = [to_input(d) for d in replicate(news_inputs(), args.n)]
    chars = sum(len(i.text or "") for i in items)
    print(f"{len(items)} articles, {chars / len(items):.0f} characters on average", flush=True)
    load_nlp()
    extract_records(items[:5])  # warm up caches (gazetteer, lexicons)

    jobs = [Job(identity_of(i.id, i.url, input_hash(i)), input_hash(i), i) for i in items]
    slices = [jobs[k:k + args.slice] for k in range(0, len(jobs), args.slice)]
    bare, write, full = Clock(), Clock(), Clock()
    with tempfile.TemporaryDirectory() as tmp:
        one_path = Path(tmp) / "one.db"
        with Store(Path(tmp) / "write.db") as write_store, Store(one_path) as store:
            for part in slices:  # interleaved, so a busy machine slows all three alike
                records: list[dict] = []
                bare.time(lambda: records.extend(_bare(part)))
                write.time(lambda: _write_only(write_store, part, records))
                full.time(lambda: ingest([job.item for job in part], store))
        print(bare.line("bare extract_many", len(items)))
        print(write.line("store writes alone", len(items)))
        print(full.line("ingest --workers 1", len(items)), flush=True)
        if not args.skip_pool:
            pool = Clock()
            with Store(Path(tmp) / "two.db") as store:
                pool.time(lambda: ingest(items, store, workers=2))
            print(f"{'ingest --workers 2 (incl. start-up)':<36} wall {pool.wall:7.1f} s "
                  f"({len(items) / pool.wall:6.1f} articles/s)")
        size = store_size(one_path)
        with Store(one_path) as store:
            counts = store.counts()
    print(f"store overhead: writes are {100 * write.cpu / bare.cpu:.1f}% of the bare pipeline's"
          f" CPU time; ingest/bare = {full.cpu / bare.cpu:.3f} (CPU), "
          f"{full.wall / bare.wall:.3f} (wall)")
    print(f"store size: {size / 1e6:.1f} MB for {len(items)} articles = "
          f"{size / len(items) * 1000 / 1e6:.1f} MB per 1,000 articles; rows {counts}")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
