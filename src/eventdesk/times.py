"""Time expressions -> TIMEX3-style values. (First cut; the times work fills it in.)"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Article, Span, TimeExpr

if TYPE_CHECKING:
    from spacy.tokens import Doc


def extract_times(doc: "Doc", title_doc: "Doc | None", *, article: Article) -> list[TimeExpr]:
    return [TimeExpr(Span(e.start_char, e.end_char, e.text), None, "date")
            for e in doc.ents if e.label_ in ("DATE", "TIME")]
