"""Text, HTML and input records -> Article. (First cut; the parsing issue fills it in.)"""
from __future__ import annotations

import re
from typing import Any

from .errors import InputError
from .model import Article, ArticleInput

_HTML = re.compile(r"^\s*(<!doctype html|<html|<head|<body|<article|<div|<p[ >])", re.I)


def to_input(source: str | ArticleInput | dict[str, Any]) -> ArticleInput:
    """Whatever the caller handed in -> ArticleInput."""
    if isinstance(source, ArticleInput):
        return source
    if isinstance(source, str):
        return ArticleInput(html=source) if _HTML.match(source) else ArticleInput(text=source)
    if isinstance(source, dict):
        keys = ("id", "text", "html", "title", "published", "url", "source")
        values = {k: source.get(k) for k in keys}
        if values["id"] is not None:
            values["id"] = str(values["id"])
        return ArticleInput(**values)
    raise InputError(f"expected text, an ArticleInput or a dict, got {type(source).__name__}",
                     reason="bad_input")


def parse_article(item: ArticleInput) -> Article:
    text = item.text or ""
    if not text.strip():
        raise InputError("the article is empty: give it 'text' or 'html'", reason="empty")
    return Article(id=item.id, body=text, title=item.title, source=item.source, url=item.url,
                   published=item.published)


def input_from_bytes(data: bytes, *, id: str | None = None) -> ArticleInput:
    """A file's bytes -> ArticleInput (text or HTML, detected)."""
    text = data.decode("utf-8", errors="replace")
    item = to_input(text)
    return ArticleInput(id=id, text=item.text, html=item.html)


def input_from_json_line(line: str) -> ArticleInput:
    """One ``--jsonl`` line -> ArticleInput; InputError with reason ``bad_json`` if it is not one."""
    import json

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line is not JSON ({exc.msg} at column {exc.colno}); "
                         "expected one object per line", reason="bad_json") from exc
    if not isinstance(obj, dict):
        raise InputError(f"line is JSON {type(obj).__name__}, expected an object with 'text' or 'html'",
                         reason="bad_json")
    return to_input(obj)
