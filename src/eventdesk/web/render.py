"""Responses: JSON (fast, one shape for errors), CSV, and HTML from autoescaped templates."""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from ..store import Filters, filters_dict
from .queries import event_types

TEMPLATES = Path(__file__).resolve().parent / "templates"


def dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


class JSON(Response):
    """A JSON response without FastAPI's validation pass (rows are already plain data)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def error_body(reason: str, message: str) -> dict[str, Any]:
    """The one error shape of the API: ``{"error": {"reason": ..., "message": ...}}``."""
    return {"error": {"reason": reason, "message": message}}


def _csv_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = False
    for row in rows:
        if not header:
            writer.writerow(row.keys())
            header = True
        writer.writerow(row.values())
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_response(rows: Iterable[Mapping[str, Any]], *, name: str,
                 next_cursor: int | None = None) -> StreamingResponse:
    """Rows as a CSV download (a header row, then one line per row)."""
    headers = {"Content-Disposition": f'attachment; filename="{name}.csv"'}
    if next_cursor is not None:
        headers["X-Next-Cursor"] = str(next_cursor)
    return StreamingResponse(_csv_lines(rows), media_type="text/csv; charset=utf-8",
                             headers=headers)


def page_url(request: Request, **changes: Any) -> str:
    """This URL with some query parameters changed (``None`` drops one)."""
    params = dict(request.query_params)
    params.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        params.pop(key, None)
    query = urlencode({k: v for k, v in params.items() if v != ""})
    return f"{request.url.path}?{query}" if query else request.url.path


def filter_query(filters: Filters, **changes: Any) -> str:
    """Filters (minus paging) as a query string, for links between pages."""
    values = {k: v for k, v in filters_dict(filters).items() if k not in ("limit", "cursor")}
    values.update(changes)
    return urlencode({k: v for k, v in values.items() if v not in (None, "")})


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["urlpart"] = lambda value: quote(str(value), safe="")
    env.globals["event_types"] = event_types
    env.globals["filter_query"] = filter_query
    env.globals["blank"] = Filters()
    return env


def html(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``templates/<template>`` (autoescaped) as an HTML response."""
    body = environment().get_template(template).render(**context)
    return HTMLResponse(body, status_code=status_code)


def wants_json(request: Request) -> bool:
    """Whether a page was asked for as its JSON twin (``.json`` or ``?format=json``)."""
    return request.url.path.endswith(".json") or request.query_params.get("format") == "json"
