"""Mentions -> entities. (First cut; the entities work fills it in.)"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Article, Entity, Span

if TYPE_CHECKING:
    from spacy.tokens import Doc

TYPES = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"}


def extract_entities(doc: "Doc", title_doc: "Doc | None", *, article: Article) -> list[Entity]:
    entities: list[Entity] = []
    for ent in doc.ents:
        if ent.label_ in TYPES:
            span = Span(ent.start_char, ent.end_char, ent.text)
            entities.append(Entity(id=f"E{len(entities) + 1}", name=ent.text, type=ent.label_,
                                   mentions=(span,)))
    return entities


def find_entity(entities: list[Entity], start: int, end: int, *, where: str = "body") -> Entity | None:
    """The entity with a mention overlapping [start, end) in ``where``, the longest overlap first."""
    best, best_overlap = None, 0
    for entity in entities:
        for m in entity.mentions:
            overlap = min(end, m.end) - max(start, m.start)
            if m.where == where and overlap > best_overlap:
                best, best_overlap = entity, overlap
    return best


def with_mention(entities: list[Entity], entity_id: str, span: Span) -> list[Entity]:
    """A copy of ``entities`` where entity ``entity_id`` also has mention ``span`` (kept in order)."""
    from dataclasses import replace
    out = []
    for entity in entities:
        if entity.id == entity_id and span not in entity.mentions:
            mentions = tuple(sorted((*entity.mentions, span), key=lambda m: (m.where != "title", m.start)))
            entity = replace(entity, mentions=mentions)
        out.append(entity)
    return out
