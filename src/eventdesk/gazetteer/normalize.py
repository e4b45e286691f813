"""Place-name normalisation shared by the gazetteer build and the geocoder.

``normalize_name("St. Louis") == normalize_name("Saint-Louis") == "saint louis"``: diacritics
stripped, case folded, dots and apostrophes dropped, hyphens and slashes to spaces, the
abbreviations in ``data/gazetteer_rules.json`` expanded and a leading "the" dropped.
"""
from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources
from typing import Any

_DROP = re.compile(r"[.'’‘`ʻʼ´\"(),]")
_SPACE = re.compile(r"[\s\-‐‑–—/_]+")
_LATIN = re.compile(r"[a-z0-9 &]+")


@functools.cache
def rules() -> dict[str, Any]:
    """The normalisation and qualifier rules (``data/gazetteer_rules.json``), loaded once."""
    text = resources.files("eventdesk").joinpath("data", "gazetteer_rules.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_name(text: str) -> str:
    """The lookup key of a place name: accents, case, punctuation and abbreviations evened out."""
    key = _SPACE.sub(" ", _DROP.sub("", strip_accents(text).casefold())).strip()
    words = key.split()
    abbreviations = rules()["abbreviations"]
    words = [abbreviations.get(w, w) for w in words]
    while len(words) > 1 and words[0] in rules()["drop_leading"]:
        words = words[1:]
    return " ".join(words)


def is_latin_key(key: str) -> bool:
    """True when a normalised key is plain Latin letters, digits, spaces and '&'."""
    return bool(_LATIN.fullmatch(key))
