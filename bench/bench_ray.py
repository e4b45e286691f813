"""The same articles through the local process pool and through Ray on this machine.

    .venv/bin/python bench/bench_ray.py [--n 1000] [--workers 2] [--batch-chars 500000]

The corpus is the dev-set news texts in ../shared/eval/data replicated with fresh ids,
written to one JSONL file that both engines read. Prints, in articles/s:

- local: ``eventdesk ingest --workers N`` (pool start-up, pipeline, store writes);
- ray: Ray start-up alone, ``run-ray`` into Parquet shards on an already started local Ray
  with N actors, then ``load`` of the shards into a store;

and the ratio of the two end-to-end times (input -> store). Numbers go into
docs/performance.md. Needs the ``ray`` extra.
"""
from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import news_inputs, replicate  # noqa: E402

from eventdesk import shards  # noqa: E402
from eventdesk.batch import ingest  # noqa: E402
from eventdesk.ray_engine import RAY_BATCH_CHARS, require_ray, run  # noqa: E402
from eventdesk.sources import read_inputs  # noqa: E402
from eventdesk.store import Store  # noqa: E402


def timed(label: str, func, n: int) -> float:
    started = time.perf_counter()
    func()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:8.1f} s  {n / seconds:7.2f} articles/s", flush=True)
    return seconds


def rows(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    out = conn.execute("SELECT id, extraction_hash FROM articles ORDER BY key").fetchall()
    conn.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-chars", type=int, default=RAY_BATCH_CHARS)
    args = parser.parse_args()
    ray = require_ray()
    items = list(replicate(news_inputs(), args.n))
    chars = sum(len(i.get("text") or "") for i in items)
    print(f"{len(items)} articles, {chars / len(items):.0f} characters on average,"
          f" {args.workers} workers, {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        corpus = tmp / "corpus.jsonl"
        corpus.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items),
                          encoding="utf-8")

        def local() -> None:
            with Store(tmp / "local.db") as store:
                ingest(read_inputs([str(corpus)]), store, workers=args.workers)

        local_s = timed(f"local: ingest --workers {args.workers}", local, len(items))
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        start_s = timed("ray: start a local Ray", lambda: ray.init(
            num_cpus=args.workers, include_dashboard=False, log_to_driver=False), len(items))
        run_s = timed(f"ray: run-ray, {args.workers} actors", lambda: run(
            [str(corpus)], tmp / "shards", workers=args.workers,
            batch_chars=args.batch_chars), len(items))
        ray.shutdown()

        def load() -> None:
            with Store(tmp / "ray.db") as store:
                shards.load(tmp / "shards", store)

        load_s = timed("ray: load shards into a store", load, len(items))
        same = rows(tmp / "local.db") == rows(tmp / "ray.db")
        ray_s = start_s + run_s + load_s
        print(f"end to end (input -> store): local {local_s:.1f} s, ray {ray_s:.1f} s"
              f" (start {start_s:.1f} + run {run_s:.1f} + load {load_s:.1f});"
              f" ray/local time ratio {ray_s / local_s:.2f}, without Ray start-up"
              f" {(run_s + load_s) / local_s:.2f}; same articles and extractions: {same}")
        print(f"shards: {len(shards.read_manifest(tmp / 'shards'))} for {len(items)} articles"
              f" (--batch-chars {args.batch_chars:,})")


if __name__ == "__main__":
    main()
