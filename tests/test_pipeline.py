"""The whole pipeline: spans point at their words, the seed reads as its golden file says."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eventdesk
from conftest import ROOT, SHARED, needs_shared

GOLDEN = ROOT / "tests" / "golden" / "seed.json"

FRAGMENTS = [
    "Azerbaijani President Ilham Aliyev said Friday", "\u201cWe will return,\u201d he said.",
    '"It has begun," Maria Zakharova said on Facebook.', "Protesters marched in Paris on Monday.",
    "Russian troops shelled Kharkiv, killing at least 12 people.", "according to the UN,",
    "The Kremlin said in a statement released on Thursday", "\u2018", '"', "\n\n", " ", ".",
    "since 1992", "last week", "Washington and Moscow", "Prime Minister of Armenia Nikol Pashinyan",
]


def all_spans(doc: dict) -> list[dict]:
    spans = [m for e in doc["entities"] for m in e["mentions"]]
    spans += [m for p in doc["places"] for m in p["mentions"]]
    spans += doc["quotes"] + doc["times"]
    for q in doc["quotes"]:
        spans += [q[k] for k in ("speaker_span", "cue_span") if q.get(k)]
    for e in doc["events"]:
        spans += [e["trigger"], *e.get("mentions", [])]
        spans += [c["span"] for c in e["counts"].values() if c.get("span")]
    return spans


def assert_spans_point_at_their_text(doc: dict) -> None:
    art = doc["article"]
    for span in all_spans(doc):
        source = art["title"] if span.get("in") == "title" else art["body"]
        assert 0 <= span["start"] <= span["end"] <= len(source or "")
        assert source[span["start"]:span["end"]] == span["text"], span


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), min_size=1, max_size=12))
def test_every_span_equals_its_slice(parts):
    text = " ".join(parts)
    try:
        doc = eventdesk.extract(text).to_json()
    except eventdesk.InputError as exc:
        assert exc.reason in {"empty", "binary", "no_text", "too_large", "bad_input"}
        return
    assert_spans_point_at_their_text(doc)


def test_seed_spans_point_at_their_text(seed):
    assert_spans_point_at_their_text(seed)
    assert len(all_spans(seed)) > 20


def test_seed_matches_golden_file(seed):
    """Whole-article output, reviewed as a diff. EVENTDESK_UPDATE_GOLDEN=1 rewrites the file."""
    text = json.dumps(seed, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("EVENTDESK_UPDATE_GOLDEN") or not GOLDEN.exists():
        GOLDEN.write_text(text, encoding="utf-8")
        pytest.skip("golden file written; review it with git diff")
    assert text == GOLDEN.read_text(encoding="utf-8"), \
        "seed output changed: review with EVENTDESK_UPDATE_GOLDEN=1 pytest tests/test_pipeline.py; git diff"


def test_extract_many_keeps_input_order_and_failures():
    inputs = [{"id": "a", "text": "Putin met Erdogan in Sochi."}, {"id": "b", "text": "   "},
              {"id": "c", "text": "Police arrested 12 protesters in Minsk on Sunday."}]
    results = list(eventdesk.extract_many(inputs))
    assert [r.article.id if isinstance(r, eventdesk.Extraction) else r.id for r in results] == ["a", "b", "c"]
    assert isinstance(results[1], eventdesk.Failure) and results[1].reason == "empty"


@needs_shared
def test_seed_checklist_passes():
    """../shared/eval/check_seed.py: what a careful analyst reads out of the seed."""
    proc = subprocess.run(
        [sys.executable, str(SHARED / "eval" / "check_seed.py"),
         "--run", f"{sys.executable} -m eventdesk extract {{in}}"],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
