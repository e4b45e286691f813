"""Mentions -> entities: type, canonical name, role/title, country and PLOVER sector.

Three steps, each over plain records once spaCy has run:

1. At nlp time (``add_entity_fixes``): a gazetteer phrase matcher after "ner" adds the
   countries, regions, demonyms and seats of power the statistical NER missed, and a fix-up
   component relabels or splits its mistakes ("Azerbaijani" PERSON -> NORP, "Armenia Nikol
   Pashinyan" -> GPE + PERSON, "Baku and Yerevan confirmed" -> GPE + GPE).
2. ``read_mentions``: every entity span becomes a Mention. A person's title is read from the
   words before the name ("Azerbaijani Foreign Minister", "President of Azerbaijan",
   "Russia's foreign ministry spokesperson", "his Armenian counterpart") or from an
   apposition after it, and those words do not become entities of their own.
3. ``group_mentions``: one entity per referent. Surnames join full names, acronyms join
   their expansions, country names join by ISO code.

A person whose country the text does not state next to the name takes it from a co-referent
mention, else from a nameless title phrase of the same role elsewhere in the article ("the
president of Russia" for "President Vladimir Putin"), counting only countries no other
person with that role already holds. After places (``countries_from_sentences``), a person
still without one takes the single country the sentences naming the person name, unless those
sentences tell of dealings between countries. World knowledge (who is president of what) is
not used.
"""
from __future__ import annotations

import bisect
import functools
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from . import countries
from .countries import lookup, norm, read_rows
from .model import Article, Entity, Span, Where

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.tokens import Span as SpacySpan

TYPES = {"PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT"}
ACTOR_KINDS = ("country", "region", "demonym", "metonym", "igo", "group")
ORG_KINDS = ("metonym", "igo", "group")
PLACE_KINDS = ("country", "region", "capital", "state")
POSSESSIVE = ("'s", "\u2019s", "'", "\u2019")
EDGE_PUNCT = "/|\"'()[]{}-\u201c\u201d\u2018\u2019 \n\t"
DETERMINERS = {"the", "a", "an", "his", "her", "its", "their", "our", "whose"}
FIXES = "eventdesk_entity_fixes"


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Title:
    role: str | None  # None: an honorific such as "Mr." that is stripped
    sector: str | None


@functools.cache
def titles() -> dict[str, Title]:
    """Lower-case title as written -> normalised role and sector (``data/entity_titles.tsv``)."""
    out = {}
    for row in read_rows("entity_titles.tsv"):
        row += [""] * (3 - len(row))
        out[row[0].lower()] = Title(row[1] or None, row[2] or None)
    return out


@functools.cache
def sector_words() -> dict[str, tuple[str, str]]:
    """Lower-case word -> (PLOVER sector, org|group|both) (``data/entity_sectors.tsv``)."""
    return {row[0]: (row[1], row[2]) for row in read_rows("entity_sectors.tsv")}


@functools.cache
def role_modifiers() -> frozenset[str]:
    """Lower-case words that may stand inside a role before its title ("deputy", "foreign")."""
    return frozenset(row[0] for row in read_rows("entity_role_modifiers.txt"))


@functools.cache
def foreign_cues() -> frozenset[str]:
    """Lemmas of sentences about dealings between countries (``data/entity_foreign_cues.txt``)."""
    return frozenset(row[0] for row in read_rows("entity_foreign_cues.txt"))


# ----------------------------------------------------------------------------- nlp-time fixes


def add_entity_fixes(nlp: "Language") -> "Language":
    """Add the gazetteer + fix-up component after "ner" (once; a no-op without "ner")."""
    if nlp.has_pipe("ner") and not nlp.has_pipe(FIXES):
        nlp.add_pipe(FIXES, after="ner")
    return nlp


class EntityFixes:
    """spaCy component: add the gazetteer names the NER missed, then ``fix_ents``.

    A PhraseMatcher over tokenizer-only pattern docs: building it takes a fraction of a second
    and matching is linear in the text (an entity_ruler with token patterns took ~4 s for 80k
    characters)."""

    def __init__(self, nlp: "Language") -> None:
        from spacy.matcher import PhraseMatcher

        self.matcher = PhraseMatcher(nlp.vocab)
        by_label: dict[str, list[Doc]] = {}
        for pattern in countries.ruler_patterns():
            by_label.setdefault(pattern["label"], []).append(nlp.make_doc(pattern["pattern"]))
        for label, docs in by_label.items():
            self.matcher.add(label, docs)

    def __call__(self, doc: "Doc") -> "Doc":
        from spacy.tokens import Span as SpacySpan
        from spacy.util import filter_spans

        found = [SpacySpan(doc, start, end, label=label) for label, start, end in self.matcher(doc)]
        free = [s for s in filter_spans(found) if all(t.ent_iob_ == "O" for t in s)]
        if free:
            doc.ents = sorted([*doc.ents, *free], key=lambda s: s.start)
        return fix_ents(doc)


def _make_fixes(nlp: "Language", name: str) -> EntityFixes:
    return EntityFixes(nlp)


def _register() -> None:
    from spacy.language import Language

    if not Language.has_factory(FIXES):
        Language.factory(FIXES, func=_make_fixes)


def fix_ents(doc: "Doc") -> "Doc":
    """Relabel and split NER spans the gazetteer knows better (a spaCy pipeline component)."""
    from spacy.util import filter_spans

    spans: list[SpacySpan] = []
    for ent in doc.ents:
        spans.extend(_fix_ent(ent))
    doc.ents = filter_spans(_merge_known(doc, spans))
    return doc


def _fix_ent(ent: "SpacySpan") -> list["SpacySpan"]:
    out = []
    for piece in _split_lines(ent):
        part = _trim(piece)
        if part is None:
            continue
        hit = lookup(part.text)
        if hit and (hit.kind in ACTOR_KINDS or hit.kind in PLACE_KINDS and _not_a_name(part)):
            out.append(_relabel(part, hit.type))
        elif hit is None and "CCONJ" in {t.pos_ for t in part} and (pieces := _split_conjuncts(part)):
            out.extend(pieces)
        elif hit is None and _demonym_group(part):
            out.append(_relabel(part, "NORP"))
        elif hit is None and part.label_ == "PERSON" and (pieces := _split_leading_place(part)):
            out.extend(pieces)
        else:
            out.append(_strip_title(part) if part.label_ == "PERSON" else part)
    return out


def _strip_title(span: "SpacySpan") -> "SpacySpan":
    """ "Sheikh Tamim bin Hamad" -> "Tamim bin Hamad": titles are read from the words before a name."""
    for n in (3, 2, 1):
        if len(span) > n and span[:n].text.lower() in titles() and span[n].is_title:
            return _strip_title(_label(span[n:], span.label_))
    return span


def _not_a_name(span: "SpacySpan") -> bool:
    """A capital or state the NER called PERSON is a place unless another person's name has it."""
    if span.label_ != "PERSON":
        return span.label_ != "GPE"
    word = span.text.lower()
    return len(span) == 1 and not any(e.label_ == "PERSON" and len(e) > 1 and word in e.text.lower().split()
                                      for e in span.doc.ents)


def _relabel(span: "SpacySpan", label: str) -> "SpacySpan":
    return span if span.label_ == label else span.doc[span.start:span.end].char_span(
        0, len(span.text), label=label) or span


def _split_lines(ent: "SpacySpan") -> list["SpacySpan"]:
    """Cut a span at line breaks and slashes ("Facebook\\n\\nAzerbaijani", "/Russian ...")."""
    parts, start = [], ent.start
    for token in ent:
        if (token.is_space and "\n" in token.text) or "\n" in token.text_with_ws or token.text in ("/", "|"):
            end = token.i if token.is_space or token.text in ("/", "|") else token.i + 1
            if end > start:
                parts.append(ent.doc[start:end])
            start = token.i + 1
    if ent.end > start:
        parts.append(ent.doc[start:ent.end])
    return [_label(p, ent.label_) for p in parts]


def _label(span: "SpacySpan", label: str) -> "SpacySpan":
    from spacy.tokens import Span as SpacySpan

    return SpacySpan(span.doc, span.start, span.end, label=label)


def _trim(span: "SpacySpan") -> "SpacySpan | None":
    """Drop leading/trailing punctuation and a trailing possessive from an entity span."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].is_punct or doc[start].is_space) and doc[start].text not in ("(",):
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space or doc[end - 1].text in POSSESSIVE):
        end -= 1
    if end <= start:
        return None
    return _label(doc[start:end], span.label_)


def _split_conjuncts(span: "SpacySpan") -> list["SpacySpan"]:
    """ "Baku and Yerevan confirmed" -> [Baku, Yerevan] when every conjunct is in the gazetteer."""
    pieces, start = [], span.start
    for token in [*span, None]:
        if token is None or token.pos_ == "CCONJ" or token.text == ",":
            end = token.i if token is not None else span.end
            while end > start and span.doc[end - 1].pos_ in ("VERB", "AUX", "ADV", "PUNCT"):
                end -= 1
            piece = span.doc[start:end]
            hit = lookup(piece.text) if len(piece) else None
            if hit is None:
                return []
            pieces.append(_label(piece, hit.type))
            if token is not None:
                start = token.i + 1
    return pieces if len(pieces) > 1 else []


def _demonym_group(span: "SpacySpan") -> bool:
    """ "Bosnian Serbs", "Iraqi Kurds": a people named with the country it lives in."""
    if len(span) < 2 or span[-1].tag_ not in ("NNPS", "NNS", "NNP"):
        return False
    last = lookup(span[-1].text)
    head = lookup(span[:-1].text)
    return bool(last and last.kind == "demonym" and head and head.kind in ("country", "region", "demonym")
                and head.country)


def _split_leading_place(span: "SpacySpan") -> list["SpacySpan"]:
    """ "Armenia Nikol Pashinyan" (PERSON) -> Armenia (GPE) + Nikol Pashinyan (PERSON)."""
    for k in range(min(3, len(span) - 1), 0, -1):
        head, rest = span[:k], span[k:]
        hit = lookup(head.text)
        if hit and hit.kind in ("country", "region", "demonym") and rest[0].is_title:
            return [_label(head, hit.type), _label(rest, "PERSON")]
    return []


def _merge_known(doc: "Doc", spans: list["SpacySpan"]) -> list["SpacySpan"]:
    """Two neighbouring spans (or two joined by in/of/for) -> one ORG when the whole is a known
    organisation: "Organization for Security and Co-operation" + "in Europe", "Islamic" + "State"."""
    out: list[SpacySpan] = []
    i = 0
    while i < len(spans):
        span, nxt = spans[i], spans[i + 1] if i + 1 < len(spans) else None
        if nxt is not None and (nxt.start == span.end or nxt.start == span.end + 1
                                and doc[span.end].lower_ in ("in", "of", "for")):
            whole = doc[span.start:nxt.end]
            if nxt.start == span.end and lookup(whole.text) is None and _demonym_group(whole):
                out.append(_label(whole, "NORP"))  # "Iraqi" + "Kurds"
                i += 2
                continue
            hit = lookup(whole.text)
            if hit and hit.kind in ORG_KINDS:
                out.append(_label(doc[span.start:nxt.end], hit.type))
                i += 2
                continue
        out.append(span)
        i += 1
    return out


# ----------------------------------------------------------------------------- mentions


@dataclass(slots=True)
class Mention:
    """One entity span with what the words around it say (plain data, no spaCy)."""

    span: Span
    type: str
    name: str
    key: tuple[str, str]
    country: str | None = None
    role: str | None = None
    sector: str | None = None
    canonical: str | None = None
    tokens: int = 1
    sent: int = 0


@dataclass(slots=True)
class Reading:
    """What a person's title phrase says: role, country, sector, and the tokens it used."""

    role: str | None = None
    country: str | None = None
    sector: str | None = None
    used: set[int] = field(default_factory=set)  # token indices of the phrase


@dataclass(frozen=True, slots=True)
class RoleFact:
    """A nameless title phrase ("the president of Russia"): a role held in a country."""

    role: str
    country: str
    start: int  # character offset of the phrase
    sent: int  # character offset of its sentence
    where: Where = "body"


def read_mentions(doc: "Doc", *, where: Where = "body") -> tuple[list[Mention], list[RoleFact]]:
    """Every PERSON/ORG/GPE/LOC/NORP/FAC/EVENT span of ``doc`` as a Mention, plus nameless role facts."""
    ents = [e for e in doc.ents if e.label_ in TYPES]
    people, used = _read_people(doc, ents, where=where)
    others = _read_others(doc, [e for e in ents if e.label_ != "PERSON"], used, where=where)
    return sorted(people + others, key=lambda m: m.span.start), _role_facts(doc, where=where)


def _read_people(doc: "Doc", ents: list["SpacySpan"], *, where: Where) -> tuple[list[Mention], set[int]]:
    mentions: list[Mention] = []
    used: set[int] = set()
    last_role: dict[int, Title] = {}  # sentence start -> the title of its last titled person
    for ent in ents:
        if ent.label_ != "PERSON":
            continue
        reading = _title_left(doc, ent, last_role.get(ent.sent.start)) or _title_right(doc, ent) or Reading()
        used |= reading.used
        if reading.role:
            last_role[ent.sent.start] = Title(reading.role, reading.sector)
        mentions.append(Mention(_span(ent, where), "PERSON", ent.text, ("PERSON", norm(ent.text)),
                                reading.country, reading.role, reading.sector, tokens=len(ent),
                                sent=ent.sent.start_char))
    return mentions, used


def _span(ent: "SpacySpan", where: Where) -> Span:
    """The mention's span without stray punctuation or a possessive at its edges (dots stay: "U.S.")."""
    text, start = ent.text, ent.start_char
    lead = len(text) - len(text.lstrip(EDGE_PUNCT))
    text, start = text[lead:], start + lead
    for tail in POSSESSIVE:
        if len(text) > len(tail) + 1 and text.endswith(tail):
            text = text[:-len(tail)]
    text = text.rstrip(EDGE_PUNCT + ",;:") or text
    return Span(start, start + len(text), text, where)


# ----------------------------------------------------------------------------- titles


def _title_left(doc: "Doc", ent: "SpacySpan", previous: Title | None) -> Reading | None:
    """Read "<country> <organ words> <title> NAME" or "<title> of <country> NAME" before a name."""
    floor = ent.sent.start
    i = ent.start - 1
    reading = Reading()
    i = _of_country(doc, i, floor, reading)
    head = _title_ending_at(doc, i, floor)
    if head is not None:
        j, title = head
    elif i >= floor and doc[i].lower_ in ("counterpart", "counterparts") and previous:
        j, title = i, previous  # "his Armenian counterpart": the role of the person just named
    else:
        return None
    while (outer := _title_ending_at(doc, j - 1, floor)) is not None:  # "emir Sheikh NAME"
        j, title = outer[0], outer[1] if outer[1].role else title
    reading.used |= set(range(j, ent.start))
    organ, k = _organ_words(doc, j - 1, floor, reading)
    reading.used |= set(range(k + 1, j))
    if reading.country is None:
        reading.country = _country_before(doc, k, floor, reading) or _of_country_after(doc, ent)
    _fill_role(reading, title, organ)
    if reading.role and reading.sector is None and reading.country:
        reading.sector = "GOV"  # "North Korean leader", "Iranian official": a state's
    return reading


def _title_ending_at(doc: "Doc", i: int, floor: int) -> tuple[int, Title] | None:
    """The longest title (up to 4 tokens) ending at token ``i``: (its first token, Title)."""
    for n in (4, 3, 2, 1):
        j = i - n + 1
        if j < floor or i < 0:
            continue
        phrase = doc[j:i + 1]
        if any(t.ent_type_ == "PERSON" for t in phrase):
            continue
        title = titles().get(phrase.text.lower())
        if title is not None:
            return j, title
    return None


def _of_country(doc: "Doc", i: int, floor: int, reading: Reading) -> int:
    """ "President of Azerbaijan NAME": read the country, return the token before "of"."""
    if i < floor or doc[i].ent_type_ not in ("GPE", "NORP"):
        return i
    start = max(_ent_start(doc, i), floor)
    if start - 1 < floor or doc[start - 1].lower_ != "of" or _title_ending_at(doc, start - 2, floor) is None:
        return i
    reading.country = countries.country_of(doc[start:i + 1].text)
    return start - 2


def _of_country_after(doc: "Doc", ent: "SpacySpan") -> str | None:
    """ "King Hassan of Morocco": the country named right after a titled name."""
    k = ent.end
    if k + 1 < len(doc) and doc[k].lower_ == "of" and doc[k + 1].ent_type_ == "GPE" and doc[k + 1].ent_iob_ == "B":
        end = k + 2
        while end < len(doc) and doc[end].ent_iob_ == "I":
            end += 1
        return countries.country_of(doc[k + 1:end].text)
    return None


def _ent_start(doc: "Doc", i: int) -> int:
    while i > 0 and doc[i].ent_iob_ == "I":
        i -= 1
    return i


def _organ_words(doc: "Doc", k: int, floor: int, reading: Reading) -> tuple[list[str], int]:
    """Words such as "Foreign Ministry" or "Kremlin" before a title; returns them and the token
    before them. A seat of power among them gives the country ("Kremlin spokesman")."""
    words: list[str] = []
    while k >= floor:
        token = doc[k]
        clean = token.text.strip("/|\"'([{")
        hit = lookup(clean) if clean[:1].isupper() else None
        if hit is not None and hit.kind in ORG_KINDS:
            reading.country, reading.sector = reading.country or hit.country, hit.sector
        elif token.ent_type_ in ("GPE", "NORP") or hit is not None:
            break
        elif not (token.lower_ in role_modifiers() or token.ent_type_ == "ORG"
                  or (token.is_title and token.pos_ == "PROPN" and k > floor)):
            break
        words.insert(0, token.text)
        k -= 1
    return words, k


def _country_before(doc: "Doc", k: int, floor: int, reading: Reading) -> str | None:
    """The country of "<Azerbaijani|U.S.|Russia's> ..." ending at token ``k``. A demonym is used
    up by the role; a country name stays a mention of that country."""
    if k >= floor and doc[k].text in POSSESSIVE:
        reading.used.add(k)
        k -= 1
    if k < floor or not (doc[k].ent_type_ in ("GPE", "NORP", "ORG") or lookup(doc[k].text)):
        return None
    start = max(_ent_start(doc, k) if doc[k].ent_type_ else k, floor)
    owner = lookup(doc[start:k + 1].text)
    if owner is not None and owner.kind in ORG_KINDS:  # "the EU's foreign policy chief"
        reading.sector = reading.sector or owner.sector
        return owner.country
    code = countries.country_of(doc[start:k + 1].text)
    if code and doc[k].ent_type_ != "GPE":
        reading.used |= set(range(start, k + 1))
    return code


def _fill_role(reading: Reading, title: Title, organ: list[str]) -> None:
    """Role = organ words + normalised title ("Foreign Ministry spokeswoman", "former President")."""
    if title.role is None:  # an honorific
        return
    all_org = all((found := sector_words().get(w.lower())) and found[1] != "group" for w in organ)
    words = [_organ_case(w, all_org=all_org, capital_head=title.role[0].isupper()) for w in organ]
    reading.role = " ".join([*words, title.role])
    organ_sector = _sector_of(organ, "org")
    former = any(w.lower() in ("former", "ex-") for w in organ)
    reading.sector = "ELI" if former else title.sector or reading.sector or organ_sector


def _organ_case(word: str, *, all_org: bool, capital_head: bool) -> str:
    """ "foreign ministry" -> "Foreign Ministry"; "deputy" before "Foreign Minister" -> "Deputy"."""
    if word.islower() and (all_org or capital_head and word in ("deputy", "vice", "acting")):
        return word.capitalize()
    return word


def _sector_of(words: Iterable[str], where: str) -> str | None:
    """The sector of the last word in ``words`` that names one (the head noun comes last)."""
    sector = None
    for word in words:
        found = sector_words().get(word.lower())
        if found and (found[1] == where or found[1] == "both"):
            sector = found[0]
    return sector


def _title_right(doc: "Doc", ent: "SpacySpan") -> Reading | None:
    """Read an apposition after a name: "NAME, Russia's foreign ministry spokeswoman, said"."""
    k = ent.end
    end = min(ent.sent.end, ent.end + 8)
    if k >= end or doc[k].text != ",":
        return None
    k += 1
    reading = Reading()
    if k < end and doc[k].lower_ in DETERMINERS:
        k += 1
    k = _country_after(doc, k, end, reading)
    organ: list[str] = []
    while k < end and (doc[k].lower_ in role_modifiers() or doc[k].ent_type_ == "ORG") \
            and _title_starting_at(doc, k, end) is None:
        organ.append(doc[k].text)
        k += 1
    head = _title_starting_at(doc, k, end)
    if head is None:
        return None
    k, title = head
    if k + 1 < end and doc[k].lower_ == "of" and reading.country is None:
        reading.country = countries.country_of(doc[k + 1].text)
    _fill_role(reading, title, organ)
    return reading if reading.role else None


def _title_starting_at(doc: "Doc", k: int, end: int) -> tuple[int, Title] | None:
    for n in (4, 3, 2, 1):
        if k + n <= end and (title := titles().get(doc[k:k + n].text.lower())) is not None and title.role:
            return k + n, title
    return None


def _country_after(doc: "Doc", k: int, end: int, reading: Reading) -> int:
    if k >= end or doc[k].ent_type_ not in ("GPE", "NORP"):
        return k
    start = k
    while k < end and doc[k].ent_type_ in ("GPE", "NORP") and (k == start or doc[k].ent_iob_ == "I"):
        k += 1
    reading.country = countries.country_of(doc[start:k].text)
    if doc[start].ent_type_ == "NORP":
        reading.used |= set(range(start, k))
    return k + 1 if k < end and doc[k].text in POSSESSIVE else k


def _role_facts(doc: "Doc", *, where: Where) -> list[RoleFact]:
    """Nameless title phrases: "the president of Russia", "Russia's president", "the Russian president"."""
    facts: list[RoleFact] = []
    for ent in doc.ents:
        if ent.label_ not in ("GPE", "NORP") or not (code := countries.country_of(ent.text)):
            continue
        before = doc[ent.start - 1] if ent.start > 0 else None
        if before is not None and before.lower_ == "of" and (head := _title_ending_at(doc, ent.start - 2, 0)):
            if ent.end >= len(doc) or doc[ent.end].ent_type_ != "PERSON":
                _add_fact(facts, head[1], code, ent, where)
        after = ent.end + (1 if ent.end < len(doc) and doc[ent.end].text in POSSESSIVE else 0)
        if (head2 := _title_starting_at(doc, after, min(len(doc), after + 4))) is not None:
            if head2[0] >= len(doc) or doc[head2[0]].ent_type_ != "PERSON":
                _add_fact(facts, head2[1], code, ent, where)
    return facts


def _add_fact(facts: list[RoleFact], title: Title, code: str, ent: "SpacySpan", where: Where) -> None:
    if title.role:
        facts.append(RoleFact(title.role.lower(), code, ent.start_char, ent.sent.start_char, where))


# ----------------------------------------------------------------------------- other mentions


def _read_others(doc: "Doc", ents: list["SpacySpan"], used: set[int], *, where: Where) -> list[Mention]:
    mentions: list[Mention] = []
    skip: set[int] = set()
    for idx, ent in enumerate(ents):
        if idx in skip or any(t.i in used for t in ent):
            continue
        start = ent.start
        prev = ents[idx - 1] if idx > 0 else None
        if ent.label_ == "ORG" and prev is not None and prev.end == ent.start and prev.label_ in ("NORP", "GPE") \
                and not any(t.i in used for t in prev) and countries.country_of(prev.text):
            start = prev.start  # "Russian" + "Foreign Ministry", "US" + "Congress" -> one ORG
            if mentions and mentions[-1].span.start == prev.start_char:
                mentions.pop()
        mention = _read_other(doc, doc[start:ent.end], ent.label_, where=where)
        if mention is not None:
            mentions.append(mention)
    return mentions


def _read_other(doc: "Doc", ent: "SpacySpan", label: str, *, where: Where) -> Mention | None:
    text = ent.text
    if ent[0].lower_ == "the" and len(ent) > 1:
        ent = ent[1:]
        text = ent.text
    hit = lookup(text)
    kind = hit.kind if hit else None
    type_ = hit.type if hit and (kind in ACTOR_KINDS or label not in ("PERSON",)) and kind else label
    if type_ == "PERSON":
        type_ = label
    country = hit.country if hit else _leading_country(text) if label in ("ORG", "FAC", "NORP") else None
    sector = hit.sector if hit else _sector_of(text.split(), "org") if label == "ORG" else None
    canonical = hit.name if hit and kind in ("country", "metonym", "igo", "region") else None
    key = _key(type_, text, hit)
    owner, rest = _owner_prefix(text) if type_ == "ORG" and hit is None else (None, text)
    if owner is not None:  # "OSCE Minsk Group" is the OSCE's Minsk Group
        key, sector = (type_, norm(rest)), sector or owner.sector
    mention = Mention(_span(ent, where), type_, text, key, country, None, sector, canonical,
                      tokens=len(ent), sent=ent.sent.start_char)
    _read_group_noun(doc, ent, mention, where=where)
    _inherit_possessor(doc, ent, mention)
    return mention


def _owner_prefix(text: str) -> tuple[countries.Hit | None, str]:
    """ "OSCE Minsk Group" -> (the OSCE, "Minsk Group"): an organisation named with its parent's name."""
    words = text.split()
    for n in (2, 1):
        if len(words) > n + 1 and (owner := lookup(" ".join(words[:n]))) and owner.kind in ("igo", "group"):
            return owner, " ".join(words[n:])
    return None, text


def _key(type_: str, text: str, hit: countries.Hit | None) -> tuple[str, str]:
    if hit and hit.kind in ("country", "demonym") and hit.country:
        return (type_, hit.country)
    if hit and hit.name:
        return (type_, norm(hit.name))
    return (type_, norm(text))


def _leading_country(text: str) -> str | None:
    """The country of an organisation named after it: "Russian Foreign Ministry" -> RUS."""
    words = text.split()
    for n in (3, 2, 1):
        if len(words) > n and (code := countries.country_of(" ".join(words[:n]))):
            return code
    return None


def _read_group_noun(doc: "Doc", ent: "SpacySpan", mention: Mention, *, where: Where) -> None:
    """ "Russian troops" -> a NORP group with sector MIL; "Hamas militants" -> Hamas gets REB;
    "the KCNA news agency" -> KCNA gets JRN."""
    end = ent.end
    for n in (2, 1):
        found = sector_words().get(doc[end:end + n].text.lower()) if end + n <= len(doc) else None
        if found is None or doc[end].pos_ not in ("NOUN", "PROPN", "ADJ"):
            continue
        if found[1] in ("group", "both") or mention.type == "ORG":
            mention.sector = found[0]
            if mention.type in ("NORP", "GPE"):
                whole = doc[ent.start:end + n]
                mention.span = _span(whole, where)
                mention.type, mention.name, mention.canonical = "NORP", whole.text, None
                mention.key = ("NORP", norm(whole.text))
                mention.tokens = len(whole)
            return


def _inherit_possessor(doc: "Doc", ent: "SpacySpan", mention: Mention) -> None:
    """ "the OSCE's Minsk Group": an organisation of an IGO is an IGO, of a state is that state's."""
    if ent.start < 2 or doc[ent.start - 1].text not in POSSESSIVE or mention.type != "ORG":
        return
    owner_start = _ent_start(doc, ent.start - 2)
    owner = lookup(doc[owner_start:ent.start - 1].text)
    if owner is not None:
        mention.sector = mention.sector or owner.sector
        mention.country = mention.country or owner.country


# ----------------------------------------------------------------------------- grouping


def group_mentions(mentions: list[Mention]) -> list[list[Mention]]:
    """One group per referent: keys, then surnames onto full names, acronyms onto expansions."""
    _join_surnames(mentions)
    _join_acronyms(mentions)
    groups: dict[tuple[str, str], list[Mention]] = {}
    for mention in mentions:
        groups.setdefault(mention.key, []).append(mention)
    return list(groups.values())


def _join_surnames(mentions: list[Mention]) -> None:
    """ "Aliyev" -> the key of "Ilham Aliyev" when exactly one full name ends (or starts) with it."""
    by_part: dict[str, set[tuple[str, str]]] = {}
    for m in mentions:
        if m.type == "PERSON" and m.tokens > 1:
            words = norm(m.name).split()
            for part in {words[-1], words[0]}:
                by_part.setdefault(part, set()).add(m.key)
            by_part.setdefault(" ".join(words[-2:]), set()).add(m.key)
    for m in mentions:
        keys = by_part.get(norm(m.name), set()) - {m.key}
        if m.tokens <= 2 and len(keys) == 1 and _may_be_person(m):
            m.key, m.type = next(iter(keys)), "PERSON"


def _may_be_person(mention: Mention) -> bool:
    return mention.type == "PERSON" or (mention.canonical is None and mention.country is None
                                        and mention.type in ("ORG", "GPE", "NORP", "FAC", "LOC"))


def _join_acronyms(mentions: list[Mention]) -> None:
    """ "NATO" -> the key of "North Atlantic Treaty Organization" when the initials match."""
    initials: dict[str, tuple[str, str]] = {}
    for m in mentions:
        if m.type == "ORG" and m.tokens > 1:
            letters = "".join(w[0] for w in m.name.replace("-", " ").split() if w[0].isupper())
            initials.setdefault(letters, m.key)
    for m in mentions:
        bare = m.name.replace(".", "")
        if m.type == "ORG" and bare.isupper() and bare in initials and m.key != initials[bare]:
            m.key = initials[bare]


def to_entity(number: int, group: list[Mention]) -> Entity:
    """The entity of one group of mentions: canonical name, majority type, first stated facts."""
    body = [m for m in group if m.span.where == "body"] or group
    type_ = "PERSON" if any(m.type == "PERSON" for m in group) else Counter(m.type for m in body).most_common(1)[0][0]
    named = [m for m in body if m.type == type_] or body
    name = next((m.canonical for m in named if m.canonical), None) or _longest(named).name
    country = next((m.country for m in body if m.country), None) or next((m.country for m in group if m.country), None)
    role = next((m.role for m in body if m.role), None) or next((m.role for m in group if m.role), None)
    sector = next((m.sector for m in body if m.sector), None) or next((m.sector for m in group if m.sector), None)
    mentions = tuple(sorted((m.span for m in group), key=lambda s: (s.where != "title", s.start)))
    return Entity(id=f"E{number}", name=_clean_name(name), type=type_, mentions=mentions,
                  country=country, role=role, sector=sector)


def _longest(mentions: list[Mention]) -> Mention:
    return max(mentions, key=lambda m: (m.tokens, len(m.name), -m.span.start))


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    return name[4:] if name.lower().startswith("the ") else name


def fill_person_countries(groups: list[list[Mention]], facts: list[RoleFact]) -> None:
    """A titled person with no stated country takes the country of a nameless phrase of the same
    role ("the president of Russia") that comes after the person's first mention, in a sentence
    that does not name the person, when that country is the only one no other person with the
    role holds and no other person with the role lacks a country (else it stays unknown)."""
    people = [g for g in groups if g[0].type == "PERSON" and _first(g, "role")]
    held = {(_role(g), _first(g, "country")) for g in people if _first(g, "country")}
    lacking = Counter(_role(g) for g in people if not _first(g, "country"))
    for group in people:
        role = _role(group)
        if _first(group, "country") or lacking[role] != 1:
            continue
        body = [m for m in group if m.span.where == "body"]
        first = min((m.span.start for m in body), default=-1)
        sents = {m.sent for m in body}
        options = {f.country for f in facts if f.role == role and f.where == "body" and f.start > first
                   and f.sent not in sents} - {c for r, c in held if r == role}
        if len(options) == 1:
            group[0].country = options.pop()


def countries_from_sentences(entities: list[Entity], doc: "Doc") -> list[Entity]:
    """A person with no stated country takes the one country the sentences naming the person
    name ("Ousted President Askar Akayev ... returning to Kyrgyzstan", "Museveni banned Ugandan
    opposition candidates"), leaving out countries other people hold and sentences about dealings
    between countries (visits, talks, envoys), where a second country is the other side.
    Run after places, so that towns have their countries."""
    starts = [s.start_char for s in doc.sents]
    by_sent: dict[int, set[str]] = {}
    held = {e.country for e in entities if e.type == "PERSON" and e.country}
    for entity in entities:
        if entity.country and entity.type != "PERSON":
            for m in entity.mentions:
                if m.where == "body":
                    by_sent.setdefault(_sentence_of(starts, m.start), set()).add(entity.country)
    foreign = _foreign_sentences(doc)
    out = []
    for entity in entities:
        sents = {_sentence_of(starts, m.start) for m in entity.mentions if m.where == "body"}
        if entity.type == "PERSON" and not entity.country and sents and not sents & foreign:
            options = set().union(*(by_sent.get(s, set()) for s in sents)) - held
            if len(options) == 1:
                entity = replace(entity, country=options.pop())
        out.append(entity)
    return out


def _sentence_of(starts: list[int], char: int) -> int:
    return starts[max(0, bisect.bisect_right(starts, char) - 1)] if starts else 0


def _foreign_sentences(doc: "Doc") -> set[int]:
    cues = foreign_cues()
    return {s.start_char for s in doc.sents if any(t.lemma_.lower() in cues for t in s)}


def _role(group: list[Mention]) -> str:
    return (_first(group, "role") or "").lower()


def _first(group: list[Mention], attr: str) -> str | None:
    return next((getattr(m, attr) for m in group if getattr(m, attr)), None)


# ----------------------------------------------------------------------------- stage


def extract_entities(doc: "Doc", title_doc: "Doc | None", *, article: Article) -> list[Entity]:
    """Entities of one article: body and headline mentions, one entity per referent."""
    mentions, facts = read_mentions(doc, where="body")
    if title_doc is not None:
        title_mentions, title_facts = read_mentions(title_doc, where="title")
        mentions += title_mentions
        facts += title_facts
    groups = group_mentions(mentions)
    groups.sort(key=lambda g: min((m.span.where != "body", m.span.start) for m in g))
    fill_person_countries(groups, facts)
    return [to_entity(i, g) for i, g in enumerate(groups, start=1)]


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
    out = []
    for entity in entities:
        if entity.id == entity_id and span not in entity.mentions:
            mentions = tuple(sorted((*entity.mentions, span), key=lambda m: (m.where != "title", m.start)))
            entity = replace(entity, mentions=mentions)
        out.append(entity)
    return out


_register()
