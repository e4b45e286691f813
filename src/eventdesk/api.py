"""The HTTP API and web UI: ``create_app(db_path)`` -> a FastAPI app over a store.

    >>> from eventdesk.api import create_app
    >>> app = create_app("events.db")            # read-only
    >>> app = create_app("events.db", allow_ingest=True, token="s3cret")

JSON under ``/api/`` (OpenAPI schema at ``/openapi.json``, a reference page at ``/docs``);
pages everywhere else, each with a JSON twin. The store is opened read-only unless ingest
is allowed, and then only ``POST /api/ingest`` with ``Authorization: Bearer <token>`` writes.
Errors always come as ``{"error": {"reason": ..., "message": ...}}`` (pages render the same
reason and message as HTML).
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import __version__
from .errors import EventdeskError, InputError
from .nlp import DEFAULT_MODEL
from .store import (MAX_LIMIT, Filters, JsonPage, Page, filters_dict, identity_of,
                    input_hash)
from .web import queries
from .web.params import (article_filters, entity_filters, event_filters, place_filters,
                         quote_filters)
from .web.render import JSON, csv_response, dumps, error_body, html, page_url, wants_json
from .web.state import MAX_BODY, AppState

log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent / "web" / "static"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
       " connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none';"
       " frame-ancestors 'none'")
SECURITY_HEADERS = [(b"content-security-policy", CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY")]
STATUS = {"too_large": 413, "not_found": 404, "unauthorized": 401, "ingest_disabled": 403,
          "readonly": 403, "bad_query": 400, "bad_parameter": 400, "no_store": 503,
          "unsupported_media_type": 415}
Format = Annotated[Literal["json", "csv"], Query(description="`json` (default) or `csv`.")]


class BodyTooLarge(InputError):
    reason = "too_large"


# --- middleware: request size limit and security headers -------------------------------

class Guard:
    """Refuses request bodies over ``max_body`` bytes (413) and adds the CSP and friends."""

    def __init__(self, app: ASGIApp, *, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            await _send_error(send, 413, "too_large", self._too_large(declared.decode("latin-1")))
            return
        await self.app(scope, self._limited(receive), self._secured(send))

    def _too_large(self, size: str) -> str:
        return (f"the request body is {size} bytes; at most {self.max_body:,} are accepted:"
                " send a shorter article")

    def _limited(self, receive: Receive) -> Receive:
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise BodyTooLarge(self._too_large(f"over {seen:,}"))
            return message
        return limited

    @staticmethod
    def _secured(send: Send) -> Send:
        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.append(name.decode(), value.decode())
            await send(message)
        return secured


async def _send_error(send: Send, status: int, reason: str, message: str) -> None:
    body = dumps(error_body(reason, message))
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


# --- errors: one shape -----------------------------------------------------------------

def error_response(request: Request, status: int, reason: str, message: str) -> Response:
    """JSON for the API and JSON twins, an HTML page with the same content otherwise."""
    if request.url.path.startswith("/api/") or wants_json(request) or request.method != "GET":
        return JSON(error_body(reason, message), status_code=status)
    return html("error.html", status, status=status, reason=reason, message=message,
                request=request)


EXPECTED = {"since": "an ISO date such as 2020-10-09", "until": "an ISO date such as 2020-10-09",
            "type": "PLOVER types such as ASSAULT or ASSAULT,COERCE",
            "actor_country": "an ISO 3166-1 alpha-3 code such as RUS",
            "recipient_country": "an ISO 3166-1 alpha-3 code such as UKR"}


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("query", "path", "body"))
        got = error.get("input")
        got_text = "" if got is None or isinstance(got, dict) else f" (got {str(got)[:80]!r})"
        wanted = EXPECTED.get(where) if error.get("type") == "string_pattern_mismatch" else None
        parts.append(f"{where or 'request'}: {f'expected {wanted}' if wanted else error.get('msg')}"
                     f"{got_text}")
    return "; ".join(parts) + "; see /docs for the accepted values"


def add_error_handlers(app: FastAPI) -> None:
    async def on_http(request: Request, exc: HTTPException) -> Response:
        reason = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code,
                                                                    f"http_{exc.status_code}")
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"nothing at {request.url.path}; see /docs for the API and / for the pages"
        return error_response(request, exc.status_code, reason, message)

    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 400, "bad_parameter", _validation_message(exc))

    async def on_eventdesk(request: Request, exc: EventdeskError) -> Response:
        status = STATUS.get(exc.reason, 400 if isinstance(exc, InputError) else 500)
        if status >= 500:
            log.error("%s %s: %s", request.method, request.url.path, exc.message)
        return error_response(request, status, exc.reason, exc.message)

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("%s %s failed", request.method, request.url.path)
        return error_response(request, 500, "internal", "the server failed on this request;"
                              " the server log has the details")

    app.add_exception_handler(HTTPException, on_http)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(EventdeskError, on_eventdesk)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, on_crash)


# --- JSON API --------------------------------------------------------------------------

def json_rows_response(request: Request, page: JsonPage, filters: Filters) -> Response:
    """One page of rows already encoded by SQLite, spliced into the same shape as
    ``rows_response`` gives (no decode and re-encode of every value)."""
    following = page_url(request, cursor=page.next_cursor) if page.next_cursor else None
    tail = dumps({"next_cursor": page.next_cursor, "next": following,
                  "filters": filters_dict(filters)})
    body = b'{"rows":[' + ",".join(page.rows).encode("utf-8") + b"]," + tail[1:]
    return Response(body, media_type="application/json")


def rows_response(request: Request, page: Page, filters: Filters, *, name: str,
                  format: Format) -> Response:
    """One page of rows as JSON (with the cursor and URL of the next page) or CSV."""
    if format == "csv":
        return csv_response(page.rows, name=name, next_cursor=page.next_cursor)
    following = page_url(request, cursor=page.next_cursor) if page.next_cursor else None
    return JSON({"rows": page.rows, "next_cursor": page.next_cursor, "next": following,
                 "filters": filters_dict(filters)})


def _all_rows(state: AppState, table: str, filters: Filters) -> Iterator[dict[str, Any]]:
    """Every row under ``filters``, page by page, on a connection of its own."""
    store = state.stream_reader()
    try:
        filters = replace(filters, limit=MAX_LIMIT)
        while True:
            page = (queries.places(store, filters) if table == "places"
                    else store.query(table, filters))
            yield from page.rows
            if page.next_cursor is None:
                return
            filters = replace(filters, cursor=page.next_cursor)
    finally:
        store.close()


AllRows = Annotated[bool, Query(description="With format=csv: every matching row, not one page.")]
Dedup = Annotated[bool, Query(description="Deduplicated events (num_mentions, num_articles,"
                                          " num_sources) instead of one row per article.")]


def api_router(state: AppState) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["data"])

    def listing(request: Request, table: str, filters: Filters, format: Format,
                all: bool) -> Response:
        if format == "csv" and all:
            return csv_response(_all_rows(state, table, filters), name=table)
        store = state.reader()
        if table == "places":
            return rows_response(request, queries.places(store, filters), filters, name=table,
                                 format=format)
        if format == "json":
            return json_rows_response(request, store.query_json(table, filters), filters)
        return rows_response(request, store.query(table, filters), filters, name=table,
                             format=format)

    @router.get("/events", summary="Events (filters, cursor pages, CSV)")
    def events(request: Request, filters: Annotated[Filters, Depends(event_filters)],
               dedup: Dedup = False, format: Format = "json", all: AllRows = False) -> Response:
        """Events, one row per article (flat GDELT/ACLED-style columns, `docs/tables.md`)."""
        return listing(request, "dedup_events" if dedup else "events", filters, format, all)

    @router.get("/quotes", summary="Quotes (full-text search with `search`)")
    def quotes(request: Request, filters: Annotated[Filters, Depends(quote_filters)],
               format: Format = "json", all: AllRows = False) -> Response:
        """Quotes; `entity` is the speaker's name, `search` searches the quoted words."""
        return listing(request, "quotes", filters, format, all)

    @router.get("/entities", summary="Entities, one row per article they occur in")
    def entities(request: Request, filters: Annotated[Filters, Depends(entity_filters)],
                 format: Format = "json", all: AllRows = False) -> Response:
        return listing(request, "entities", filters, format, all)

    @router.get("/places", summary="Places, one row per article they occur in")
    def places(request: Request, filters: Annotated[Filters, Depends(place_filters)],
               format: Format = "json", all: AllRows = False) -> Response:
        return listing(request, "places", filters, format, all)

    @router.get("/articles", summary="Articles (without bodies)")
    def articles(request: Request, filters: Annotated[Filters, Depends(article_filters)],
                 format: Format = "json", all: AllRows = False) -> Response:
        return listing(request, "articles", filters, format, all)

    @router.get("/articles/{article_id:path}", summary="One article as eventdesk/1 JSON")
    def article(article_id: str) -> Response:
        """The stored eventdesk/1 object (body, entities, quotes, times, places, events)."""
        doc = state.reader().extraction(article_id)
        if doc is None:
            raise EventdeskError(f"no article with id {article_id!r} in the store;"
                                 " list them at /api/articles", reason="not_found")
        return JSON(doc)

    add_write_routes(router, state)
    return router


# --- extract and ingest ----------------------------------------------------------------

async def read_input(request: Request) -> Any:
    """A POST body -> an ArticleInput: JSON like one ``--jsonl`` line, or raw text/HTML."""
    from .model import ArticleInput
    from .parse import decode_bytes, to_input

    data = await request.body()
    kind = request.headers.get("content-type", "text/plain").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            obj = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"the body is not JSON ({exc}); send an object like"
                             ' {"text": "..."} or post the text as text/plain',
                             reason="bad_json") from exc
        if not isinstance(obj, dict):
            raise InputError("expected a JSON object with 'text' or 'html', got "
                             f"{type(obj).__name__}", reason="bad_json")
        return to_input(obj)
    if kind == "text/html":
        return ArticleInput(html=decode_bytes(data))
    if kind in ("text/plain", "application/octet-stream", ""):
        return to_input(decode_bytes(data))
    raise InputError(f"cannot read a {kind} body; send application/json, text/plain or"
                     " text/html", reason="unsupported_media_type")


def add_write_routes(router: APIRouter, state: AppState) -> None:
    from starlette.concurrency import run_in_threadpool

    @router.post("/extract", tags=["extract"], summary="Text or HTML in, eventdesk/1 out")
    async def extract(request: Request) -> Response:
        """Send JSON like one `--jsonl` line (`{"text": ..., "published": ...}`), or the
        article as `text/plain` / `text/html`. Nothing is stored. Bodies over the server's
        limit get a 413."""
        item = await read_input(request)
        result = await run_in_threadpool(state.extract, item)
        return JSON(result.to_json())

    @router.post("/ingest", tags=["extract"], summary="Extract and store one article")
    async def ingest(request: Request) -> Response:
        """Only with `eventdesk serve --allow-ingest`, and `Authorization: Bearer <token>`."""
        if not state.allow_ingest:
            raise EventdeskError("this server is read-only; start it with `eventdesk serve"
                                 " --allow-ingest --token ...` to store articles",
                                 reason="ingest_disabled")
        if not state.token_ok(request.headers.get("authorization")):
            raise EventdeskError("missing or wrong token; send 'Authorization: Bearer <token>'"
                                 " with the token the server was started with",
                                 reason="unauthorized")
        item = await read_input(request)
        text_hash = input_hash(item)
        identity = identity_of(item.id, item.url, text_hash)
        result = await run_in_threadpool(state.extract, item)
        status = await run_in_threadpool(state.write, result, identity=identity,
                                         text_hash=text_hash)
        doc = result.to_json()
        return JSON({"status": status, "article_id": identity,
                     "counts": {k: len(doc[k]) for k in ("entities", "quotes", "times", "places",
                                                         "events")}},
                    status_code=201 if status == "stored" else 200)


# --- the app ---------------------------------------------------------------------------

def create_app(db_path: str | Path, *, allow_ingest: bool = False, token: str | None = None,
               max_body: int = MAX_BODY, model: str = DEFAULT_MODEL) -> FastAPI:
    """The API and web UI over the store at ``db_path`` (read-only unless ``allow_ingest``).

    Raises StorageError when the store cannot be opened and ConfigError when ingest is
    allowed without a token.
    """
    from .web.pages import pages_router

    state = AppState(Path(db_path), allow_ingest=allow_ingest, token=token, max_body=max_body,
                     model=model)
    app = FastAPI(title="eventdesk", version=__version__, docs_url=None, redoc_url=None,
                  description="Who did what to whom, when, where, who said what: events,"
                              " quotes, entities and places read out of news articles, each"
                              " traced to its words. Every page of the web UI has a JSON twin.")
    app.state.eventdesk = state
    add_error_handlers(app)
    app.include_router(api_router(state))
    app.include_router(pages_router(state))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, max_body=max_body)
    app.router.add_event_handler("shutdown", state.close)
    return app

