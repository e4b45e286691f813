"""Shared fixtures: the spaCy pipeline once per session, paths to ../shared when present."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "src" / "eventdesk" / "data" / "sample" / "cgtn-2020-10-09-karabakh-talks.txt"

needs_shared = pytest.mark.skipif(not (SHARED / "eval" / "score.py").exists(),
                                  reason="../shared (eval data) is not present")


@pytest.fixture(scope="session")
def nlp():
    from eventdesk.nlp import load_nlp
    return load_nlp()


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seed(seed_text):
    """The seed article's eventdesk/1 JSON, computed once."""
    import eventdesk
    return eventdesk.extract(seed_text).to_json()
