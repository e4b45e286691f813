"""Toponyms -> gazetteer places, ranked with what the rest of the article says.

Toponyms come from GPE/LOC/FAC entities, from ORG entities that are place names
(``"Harare"`` tagged ORG) or start with one (``"Pakistan Army"``, ``"the Toronto Police"``), and
from the dateline (``"BEIRUT (AP) -"``). NORP entities (demonyms: "Russian") are not places.

Each toponym's candidates (exact and normalised names, alternate names) are scored by:
feature and population (a country beats a town of the same name; capitals stand out), an
explicit qualifier ("Paris, Texas", "the Kharkiv region", "Homs province"), and the
countries and first-level regions the other places in the article point at (two passes: every
toponym alone, then again with the others as context). One Place per referent, with all its
mentions; an unresolved toponym stays with null coordinates.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace

from .gazetteer import Candidate, Gazetteer, load_gazetteer, normalize_name
from .gazetteer.normalize import rules
from .model import Article, Entity, Place, Span

PLACE_TYPES = {"GPE", "LOC", "FAC"}
QUALIFIER_BONUS, QUALIFIER_COUNTRY_BONUS = 5.0, 2.0
CONTEXT_COUNTRY, CONTEXT_REGION = 2.0, 2.0
HINT_BONUS = 3.0
DATELINE = re.compile(r"(?:\A|\n)[ \t]*([A-Z][A-Z.'’ -]{2,40}?)(?:,[ \t]*[A-Z][A-Za-z0-9. ]{1,25}?)?"
                      r"[ \t]*(?:\([A-Za-z ]{2,20}\)[ \t]*)?[—–\-:\ufffd]{1,2}[ \t]")
QUALIFIER = re.compile(r"\A,\s*((?:[A-Z][\w.'’-]*)(?:\s+[A-Z][\w.'’-]*){0,2})")
FOLLOWING_WORD = re.compile(r"\A\s+([A-Za-z]+)")
CAPITALISED = re.compile(r"[A-Z][\w.&'’-]*")
STRONG_CITY = 100_000  # population above which an ORG name may be read as a city


@dataclass(frozen=True, slots=True)
class Toponym:
    """A name to geocode: its mentions, the entity it came from, and any explicit qualifier."""

    name: str
    mentions: tuple[Span, ...]
    entity: str | None = None
    hint: str | None = None  # "region" or "city" from a type word ("Homs province")
    qualifier: str | None = None  # "Texas" in "Paris, Texas"
    strict: bool = False  # keep only if it resolves to a prominent place (ORG names)


@dataclass(frozen=True, slots=True)
class Context:
    """Where the article's places point: weights per country and per (country, admin1)."""

    countries: Counter[str]
    regions: Counter[tuple[str, str]]

    def without(self, candidate: Candidate | None, weight: int) -> "Context":
        if candidate is None or candidate.country is None:
            return self
        countries, regions = Counter(self.countries), Counter(self.regions)
        countries[candidate.country] -= weight
        if candidate.admin1 and candidate.feature != "country":
            regions[(candidate.country, candidate.admin1)] -= weight
        return Context(+countries, +regions)


def geocode(entities: list[Entity], *, article: Article,
            gazetteer: Gazetteer | None = None) -> tuple[list[Place], list[Entity]]:
    """Places named in the article, and ``entities`` with the country of the places they name.

    Example:
        >>> places, entities = geocode(entities, article=article)
        >>> [(p.name, p.country, p.lat, p.lon) for p in places]
        [('Moscow', 'RUS', 55.75222, 37.61556)]
    """
    gaz = gazetteer or load_gazetteer()
    toponyms = find_toponyms(entities, gaz, article=article)
    first = [best_candidate(t, gaz, None) for t in toponyms]
    context = article_context(toponyms, first)
    chosen = [best_candidate(t, gaz, context.without(c, _weight(t))) for t, c in zip(toponyms, first)]
    kept = [(t, c) for t, c in zip(toponyms, chosen) if c is not None or not t.strict]
    return merge_places(kept), give_countries(entities, kept)


# ---------------------------------------------------------------------------- finding toponyms

def find_toponyms(entities: list[Entity], gaz: Gazetteer, *, article: Article) -> list[Toponym]:
    """Every toponym in the article: place entities, place names in ORG (and NORP group)
    names, the dateline."""
    found: list[Toponym] = []
    for entity in entities:
        if entity.type in PLACE_TYPES:
            found.extend(entity_toponyms(entity, gaz, article))
        elif entity.type == "ORG":
            found.extend(name_toponyms(entity, gaz))
        elif entity.type == "NORP":  # "Toronto police": never the demonym itself ("Russian")
            found.extend(inner_toponyms(entity, gaz))
    dateline = dateline_toponym(article, entities, gaz)
    return found + ([dateline] if dateline else [])


def entity_toponyms(entity: Entity, gaz: Gazetteer, article: Article) -> list[Toponym]:
    """One toponym per distinct name among the entity's mentions ("UK" and "England" stay
    apart); mentions that are no place name by themselves go with the entity's name."""
    groups: dict[str, list[Span]] = {}
    for mention in entity.mentions:
        text = mention.text if gaz.lookup(mention.text) else entity.name
        groups.setdefault(text, []).append(mention)
    return [named_toponym(name, tuple(ms), entity, gaz, article) for name, ms in groups.items()
            if looks_like_name(name)]


def looks_like_name(text: str) -> bool:
    """Place names start with a capital or a digit-free word ("veranda", "11:11pm" are not)."""
    words = text.split()
    return bool(words) and any(w[:1].isupper() for w in words) and not any(
        ch.isdigit() for ch in text)


def named_toponym(name: str, mentions: tuple[Span, ...], entity: Entity, gaz: Gazetteer,
                  article: Article) -> Toponym:
    bare, hint, qualifier = split_name(name, gaz)
    for mention in mentions:
        after = _text_after(article, mention)
        hint = hint or following_hint(after)
        qualifier = qualifier or following_qualifier(after)
    return Toponym(name=bare, mentions=mentions, entity=entity.id, hint=hint, qualifier=qualifier)


def split_name(name: str, gaz: Gazetteer) -> tuple[str, str | None, str | None]:
    """("Paris, Texas") -> ("Paris", None, "Texas"); ("the Kharkiv region") -> ("Kharkiv",
    "region", None). Names the gazetteer knows whole ("Kansas City") are kept whole."""
    qualifier = None
    if "," in name and not gaz.lookup(name):
        name, qualifier = (part.strip() for part in name.split(",", 1))
    if gaz.lookup(name):
        return name, None, qualifier or None
    words = name.split()
    type_words = rules()["type_words"]
    hint = None
    while len(words) > 1 and words[-1].casefold() in type_words:
        hint = type_words[words.pop().casefold()]
    while len(words) > 1 and (words[0].casefold() == "the" or words[0].casefold() in type_words):
        hint = type_words.get(words.pop(0).casefold(), hint)
    return " ".join(words), hint, qualifier or None


def following_hint(after: str) -> str | None:
    match = FOLLOWING_WORD.match(after)
    return rules()["type_words"].get(match.group(1).casefold()) if match else None


def following_qualifier(after: str) -> str | None:
    match = QUALIFIER.match(after)
    return match.group(1) if match else None


def _text_after(article: Article, mention: Span) -> str:
    text = (article.title or "") if mention.where == "title" else article.body
    return text[mention.end: mention.end + 40]


def name_toponyms(entity: Entity, gaz: Gazetteer) -> list[Toponym]:
    """An ORG entity that is a place name ("Harare"), or names one at its start, end or after
    "of" ("the Pakistan Army", "Air Zimbabwe", "the Kidney Foundation of Canada")."""
    if any(prominent(c) for c in gaz.lookup(entity.name)):
        return [Toponym(name=entity.name, mentions=entity.mentions, entity=entity.id, strict=True)]
    return inner_toponyms(entity, gaz)


def inner_toponyms(entity: Entity, gaz: Gazetteer) -> list[Toponym]:
    found = []
    for mention in entity.mentions:
        for span, allowed in inner_names(mention):
            if any(prominent(c) and c.feature in allowed for c in gaz.lookup(span.text)):
                found.append(Toponym(name=span.text, mentions=(span,), strict=True))
                break
    return found


ANY_FEATURE = frozenset({"country", "region", "city", "landmark", "water", "other"})
POLITY = frozenset({"country", "region"})


def inner_names(mention: Span) -> Iterable[tuple[Span, frozenset[str]]]:
    """Capitalised word runs inside a group's name that may be a place, longest first, with
    the features allowed there (only a country or region at the end: "Air Zimbabwe")."""
    text = mention.text
    skip = 4 if text[:4] in ("the ", "The ") else 0
    words = list(CAPITALISED.finditer(text, skip))
    leading = [w for i, w in enumerate(words) if w.start() == (words[i - 1].end() + 1 if i else skip)]
    for size in range(min(len(leading), 3), 0, -1):
        if len(text.split()) > size + (1 if skip else 0):
            yield _sub_span(mention, skip, leading[size - 1].end()), ANY_FEATURE
    of = text.rfind(" of ")
    if of > 0:
        yield _sub_span(mention, of + 4, len(text)), ANY_FEATURE
    if len(words) > 1 and words[-1].end() == len(text):
        yield _sub_span(mention, words[-1].start(), len(text)), POLITY


def _sub_span(mention: Span, start: int, end: int) -> Span:
    return Span(mention.start + start, mention.start + end, mention.text[start:end], mention.where)


def dateline_toponym(article: Article, entities: list[Entity], gaz: Gazetteer) -> Toponym | None:
    """The dateline place ("BEIRUT (AP) -", "WASHINGTON -") when no entity already covers it."""
    match = DATELINE.search(article.body[:400])
    if not match:
        return None
    start, end = match.span(1)
    text = article.body[start:end].rstrip(" .")
    end = start + len(text)
    if any(m.where == "body" and m.start < end and m.end > start for e in entities
           for m in e.mentions):
        return None
    if not any(prominent(c) for c in gaz.lookup(text)):
        return None
    return Toponym(name=text, mentions=(Span(start, end, text),), strict=True)


# ---------------------------------------------------------------------------- ranking candidates

def best_candidate(toponym: Toponym, gaz: Gazetteer, context: Context | None) -> Candidate | None:
    candidates = gaz.lookup(toponym.name)
    if toponym.strict:
        candidates = [c for c in candidates if prominent(c)]
    candidates = drop_towns_named_like_countries(candidates, toponym)
    if toponym.hint and context is not None and not any(c.feature == toponym.hint for c in candidates):
        candidates = [c for c in candidates if c.country and context.countries[c.country] > 0]
    if not candidates:
        return None
    qualifier = qualifier_place(toponym.qualifier, gaz)
    return max(candidates, key=lambda c: (score(c, toponym, context, qualifier), -c.id))


def prominent(candidate: Candidate) -> bool:
    """Places an ORG name or a dateline may stand for: no small towns, no alternate names."""
    if candidate.kind != 0:
        return False
    return candidate.feature != "city" or candidate.population >= STRONG_CITY or candidate.capital


def drop_towns_named_like_countries(candidates: list[Candidate], toponym: Toponym) -> list[Candidate]:
    """A country's own name never resolves to a town, unless a qualifier says so."""
    if toponym.qualifier or not any(c.feature == "country" and c.kind == 0 for c in candidates):
        return candidates
    return [c for c in candidates if c.feature != "city"]


def qualifier_place(qualifier: str | None, gaz: Gazetteer) -> Candidate | None:
    if not qualifier:
        return None
    options = [c for c in gaz.lookup(qualifier) if c.feature in ("country", "region")]
    return max(options, key=lambda c: (prior(c), -c.id)) if options else None


def prior(candidate: Candidate) -> float:
    """How likely a bare mention of the name means this place, before any context."""
    size = 0.8 * math.log10(candidate.population + 10)
    if candidate.feature == "country":
        return size + 1.0
    if candidate.feature == "region":
        return 1.5 if candidate.source.startswith("pycountry") else size - 0.5
    if candidate.feature in ("water", "landmark"):
        return 5.0
    return size + (1.0 if candidate.capital else 0.0)


def score(candidate: Candidate, toponym: Toponym, context: Context | None,
          qualifier: Candidate | None) -> float:
    value = prior(candidate) - 1.0 * candidate.kind
    if toponym.hint is not None:
        value += HINT_BONUS + candidate.kind if candidate.feature == toponym.hint else -HINT_BONUS
    if qualifier is not None and candidate.country == qualifier.country:
        same_region = qualifier.feature == "country" or candidate.admin1 == qualifier.admin1
        value += QUALIFIER_BONUS if same_region else QUALIFIER_COUNTRY_BONUS
    if context is not None:
        value += context_bonus(candidate, context)
    return value


def context_bonus(candidate: Candidate, context: Context) -> float:
    total = sum(context.countries.values())
    if not total or candidate.country is None:
        return 0.0
    bonus = CONTEXT_COUNTRY * context.countries[candidate.country] / total
    regions = sum(context.regions.values())
    if regions and candidate.admin1 and candidate.feature != "country":
        bonus += CONTEXT_REGION * context.regions[(candidate.country, candidate.admin1)] / regions
    return bonus


def article_context(toponyms: list[Toponym], chosen: list[Candidate | None]) -> Context:
    countries: Counter[str] = Counter()
    regions: Counter[tuple[str, str]] = Counter()
    for toponym, candidate in zip(toponyms, chosen):
        if candidate is None or candidate.country is None:
            continue
        countries[candidate.country] += _weight(toponym)
        if candidate.admin1 and candidate.feature != "country":
            regions[(candidate.country, candidate.admin1)] += _weight(toponym)
    return Context(countries, regions)


def _weight(toponym: Toponym) -> int:
    return min(len(toponym.mentions), 3)


# ---------------------------------------------------------------------------- output

def merge_places(found: list[tuple[Toponym, Candidate | None]]) -> list[Place]:
    """One Place per referent (gazetteer entry, or name when unresolved), mentions in text order."""
    groups: dict[object, list[tuple[Toponym, Candidate | None]]] = {}
    for toponym, candidate in found:
        key = ("id", candidate.id) if candidate else ("name", normalize_name(toponym.name))
        groups.setdefault(key, []).append((toponym, candidate))
    places = [_place(group) for group in groups.values()]
    places.sort(key=lambda p: _order(p.mentions[0]))
    return [replace(p, id=f"P{i}") for i, p in enumerate(places, 1)]


def _place(group: list[tuple[Toponym, Candidate | None]]) -> Place:
    mentions = sorted({m for t, _ in group for m in t.mentions}, key=_order)
    toponym, candidate = group[0]
    entity = next((t.entity for t, _ in group if t.entity), None)
    if candidate is None:
        return Place(id="", name=toponym.name, mentions=tuple(mentions), entity=entity)
    return Place(id="", name=candidate.name, mentions=tuple(mentions), country=candidate.country,
                 lat=candidate.lat, lon=candidate.lon, geonameid=candidate.geonameid,
                 feature=candidate.feature, admin1=candidate.admin1, entity=entity)


def _order(span: Span) -> tuple[bool, int, int]:
    return (span.where != "title", span.start, span.end)


def give_countries(entities: list[Entity], found: list[tuple[Toponym, Candidate | None]]) -> list[Entity]:
    """Place entities without a country get the country of the place they name."""
    country = {t.entity: c.country for t, c in found if t.entity and c is not None and c.country}
    return [replace(e, country=country[e.id])
            if e.country is None and e.type in PLACE_TYPES and e.id in country else e
            for e in entities]
