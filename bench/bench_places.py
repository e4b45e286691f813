"""Geocoding cost: its share of extract_many time, and the gazetteer's cold load time and memory.

    python bench/bench_places.py [--limit N] [JSONL ...]

Defaults to the geowebnews and polnear dev inputs in ../shared/eval/data. Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "eval" / "data"
DEFAULT = [DATA / "places-geowebnews.jsonl", DATA / "quotes-polnear.jsonl"]

LOAD_PROBE = """
import json, resource, time
def rss():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
import eventdesk  # the package itself imports spaCy; reported apart from the gazetteer
imported, rss_imported = time.perf_counter() - started, rss()
started = time.perf_counter()
from eventdesk.gazetteer import load_gazetteer
gaz = load_gazetteer()
gaz.lookup("Paris")
seconds = time.perf_counter() - started
lookups = time.perf_counter()
for name in ["Moscow", "Kyiv", "Georgia", "St. Louis", "Springfield"] * 200:
    gaz.lookup(name)
per_lookup = (time.perf_counter() - lookups) / 1000
print(json.dumps({"load_seconds": round(seconds, 4), "lookup_ms": round(per_lookup * 1000, 3),
                  "rss_added_by_gazetteer_mb": round(rss() - rss_imported, 1),
                  "max_rss_mb": round(rss(), 1), "package_import_seconds": round(imported, 2),
                  "package_import_rss_mb": round(rss_imported, 1),
                  "file_mb": round(gaz.path.stat().st_size / 2**20, 1)}))
"""


def load_cost() -> dict:
    """Load the (already built) gazetteer in a fresh interpreter: time and peak memory."""
    subprocess.run([sys.executable, "-c", "from eventdesk.gazetteer import load_gazetteer; "
                    "load_gazetteer()"], check=True)  # make sure it is built first
    baseline = subprocess.run([sys.executable, "-c", "import resource, json; print(json.dumps("
                               "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))"],
                              capture_output=True, text=True, check=True)
    out = subprocess.run([sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    result["python_baseline_rss_mb"] = round(float(baseline.stdout), 1)
    return result


def geocode_share(paths: list[Path], limit: int) -> dict:
    """Run extract_many over the inputs, timing the geocode stage inside it."""
    import eventdesk.pipeline as pipeline

    inputs = [json.loads(line)["input"] for p in paths for line in open(p, encoding="utf-8")][:limit]
    spent = [0.0]
    real = pipeline.geocode

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started

    pipeline.geocode = timed
    list(pipeline.extract_many(inputs[:2]))  # warm up: spaCy, gazetteer
    spent[0] = 0.0
    started = time.perf_counter()
    results = list(pipeline.extract_many(inputs))
    total = time.perf_counter() - started
    places = sum(len(r.places) for r in results if hasattr(r, "places"))
    return {"articles": len(inputs), "places": places, "extract_seconds": round(total, 2),
            "geocode_seconds": round(spent[0], 3), "geocode_share": round(spent[0] / total, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps({"gazetteer": load_cost(), "extract": geocode_share(args.inputs, args.limit)},
                     indent=2))


if __name__ == "__main__":
    main()
