"""Benchmark corpora: news texts from the dev sets in ../shared/eval/data (when present).

Benchmarks only; tests never depend on this module.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
TEXT_SETS = ("quotes-polnear", "times-meantime", "places-geowebnews", "events-plover-gsr",
             "events-case2021-t2")


def news_inputs(*, limit: int | None = None, sets: tuple[str, ...] = TEXT_SETS) -> list[dict]:
    """Plain-text article inputs (eventdesk/1 input dicts) from the dev sets, in a stable order."""
    out: list[dict] = []
    for name in sets:
        path = SHARED / "eval" / "data" / f"{name}.jsonl"
        if not path.exists():
            raise SystemExit(f"benchmark corpus {path} is missing: run beside ../shared")
        for line in path.open(encoding="utf-8"):
            item = json.loads(line)["input"]
            if item.get("text"):
                out.append(item)
    return out[:limit] if limit else out


def replicate(inputs: list[dict], n: int) -> Iterator[dict]:
    """``n`` inputs cycling over ``inputs`` with fresh ids (for 1,000+ article runs)."""
    for i in range(n):
        item = dict(inputs[i % len(inputs)])
        item["id"] = f"{item.get('id')}#{i // len(inputs)}"
        yield item
