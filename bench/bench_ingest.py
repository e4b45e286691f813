"""Ingest throughput: bare ``extract_many`` vs ``eventdesk ingest`` with 1 and 2 workers.

    .venv/bin/python bench/bench_ingest.py [--n 1000] [--skip-pool]

The corpus is the dev-set news texts in ../shared/eval/data replicated with fresh ids.
Prints articles/s for each, the store's overhead (the time the store alone needs to write
the same extractions, as a share of the bare pipeline time, and the ingest/bare ratio), and
the store's size per 1,000 articles. Numbers go into docs/performance.md.
"""
from __future__ import annotations

import argparse
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


def timed(label: str, func, n: int) -> float:
    started = time.perf_counter()
    func()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:8.1f} s  {n / seconds:7.1f} articles/s", flush=True)
    return seconds


def store_size(path: Path) -> int:
    with Store(path) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--skip-pool", action="store_true", help="no 2-worker run")
    args = parser.parse_args()
    items = [to_input(d) for d in replicate(news_inputs(), args.n)]
    chars = sum(len(i.text or "") for i in items)
    print(f"{len(items)} articles, {chars / len(items):.0f} characters on average", flush=True)
    load_nlp()
    extract_records(items[:5])  # warm up caches (gazetteer, lexicons)

    records: list[dict] = []
    jobs = [Job(identity_of(i.id, i.url, input_hash(i)), input_hash(i), i) for i in items]
    batched = list(batches(jobs, batch_chars=BATCH_CHARS))

    def bare() -> None:
        for batch in batched:
            records.extend(extract_records([job.item for job in batch]))

    bare_s = timed("bare extract_many", bare, len(items))
    with tempfile.TemporaryDirectory() as tmp:
        write_path = Path(tmp) / "write.db"

        def write_only() -> None:
            with Store(write_path) as store:
                done = 0
                for batch in batched:
                    part = records[done:done + len(batch)]
                    store.add_many([(r, j.identity, j.text_hash) for r, j in zip(part, batch)
                                    if "error" not in r])
                    done += len(batch)

        write_s = timed("store writes alone", write_only, len(items))
        one_path = Path(tmp) / "one.db"
        with Store(one_path) as store:
            one_s = timed("ingest --workers 1", lambda: ingest(items, store), len(items))
        if not args.skip_pool:
            with Store(Path(tmp) / "two.db") as store:
                timed("ingest --workers 2 (incl. start-up)",
                      lambda: ingest(items, store, workers=2), len(items))
        size = store_size(one_path)
        with Store(one_path) as store:
            counts = store.counts()
    print(f"store writes: {100 * write_s / bare_s:.1f}% of the bare pipeline time; "
          f"ingest/bare time ratio {one_s / bare_s:.3f}")
    print(f"store size: {size / 1e6:.1f} MB for {len(items)} articles = "
          f"{size / len(items) * 1000 / 1e6:.1f} MB per 1,000 articles; rows {counts}")


if __name__ == "__main__":
    main()
