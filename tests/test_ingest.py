"""Ingest through the real pipeline: idempotency, resume, broken JSON lines, a feed served on
loopback, a WARC file, stdin, a process pool, Ctrl-C, and a real SIGKILL mid-run."""
from __future__ import annotations

import http.server
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from eventdesk.batch import Job, ingest
from eventdesk.sources import FetchOptions, read_inputs
from eventdesk.store import Store

pytestmark = pytest.mark.slow

ACTORS = ["Russia", "Turkey", "France", "Kenya", "Brazil", "Japan", "Egypt", "Canada"]
VERBS = ["accused", "met with", "criticized", "signed a trade deal with", "threatened",
         "sent aid to", "condemned", "praised"]
CITIES = ["Geneva", "Nairobi", "Ankara", "Paris", "Cairo"]


def article_text(n: int) -> str:
    a, b = ACTORS[n % 8], ACTORS[(n * 3 + 1) % 8]
    return (f"{a} {VERBS[n % 8]} {b} in {CITIES[n % 5]} on Tuesday, officials said. "
            f"The foreign minister of {a} said talks number {n} would continue next week.")


def jsonl_lines(count: int, *, prefix: str = "n") -> list[str]:
    return [json.dumps({"id": f"{prefix}{n}", "text": article_text(n),
                        "published": "2021-03-10T09:00:00"}) for n in range(count)]


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    lines = jsonl_lines(5)
    lines[2:2] = ['{"id": "broken-1", "text": "unterminated', "[1, 2, 3]",
                  json.dumps({"id": "empty-1", "text": "   "})]
    (folder / "wire.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "sub" / "a.txt").write_text(article_text(11), encoding="utf-8")
    (folder / ".hidden.txt").write_text("not an article", encoding="utf-8")
    return folder


def snapshot(store: Store) -> tuple:
    rows = store.conn.execute("SELECT id, text_hash, extraction_hash FROM articles ORDER BY id")
    return store.counts() | {"runs": 0}, [tuple(r) for r in rows]


def check_complete(path: Path) -> None:
    """Integrity, foreign keys, and no half-written article."""
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    for table, column in (("entities", "n_entities"), ("quotes", "n_quotes"),
                          ("times", "n_times"), ("places", "n_places"), ("events", "n_events")):
        bad = conn.execute(f"SELECT a.id FROM articles a WHERE a.{column} != (SELECT count(*)"
                           f" FROM {table} t WHERE t.article_key = a.key)").fetchall()
        assert bad == [], f"articles with missing {table}: {bad}"
    fts = conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
    assert fts == conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    conn.close()


def test_ingest_twice_adds_nothing(corpus, tmp_path):
    with Store(tmp_path / "s.db") as store:
        first = ingest(read_inputs([str(corpus)]), store)
        assert (first.stored, first.failed) == (6, 3)
        before = snapshot(store)
        second = ingest(read_inputs([str(corpus)]), store)
        assert (second.stored, second.replaced, second.unchanged, second.failed) == (0, 0, 6, 3)
        assert snapshot(store) == before
        ids = [r["article_id"] for r in store.articles().rows]
        assert ids == ["corpus/sub/a.txt", "n0", "n1", "n2", "n3", "n4"]
        check_complete(store.path)


def test_broken_lines_are_recorded_and_the_rest_stored(corpus, tmp_path):
    with Store(tmp_path / "s.db") as store:
        ingest(read_inputs([str(corpus)]), store)
        failures = {r["item"]: r["reason"] for r in store.failures().rows}
    assert failures == {"broken-1": "bad_json", "corpus/wire.jsonl line 4": "bad_json",
                        "empty-1": "empty"}


def test_resume_skips_stored_articles_and_a_changed_file_replaces(corpus, tmp_path):
    with Store(tmp_path / "s.db") as store:
        ingest(read_inputs([str(corpus)]), store)
        (corpus / "sub" / "a.txt").write_text(article_text(12), encoding="utf-8")
        summary = ingest(read_inputs([str(corpus)]), store, resume=True)
        assert (summary.skipped, summary.replaced, summary.stored) == (5, 1, 0)
        body = store.extraction("corpus/sub/a.txt")["article"]["body"]
        assert "talks number 12" in body
        assert store.conn.execute("SELECT count(*) FROM articles").fetchone()[0] == 6


def test_glob_limits_the_files_read(corpus, tmp_path):
    with Store(tmp_path / "s.db") as store:
        summary = ingest(read_inputs([str(corpus)], glob="*.txt"), store)
        assert (summary.seen, summary.stored) == (1, 1)


def test_two_workers_store_the_same_rows_as_one(corpus, tmp_path):
    with Store(tmp_path / "one.db") as one, Store(tmp_path / "two.db") as two:
        ingest(read_inputs([str(corpus)]), one, batch_chars=200)
        summary = ingest(read_inputs([str(corpus)]), two, workers=2, batch_chars=200)
        assert summary.stored == 6
        assert snapshot(one) == snapshot(two)


# --- feeds on loopback, WARC ------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Loopback Wire</title><link>http://127.0.0.1/</link><description>d</description>
<item><title>Kenya and Egypt sign deal</title><link>http://127.0.0.1/a1</link>
<guid>urn:wire:a1</guid><pubDate>Tue, 09 Mar 2021 10:00:00 GMT</pubDate>
<description>Kenya signed a trade deal with Egypt in Nairobi on Tuesday, officials said.</description></item>
<item><title>Protest in Paris</title><link>http://127.0.0.1/a2</link>
<pubDate>Wed, 10 Mar 2021 08:30:00 GMT</pubDate>
<content:encoded><![CDATA[<p>Thousands of people protested in Paris on Wednesday against the new law.</p><p>Police said the march was peaceful.</p>]]></content:encoded></item>
<item><title>Empty item</title><link>http://127.0.0.1/a3</link></item>
</channel></rss>"""

PAGE = ("<html><head><title>Ministers meet in Geneva</title></head><body><article>"
        "<h1>Ministers meet in Geneva</h1>"
        "<p>The foreign ministers of Armenia and Azerbaijan met in Geneva on Friday for talks "
        "hosted by the OSCE Minsk Group, the Swiss foreign ministry said in a statement.</p>"
        "<p>The two sides agreed to continue the talks next month, according to the statement,"
        " which gave no further details about the agenda of the meeting.</p>"
        "</article></body></html>")


class _Handler(http.server.BaseHTTPRequestHandler):
    pages = {"/feed.xml": ("application/rss+xml", RSS.encode()),
             "/page.html": ("text/html; charset=utf-8", PAGE.encode())}

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        kind, body = self.pages.get(self.path, ("text/plain", b""))
        self.send_response(200 if self.path in self.pages else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.server.agents.append(self.headers.get("User-Agent"))  # type: ignore[attr-defined]

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.agents = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def test_feed_and_page_served_on_loopback(server, tmp_path):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = [f"{base}/feed.xml", f"{base}/page.html", f"{base}/missing.html"]
    with Store(tmp_path / "s.db") as store:
        summary = ingest(read_inputs(urls), store)
        rows = {r["article_id"]: r for r in store.articles().rows}
        failures = {r["item"]: r["reason"] for r in store.failures().rows}
    assert (summary.stored, summary.failed) == (3, 2)
    assert set(rows) == {"urn:wire:a1", "http://127.0.0.1/a2", f"{base}/page.html"}
    assert (rows["urn:wire:a1"]["title"], rows["urn:wire:a1"]["source"],
            rows["urn:wire:a1"]["published"], rows["urn:wire:a1"]["url"]) == \
        ("Kenya and Egypt sign deal", "Loopback Wire", "2021-03-09T10:00:00", "http://127.0.0.1/a1")
    assert rows[f"{base}/page.html"]["url"] == f"{base}/page.html"
    assert failures == {"http://127.0.0.1/a3": "empty", f"{base}/missing.html": "fetch_failed"}
    assert all(agent and agent.startswith("eventdesk/") for agent in server.agents)


def test_fetch_size_limit(server):
    url = f"http://127.0.0.1:{server.server_address[1]}/page.html"
    (failure,) = read_inputs([url], fetch=FetchOptions(max_bytes=100))
    assert failure.reason == "too_large"


def write_warc(path: Path) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for uri, kind, payload in [
            ("https://news.example/geneva", "text/html; charset=utf-8", PAGE.encode()),
            ("https://news.example/logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
            ("https://news.example/plain", "text/plain",
             article_text(3).encode()),
        ]:
            headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response",
                                                          payload=io.BytesIO(payload),
                                                          http_headers=headers))
        request = StatusAndHeaders("GET /geneva HTTP/1.1", [("Host", "news.example")],
                                   is_http_request=True)
        writer.write_record(writer.create_warc_record("https://news.example/geneva", "request",
                                                      http_headers=request))


def test_warc_responses_become_articles_keyed_by_url(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path)
    with Store(tmp_path / "s.db") as store:
        summary = ingest(read_inputs([str(path)]), store)
        rows = {r["article_id"]: r for r in store.articles().rows}
    assert summary.stored == 2
    assert set(rows) == {"https://news.example/geneva", "https://news.example/plain"}
    assert rows["https://news.example/geneva"]["url"] == "https://news.example/geneva"


# --- the command line: stdin, SIGKILL, Ctrl-C --------------------------------------------

def eventdesk(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "eventdesk", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_cli_ingest_from_stdin_then_query(tmp_path):
    db = tmp_path / "s.db"
    proc = eventdesk("ingest", "-", "--db", str(db), stdin="\n".join(jsonl_lines(3)) + "\n")
    assert proc.returncode == 0, proc.stderr
    assert "3 new" in proc.stderr and "0 failed" in proc.stderr
    listed = eventdesk("articles", "--db", str(db), "--csv")
    assert listed.stdout.splitlines()[0].startswith("key,article_id,text_hash")
    assert [line.split(",")[1] for line in listed.stdout.splitlines()[1:]] == ["n0", "n1", "n2"]


def test_cli_refuses_a_foreign_file_and_leaves_it(tmp_path):
    db = tmp_path / "notes.db"
    db.write_text("my notes, not a database\n" * 20)
    proc = eventdesk("ingest", "-", "--db", str(db), stdin=jsonl_lines(1)[0])
    assert proc.returncode == 3
    assert "not_a_store" in proc.stderr and "Traceback" not in proc.stderr
    assert db.read_text() == "my notes, not a database\n" * 20


def start_ingest(corpus: Path, db: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "eventdesk", "ingest", str(corpus), "--db",
                             str(db), "--batch-chars", "1", "--no-progress"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for_articles(db: Path, proc: subprocess.Popen[str], count: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
            stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            conn.close()
            if stored >= count:
                return stored
        except sqlite3.OperationalError:
            pass  # not created yet
        time.sleep(0.01)
    raise AssertionError(f"ingest never reached {count} articles: {proc.poll()}")


TOTAL = 60


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory) -> tuple[Path, Path]:
    """A 60-article JSONL file and a store built from it without interruption."""
    folder = tmp_path_factory.mktemp("big")
    corpus = folder / "big.jsonl"
    corpus.write_text("\n".join(jsonl_lines(TOTAL)) + "\n", encoding="utf-8")
    reference = folder / "reference.db"
    with Store(reference) as store:
        ingest(read_inputs([str(corpus)]), store)
    return corpus, reference


def test_sigkill_mid_ingest_then_rerun_is_complete(big_corpus, tmp_path):
    corpus, reference = big_corpus
    db = tmp_path / "killed.db"
    for kill_at in (3, 20):  # kill twice, at different points
        proc = start_ingest(corpus, db)
        stored = wait_for_articles(db, proc, kill_at)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert stored < TOTAL
        check_complete(db)
    rerun = eventdesk("ingest", str(corpus), "--db", str(db), "--resume")
    assert rerun.returncode == 0, rerun.stderr
    check_complete(db)
    with Store(db) as killed, Store(reference) as clean:
        assert snapshot(killed) == snapshot(clean)
        assert killed.conn.execute("SELECT count(DISTINCT id) FROM articles").fetchone()[0] == TOTAL


def test_ctrl_c_stops_cleanly_after_the_current_batch(big_corpus, tmp_path):
    corpus, _ = big_corpus
    db = tmp_path / "stopped.db"
    proc = start_ingest(corpus, db)
    wait_for_articles(db, proc, 3)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "stopped early" in stderr and "Traceback" not in stderr
    check_complete(db)
    with Store(db) as store:
        assert store.conn.execute("SELECT status FROM runs").fetchone()[0] == "interrupted"
        assert store.counts()["articles"] < TOTAL


def test_a_record_the_store_cannot_take_fails_alone(tmp_path):
    from eventdesk.batch import Summary, _write
    from eventdesk.model import ArticleInput
    from test_store import rich_extraction

    good = rich_extraction("ok-1").to_json()
    bad = rich_extraction("bad-1").to_json()
    del bad["events"][0]["id"]  # a malformed record from a buggy stage
    jobs = [Job("ok-1", "h1", ArticleInput(id="ok-1", text="x")),
            Job("bad-1", "h2", ArticleInput(id="bad-1", text="y"))]
    failures = []
    summary = Summary()
    with Store(tmp_path / "s.db") as store:
        run_id = store.start_run(command="test", model="none", version="0")
        _write(store, jobs, [good, bad], summary=summary, run_id=run_id,
               on_failure=lambda f, i: failures.append(f))
        assert [r["article_id"] for r in store.articles().rows] == ["ok-1"]
        check_complete(store.path)
    assert summary.stored == 1 and [f.reason for f in failures] == ["store_error"]


def test_cli_refuses_a_missing_path_before_creating_a_store(tmp_path):
    proc = eventdesk("ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "s.db"))
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr
    assert not (tmp_path / "s.db").exists()
