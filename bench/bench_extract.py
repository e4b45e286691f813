"""Throughput of extract_many against a bare spaCy pass over the same articles, in one run.

    .venv/bin/python bench/bench_extract.py [--n 600] [--stages]

Prints articles/s for both and their ratio (target: extract_many >= 0.6 of the bare pass).
With --stages, also the time spent in each stage, as a share of the whole (from a separate,
profiled pass: cProfile inflates pure-Python time, so read the shares as an upper bound).

The bare pass is ``spacy.load`` of the same pipeline with nothing of ours added; both passes run
``--rounds`` times, alternating, and the fastest round of each counts, so that a busy machine
shifts both alike.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import news_inputs  # noqa: E402

from eventdesk.model import Article  # noqa: E402
from eventdesk.nlp import DEFAULT_MODEL, load_nlp  # noqa: E402
from eventdesk.parse import parse_article, to_input  # noqa: E402
from eventdesk.pipeline import extract_many  # noqa: E402

STAGES = ("parse_article", "extract_entities", "extract_times", "geocode", "extract_quotes",
          "extract_events")


def bare_pass(nlp, articles: list[Article]) -> float:
    texts = [t for a in articles for t in (a.body, a.title or "")]
    start = time.perf_counter()
    for _ in nlp.pipe(texts, batch_size=64):
        pass
    return time.perf_counter() - start


def full_pass(inputs: list[dict], *, profile: bool = False) -> tuple[float, pstats.Stats | None]:
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    results = list(extract_many(inputs))
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    assert len(results) == len(inputs)
    return elapsed, pstats.Stats(profiler) if profiler else None


def stage_shares(stats: pstats.Stats, total: float) -> dict[str, float]:
    shares = {}
    for (_, _, name), (_, _, _, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        if name in STAGES:
            shares[name] = shares.get(name, 0.0) + cumulative / total
    return shares


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=600)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--stages", action="store_true", help="profile the time of each stage")
    args = ap.parse_args()
    import spacy

    inputs = news_inputs(limit=args.n)
    bare_nlp = spacy.load(DEFAULT_MODEL)
    load_nlp()
    articles = [parse_article(to_input(i)) for i in inputs]
    list(extract_many(inputs[:20]))  # warm up: gazetteers, lexicons, caches
    bare_pass(bare_nlp, articles[:20])
    bare, full = float("inf"), float("inf")
    for _ in range(args.rounds):
        bare = min(bare, bare_pass(bare_nlp, articles))
        full = min(full, full_pass(inputs)[0])
    stats = full_pass(inputs, profile=True)[1] if args.stages else None
    n = len(inputs)
    chars = sum(len(a.body) for a in articles)
    print(f"articles: {n} ({chars / n:,.0f} characters each on average)")
    print(f"bare nlp.pipe:  {n / bare:7.1f} articles/s  ({bare:.1f} s)")
    print(f"extract_many:   {n / full:7.1f} articles/s  ({full:.1f} s)")
    print(f"ratio extract_many / bare: {bare / full:.2f}")
    if stats:
        profiled = stats.total_tt  # type: ignore[attr-defined]
        for name, share in sorted(stage_shares(stats, profiled).items(), key=lambda kv: -kv[1]):
            print(f"  {name:18s} {share:6.1%} of extract_many (profiled)")


if __name__ == "__main__":
    main()
