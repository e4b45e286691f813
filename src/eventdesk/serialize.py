"""Records -> eventdesk/1 JSON objects (``docs/output-format.md``)."""
from __future__ import annotations

from typing import Any

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .pipeline import Failure
from .model import (SCHEMA, Article, Count, Entity, Event, Extraction, Place, Quote, Span,
                    TimeExpr)


def span_to_json(span: Span) -> dict[str, Any]:
    out: dict[str, Any] = {"start": span.start, "end": span.end, "text": span.text}
    if span.where == "title":
        out["in"] = "title"
    return out


def article_to_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id, "title": article.title, "source": article.source, "url": article.url,
        "published": article.published, "language": article.language, "body": article.body,
        "captions": list(article.captions), "related": list(article.related),
    }


def entity_to_json(entity: Entity) -> dict[str, Any]:
    return {
        "id": entity.id, "name": entity.name, "type": entity.type, "country": entity.country,
        "role": entity.role, "sector": entity.sector,
        "mentions": [span_to_json(m) for m in entity.mentions],
    }


def quote_to_json(quote: Quote) -> dict[str, Any]:
    out = {"id": quote.id, "kind": quote.kind, **span_to_json(quote.span),
           "speaker": quote.speaker,
           "speaker_text": quote.speaker_span.text if quote.speaker_span else None,
           "cue": quote.cue.text if quote.cue else None, "date": quote.date}
    if quote.speaker_span is not None:
        out["speaker_span"] = span_to_json(quote.speaker_span)
    if quote.cue is not None:
        out["cue_span"] = span_to_json(quote.cue)
    return out


def time_to_json(time: TimeExpr) -> dict[str, Any]:
    return {**span_to_json(time.span), "value": time.value, "kind": time.kind}


def place_to_json(place: Place) -> dict[str, Any]:
    return {
        "id": place.id, "name": place.name, "country": place.country, "lat": place.lat,
        "lon": place.lon, "geonameid": place.geonameid, "feature": place.feature,
        "admin1": place.admin1, "entity": place.entity,
        "mentions": [span_to_json(m) for m in place.mentions],
    }


def count_to_json(count: Count) -> dict[str, Any]:
    out: dict[str, Any] = {"value": count.value, "qualifier": count.qualifier}
    if count.since is not None:
        out["since"] = count.since
    if count.span is not None:
        out["span"] = span_to_json(count.span)
    return out


def event_to_json(event: Event) -> dict[str, Any]:
    return {
        "id": event.id, "type": event.type, "mode": event.mode, "contexts": list(event.contexts),
        "cameo": event.cameo, "quad": event.quad, "actors": list(event.actors),
        "recipients": list(event.recipients), "mediators": list(event.mediators),
        "date": event.date, "date_source": event.date_source, "place": event.place,
        "negated": event.negated, "hypothetical": event.hypothetical,
        "counts": {k: count_to_json(c) for k, c in event.counts.items()},
        "quote": event.quote, "trigger": span_to_json(event.trigger),
        "sentence": span_to_json(event.sentence), "confidence": round(event.confidence, 3),
        "mentions": [span_to_json(m) for m in event.mentions],
    }


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "article": article_to_json(extraction.article),
        "entities": [entity_to_json(e) for e in extraction.entities],
        "quotes": [quote_to_json(q) for q in extraction.quotes],
        "times": [time_to_json(t) for t in extraction.times],
        "places": [place_to_json(p) for p in extraction.places],
        "events": [event_to_json(e) for e in extraction.events],
    }


def error_to_json(failure: "Failure") -> dict[str, Any]:
    """The error line of a batch: ``{"id": ..., "error": {"reason": ..., "message": ...}}``."""
    return {"id": failure.id, "error": {"reason": failure.reason, "message": failure.message}}
