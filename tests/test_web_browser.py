"""The web UI in Debian's headless Chromium (Playwright), against a real uvicorn server on
loopback over a store built by the real pipeline. Screenshots go to artifacts/screenshots/.

Never ``playwright install`` (it downloads a browser): CI installs Debian's ``chromium``.
"""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import ROOT
from test_api import HOSTILE_ID, build_store

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "artifacts" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]

pytestmark = [
    pytest.mark.browser, pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="needs Debian's chromium at /usr/bin/chromium (apt-get install"
                              " chromium); never `playwright install`"),
]

HOSTILE_PATH = f"/articles/{quote(HOSTILE_ID, safe='')}"
PAGES = {"overview": "/", "events": "/events", "events-filtered": "/events?type=ASSAULT",
         "network": "/network", "map": "/map", "quotes": "/quotes?search=chance",
         "entities": "/entities", "places": "/places", "articles": "/articles",
         "article-seed": "/articles/seed", "article-hostile": HOSTILE_PATH, "api-docs": "/docs",
         "not-found": "/no-such-page"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A uvicorn server on a free loopback port, in a thread; yields its base URL."""
    import uvicorn

    from eventdesk.api import create_app
    db = build_store(tmp_path_factory.mktemp("web") / "events.db")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(db), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


class Watch:
    """Console errors, uncaught page errors and failed requests of one page."""

    def __init__(self, page) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"pageerror: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/no-such-page")
                and self.problems.append(f"HTTP {r.status}: {r.url}"))


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.watch = Watch(page)
    yield page
    context.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_without_console_errors(server, page, name):
    response = page.goto(server + PAGES[name], wait_until="load")
    assert response.status == (404 if name == "not-found" else 200)
    page.wait_for_load_state("networkidle")
    shoot(page, name)
    expected = ["console: Failed to load resource: the server responded with a status of 404"
                " (Not Found)"] if name == "not-found" else []  # the page itself is the 404
    assert page.watch.problems == expected
    assert page.evaluate("window.__pwned") is None
    assert page.locator("header.top a.brand").inner_text() == "eventdesk"


@pytest.mark.parametrize("name, selector, minimum", [
    ("events", ".timeline svg rect", 3), ("network", ".network svg circle", 3),
    ("map", ".map svg path.land", 150), ("map", ".map svg circle.dot", 2),
    ("article-seed", ".body mark.ent", 10), ("article-seed", ".body a.trigger", 3),
])
def test_charts_and_highlights_are_drawn(server, page, name, selector, minimum):
    page.goto(server + PAGES[name])
    assert page.locator(selector).count() >= minimum


def test_event_links_to_its_evidence_sentence_and_back(server, page):
    page.goto(server + "/events?article=seed")
    link = page.locator("a.evidence-link").first
    href = link.get_attribute("href")
    event_id = href.rsplit("#evidence-", 1)[1]
    link.click()
    page.wait_for_url(f"**/articles/seed#evidence-{event_id}")
    sentence = page.locator(f"#evidence-{event_id}")
    assert sentence.is_visible() and sentence.evaluate("el => el.matches(':target')")
    assert "flash" in sentence.get_attribute("class")  # app.js ran under the CSP
    assert sentence.evaluate("el => { const r = el.getBoundingClientRect();"
                             " return r.top >= 0 && r.top < window.innerHeight; }")
    shoot(page, "evidence-target")
    # the evidence sentence holds the trigger, which links back to the event's row
    page.locator(f"#evidence-{event_id} a.trigger").first.click()
    page.wait_for_url("**/articles/seed#event-V*")
    row_id = page.evaluate("location.hash").lstrip("#")
    assert page.locator(f"tr#{row_id}").is_visible()
    # and the row links to its evidence again
    page.locator(f"tr#{row_id} a.evidence-link").click()
    page.wait_for_url(f"**#evidence-{row_id.removeprefix('event-')}")
    assert page.watch.problems == []


def test_hostile_article_runs_no_script(server, page):
    page.goto(server + HOSTILE_PATH)
    page.wait_for_load_state("networkidle")
    body = page.locator(".body")
    assert "<script>window.__pwned=1</script>" in body.inner_text()
    assert 'onmouseover="window.__pwned=2"' in body.inner_text()
    body.hover()
    page.mouse.move(10, 10)
    for element in page.locator(".body *, h1 *").all()[:50]:
        element.hover(force=True)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("script").count() == 1  # /static/app.js
    assert page.locator("img").count() == 0
    assert page.evaluate("[...document.querySelectorAll('*')].some(el =>"
                         " [...el.attributes].some(a => a.name.startsWith('on')))") is False
    assert "<script>" in page.title()
    shoot(page, "article-hostile-hovered")
    assert page.watch.problems == []


def test_filter_form_and_timeline_click(server, page):
    page.goto(server + "/events")
    page.select_option("form.filters select[name=type]", "CONSULT")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/events?type=CONSULT")  # empty fields left out of the URL
    types = page.locator("table.events td .tag").all_inner_texts()
    assert types and set(types) == {"CONSULT"}
    page.locator(".timeline svg a").first.click()
    page.wait_for_url("**/events?*since=*")
    assert page.locator("table.events tbody tr").count() >= 1
    assert page.watch.problems == []
