"""Score eventdesk on every dev set in ../shared/eval/data and print a Markdown table.

    .venv/bin/python bench/quality.py [--tasks quotes,times,...] > /tmp/quality.md

The numbers in docs/quality.md come from this script.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "eval" / "data"
SCORE = ROOT.parent / "shared" / "eval" / "score.py"
EVENTDESK = f"{sys.executable} -m eventdesk extract --jsonl {{in}}"


def score(files: list[Path]) -> dict:
    proc = subprocess.run([sys.executable, str(SCORE), *map(str, files), "--run", EVENTDESK, "--json"],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


SKIP = {"task", "dataset", "split"}


def rows(result: dict) -> list[tuple[str, str]]:
    """One (metric, value) row per number of each dataset's result."""
    out = []
    for res in result["results"]:
        for key, value in res.items():
            if key not in SKIP and not isinstance(value, dict):
                shown = f"{value:.3f}" if isinstance(value, float) else str(value)
                out.append((f"{res['dataset']} {res['split']}: {key}", shown))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tasks", default="extract,quotes,times,places,events")
    args = ap.parse_args()
    for task in args.tasks.split(","):
        files = sorted(DATA.glob(f"{task}-*.jsonl"))
        print(f"\n### {task} ({', '.join(f.stem for f in files)})\n")
        print("| metric | value |\n|---|---|")
        for name, value in rows(score(files)):
            print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
