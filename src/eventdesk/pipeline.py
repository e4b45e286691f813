"""extract() and extract_many(): the stage order, written out.

parse -> nlp -> entities -> times -> places -> quotes -> events. Every stage is a plain
function over the spaCy Doc and our records (``model.py``); nothing spaCy leaves here.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from .entities import countries_from_sentences, extract_entities
from .errors import EventdeskError, InputError
from .events import extract_events
from .model import Article, ArticleInput, Extraction
from .nlp import DEFAULT_MODEL, load_nlp
from .parse import parse_article, to_input
from .places import geocode
from .quotes import extract_quotes
from .times import extract_times

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

log = logging.getLogger(__name__)

Source = Union[str, ArticleInput, dict[str, Any], "Failure"]  # a Failure passes through in place

BATCH_CHARS = 200_000  # characters per nlp.pipe batch: long articles make small batches


@dataclass(frozen=True, slots=True)
class Failure:
    """An article that could not be read, with a stable ``reason`` code."""

    id: str | None
    reason: str
    message: str


def read_article(article: Article, doc: "Doc", title_doc: "Doc | None") -> Extraction:
    """Run every stage after parsing over one article's Docs."""
    entities = extract_entities(doc, title_doc, article=article)
    times = extract_times(doc, title_doc, article=article)
    places, entities = geocode(entities, article=article)
    entities = countries_from_sentences(entities, doc)
    quotes, entities = extract_quotes(doc, article=article, entities=entities, times=times)
    events = extract_events(doc, title_doc, article=article, entities=entities, places=places,
                            times=times, quotes=quotes)
    return Extraction(article=article, entities=tuple(entities), quotes=tuple(quotes),
                      times=tuple(times), places=tuple(places), events=tuple(events))


def extract(source: Source, *, model: str = DEFAULT_MODEL) -> Extraction:
    """Read one article (text, HTML, an ArticleInput or an input dict) and return what it says.

    Raises InputError for input that cannot be read.

    Example:
        >>> result = extract(open("article.txt").read())
        >>> [e.name for e in result.entities]
    """
    (result,) = extract_many([source], model=model)
    if isinstance(result, Failure):
        raise InputError(result.message, reason=result.reason)
    return result


def extract_many(sources: Iterable[Source], *, model: str = DEFAULT_MODEL,
                 batch_chars: int = BATCH_CHARS) -> Iterator[Extraction | Failure]:
    """Read many articles through ``nlp.pipe``, yielding one result per input, in input order.

    A bad article yields a Failure and the run goes on.
    """
    nlp = load_nlp(model)
    for chunk in _chunks(_parse_all(sources), batch_chars):
        yield from _read_chunk(nlp, chunk)


def _parse_all(sources: Iterable[Source]) -> Iterator[Article | Failure]:
    for source in sources:
        if isinstance(source, Failure):
            yield source
            continue
        item_id = _source_id(source)
        try:
            yield parse_article(to_input(source))
        except EventdeskError as exc:
            yield Failure(item_id, exc.reason, exc.message)


def _chunks(items: Iterable[Article | Failure], batch_chars: int) -> Iterator[list[Article | Failure]]:
    chunk: list[Article | Failure] = []
    size = 0
    for item in items:
        chunk.append(item)
        size += len(item.body) + len(item.title or "") if isinstance(item, Article) else 0
        if size >= batch_chars:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _read_chunk(nlp: "Language", chunk: list[Article | Failure]) -> Iterator[Extraction | Failure]:
    articles = [a for a in chunk if isinstance(a, Article)]
    texts = [t for a in articles for t in (a.body, a.title or "")]
    docs = iter(nlp.pipe(texts, batch_size=64))
    read: dict[int, Extraction | Failure] = {}
    for article in articles:
        doc, title_doc = next(docs), next(docs)
        read[id(article)] = _read_safely(article, doc, title_doc if article.title else None)
    for item in chunk:
        yield item if isinstance(item, Failure) else read[id(item)]


def _read_safely(article: Article, doc: "Doc", title_doc: "Doc | None") -> Extraction | Failure:
    try:
        return read_article(article, doc, title_doc)
    except EventdeskError as exc:
        return Failure(article.id, exc.reason, exc.message)
    except Exception as exc:  # a bug in a stage must not stop a batch of thousands
        log.exception("internal error on article %r", article.id)
        return Failure(article.id, "internal_error",
                       f"{type(exc).__name__}: {exc} (please report this with the article)")


def _source_id(source: str | ArticleInput | dict[str, Any]) -> str | None:
    if isinstance(source, ArticleInput):
        return source.id
    if isinstance(source, dict):
        value = source.get("id")
        return None if value is None else str(value)
    return None
