"""How much event coding adds to extract_many, and how extract_many compares to bare spaCy.

    .venv/bin/python bench/bench_events.py [INPUT.jsonl ...] [--repeat N]

Without inputs it reads the dev event sets in ../shared/eval/data (or the seed article N times).
Prints the time spent in ``extract_events`` as a share of ``extract_many`` (target < 25%) and
the ratio of ``extract_many`` to one bare ``nlp.pipe`` pass over the same texts.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import eventdesk.pipeline as pipeline
from eventdesk.nlp import load_nlp

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT.parent / "shared" / "eval" / "data"
SEED = ROOT / "src" / "eventdesk" / "data" / "sample" / "cgtn-2020-10-09-karabakh-talks.txt"


def load_inputs(paths: list[Path], repeat: int) -> list[dict]:
    paths = paths or sorted(DEV.glob("events-*.jsonl"))
    items = [json.loads(line)["input"] for p in paths for line in p.read_text().splitlines() if line.strip()]
    if not items:
        items = [{"id": "seed", "text": SEED.read_text(encoding="utf-8")}]
    return items * repeat


def timed_events() -> list[float]:
    """Wrap the events stage so every call adds its wall time to the returned list."""
    spent: list[float] = []
    original = pipeline.extract_events

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - start)

    pipeline.extract_events = wrapper  # type: ignore[assignment]
    return spent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    items = load_inputs(args.inputs, args.repeat)
    nlp = load_nlp()
    list(pipeline.extract_many(items[:5]))  # warm up: model, lexicons, gazetteer
    spent = timed_events()
    start = time.perf_counter()
    results = list(pipeline.extract_many(items))
    total = time.perf_counter() - start
    texts = [t for i in items for t in (i.get("text") or "", i.get("title") or "")]
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    bare = time.perf_counter() - start
    events = sum(len(r.events) for r in results if hasattr(r, "events"))
    print(f"articles {len(items)}, events {events}")
    print(f"extract_many {total:.2f}s ({len(items) / total:.1f} articles/s); bare spaCy pass {bare:.2f}s; "
          f"ratio {total / bare:.2f}x")
    print(f"event coding {sum(spent):.2f}s = {100 * sum(spent) / total:.1f}% of extract_many (target < 25%)")


if __name__ == "__main__":
    main()
