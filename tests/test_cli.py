"""The command line: one JSON object per article, error lines that keep the batch going."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import SAMPLE


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eventdesk", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_extract_file_prints_one_eventdesk_object():
    proc = run("extract", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "eventdesk/1"
    assert "Armenia and Azerbaijan on Friday began" in doc["article"]["body"]


def test_jsonl_keeps_order_and_reports_bad_lines():
    lines = [json.dumps({"id": "a", "text": "Putin met Erdogan in Sochi on Friday."}),
             "{not json",
             json.dumps({"id": "b", "text": ""}),
             json.dumps({"id": "c", "text": "Protesters marched in Paris."})]
    proc = run("extract", "--jsonl", "-", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("article", {}).get("id") or o.get("id") for o in out] == ["a", "line 2", "b", "c"]
    assert out[1]["error"]["reason"] == "bad_json"
    assert out[2]["error"]["reason"] == "empty"
    assert "Traceback" not in proc.stderr


def test_missing_model_names_how_to_install(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Putin met Erdogan.")
    proc = run("extract", str(f), "--model", "xx_no_such_pipeline")
    assert proc.returncode == 3
    assert "model_not_found" in proc.stderr and "install" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
