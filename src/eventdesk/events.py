"""Clauses and quotes -> PLOVER events. (First cut; the events issue fills it in.)"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Article, Entity, Event, Place, Quote, TimeExpr

if TYPE_CHECKING:
    from spacy.tokens import Doc


def extract_events(doc: "Doc", title_doc: "Doc | None", *, article: Article,
                   entities: list[Entity], places: list[Place], times: list[TimeExpr],
                   quotes: list[Quote]) -> list[Event]:
    return []
