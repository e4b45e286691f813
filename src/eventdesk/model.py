"""Plain records that every stage reads and writes.

Nothing here knows about spaCy: records pickle, serialize to eventdesk/1 JSON
(``docs/output-format.md``) and travel to worker processes. Offsets are Python string
indices into ``Article.body`` (or ``Article.title`` where ``where == "title"``), end
exclusive, and every span's ``text`` equals the slice it points at.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

SCHEMA = "eventdesk/1"

Where = Literal["body", "title"]


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the article: ``text == article.body[start:end]`` (or ``.title``)."""

    start: int
    end: int
    text: str
    where: Where = "body"


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """What a caller hands in: one line of ``--jsonl`` input, or a file's contents."""

    id: str | None = None
    text: str | None = None
    html: str | None = None
    title: str | None = None
    published: str | None = None
    url: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A parsed article: cleaned body plus metadata. ``published`` is ISO 8601 or None."""

    id: str | None
    body: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    captions: tuple[str, ...] = ()
    related: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Entity:
    """One real-world referent and every mention of it."""

    id: str
    name: str
    type: str  # PERSON ORG GPE LOC NORP FAC EVENT
    mentions: tuple[Span, ...]
    country: str | None = None  # ISO 3166-1 alpha-3
    role: str | None = None
    sector: str | None = None  # PLOVER sector code


@dataclass(frozen=True, slots=True)
class TimeExpr:
    """A time expression and its TIMEX3-style value resolved against publication."""

    span: Span
    value: str | None
    kind: str  # date time interval duration set ref


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct, indirect or mixed quote and who said it."""

    id: str
    kind: str  # direct indirect mixed
    span: Span
    speaker: str | None = None  # entity id
    speaker_span: Span | None = None
    cue: Span | None = None
    date: str | None = None


@dataclass(frozen=True, slots=True)
class Place:
    """A resolved (or unresolved: lat/lon None) toponym and its mentions."""

    id: str
    name: str
    mentions: tuple[Span, ...]
    country: str | None = None
    lat: float | None = None
    lon: float | None = None
    geonameid: int | None = None
    feature: str | None = None  # country region city landmark water other
    admin1: str | None = None
    entity: str | None = None  # the entity id this place was read from


@dataclass(frozen=True, slots=True)
class Count:
    """A casualty, crowd or arrest count with its qualifier."""

    value: int
    qualifier: str = "exact"  # exact | at least | at most | about
    since: str | None = None
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """A PLOVER event with its arguments and the words it came from."""

    id: str
    type: str
    trigger: Span
    sentence: Span
    mode: str | None = None
    contexts: tuple[str, ...] = ()
    cameo: str | None = None
    quad: str | None = None
    actors: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    mediators: tuple[str, ...] = ()
    date: str | None = None
    date_source: str | None = None  # clause | quote | published
    place: str | None = None
    counts: dict[str, Count] = field(default_factory=dict)
    negated: bool = False
    hypothetical: bool = False
    quote: str | None = None
    confidence: float = 0.5
    mentions: tuple[Span, ...] = ()  # further tellings of the same event (headline, lead, body)


@dataclass(frozen=True, slots=True)
class Extraction:
    """Everything eventdesk read out of one article."""

    article: Article
    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    times: tuple[TimeExpr, ...] = ()
    places: tuple[Place, ...] = ()
    events: tuple[Event, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The eventdesk/1 JSON object (``docs/output-format.md``)."""
        from .serialize import extraction_to_json

        return extraction_to_json(self)
