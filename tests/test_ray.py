"""The Ray engine: input planning and naming like ``ingest``, Parquet shards (atomic parts, a
manifest, unfinished parts removed), ``load`` into the store, Ray as an optional extra, and
on a local Ray instance: the same rows as the local engine, and a killed run that reruns
to completion without duplicates."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from eventdesk import shards
from eventdesk.errors import ConfigError
from eventdesk.pipeline import Failure
from eventdesk.ray_engine import file_id, plan_inputs, row_items, split_files
from eventdesk.sources import read_inputs
from eventdesk.store import Store

from test_store import make_extraction

PYTHON = sys.executable

# --- a small corpus ------------------------------------------------------------------------

TEXTS = [
    "Kenya accused Egypt of blocking aid convoys in Nairobi on Tuesday, officials said.",
    "France signed a trade deal with Japan in Paris on Monday. The French president praised"
    " the agreement.",
    "Police arrested 12 protesters in Cairo on Friday, the interior ministry said.",
    "Brazil sent aid to Canada after floods, the government said on Wednesday.",
    "Turkey condemned Russia over air strikes near Ankara on Thursday, the ministry said.",
    "The prime minister of India met with the president of Indonesia in Jakarta on Sunday.",
    "Gunmen killed three soldiers in northern Mali on Saturday, the army said.",
    "Germany threatened sanctions against Belarus on Monday, a government spokesman said.",
]


def _line(n: int) -> str:
    return json.dumps({"id": f"w{n}", "text": TEXTS[n], "published": "2021-03-10T09:00:00",
                       "source": "Wire" if n % 2 else "Daily"})


def build_corpus(tmp: Path) -> dict[str, list[str]]:
    """Ray inputs (JSONL, a text folder, Parquet) and the same articles for ``ingest``
    (the Parquet rows as JSONL): both read in the same order, with the same ids."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    root = tmp / "in"
    (root / "docs" / "sub").mkdir(parents=True)
    lines = [_line(n) for n in range(4)]
    lines.insert(2, '{"id": "broken-1", "text": "unterminated')
    (root / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "docs" / "a.txt").write_text(TEXTS[4], encoding="utf-8")
    (root / "docs" / "sub" / "b.txt").write_text(TEXTS[5], encoding="utf-8")
    (root / "docs" / ".hidden.txt").write_text("not an article", encoding="utf-8")
    rows = [json.loads(_line(n)) for n in (6, 7)]
    pq.write_table(pa.Table.from_pylist(rows), root / "extra.parquet")
    (root / "extra.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    common = [str(root / "wire.jsonl"), str(root / "docs")]
    return {"ray": [*common, str(root / "extra.parquet")],
            "local": [*common, str(root / "extra.jsonl")]}


@pytest.fixture()
def corpus(tmp_path: Path) -> dict[str, list[str]]:
    return build_corpus(tmp_path)


# --- planning and naming (no Ray needed) -----------------------------------------------------

def test_plan_inputs_reads_files_in_ingest_order_and_names_them_alike(corpus):
    inputs = plan_inputs(corpus["ray"])
    names = [file_id(path, inputs.roots) for path in inputs.files]
    assert names == ["wire.jsonl", "docs/a.txt", "docs/sub/b.txt", "extra.parquet"]
    local_ids = [i.id for i in read_inputs(corpus["local"][1:2])]
    assert local_ids == names[1:3]


def test_parquet_rows_are_read_like_json_lines(corpus):
    import pyarrow as pa
    inputs = plan_inputs(corpus["ray"][2:])
    (parquet,) = inputs.files
    batch = pa.table({"bytes": [Path(parquet).read_bytes()], "path": [parquet]})
    rows = split_files(batch, roots=inputs.roots).to_pylist()
    assert [(r["name"], r["line"]) for r in rows] == [("extra.parquet", 1), ("extra.parquet", 2)]
    items = [item for row in rows for item in row_items(row)]
    assert items == list(read_inputs(corpus["local"][2:]))


@pytest.mark.parametrize("path", ["-", "https://example.org/feed.xml", "/no/such/folder"])
def test_plan_inputs_refuses_what_ray_cannot_read(path):
    with pytest.raises(ConfigError) as caught:
        plan_inputs([path])
    assert caught.value.reason == "ray_input"


def test_split_files_gives_one_row_per_line_numbered_like_ingest(corpus):
    import pyarrow as pa
    inputs = plan_inputs(corpus["ray"])
    wire = inputs.files[0]
    batch = pa.table({"bytes": [Path(wire).read_bytes()], "path": [wire]})
    rows = split_files(batch, roots=inputs.roots).to_pylist()
    assert [(r["kind"], r["name"], r["line"]) for r in rows] == \
        [("jsonl", "wire.jsonl", n) for n in (1, 2, 3, 4, 5)]
    items = [item for row in rows for item in row_items(row)]
    local = list(read_inputs([wire]))
    assert items == local
    assert isinstance(items[2], Failure) and items[2].id == "broken-1"


def test_a_broken_line_without_id_is_named_by_file_and_line():
    row = {"kind": "jsonl", "name": "in/wire.jsonl", "line": 7, "data": b"[1, 2]\n"}
    (failure,) = row_items(row)
    assert (failure.id, failure.reason) == ("in/wire.jsonl line 7", "bad_json")


# --- Ray stays optional ------------------------------------------------------------------------

def test_the_cli_and_the_ray_modules_import_without_ray():
    code = ("import sys; sys.modules['ray'] = None\n"
            "import eventdesk.cli, eventdesk.ray_engine, eventdesk.shards, eventdesk.cli_ray\n"
            "assert 'run-ray' in eventdesk.cli.main.commands and 'load' in eventdesk.cli.main.commands")
    subprocess.run([PYTHON, "-c", code], check=True, timeout=120)


def test_run_ray_without_ray_says_how_to_install_it(corpus, tmp_path):
    code = ("import sys; sys.modules['ray'] = None\n"
            "from eventdesk.cli import main; main()")
    done = subprocess.run([PYTHON, "-c", code, "run-ray", *corpus["ray"], "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "[ray_missing]" in done.stderr and "pip install 'eventdesk[ray]'" in done.stderr


def test_a_missing_spacy_pipeline_is_reported_before_ray_starts(corpus, tmp_path):
    from eventdesk.errors import ModelNotFound
    from eventdesk.ray_engine import run
    with pytest.raises(ModelNotFound):
        run(corpus["ray"], tmp_path / "out", model="no_such_pipeline_here")
    assert not (tmp_path / "out").exists()


# --- shards and load (no Ray needed) -----------------------------------------------------------

BODY = "Azerbaijan shelled Ganja on Friday, Armenia said. Armenia attacked Azerbaijan."
EVENTS = [{"type": "ASSAULT", "trigger": "shelled", "actors": [("Azerbaijan", "AZE")],
           "recipients": [("Armenia", "ARM")], "date": "2020-10-09",
           "place": ("Ganja", "AZE", 587057, "city"), "dead": 3}]


def _records(n: int) -> list[shards.Record]:
    return [(make_extraction(f"a{i}", BODY, events=EVENTS, source=f"S{i}").to_json(), f"a{i}",
             f"hash{i}") for i in range(n)]


def test_shards_load_through_the_store_and_twice_adds_nothing(tmp_path):
    out = tmp_path / "out"
    records = _records(3)
    for part in (records[:2], records[2:]):
        shards.append_manifest(out, shards.write_shard(out, part, []))
    shards.append_manifest(out, shards.write_shard(
        out, [], [shards.FailureRow("bad-1", "bad_json", "not JSON")]))
    with Store(tmp_path / "s.db") as store:
        first = shards.load(out, store)
        assert (first.shards, first.stored, first.failed) == (3, 3, 1)
        second = shards.load(out, store)
        assert (second.stored, second.unchanged) == (0, 3)
        uids = {r[0] for r in store.conn.execute("SELECT uid FROM events")}
        dedup = store.conn.execute("SELECT num_articles, num_sources FROM dedup_events").fetchall()
        assert [tuple(r) for r in dedup] == [(3, 3)]  # one event, three reports: cross-article
        assert store.counts()["failures"] == 1
    import pyarrow.dataset as ds
    events = ds.dataset(out / "events", format="parquet").to_table()
    assert set(events["event_id"].to_pylist()) == uids  # the store derives the same ids
    assert events.schema == shards.schema("events")
    assert events["event_type"].to_pylist() == ["ASSAULT"] * 3
    assert events["fatalities"].to_pylist() == [3] * 3


def test_unfinished_parts_are_removed_and_a_torn_manifest_line_ignored(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    records = _records(2)
    done = shards.write_shard(out, records[:1], [])
    shards.append_manifest(out, done)
    orphan = shards.write_shard(out, records[1:], [])  # written, never listed: a killed run
    (out / "articles" / f"part-x.parquet{shards.TMP_MARK}123").write_bytes(b"half")
    with (out / shards.MANIFEST).open("a") as handle:
        handle.write('{"format": "eventdesk-shards/1", "shard": "tor')
    assert [e["shard"] for e in shards.read_manifest(out)] == [done["shard"]]
    assert shards.finished(out) == {"a0": "hash0"}
    assert shards.remove_unfinished(out) == 4  # 3 parts of the orphan + the temporary file
    left = sorted(p.name for p in out.rglob("part-*"))
    assert left == [f"part-{done['shard']}.parquet"] * 3
    assert orphan["shard"] != done["shard"]


def test_load_refuses_a_folder_without_manifest(tmp_path):
    with Store(tmp_path / "s.db") as store, pytest.raises(ConfigError) as caught:
        shards.load(tmp_path, store)
    assert caught.value.reason == "no_shards"


# --- on a local Ray instance -----------------------------------------------------------------

@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def snapshot(db: Path) -> dict[str, list]:
    """Everything the two engines must agree on, keys included (same order of storing)."""
    conn = sqlite3.connect(db)
    queries = {
        "articles": "SELECT key, id, text_hash, extraction_hash FROM articles ORDER BY key",
        "events": "SELECT key, uid, article_key, type, dedup_key FROM events ORDER BY key",
        "dedup": "SELECT key, type, num_mentions, num_articles, num_sources FROM dedup_events"
                 " ORDER BY key",
        "quotes": "SELECT article_key, local_id, text, speaker_name FROM quotes ORDER BY key",
        "failures": "SELECT item, reason FROM failures ORDER BY item",
    }
    out = {name: [tuple(r) for r in conn.execute(sql)] for name, sql in queries.items()}
    conn.close()
    return out


@pytest.fixture(scope="module")
def local_snapshot(tmp_path_factory) -> dict[str, list]:
    """The local engine over the same articles (module-scoped: computed once)."""
    tmp = tmp_path_factory.mktemp("local")
    from eventdesk.batch import ingest
    paths = build_corpus(tmp)["local"]
    with Store(tmp / "local.db") as store:
        ingest(read_inputs(paths), store, batch_chars=300)
    return snapshot(tmp / "local.db")


@pytest.mark.slow
def test_ray_run_then_load_gives_exactly_the_local_rows(ray_local, local_snapshot, tmp_path):
    from eventdesk.ray_engine import run
    paths = build_corpus(tmp_path)["ray"]
    out = tmp_path / "out"
    summary = run(paths, out, workers=2, batch_chars=300)
    assert (summary.seen, summary.articles, summary.failed, summary.skipped) == (9, 8, 1, 0)
    with Store(tmp_path / "ray.db") as store:
        shards.load(out, store)
    assert snapshot(tmp_path / "ray.db") == local_snapshot
    assert len(local_snapshot["articles"]) == 8 and local_snapshot["events"]
    again = run(paths, out, workers=2, batch_chars=300)  # everything finished: all skipped
    assert (again.seen, again.skipped, again.shards) == (9, 9, 0)


def _identities(out: Path) -> list[str]:
    return [identity for shard in shards.iter_shards(out)
            for identity in [i for _, i, _ in shard.records] + [f.item for f in shard.failures]]


@pytest.mark.slow
def test_a_killed_run_reruns_to_completion_without_duplicates(ray_local, local_snapshot,
                                                              tmp_path):
    from eventdesk.ray_engine import run
    paths = build_corpus(tmp_path)["ray"]
    out = tmp_path / "out"
    address = ray_local.get_runtime_context().gcs_address
    command = [PYTHON, "-m", "eventdesk", "run-ray", *paths, "--out", str(out), "--address",
               address, "--workers", "1", "--batch-chars", "1", "--no-progress"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while not shards.read_manifest(out) and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before finishing a shard"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    before = len(_identities(out))
    assert 1 <= before < 9, "the kill came too late to test a rerun"

    summary = run(paths, out, workers=2, batch_chars=300)
    assert (summary.skipped, summary.articles + summary.failed) == (before, 9 - before)
    identities = _identities(out)
    assert len(identities) == len(set(identities)) == 9  # 8 articles + 1 broken line, once each
    assert not list(out.rglob(f"*{shards.TMP_MARK}*"))
    with Store(tmp_path / "ray.db") as store:
        shards.load(out, store)
    assert snapshot(tmp_path / "ray.db") == local_snapshot  # shards still finish in input order

    # a shard lost after its files were written (manifest line gone): redone, once
    lines = (out / shards.MANIFEST).read_text().splitlines()
    lost = json.loads(lines[-1])
    (out / shards.MANIFEST).write_text("\n".join(lines[:-1]) + "\n")
    again = run(paths, out, workers=2, batch_chars=300)
    assert again.removed == 3 and again.skipped == 9 - lost["articles"] - lost["failures"]
    identities = _identities(out)
    assert len(identities) == len(set(identities)) == 9



@pytest.mark.slow
def test_ingest_engine_ray_runs_then_loads_beside_the_store(ray_local, local_snapshot,
                                                            tmp_path):
    from click.testing import CliRunner

    from eventdesk.cli import main
    paths = build_corpus(tmp_path)["ray"]
    db = tmp_path / "events.db"
    result = CliRunner().invoke(main, ["ingest", *paths, "--db", str(db), "--engine", "ray",
                                       "--workers", "2", "--batch-chars", "300",
                                       "--no-progress"])
    assert result.exit_code == 0, result.output
    assert "8 articles" in result.output and "8 new" in result.output
    assert len(shards.read_manifest(Path(f"{db}.shards"))) >= 2
    assert snapshot(db) == local_snapshot
