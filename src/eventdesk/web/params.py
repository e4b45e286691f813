"""Query-string filters shared by the JSON API and the pages, validated before any SQL runs.

Empty values (what an HTML form sends for a blank field) mean "no filter". Anything that does
not fit its pattern is a 400 with reason ``bad_parameter``; values reach SQL only as parameters.
"""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query

from ..store import Filters

MAX_PAGE = 1000
DEFAULT_PAGE = 50

DATE = r"^(|\d{4}(-\d{2}(-\d{2}([T ]\d{2}(:\d{2}(:\d{2})?)?)?)?)?)$"
TYPES = r"^(|[A-Za-z_]{2,20}(,[A-Za-z_]{2,20}){0,20})$"
COUNTRY = r"^(|[A-Za-z]{3})$"

Since = Annotated[str | None, Query(pattern=DATE, description="From this date on (ISO 8601, inclusive).",
                                    examples=["2020-10-01"])]
Until = Annotated[str | None, Query(pattern=DATE, description="Up to this date (ISO 8601, inclusive).")]
Type = Annotated[str | None, Query(pattern=TYPES, description="PLOVER type(s), comma-separated.",
                                   examples=["ASSAULT,COERCE"])]
EntityType = Annotated[str | None, Query(pattern=TYPES, description="Entity type(s), comma-separated"
                                                                  " (PERSON, ORG, GPE, LOC, NORP, FAC, EVENT).")]
Country = Annotated[str | None, Query(pattern=COUNTRY, description="ISO 3166-1 alpha-3.")]
Name = Annotated[str | None, Query(max_length=200, description="A name (case-insensitive; % is a wildcard).")]
Search = Annotated[str | None, Query(max_length=200, description="Full-text search: all words must occur.")]
ArticleId = Annotated[str | None, Query(max_length=2000, description="Only this article id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description=f"Rows per page (1-{MAX_PAGE}).")]
Cursor = Annotated[int | None, Query(ge=0, le=2**62, description="`next_cursor` of the previous page.")]
Format = Literal["json", "csv", "html"]


# The filter builders are pure and cheap: ``async`` keeps FastAPI from sending each one to
# the thread pool, one hop fewer per request.


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


async def event_filters(since: Since = None, until: Until = None, type: Type = None,
                  actor_country: Country = None, recipient_country: Country = None,
                  entity: Name = None, place: Name = None, search: Search = None,
                  article: ArticleId = None, limit: Limit = DEFAULT_PAGE,
                  cursor: Cursor = None) -> Filters:
    """Filters for events, the timeline, the network and the map."""
    return Filters(since=_blank(since), until=_blank(until), type=_blank(type),
                   actor_country=_blank(actor_country), recipient_country=_blank(recipient_country),
                   entity=_blank(entity), place=_blank(place), search=_blank(search),
                   article=_blank(article), limit=limit, cursor=cursor)


async def quote_filters(since: Since = None, until: Until = None, actor_country: Country = None,
                  entity: Name = None, search: Search = None, article: ArticleId = None,
                  limit: Limit = DEFAULT_PAGE, cursor: Cursor = None) -> Filters:
    """Filters for quotes: ``entity`` is the speaker, ``actor_country`` the speaker's country."""
    return Filters(since=_blank(since), until=_blank(until), actor_country=_blank(actor_country),
                   entity=_blank(entity), search=_blank(search), article=_blank(article),
                   limit=limit, cursor=cursor)


async def entity_filters(since: Since = None, until: Until = None, type: EntityType = None,
                   actor_country: Country = None, entity: Name = None, search: Search = None,
                   article: ArticleId = None, limit: Limit = DEFAULT_PAGE,
                   cursor: Cursor = None) -> Filters:
    """Filters for entities: ``type`` is the entity type, ``actor_country`` its country."""
    return Filters(since=_blank(since), until=_blank(until), type=_blank(type),
                   actor_country=_blank(actor_country), entity=_blank(entity),
                   search=_blank(search), article=_blank(article), limit=limit, cursor=cursor)


async def place_filters(since: Since = None, until: Until = None, place: Name = None,
                  actor_country: Country = None, search: Search = None,
                  article: ArticleId = None, limit: Limit = DEFAULT_PAGE,
                  cursor: Cursor = None) -> Filters:
    """Filters for places: ``place`` a name or country, ``actor_country`` the place's country."""
    return Filters(since=_blank(since), until=_blank(until), place=_blank(place),
                   actor_country=_blank(actor_country), search=_blank(search),
                   article=_blank(article), limit=limit, cursor=cursor)


async def article_filters(since: Since = None, until: Until = None, entity: Name = None,
                    place: Name = None, search: Search = None, limit: Limit = DEFAULT_PAGE,
                    cursor: Cursor = None) -> Filters:
    """Filters for articles."""
    return Filters(since=_blank(since), until=_blank(until), entity=_blank(entity),
                   place=_blank(place), search=_blank(search), limit=limit, cursor=cursor)
