"""The pages: overview, events (timeline + table), actor network, map, quotes, entities,
places, articles and one article with its spans highlighted. Each page answers ``.json``
(or ``?format=json``) with the data it shows."""
from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from ..errors import EventdeskError
from ..store import Filters, Page, filters_dict
from . import queries
from .basemap import map_chart
from .charts import network_chart, timeline_chart
from .highlight import highlight, marks_of
from .params import (article_filters, entity_filters, event_filters, place_filters,
                     quote_filters)
from .render import JSON, html, page_url, wants_json
from .state import AppState

EventFilters = Annotated[Filters, Depends(event_filters)]


def respond(request: Request, template: str, data: dict[str, Any], **view: Any) -> Response:
    """The page's data as JSON (its twin) or rendered through ``template``."""
    if wants_json(request):
        return JSON(data)
    return html(template, request=request, **data, **view)


def _paged(request: Request, page: Page) -> dict[str, Any]:
    following = page_url(request, cursor=page.next_cursor) if page.next_cursor else None
    return {"rows": page.rows, "next_cursor": page.next_cursor, "next": following}


def pages_router(state: AppState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def page(path: str) -> Callable[[Callable[..., Response]], Callable[..., Response]]:
        """Register a page at ``path`` and its JSON twin at ``path.json``."""
        def register(func: Callable[..., Response]) -> Callable[..., Response]:
            router.add_api_route(path, func, methods=["GET"])
            router.add_api_route("/index.json" if path == "/" else f"{path}.json", func,
                                 methods=["GET"])
            return func
        return register

    @page("/")
    def overview(request: Request) -> Response:
        store = state.reader()
        counts = queries.timeline(store, Filters())
        data = {"counts": store.counts(), "timeline": counts,
                "articles": store.articles(Filters(limit=10)).rows}
        return respond(request, "index.html", data, chart=timeline_chart(counts),
                       filters=Filters())

    @page("/events")
    def events(request: Request, filters: EventFilters) -> Response:
        store = state.reader()
        counts = queries.timeline(store, filters)
        data = {"filters": filters_dict(filters), "timeline": counts,
                "total": sum(r["count"] for r in counts),
                **_paged(request, store.events(filters))}
        return respond(request, "events.html", data, chart=timeline_chart(counts),
                       form=filters)

    @page("/network")
    def network(request: Request, filters: EventFilters) -> Response:
        links = queries.actor_links(state.reader(), filters)
        chart = network_chart(links)
        data = {"filters": filters_dict(filters), "links": links,
                "nodes": [{k: n[k] for k in ("name", "country", "weight", "out", "in")}
                          for n in chart["nodes"]]}
        return respond(request, "network.html", data, chart=chart, form=filters)

    @page("/map")
    def map_page(request: Request, filters: EventFilters) -> Response:
        chart = map_chart(queries.event_places(state.reader(), filters))
        data = {"filters": filters_dict(filters),
                "places": [{k: v for k, v in dot.items() if k not in ("x", "y", "r")}
                           for dot in chart["dots"]]}
        return respond(request, "map.html", data, chart=chart, form=filters)

    @page("/quotes")
    def quotes(request: Request, filters: Annotated[Filters, Depends(quote_filters)]) -> Response:
        data = {"filters": filters_dict(filters), **_paged(request, state.reader().quotes(filters))}
        return respond(request, "quotes.html", data, form=filters)

    @page("/entities")
    def entities(request: Request,
                 filters: Annotated[Filters, Depends(entity_filters)]) -> Response:
        page_ = state.reader().entities(filters)
        data = {"filters": filters_dict(filters), **_paged(request, page_)}
        return respond(request, "entities.html", data, form=filters)

    @page("/places")
    def places(request: Request, filters: Annotated[Filters, Depends(place_filters)]) -> Response:
        data = {"filters": filters_dict(filters),
                **_paged(request, queries.places(state.reader(), filters))}
        return respond(request, "places.html", data, form=filters)

    @page("/articles")
    def articles(request: Request,
                 filters: Annotated[Filters, Depends(article_filters)]) -> Response:
        data = {"filters": filters_dict(filters), **_paged(request, state.reader().articles(filters))}
        return respond(request, "articles.html", data, form=filters)

    @router.get("/articles/{article_id:path}")
    def article(request: Request, article_id: str) -> Response:
        doc = state.reader().extraction(article_id)
        if doc is None:
            raise EventdeskError(f"no article with id {article_id!r} in the store;"
                                 " see /articles", reason="not_found")
        if wants_json(request):
            return JSON(doc)
        return html("article.html", request=request, doc=doc, **article_view(doc))

    add_docs_routes(router)
    return router


def article_view(doc: dict[str, Any]) -> dict[str, Any]:
    """What the article page draws: highlighted body and title, lookups by id."""
    article = doc["article"]
    return {"body": highlight(article.get("body") or "", marks_of(doc, where="body")),
            "title": highlight(article.get("title") or "", marks_of(doc, where="title")),
            "entities": {e["id"]: e for e in doc.get("entities") or []},
            "places": {p["id"]: p for p in doc.get("places") or []}}


def add_docs_routes(router: APIRouter) -> None:
    @router.get("/docs")
    def docs(request: Request) -> Response:
        schema = request.app.openapi()
        if wants_json(request):
            return JSON(schema)
        return html("docs.html", request=request, schema=schema)

    @router.get("/docs.json")
    def docs_json(request: Request) -> Response:
        return JSON(request.app.openapi())

    @router.get("/favicon.ico")
    def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=308)
