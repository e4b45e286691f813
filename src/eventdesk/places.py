"""Toponyms -> gazetteer places. (First cut; the places issue fills it in.)"""
from __future__ import annotations

from .model import Article, Entity, Place


def geocode(entities: list[Entity], *, article: Article) -> tuple[list[Place], list[Entity]]:
    return [], entities
