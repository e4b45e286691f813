"""The offline place index: built from package data and our own rows, stored as SQLite.

``load_gazetteer()`` opens it (building it into the user cache folder on first use);
``build_gazetteer()`` rebuilds it; ``Gazetteer.lookup(name)`` lists candidate places.
"""
from __future__ import annotations

from .build import BuildInfo, build_gazetteer
from .index import Candidate, Gazetteer, GazetteerError, forget_gazetteer, load_gazetteer
from .normalize import normalize_name
from .paths import GAZETTEER_VERSION, cache_dir, gazetteer_path

__all__ = ["BuildInfo", "Candidate", "GAZETTEER_VERSION", "Gazetteer", "GazetteerError",
           "build_gazetteer", "cache_dir", "forget_gazetteer", "gazetteer_path", "load_gazetteer",
           "normalize_name"]
