"""The HTTP API and pages through httpx (FastAPI's TestClient) over a small store built by the
real pipeline: the seed article, two short wire stories and a hostile one."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import SAMPLE

pytestmark = pytest.mark.slow

HOSTILE_ID = "hostile/<script>"
HOSTILE_SCRIPT = "<script>window.__pwned=1</script>"
ARTICLES = [
    {"id": "seed", "text": SAMPLE.read_text(encoding="utf-8")},
    {"id": "minsk", "title": "Protesters rally in Minsk", "published": "2020-10-11T10:00:00",
     "source": "Wire",
     "text": "MINSK, Oct 11 (Wire) - Thousands of protesters marched in Minsk on Sunday. Police"
             " arrested at least 50 people, the interior ministry said. \"We will not stop,\""
             " opposition leader Svetlana Tikhanovskaya said."},
    {"id": "kyiv", "title": "Ukraine accuses Russia over shelling", "published": "2020-11-02T09:00:00",
     "source": "Wire",
     "text": "KYIV, Nov 2 (Wire) - Ukraine accused Russia of shelling villages near Donetsk on"
             " Sunday. Russian forces attacked positions near Mariupol, the army said."},
    {"id": HOSTILE_ID, "title": f"{HOSTILE_SCRIPT} Russia threatens Ukraine",
     "published": "2020-10-12T08:00:00", "source": "<b>Evil</b>",
     "text": f"MOSCOW, Oct 12 - Russia threatened Ukraine with sanctions on Monday. {HOSTILE_SCRIPT}"
             " \" onmouseover=\"window.__pwned=2\" Foreign Minister Sergei Lavrov said Moscow"
             " would respond. <img src=x onerror=\"window.__pwned=3\">"},
]


def build_store(path: Path) -> Path:
    """Ingest ARTICLES through the real pipeline into a new store at ``path``."""
    from eventdesk.parse import to_input
    from eventdesk.pipeline import extract
    from eventdesk.store import Store, identity_of, input_hash

    with Store(path) as store:
        for article in ARTICLES:
            item = to_input(article)
            text_hash = input_hash(item)
            store.add(extract(item), identity=identity_of(item.id, item.url, text_hash),
                      text_hash=text_hash)
    return path


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    return build_store(tmp_path_factory.mktemp("api") / "events.db")


@pytest.fixture(scope="module")
def client(db):
    from fastapi.testclient import TestClient

    from eventdesk.api import create_app
    with TestClient(create_app(db), raise_server_exceptions=False) as client:
        yield client


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"reason", "message"}, body
    return body["error"]


# --- lists, filters, pages -------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/events", "/api/events?dedup=true", "/api/quotes",
                                  "/api/entities", "/api/places", "/api/articles"])
def test_lists_return_rows_and_a_cursor(client, path):
    body = client.get(path).json()
    assert body["rows"] and "next_cursor" in body and "filters" in body


@pytest.mark.parametrize("query, check", [
    ("type=ASSAULT", lambda r: r["event_type"] == "ASSAULT"),
    ("type=assault,coerce", lambda r: r["event_type"] in ("ASSAULT", "COERCE")),
    ("actor_country=ARM", lambda r: "ARM" in (r["actor_countries"] or "")),
    ("actor_country=rus", lambda r: "RUS" in (r["actor_countries"] or "")),
    ("since=2020-10-11&until=2020-10-31", lambda r: "2020-10-11" <= r["event_date"] <= "2020-10-31"),
    ("article=minsk", lambda r: r["article_id"] == "minsk"),
    ("search=Mariupol", lambda r: r["article_id"] == "kyiv"),
    ("place=BLR", lambda r: r["country"] == "BLR"),
])
def test_event_filters(client, query, check):
    rows = client.get(f"/api/events?{query}").json()["rows"]
    assert rows, query
    assert all(check(r) for r in rows), [(r["event_type"], r["event_date"]) for r in rows]


def test_quote_search_and_speaker(client):
    rows = client.get("/api/quotes?search=stop").json()["rows"]
    assert [r["article_id"] for r in rows] == ["minsk"]
    speakers = client.get("/api/quotes?entity=Ilham%20Aliyev").json()["rows"]
    assert speakers and {r["speaker_name"] for r in speakers} == {"Ilham Aliyev"}


@pytest.mark.parametrize("path, key, value", [
    ("/api/entities?type=PERSON&actor_country=AZE", "name", "Ilham Aliyev"),
    ("/api/places?place=Moscow", "name", "Moscow"),
    ("/api/articles?search=Karabakh", "article_id", "seed"),
])
def test_other_filters(client, path, key, value):
    assert value in {r[key] for r in client.get(path).json()["rows"]}


def test_cursor_pages_cover_every_row_once(client):
    everything = client.get("/api/events?limit=1000").json()["rows"]
    seen, url = [], "/api/events?limit=3"
    while url:
        body = client.get(url).json()
        seen += [r["key"] for r in body["rows"]]
        assert len(body["rows"]) <= 3
        url = body["next"]
    assert seen == [r["key"] for r in everything] and len(seen) > 3


def test_csv_download(client):
    response = client.get("/api/events?format=csv&all=true")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(client.get("/api/events?limit=1000").json()["rows"])
    assert {"event_type", "actor1", "trigger", "sentence"} <= set(rows[0])
    paged = client.get("/api/events?format=csv&limit=2")
    assert paged.headers["x-next-cursor"] and len(list(csv.DictReader(io.StringIO(paged.text)))) == 2


def test_article_is_eventdesk_1_with_offsets(client):
    doc = client.get("/api/articles/seed").json()
    assert doc["schema"] == "eventdesk/1" and doc["events"]
    body = doc["article"]["body"]
    for event in doc["events"]:
        trigger = event["trigger"]
        if trigger.get("in") != "title":
            assert body[trigger["start"]:trigger["end"]] == trigger["text"]


def test_article_ids_with_slashes_and_markup(client):
    doc = client.get(f"/api/articles/{quote(HOSTILE_ID, safe='')}").json()
    assert doc["article"]["id"] == HOSTILE_ID


# --- errors: one shape, never a 500 ----------------------------------------------------

@pytest.mark.parametrize("path, status, reason", [
    ("/api/events?since=yesterday", 400, "bad_parameter"),
    ("/api/events?until=2020-13-45' OR 1=1", 400, "bad_parameter"),
    ("/api/events?type=ASSAULT'--", 400, "bad_parameter"),
    ("/api/events?type=ASSAULT);DROP TABLE events;--", 400, "bad_parameter"),
    ("/api/events?actor_country=RUSSIA", 400, "bad_parameter"),
    ("/api/events?limit=0", 400, "bad_parameter"),
    ("/api/events?limit=100000", 400, "bad_parameter"),
    ("/api/events?cursor=-1", 400, "bad_parameter"),
    ("/api/events?cursor=abc", 400, "bad_parameter"),
    ("/api/events?format=xml", 400, "bad_parameter"),
    (f"/api/events?entity={'x' * 300}", 400, "bad_parameter"),
    ("/api/articles/no-such-article", 404, "not_found"),
    ("/api/no-such-endpoint", 404, "not_found"),
    ("/events.json?since=nope", 400, "bad_parameter"),
])
def test_errors_have_one_shape(client, path, status, reason):
    response = client.get(path)
    assert response.status_code == status
    assert error_of(response)["reason"] == reason


@pytest.mark.parametrize("query", [
    "entity=' OR '1'='1", "entity=%25' UNION SELECT * FROM articles --", "place=x\" OR 1=1 --",
    "search=\"", "search=body:* OR", "search=NEAR(a b)", "search=' OR 1=1 --", "search=*",
    "article=' OR 1=1 --", "search=%00",
])
def test_injection_gives_empty_results_not_errors(client, query):
    takes = {"entity": "events quotes articles", "place": "events articles places",
             "search": "events quotes articles places", "article": "events quotes places"}
    for path in (f"/api/{name}" for name in takes[query.split("=")[0]].split()):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, query, response.text)
        if response.status_code == 200:
            assert response.json()["rows"] == [], (path, query)


def test_pages_render_errors_as_html(client):
    response = client.get("/events?since=nope")
    assert response.status_code == 400 and "text/html" in response.headers["content-type"]
    assert "bad_parameter" in response.text


# --- pages and their JSON twins --------------------------------------------------------

PAGES = ["/", "/events", "/network", "/map", "/quotes", "/entities", "/places", "/articles",
         "/docs"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_json_twin(client, path):
    page = client.get(path)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    twin = client.get("/index.json" if path == "/" else f"{path}.json")
    assert twin.status_code == 200 and twin.headers["content-type"] == "application/json"
    assert client.get(f"{path}?format=json").json() == twin.json()


def test_page_json_twins_hold_the_data(client):
    events = client.get("/events.json?type=ASSAULT").json()
    assert events["rows"] and all(r["event_type"] == "ASSAULT" for r in events["rows"])
    assert events["total"] == sum(r["count"] for r in events["timeline"])
    network = client.get("/network.json").json()
    assert any(link["kind"] == "acts-on" and link["weight"] >= 1 for link in network["links"])
    places = client.get("/map.json").json()["places"]
    assert places and all(p["lat"] is not None and p["count"] >= 1 for p in places)
    article = client.get("/articles/seed?format=json").json()
    assert article == client.get("/api/articles/seed").json()


def test_security_headers(client):
    headers = client.get("/events").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_hostile_article_is_escaped_everywhere(client):
    pages = [f"/articles/{quote(HOSTILE_ID, safe='')}", "/events?article=" + quote(HOSTILE_ID),
             "/articles", "/entities", "/"]
    for path in pages:
        text = client.get(path).text
        assert HOSTILE_SCRIPT not in text, path
        assert 'onmouseover="window' not in text and "<img src=x" not in text, path
        assert "<b>Evil</b>" not in text, path
    article = client.get(f"/articles/{quote(HOSTILE_ID, safe='')}").text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in article
    assert "&#34; onmouseover=&#34;window.__pwned=2&#34;" in article
    assert article.count("<script") == 1  # our /static/app.js only


def test_article_page_links_events_and_evidence(client):
    import re
    doc = client.get("/api/articles/seed").json()
    page = client.get("/articles/seed").text
    for event in doc["events"]:
        assert f'id="event-{event["id"]}"' in page
        assert f'href="#evidence-{event["id"]}"' in page
        if event["sentence"].get("in") != "title":
            assert f'id="evidence-{event["id"]}"' in page
    assert re.search(r'<a class="trigger[^"]*" id="trigger-V\d+" href="#event-V\d+"', page)


def test_static_files_and_favicon(client):
    assert client.get("/static/app.js").status_code == 200
    assert client.get("/static/vendor/world-atlas/LICENSE").status_code == 200
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and "svg" in favicon.headers["content-type"]


# --- extract and ingest ----------------------------------------------------------------

def test_extract_json_text_and_html(client):
    text = "Russia attacked Ukraine on Monday, officials said."
    for kwargs in ({"json": {"text": text, "published": "2022-03-01"}},
                   {"content": text.encode(), "headers": {"content-type": "text/plain"}},
                   {"content": f"<html><body><article><p>{text}</p></article></body></html>".encode(),
                    "headers": {"content-type": "text/html"}}):
        doc = client.post("/api/extract", **kwargs).json()
        assert doc["schema"] == "eventdesk/1" and "Russia" in doc["article"]["body"]
        assert any(e["name"] == "Russia" for e in doc["entities"])


@pytest.mark.parametrize("kwargs, status, reason", [
    ({"content": b"x" * 1_100_000, "headers": {"content-type": "text/plain"}}, 413, "too_large"),
    ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "bad_json"),
    ({"json": [1, 2]}, 400, "bad_json"),
    ({"json": {"text": ""}}, 400, None),
    ({"content": b"x", "headers": {"content-type": "image/png"}}, 415, "unsupported_media_type"),
])
def test_extract_rejects_bad_bodies(client, kwargs, status, reason):
    response = client.post("/api/extract", **kwargs)
    assert response.status_code == status, response.text
    error = error_of(response)
    assert reason is None or error["reason"] == reason


def test_extract_limit_holds_without_content_length(client):
    def chunks():
        for _ in range(30):
            yield b"y" * 50_000
    response = client.post("/api/extract", content=chunks(), headers={"content-type": "text/plain"})
    assert response.status_code == 413 and error_of(response)["reason"] == "too_large"


def test_read_only_server_refuses_ingest(client):
    response = client.post("/api/ingest", json={"text": "Russia attacked Ukraine."},
                           headers={"authorization": "Bearer anything"})
    assert response.status_code == 403 and error_of(response)["reason"] == "ingest_disabled"


def test_ingest_needs_the_token_and_stores(tmp_path):
    from fastapi.testclient import TestClient

    from eventdesk.api import create_app
    from eventdesk.errors import ConfigError
    with pytest.raises(ConfigError):
        create_app(tmp_path / "x.db", allow_ingest=True)
    app = create_app(tmp_path / "new.db", allow_ingest=True, token="s3cret")
    with TestClient(app, raise_server_exceptions=False) as client:
        item = {"id": "n1", "text": "Russia attacked Ukraine on Monday, officials said.",
                "published": "2022-03-01T10:00:00"}
        for header in ({}, {"authorization": "Bearer wrong"}, {"authorization": "s3cret"}):
            response = client.post("/api/ingest", json=item, headers=header)
            assert response.status_code == 401 and error_of(response)["reason"] == "unauthorized"
        auth = {"authorization": "Bearer s3cret"}
        first = client.post("/api/ingest", json=item, headers=auth)
        assert first.status_code == 201 and first.json()["status"] == "stored"
        assert client.post("/api/ingest", json=item, headers=auth).json()["status"] == "unchanged"
        assert [r["article_id"] for r in client.get("/api/articles").json()["rows"]] == ["n1"]
        assert client.get("/api/events?article=n1").json()["rows"]


def test_missing_store_is_a_clear_error(tmp_path):
    from eventdesk.api import create_app
    from eventdesk.errors import StorageError
    with pytest.raises(StorageError) as info:
        create_app(tmp_path / "missing.db")
    assert info.value.reason == "no_store"
