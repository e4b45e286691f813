"""Time expressions -> TIMEX3-style values resolved against the article's publication date.

Finding: our own patterns (built from ``data/time_*`` vocabularies) over the text, plus spaCy's
DATE/TIME entities that no pattern covers. Spans are trimmed the way TimeML annotators trim them:
"on Friday" -> "Friday", "since 1992" -> "1992", while modifiers that change the meaning stay
("nearly two weeks", "early 2009", "last week").

Values: relative expressions are resolved against ``article.published`` the way a news reader
does: a bare weekday (or month, or "September 27") in a past-tense clause is the latest such day
on or before publication, in a future-tense clause the next one after it. dateparser is used
only on spaCy time entities that none of our rules understood.
"""
from __future__ import annotations

import csv
import functools
import json
import re
import _sre
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from importlib import resources
from typing import TYPE_CHECKING, Any

from .model import Article, Span, TimeExpr, Where

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

Resolved = tuple[str | None, str]  # (value, kind)
PAST, UNKNOWN, FUTURE = -1, 0, 1


# ----------------------------------------------------------------------------- public API


def extract_times(doc: "Doc", title_doc: "Doc | None", *, article: Article) -> list[TimeExpr]:
    """Every time expression in the body (then the title, ``where="title"``), with its value."""
    base = published_datetime(article.published)
    times = find_times(doc, base=base)
    if title_doc is not None and article.title:
        times += find_times(title_doc, base=base, where="title")
    return times


def times_in(times: Iterable[TimeExpr], start: int, end: int, *,
             where: Where = "body") -> list[TimeExpr]:
    """The times whose span lies inside the character range [start, end) of ``where``."""
    return [t for t in times
            if t.span.where == where and start <= t.span.start and t.span.end <= end]


def find_times(doc: "Doc", *, base: datetime | None, where: Where = "body") -> list[TimeExpr]:
    """Time expressions in one Doc (a body or a title), resolved against ``base``."""
    text = doc.text
    hits = _select(_rule_hits(text, doc) + _entity_hits(text, doc))
    hits.sort(key=lambda h: h.start)
    resolved = _resolve_all(hits, doc, base)
    return [TimeExpr(Span(h.start, h.end, text[h.start:h.end], where), value, kind)
            for h, (value, kind) in resolved]


def published_datetime(published: str | None) -> datetime | None:
    """``article.published`` (ISO 8601, or a looser date string) -> naive datetime, or None."""
    if not published or not published.strip():
        return None
    text = published.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        pass
    m = re.fullmatch(r"(\d{1,2})[-.](\d{1,2})[-.](\d{4})", text)  # 03-02-2009: day first
    if m:
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        if month > 12:
            day, month = month, day
        return _safe_datetime(year, month, day)
    return _dateparser_parse(text, None, "past")


# ----------------------------------------------------------------------------- data files


@functools.cache
def _lexicon() -> dict[str, Any]:
    data = resources.files("eventdesk") / "data" / "time_lexicon.json"
    return json.loads(data.read_text(encoding="utf-8"))


@functools.cache
def _table(name: str) -> tuple[tuple[str, ...], ...]:
    data = resources.files("eventdesk") / "data" / name
    lines = [ln for ln in data.read_text(encoding="utf-8").splitlines()
             if ln.strip() and not ln.startswith("#")]
    return tuple(tuple(row) for row in csv.reader(lines, delimiter="\t"))


@functools.cache
def _words(key: str) -> frozenset[str]:
    return frozenset(w.lower() for w in _lexicon()[key])


def _month_number(name: str) -> int:
    return int(_lexicon()["months"][name.rstrip(".").title()])


def _weekday_number(name: str) -> int:
    return int(_lexicon()["weekdays"][name.rstrip(".").title()])


# ----------------------------------------------------------------------------- patterns


def _alt(words: Iterable[str], *, case: bool = False) -> str:
    """A regex alternation of ``words``, longest first; spaces match any whitespace.

    Written as a trie ('t(?:wo|hree)'): the regex engine then tries one branch per first
    letter instead of one per word, at every position of the text. It matches exactly what
    the flat alternation 'two|three' matches: branches with different first letters can
    never both match, and within a branch the words keep their longest-first order.
    """
    parts = sorted(set(words), key=len, reverse=True)
    atoms = [[r"\s+" if ch == " " else re.escape(ch) for ch in w] for w in parts]
    body = _trie(atoms, fold=not case)
    return f"(?-i:{body})" if case else f"(?:{body})"


def _trie(words: list[list[str]], *, fold: bool) -> str:
    """Regex atoms of words (in priority order) -> one alternation sharing common prefixes."""
    groups: dict[str, list[list[str]]] = {}
    for atoms in words:
        key = atoms[0].lower() if atoms and fold else (atoms[0] if atoms else "")
        groups.setdefault(key, []).append(atoms)
    branches = []
    for key, members in groups.items():
        first = _case_class(key) if fold and len(groups) > 1 else key
        if not key:
            branches.append("")
        elif len(members) == 1:
            branches.append(first + "".join(members[0][1:]))
        else:
            rest = _trie([m[1:] for m in members], fold=fold)
            branches.append(first + (rest if rest.isalnum() else f"(?:{rest})"))
    return "|".join(branches)


@functools.cache
def _case_class(atom: str) -> str:
    """A letter -> every character it matches case-insensitively, as a case-sensitive class
    ('k' -> '(?-i:[Kk\u212a])'): the regex engine skips a branch that starts with a class
    without entering it, but enters every branch that starts with a case-insensitive letter."""
    if not (atom.isascii() and atom.isalpha()):
        return atom
    chars = [c for c in _letters_any_case() if re.fullmatch(atom, c, re.IGNORECASE)]
    return f"(?-i:[{''.join(chars)}])"


@functools.cache
def _letters_any_case() -> tuple[str, ...]:
    """Every character some ASCII letter matches under re.IGNORECASE (A-Z, a-z and a few more)."""
    return tuple(sorted(set(re.findall("[a-z]", _every_char(), re.IGNORECASE))))


@functools.cache
def _pieces() -> dict[str, str]:
    lex = _lexicon()
    months = lex["months"]
    full_months = [m for m in months if len(m) > 4 or m in ("May", "June", "July")]
    short_months = [m for m in months if m not in full_months]
    weekdays = lex["weekdays"]
    full_weekdays = [w for w in weekdays if w.endswith("day")]
    number_words = _alt(w for w in lex["numbers"] if w not in ("a", "an"))
    num = (rf"(?:\d+(?:\.\d+)?|{number_words}(?:[\s-]+{number_words})*"
           rf"(?:\s+and\s+(?:a\s+)?half)?|\ban?\b|{_alt(lex['vague_numbers'])})")
    return {
        "MONTH": rf"\b{_alt(full_months, case=True)}\b",
        "MON": rf"\b(?:{_alt(full_months, case=True)}\b|{_alt(short_months, case=True)}\b\.?)",
        "WD": rf"\b{_alt(full_weekdays, case=True)}\b",
        "WDA": (rf"\b(?:{_alt(full_weekdays, case=True)}\b|"
                rf"{_alt(set(weekdays) - set(full_weekdays), case=True)}\b\.?)"),
        "DAY": r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?(?![\d:])",
        "YEAR": r"(?:1[0-9]|20)\d\d(?![\d,]\d|%)",
        "NUM": num,
        "UNIT": rf"\b{_alt(lex['units'])}\b",
        "APPROX": _alt(lex["approximators"]),
        "TZ": _alt(lex["timezones"], case=True),
        "POD": _alt(lex["parts_of_day"]),
        "SEASON": _alt(lex["seasons"]),
        "REL": r"(?:last|next|this|coming|past|previous|current)",
        "MOD": (r"(?:early|late|mid|earlier|later|the\s+end\s+of|the\s+start\s+of|"
                r"the\s+beginning\s+of|the\s+middle\s+of|the\s+rest\s+of|the\s+remainder\s+of|"
                r"the\s+first\s+half\s+of|the\s+second\s+half\s+of|the\s+turn\s+of)"),
        "ORD": _alt(lex["ordinals"]),
        "ADJ": _alt(lex["duration_adjectives"]),
        "REFS": _alt(row[0] for row in _table("time_refs.tsv")),
        "SETS": _alt(row[0] for row in _table("time_sets.tsv")
                     if not re.match(r"(?:a|an)\s", row[0])),
        "HOLIDAY": rf"\b{_alt((row[0] for row in _table('time_holidays.tsv')), case=True)}\b",
        "CENTURY": _alt(lex["century_words"]),
    }


@functools.cache
def _patterns() -> tuple[tuple[str, str], ...]:
    """The rules from ``data/time_patterns.tsv`` (name, regex), in priority order."""
    data = resources.files("eventdesk") / "data" / "time_patterns.tsv"
    rows = [ln.split("\t", 1) for ln in data.read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]
    return tuple((name, pattern) for name, pattern in rows)


@functools.cache
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    pieces = _pieces()
    out = []
    for name, pattern in _patterns():
        filled = re.sub(r"\{([A-Z]+)\}", lambda m: pieces[m[1]], pattern)
        out.append((name, re.compile(_with_first_chars(filled), re.IGNORECASE)))
    return tuple(out)


@functools.cache
def _needs() -> dict[str, re.Pattern[str]]:
    """Rule name -> a regex that every match of the rule contains (``time_pattern_needs.tsv``)."""
    return {row[0]: re.compile(row[1], re.IGNORECASE) for row in _table("time_pattern_needs.tsv")}


def _with_first_chars(pattern: str) -> str:
    """``pattern`` behind a lookahead for the characters a match can start with, when known.

    Same matches: the lookahead only turns away positions where no match can start, but it
    turns them away at once, where the pattern would try all its branches (case-insensitive
    matching gives the engine no first-character shortcut of its own).
    """
    try:
        first, nullable = _first_chars(re._parser.parse(pattern, re.IGNORECASE).data,  # type: ignore[attr-defined]
                                       re.IGNORECASE)
    except (AttributeError, TypeError, ValueError):  # another Python's parse tree: no shortcut
        return pattern
    if first is None or nullable:
        return pattern
    chars = "".join(re.escape(c) for c in sorted(first))
    return f"(?=(?-i:[{chars}]))(?:{pattern})"


def _first_chars(items: list[tuple[Any, Any]], flags: int) -> tuple[set[str] | None, bool]:
    """(the characters a match of parsed ``items`` can start with or None for any, whether
    it can match the empty string)."""
    out: set[str] = set()
    for op, av in items:
        first, nullable = _first_of(op, av, flags)
        if first is None:
            return None, False
        out |= first
        if not nullable:
            return out, False
    return out, True


def _first_of(op: Any, av: Any, flags: int) -> tuple[set[str] | None, bool]:
    c = re._constants  # type: ignore[attr-defined]
    if op is c.LITERAL:
        return _any_case({chr(av)}, flags), False
    if op is c.IN:
        return _class_chars(av, flags), False
    if op is c.BRANCH:
        out: set[str] = set()
        nullable = False
        for alt in av[1]:
            first, empty = _first_chars(alt.data, flags)
            if first is None:
                return None, False
            out, nullable = out | first, nullable or empty
        return out, nullable
    if op is c.SUBPATTERN:
        _, add, remove, sub = av
        return _first_chars(sub.data, (flags | add) & ~remove)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
        first, nullable = _first_chars(av[2].data, flags)
        return first, nullable or av[0] == 0
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
        return set(), True  # zero width: the next item decides
    return None, False


def _class_chars(items: list[tuple[Any, Any]], flags: int) -> set[str] | None:
    """The characters a parsed character class ('[0-3]') matches, or None: too many, or a
    category such as \\d (a lookahead for every Unicode digit costs more than it saves)."""
    c = re._constants  # type: ignore[attr-defined]
    chars: set[str] = set()
    for kind, val in items:
        if kind is c.LITERAL:
            chars.add(chr(val))
        elif kind is c.RANGE and val[1] - val[0] <= 255:
            chars |= {chr(x) for x in range(val[0], val[1] + 1)}
        else:
            return None
    return _any_case(chars, flags)


@functools.cache
def _every_char() -> str:
    return "".join(map(chr, range(0x110000)))


def _any_case(chars: set[str], flags: int) -> set[str] | None:
    """``chars`` with every character each matches under ``flags`` (None: not worked out)."""
    if not flags & re.IGNORECASE:
        return chars
    out = set()
    for ch in chars:
        if ch.isascii() and ch.isalpha():
            out |= {x for x in _letters_any_case() if re.fullmatch(ch, x, re.IGNORECASE)}
        elif not _sre.unicode_iscased(ord(ch)):  # how re itself decides a character has no case
            out.add(ch)
        else:
            return None
    return out


# ----------------------------------------------------------------------------- finding


@dataclass(slots=True)
class _Hit:
    start: int  # the span written out
    end: int
    outer: tuple[int, int]  # the whole match, cue words included: decides overlaps
    rule: str
    groups: dict[str, str | None]
    priority: int


def _rule_hits(text: str, doc: "Doc") -> list[_Hit]:
    hits = []
    needs = _needs()
    for priority, (name, pattern) in enumerate(_compiled()):
        if name in needs and not needs[name].search(text):
            continue  # a part every match of the rule contains is missing: nothing to find
        for m in pattern.finditer(text):
            start, end = m.span("t")
            hit = _Hit(start, end, m.span(), name, m.groupdict(), priority)
            if end > start and _plausible(hit, text, doc):
                hits.append(hit)
    return hits


def _entity_hits(text: str, doc: "Doc") -> list[_Hit]:
    """spaCy DATE/TIME entities, trimmed of leading prepositions, for what no rule found."""
    out = []
    for ent in doc.ents:
        if ent.label_ not in ("DATE", "TIME"):
            continue
        tokens = list(ent)
        while tokens and (tokens[0].pos_ in ("ADP", "CCONJ", "PUNCT") or tokens[0].lower_ == "the"):
            tokens = tokens[1:]
        while tokens and tokens[-1].pos_ in ("ADP", "CCONJ", "PUNCT", "DET"):
            tokens = tokens[:-1]
        if tokens and _entity_plausible(tokens):
            start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1])
            out.append(_Hit(start, end, (start, end), "entity", {"t": text[start:end]}, 999))
    return out


def _entity_plausible(tokens: list["Token"]) -> bool:
    """Not a bare number ('Barra, 51,' 'CAC 40'), not an age ('at the age of 56')."""
    doc = tokens[0].doc
    if len(tokens) == 1 and tokens[0].like_num:  # real years were already found by the year rule
        return False
    if any(t.lower_ in _words("age_cues") or t.lower_ in _words("possessives") for t in tokens):
        return False
    return not _is_age(doc, tokens[0].i, tokens[-1].i)


def _select(hits: list[_Hit]) -> list[_Hit]:
    """Longest match first (cue words included), then rule priority; no two spans overlap.

    A spaCy entity is kept only when no rule hit overlaps it at all.
    """
    kept: list[_Hit] = []
    for hit in sorted(hits, key=lambda h: (h.rule == "entity", -(h.outer[1] - h.outer[0]),
                                           h.priority, h.start)):
        if not any(hit.start < k.end and k.start < hit.end for k in kept):
            if hit.rule != "entity" or not any(hit.outer[0] < k.outer[1] and k.outer[0] < hit.outer[1]
                                               for k in kept):
                kept.append(hit)
    return kept


# ----------------------------------------------------------------------------- filters


def _tokens_at(doc: "Doc", start: int, end: int) -> tuple[int, int] | None:
    span = doc.char_span(start, end, alignment_mode="expand")
    return None if span is None or len(span) == 0 else (span.start, span.end - 1)


def _plausible(hit: _Hit, text: str, doc: "Doc") -> bool:
    check = _CHECKS.get(hit.rule)
    if check is None:
        return True
    ids = _tokens_at(doc, hit.start, hit.end)
    return ids is not None and check(hit, text, doc, ids)


def _prev(doc: "Doc", i: int, k: int = 1) -> "Token | None":
    return doc[i - k] if i - k >= 0 else None


def _next(doc: "Doc", i: int, k: int = 1) -> "Token | None":
    return doc[i + k] if i + k < len(doc) else None


def _is_age(doc: "Doc", first: int, last: int) -> bool:
    """'62-year-old', '62 years old', 'aged 62', 'at the age of 56'."""
    after = " ".join(t.lower_ for t in doc[last + 1:last + 3])
    before = " ".join(t.lower_ for t in doc[max(0, first - 3):first])
    return bool(re.match(r"-?\s*old\b", after)) or bool(re.search(
        r"\b(?:aged?|ages)(?:\s+of)?$", before)) or "-old" in doc[first:last + 1].text.lower()


def _check_year(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    first, last = ids
    prev, nxt = _prev(doc, first), _next(doc, last)
    if prev is not None and (prev.text in _lexicon()["year_reject_prev"] or prev.like_num):
        return False
    if nxt is not None and (nxt.lower_ in _words("year_reject_next") or nxt.tag_ == "NNS"
                            and nxt.lower_ not in _words("units")):
        return False
    if prev is not None and nxt is not None and prev.pos_ == "PROPN" and nxt.pos_ == "PROPN" \
            and nxt.text[:1].isupper() and prev.text not in _lexicon()["months"]:
        return False  # 'the Russell 2000 Index', 'Windows 2000 Server'
    year = doc[last]
    if year.ent_type_ == "DATE" or hit.groups.get("mod"):
        return True
    return prev is not None and prev.lower_ in _words("date_cues")


def _check_month(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    """A bare month name: 'May' the modal verb, 'March' the verb, 'Mark/Jan' as names."""
    first, last = ids
    month = doc[last]
    if month.tag_ == "MD" or month.pos_ == "VERB" or month.dep_ == "aux":
        return False
    if hit.groups.get("mod") or hit.groups.get("rel") or month.ent_type_ == "DATE":
        return True
    prev = _prev(doc, first)
    return prev is not None and prev.lower_ in _words("date_cues")


def _check_weekday(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    first, last = ids
    prev = _prev(doc, first)
    nxt = _next(doc, last)
    if prev is not None and prev.text in _lexicon()["named_day_prefixes"]:
        return False
    return not (nxt is not None and nxt.text in _lexicon()["weekday_name_followers"])


def _check_day_word(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    """'USA Today', 'Russia Today' are names; 'Today, ...' at a sentence start is a day."""
    first = doc[ids[0]]
    prev = _prev(doc, ids[0])
    return not (first.text == "Today" and not first.is_sent_start and prev is not None
                and prev.pos_ == "PROPN")


def _check_clock(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    """Clock times need a.m./p.m., a time zone, or a cue word ('at 22:43'); never a lone '01:13'."""
    g = hit.groups
    if g.get("ampm") or g.get("tz"):
        return g.get("sep") != "." or bool(g.get("ampm"))  # '3.5 UTC' is not a time
    if g.get("sep") != ":":
        return False
    cue = (g.get("cue") or "").lower()
    return cue in _words("clock_cues")


def _check_duration(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    first, last = ids
    if _is_age(doc, first, last):
        return False
    unit = (hit.groups.get("unit") or "").lower()
    num = (hit.groups.get("num") or "").lower()
    if num in ("a", "an", "one") and (unit in ("second", "quarter") or unit.endswith("s")):
        return False  # 'a second round', 'about a quarter of', 'a decades-long feud'
    return True


def _check_bare_units(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    first, last = ids
    prev, nxt = _prev(doc, first), _next(doc, last)
    if hit.groups.get("long") or (nxt is not None and nxt.lower_ in ("ago", "later", "earlier")):
        return True
    return prev is not None and prev.lower_ in _words("bare_unit_cues") and not _is_age(doc, first, last)


def _check_decade(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    """'the 1990s', 'the 70s and 80s'; not 'in his 70s' (an age)."""
    first, last = ids
    before = " ".join(t.lower_ for t in doc[max(0, first - 2):first])
    if re.search(rf"\b(?:{'|'.join(_words('possessives'))})(?:\s+(?:early|late|mid))?$", before):
        return False
    if hit.groups.get("c") or doc[first].lower_ == "the":
        return True
    prev = _prev(doc, first)
    return prev is not None and prev.lower_ in ("the", "'s", "early", "late", "mid", "and")


def _check_season(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    season = (hit.groups.get("season") or "").lower()
    if season == "fall" and not (hit.groups.get("rel") or hit.groups.get("year")):
        return False
    return doc[ids[1]].pos_ in ("NOUN", "PROPN")


def _check_refs(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    first, last = ids
    word = text[hit.start:hit.end].lower()
    if word == "current":  # the adjective, not 'the current' (of a river)
        return doc[last].pos_ == "ADJ"
    if hit.end < len(text) and text[hit.end] == "-":  # 'the now-cancelled deal'
        return False
    prev = _prev(doc, first)
    return not (word == "now" and prev is not None and prev.lower_ in ("from", "until", "till"))


def _check_set(hit: _Hit, text: str, doc: "Doc", ids: tuple[int, int]) -> bool:
    word = text[hit.start:hit.end].lower()
    return not (word == "daily" and doc[ids[1]].pos_ in ("NOUN", "PROPN"))  # 'the daily Kommersant'


_CHECKS: dict[str, Callable[[_Hit, str, "Doc", tuple[int, int]], bool]] = {
    "year": _check_year, "month": _check_month, "day_word": _check_day_word,
    "weekday": _check_weekday, "clock": _check_clock,
    "duration": _check_duration, "bare_units": _check_bare_units, "decade": _check_decade,
    "season": _check_season, "refs": _check_refs, "sets": _check_set,
}


# ----------------------------------------------------------------------------- tense


def _clause_verb(doc: "Doc", i: int) -> "Token | None":
    """The verb governing token ``i``: climb the parse until a VERB or AUX."""
    tok = doc[i]
    while tok.pos_ not in ("VERB", "AUX") and tok.head.i != tok.i:
        tok = tok.head
    return tok if tok.pos_ in ("VERB", "AUX") else None


def _verb_direction(verb: "Token") -> int:
    """PAST, FUTURE or UNKNOWN (present, or no finite verb) for the clause of ``verb``."""
    auxes = [k for k in verb.children if k.dep_ in ("aux", "auxpass")]
    lowers = {a.lower_ for a in auxes}
    if lowers & _words("future_cues"):
        return FUTURE
    if verb.tag_ == "VBN" and verb.lemma_.lower() in _words("future_heads"):
        return FUTURE  # 'the vote, scheduled for Sunday', 'talks are set for Monday'
    if any(a.tag_ == "TO" for a in auxes):
        return _infinitive_direction(verb)
    if lowers & _words("modal_future"):
        return FUTURE
    if verb.tag_ == "VBG" and any(a.lemma_ == "be" and a.tag_ in ("VBZ", "VBP") for a in auxes):
        return FUTURE  # 'is meeting on Tuesday'
    if verb.tag_ == "VBG" and not auxes and verb.head.i != verb.i and verb.head.pos_ in ("VERB", "AUX"):
        return _verb_direction(verb.head)  # 'killing one person', 'according to a report'
    if verb.tag_ == "VBN" and auxes and all(a.tag_ in ("VBZ", "VBP") and a.lemma_ == "be"
                                            for a in auxes):
        return UNKNOWN  # 'it is reported in March': present passive
    if verb.tag_ in ("VBD", "VBN") or any(a.tag_ == "VBD" for a in auxes):
        return PAST
    if "Past" in verb.morph.get("Tense", []):
        return PAST
    if verb.tag_ in ("VBZ", "VBP") and verb.lemma_.lower() in _words("reporting_verbs"):
        return PAST  # 'officials say Sunday': the headline present reports the past
    return UNKNOWN


def _infinitive_direction(verb: "Token") -> int:
    """'plans to visit on Sunday' looks ahead; 'failed to reach a deal Sunday' follows 'failed'."""
    head = verb.head
    if head.i == verb.i or head.pos_ not in ("VERB", "AUX"):
        return FUTURE
    if head.lemma_.lower() in _words("future_heads") or head.lemma_.lower() in _words("intent_verbs"):
        return FUTURE
    return _verb_direction(head)


def _direction(doc: "Doc", hit: _Hit) -> int:
    """Whether the clause around ``hit`` looks back (past tense) or ahead (future)."""
    cue = (hit.groups.get("cue") or "").lower()
    if cue in ("until", "till"):
        return FUTURE
    ids = _tokens_at(doc, hit.start, hit.end)
    if ids is None:
        return UNKNOWN
    root = doc[ids[0]:ids[1] + 1].root
    if root.dep_ in ("compound", "poss", "nmod", "amod") and root.head.pos_ in ("NOUN", "PROPN"):
        return UNKNOWN  # 'her Sunday morning health crisis', "Monday's debate": no clause of its own
    verb = _clause_verb(doc, root.i)
    if verb is None:
        return UNKNOWN
    direction = _verb_direction(verb)
    if direction == UNKNOWN and cue == "by":
        return FUTURE
    return direction


# ----------------------------------------------------------------------------- calendar


@dataclass(frozen=True, slots=True)
class _Ctx:
    base: date | None
    direction: int
    anchor: date | None  # the last day-valued date before this expression
    anchor_value: str | None  # the last resolved value of any granularity


def _safe_datetime(year: int, month: int, day: int) -> datetime | None:
    try:
        return datetime(year, month, day)
    except ValueError:
        return None


def _day(year: int, month: int, day: int) -> str | None:
    d = _safe_datetime(year, month, day)
    return None if d is None else d.date().isoformat()


def _week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _add_months(year: int, month: int, k: int) -> tuple[int, int]:
    n = year * 12 + month - 1 + k
    return n // 12, n % 12 + 1


def _year_for(base: date, month: int, day: int | None, direction: int) -> int:
    """The year of (month, day) that a reader means: the latest on or before ``base`` in past
    clauses, the next on or after it in future ones, the nearer of the two otherwise."""
    key, now = (month, day or 0), (base.month, base.day if day else 0)
    past = base.year if key <= now else base.year - 1
    future = base.year if key >= now else base.year + 1
    if direction == PAST or past == future:
        return past
    if direction == FUTURE:
        return future
    probe = min(day or 15, 28)
    return past if (base - date(past, month, probe)) <= (date(future, month, probe) - base) else future


def _weekday_date(base: date, weekday: int, direction: int, rel: str) -> date:
    back = (base.weekday() - weekday) % 7
    ahead = (weekday - base.weekday()) % 7
    if rel in ("last", "past"):
        return base - timedelta(days=back or 7)
    if rel in ("next", "coming"):
        return base + timedelta(days=ahead or 7)
    if rel == "this":
        return base + timedelta(days=weekday - base.weekday())
    if direction == PAST:
        return base - timedelta(days=back)
    if direction == FUTURE:
        return base + timedelta(days=ahead)
    # no tense to go by: news mostly reports the past week, so look back up to four days
    return base - timedelta(days=back) if back <= 4 else base + timedelta(days=ahead)


def _period(base: date, unit: str, offset: int) -> str | None:
    """The calendar unit containing ``base``, moved by ``offset`` units (last week = -1)."""
    if unit == "week":
        return _week(base + timedelta(weeks=offset))
    if unit == "weekend":
        return _weekend(base, offset)
    if unit == "month":
        return "%04d-%02d" % _add_months(base.year, base.month, offset)
    if unit == "quarter":
        year, month = _add_months(base.year, base.month, 3 * offset)
        return f"{year:04d}-Q{(month - 1) // 3 + 1}"
    if unit == "year":
        return f"{base.year + offset:04d}"
    if unit == "decade":
        return f"{base.year // 10 + offset:03d}"
    if unit == "century":
        return f"{base.year // 100 + offset:02d}"
    return None


def _weekend(base: date, offset: int) -> str:
    """The weekend of ``base``'s ISO week (offset 0), or of a week before/after it."""
    saturday = base + timedelta(days=5 - base.weekday(), weeks=offset)
    return _week(saturday) + "-WE"


def _number(text: str | None) -> float | None:
    """'two', 'twenty-five', 'two and a half', '18', 'a' -> a number; vague words -> None."""
    if not text:
        return None
    text = re.sub(r"\s+", " ", text.strip().lower())
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    numbers: dict[str, float] = _lexicon()["numbers"]
    if text in numbers:
        return float(numbers[text])
    half = text.endswith("and a half") or text.endswith("and half")
    text = re.sub(r"\s+and\s+(?:a\s+)?half$", "", text)
    parts = [p for p in re.split(r"[\s-]+", text) if p]
    if not parts or any(p not in numbers for p in parts):
        return None
    total = sum(float(numbers[p]) for p in parts)
    if len(parts) == 2 and numbers[parts[1]] == 100:
        total = float(numbers[parts[0]]) * 100
    return total + (0.5 if half else 0)


def _fmt_number(n: float | None) -> str:
    return "X" if n is None else f"{n:g}"


def _duration(n: float | None, unit: str) -> str:
    """TIMEX3 duration: (2, 'W') -> 'P2W', (5, 'H') -> 'PT5H', (1, 'DE') -> 'P10Y'."""
    if unit in ("H", "MIN", "S"):
        if unit == "H" and n is not None and n != int(n):
            return f"PT{n * 60:g}M"
        return f"PT{_fmt_number(n)}{'M' if unit == 'MIN' else unit}"
    if unit in ("DE", "CE"):
        return f"P{_fmt_number(n)}{unit}" if n is None else f"P{n * (10 if unit == 'DE' else 100):g}Y"
    if unit == "FN":
        return f"P{_fmt_number(None if n is None else 2 * n)}W"
    return f"P{_fmt_number(n)}{unit}"


def _unit_code(word: str | None) -> str:
    return str(_lexicon()["units"].get((word or "").lower(), "D"))


# ----------------------------------------------------------------------------- resolvers
# Each takes the match groups and the context and returns (value, kind); value None when the
# expression is a time but cannot be resolved (a relative one without a publication date).

Groups = dict[str, str | None]


def _r_iso(g: Groups, ctx: _Ctx) -> Resolved:
    day = _day(int(g["y"] or 0), int(g["m"] or 0), int(g["d"] or 0))
    if day and g.get("hh"):
        return f"{day}T{g['hh']}:{g['mm']}", "time"
    return day, "date"


def _r_numeric(g: Groups, ctx: _Ctx) -> Resolved:
    a, b, y = int(g["a"] or 0), int(g["b"] or 0), int(g["y"] or 0)
    year = y if y > 99 else (2000 + y if y < 50 else 1900 + y)
    month, day = (a, b) if g["sep"] == "/" else (b, a)  # 7/8/07 is US; 09.10.2020 is European
    if month > 12:
        month, day = day, month
    return _day(year, month, day), "date"


def _r_month_day(g: Groups, ctx: _Ctx) -> Resolved:
    month, day = _month_number(g["mon"] or ""), int(re.sub(r"\D", "", g["day"] or "0"))
    if g.get("year"):
        return _day(int(g["year"] or 0), month, day), "date"
    if ctx.base is None:
        return f"XXXX-{month:02d}-{day:02d}", "date"
    return _day(_year_for(ctx.base, month, day, ctx.direction), month, day), "date"


def _r_month_year(g: Groups, ctx: _Ctx) -> Resolved:
    month = _month_number(g["mon"] or "")
    if g.get("year"):
        return f"{g['year']}-{month:02d}", "date"
    if ctx.base is None:
        return None, "date"
    offset = {"last": -1, "next": 1}.get((g.get("rel") or "").lower(), 0)
    return f"{ctx.base.year + offset:04d}-{month:02d}", "date"


def _r_month(g: Groups, ctx: _Ctx) -> Resolved:
    month = _month_number(g["mon"] or "")
    if ctx.base is None:
        return f"XXXX-{month:02d}", "date"
    rel, base = (g.get("rel") or "").lower(), ctx.base
    if rel in ("last", "past"):
        year = base.year if month < base.month else base.year - 1
    elif rel in ("next", "coming"):
        year = base.year if month > base.month else base.year + 1
    elif rel == "this":
        year = base.year
    else:
        year = _year_for(base, month, None, ctx.direction)
    return f"{year:04d}-{month:02d}", "date"


def _r_year_range(g: Groups, ctx: _Ctx) -> Resolved | None:
    y1, y2 = g["y1"] or "", g["y2"] or ""
    if len(y2) == 2:
        y2 = y1[:2] + y2
    return (f"{y1}/{y2}", "interval") if y1 < y2 else None


def _r_year(g: Groups, ctx: _Ctx) -> Resolved:
    return g["year"], "date"


def _r_decade(g: Groups, ctx: _Ctx) -> Resolved:
    if g.get("c"):
        return f"{g['c']}{g['d']}", "date"
    digit = g.get("d2") or g.get("d3") or "0"
    return f"{'20' if digit in '01' else '19'}{digit}", "date"


def _r_century(g: Groups, ctx: _Ctx) -> Resolved:
    words = _lexicon()["century_words"]
    n = int(g["n"] or 0) if g.get("n") else int(words[re.sub(r"\s+", " ", (g["w"] or "").lower())])
    return f"{n - 1:02d}", "date"


def _r_quarter(g: Groups, ctx: _Ctx) -> Resolved:
    rel, ordinal = (g.get("rel") or "").lower(), (g.get("ord") or "").lower()
    year_text = g.get("year") or g.get("year2") or g.get("year3")
    yrel = re.sub(r"\s+", " ", (g.get("yrel") or "").lower())
    if (rel or (ordinal == "last" and not (year_text or yrel))) and ctx.base is not None:
        offset = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(rel or "last", 0)
        return _period(ctx.base, "quarter", offset), "date"
    q = int(g["q"] or 0) if g.get("q") else int(_lexicon()["ordinals"].get(ordinal, 4))
    if year_text:
        return f"{year_text}-Q{q}", "date"
    if ctx.base is None:
        return f"XXXX-Q{q}", "date"
    if yrel:
        offset = {"last": -1, "the previous": -1, "next": 1}.get(yrel, 0)
        return f"{ctx.base.year + offset:04d}-Q{q}", "date"
    return f"{_year_for(ctx.base, 3 * q - 2, None, ctx.direction):04d}-Q{q}", "date"


def _r_season(g: Groups, ctx: _Ctx) -> Resolved:
    code = _lexicon()["seasons"][(g["season"] or "").lower()]
    if g.get("year"):
        return f"{g['year']}-{code}", "date"
    if ctx.base is None:
        return f"XXXX-{code}", "date"
    start = _lexicon()["season_start_month"][code]
    rel, base = (g.get("rel") or "").lower(), ctx.base
    current = (base.month - start) % 12 < 3
    year = _year_for(base, start, None, PAST if current or rel in ("last", "past") else ctx.direction)
    if rel in ("last", "past") and current:
        year -= 1
    elif rel in ("next", "coming"):
        year = _year_for(base, start, None, FUTURE) + (1 if current else 0)
    elif rel == "this":
        year = base.year - (1 if code == "WI" and base.month < start else 0)
    return f"{year:04d}-{code}", "date"


def _r_rel_unit(g: Groups, ctx: _Ctx) -> Resolved | None:
    rel, unit = (g["rel"] or "").lower(), (g["unit"] or "").lower()
    if g.get("the") and rel == "past" or unit == "decade" and rel in ("past", "last"):
        return _duration(1, _unit_code(unit)), "duration"  # 'the past year', 'the last decade'
    if ctx.base is None:
        return None, "date"
    offset = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1}.get(rel, 0)
    return _period(ctx.base, unit, offset), "date"


def _r_day_word(g: Groups, ctx: _Ctx) -> Resolved:
    word = re.sub(r"\s+", " ", (g["w"] or "").lower())
    offsets = {"the day before yesterday": -2, "yesterday": -1, "last night": -1, "today": 0,
               "tonight": 0, "tomorrow": 1, "the day after tomorrow": 2}
    if ctx.base is None:
        return None, "date"
    day = (ctx.base + timedelta(days=offsets[word])).isoformat()
    pod = _lexicon()["parts_of_day"].get((g.get("pod") or "").lower())
    if word in ("tonight", "last night"):
        pod = pod or "NI"
    return (f"{day}T{pod}", "time") if pod else (day, "date")


def _r_this_pod(g: Groups, ctx: _Ctx) -> Resolved:
    pod = _lexicon()["parts_of_day"][(g["pod"] or "").lower()]
    return (None if ctx.base is None else f"{ctx.base.isoformat()}T{pod}"), "time"


def _r_weekday(g: Groups, ctx: _Ctx) -> Resolved:
    if ctx.base is None:
        return None, "date"
    rel = (g.get("rel") or "").lower()
    day = _weekday_date(ctx.base, _weekday_number(g["wd"] or ""), ctx.direction, rel).isoformat()
    pod = _lexicon()["parts_of_day"].get((g.get("pod") or "").lower())
    return (f"{day}T{pod}", "time") if pod else (day, "date")


def _r_weekend(g: Groups, ctx: _Ctx) -> Resolved:
    if ctx.base is None:
        return None, "date"
    rel = re.sub(r"\s+", " ", (g["rel"] or "").lower())
    if rel in ("last", "the past"):
        offset = -1 if ctx.base.weekday() < 5 else -1
    elif rel in ("next", "the coming"):
        offset = 0 if ctx.base.weekday() < 5 else 1
    else:
        offset = -1 if ctx.direction == PAST and ctx.base.weekday() < 5 else 0
    return _weekend(ctx.base, offset), "date"


def _r_clock(g: Groups, ctx: _Ctx) -> Resolved:
    hour, minute = int(g["h"] or 0), int(g.get("m") or 0)
    ampm = (g.get("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    day = (_r_weekday(g, ctx) if g.get("wd") else
           _r_day_word({"w": g["dw"]}, ctx) if g.get("dw") else (None, "date"))[0]
    # without a day of its own, the day is added by _anchor_clocks
    return f"{day or ''}T{hour:02d}:{minute:02d}", "time"


def _r_the_period(g: Groups, ctx: _Ctx) -> Resolved:
    """'the start of the day', 'the entire year': the period of the date last talked about."""
    unit = (g["unit"] or "").lower()
    day = ctx.anchor or ctx.base
    if unit == "year" and ctx.anchor_value:
        return ctx.anchor_value[:4], "date"
    if unit == "month" and ctx.anchor_value and len(ctx.anchor_value) >= 7:
        return ctx.anchor_value[:7], "date"
    return (None if day is None else _period(day, unit, 0) if unit != "day" else day.isoformat()), "date"


def _r_pod(g: Groups, ctx: _Ctx) -> Resolved:
    day = ctx.anchor or ctx.base
    pod = _lexicon()["parts_of_day"][(g["pod"] or "").lower()]
    return (None if day is None else f"{day.isoformat()}T{pod}"), "time"


def _r_week_of(g: Groups, ctx: _Ctx) -> Resolved:
    month = _month_number(g["mon"] or "")
    if g.get("year"):
        year = int(g["year"] or 0)
    elif ctx.base is not None:
        year = _year_for(ctx.base, month, None, ctx.direction)
    else:
        return None, "date"
    ordinal = (g["ord"] or "").lower()
    if ordinal in ("last", "final"):
        y, m = _add_months(year, month, 1)
        return _week(date(y, m, 1) - timedelta(days=4)), "date"
    nth = int(_lexicon()["ordinals"][ordinal])
    return _week(date(year, month, 4) + timedelta(weeks=nth - 1)), "date"


def _r_oclock(g: Groups, ctx: _Ctx) -> Resolved | None:
    hour = _number(g["num"])
    if hour is None or not 1 <= hour <= 12:
        return None
    pm = (g.get("pod") or "").lower() in ("afternoon", "evening", "night") and hour < 12
    return f"T{int(hour) + (12 if pm else 0):02d}:00", "time"


def _r_noon(g: Groups, ctx: _Ctx) -> Resolved:
    return ("T00:00" if (g["w"] or "").lower() == "midnight" else "T12:00"), "time"


def _r_ago(g: Groups, ctx: _Ctx) -> Resolved:
    n, unit = _number(g["num"]), _unit_code(g["unit"])
    back = (g["dir"] or "").lower() in ("ago", "earlier")
    start = ctx.anchor if (g["dir"] or "").lower() == "earlier" and ctx.anchor else ctx.base
    if n is None or start is None:
        return ("PAST_REF" if back else "FUTURE_REF"), "ref"
    k = -int(round(n)) if back else int(round(n))
    return _shifted(start, unit, k, n), "date"


def _shifted(start: date, unit: str, k: int, n: float) -> str | None:
    """``start`` moved by k units, written at that unit's granularity ('two weeks ago')."""
    if unit in ("D", "H", "MIN", "S"):
        return (start + timedelta(days=k if unit == "D" else 0)).isoformat()
    if unit in ("W", "WE", "FN"):
        return (start + timedelta(weeks=k * (2 if unit == "FN" else 1))).isoformat()
    if unit in ("M", "Q"):
        return "%04d-%02d" % _add_months(start.year, start.month, k * (3 if unit == "Q" else 1))
    factor = {"Y": 1, "DE": 10, "CE": 100}.get(unit, 1)
    return f"{start.year + k * factor:04d}"


def _r_rate(g: Groups, ctx: _Ctx) -> Resolved:
    return _duration(1, _unit_code(g["unit"])), "set"


def _r_every(g: Groups, ctx: _Ctx) -> Resolved:
    if g.get("wd"):
        return f"XXXX-WXX-{_weekday_number(g['wd'] or '') + 1}", "set"
    if g.get("pod"):
        return f"XXXX-XX-XXT{_lexicon()['parts_of_day'][(g['pod'] or '').lower()]}", "set"
    n = _number(g.get("num")) if g.get("num") else 1.0
    return _duration(n, _unit_code(g["unit"])), "set"


def _r_sets(g: Groups, ctx: _Ctx) -> Resolved:
    phrase = re.sub(r"\s+", " ", (g["t"] or "").lower())
    values = {row[0]: row[1] for row in _table("time_sets.tsv")}
    return values.get(phrase), "set"


def _r_duration(g: Groups, ctx: _Ctx) -> Resolved:
    n = 0.5 if g.get("half") else _number(g["num"])
    return _duration(n, _unit_code(g["unit"])), "duration"


def _r_bare_units(g: Groups, ctx: _Ctx) -> Resolved:
    return _duration(None, _unit_code(g["unit"])), "duration"


def _r_anaphor(g: Groups, ctx: _Ctx) -> Resolved:
    phrase = re.sub(r"\s+", " ", (g["t"] or "").lower())
    if phrase == "that time":
        return ctx.anchor_value, "date"
    day = ctx.anchor or ctx.base
    if day is None:
        return None, "date"
    shift = -1 if "before" in phrase or "previous" in phrase else (
        1 if any(w in phrase for w in ("after", "next", "following")) else 0)
    return (day + timedelta(days=shift)).isoformat(), "date"


def _r_the_day(g: Groups, ctx: _Ctx) -> Resolved:
    day = ctx.anchor or ctx.base
    return (None if day is None else day.isoformat()), "date"


def _r_holiday(g: Groups, ctx: _Ctx) -> Resolved:
    name = re.sub(r"\s+", " ", g["t"] or "")
    row = next(r for r in _table("time_holidays.tsv") if r[0] == name)
    month, day = int(row[1]), int(row[2])
    if ctx.base is None:
        return f"XXXX-{month:02d}-{day:02d}", "date"
    return _day(_year_for(ctx.base, month, day, ctx.direction), month, day), "date"


def _r_refs(g: Groups, ctx: _Ctx) -> Resolved:
    phrase = re.sub(r"\s+", " ", (g["t"] or "").lower())
    row = next(r for r in _table("time_refs.tsv") if r[0] == phrase)
    return row[1], row[2]


def _r_entity(g: Groups, ctx: _Ctx) -> Resolved:
    """A spaCy time entity none of our rules understood: ask dateparser, or leave the value open."""
    text = g["t"] or ""
    if text.lower() in _lexicon()["units"] and text.lower().endswith("s"):
        return _duration(None, _unit_code(text)), "duration"  # '"decades in the making"'
    if not _dateparser_worthy(text):
        return None, "date"
    base = None if ctx.base is None else datetime(ctx.base.year, ctx.base.month, ctx.base.day)
    found = _dateparser_data(text, base, "future" if ctx.direction == FUTURE else "past")
    if found is None:
        return None, "date"
    when, period = found
    if period == "year":
        return f"{when.year:04d}", "date"
    if period == "month":
        return f"{when.year:04d}-{when.month:02d}", "date"
    if period == "week":
        return _week(when.date()), "date"
    if period == "time":
        return when.strftime("%Y-%m-%dT%H:%M"), "time"
    return when.date().isoformat(), "date"


_RESOLVERS: dict[str, Callable[[Groups, _Ctx], Resolved | None]] = {
    "iso": _r_iso, "numeric": _r_numeric, "month_day": _r_month_day, "day_month": _r_month_day,
    "month_year": _r_month_year, "month": _r_month, "year_range": _r_year_range, "year": _r_year,
    "decade": _r_decade, "century": _r_century, "quarter": _r_quarter, "season": _r_season,
    "rel_unit": _r_rel_unit, "day_word": _r_day_word, "this_pod": _r_this_pod,
    "weekday": _r_weekday, "weekend": _r_weekend, "clock": _r_clock, "military": _r_clock,
    "noon": _r_noon, "oclock": _r_oclock, "ago": _r_ago, "rate": _r_rate, "every": _r_every, "sets": _r_sets,
    "duration": _r_duration, "bare_units": _r_bare_units, "anaphor": _r_anaphor,
    "the_day": _r_the_day, "late_day": _r_the_day, "the_period": _r_the_period,
    "the_units": _r_bare_units, "pod": _r_pod, "week_of": _r_week_of, "holiday": _r_holiday,
    "refs": _r_refs,
    "entity": _r_entity,
}


# ----------------------------------------------------------------------------- dateparser


def _dateparser_worthy(text: str) -> bool:
    """Only what dateparser reads reliably: digits, month or weekday names, relative words;
    never ordinals ('a second straight day'), which it turns into wrong dates."""
    words = set(re.findall(r"[a-z]+", text.lower()))
    if words & _words("dateparser_refuse"):
        return False
    names = {w.lower() for w in (*_lexicon()["months"], *_lexicon()["weekdays"])}
    return bool(re.search(r"\d", text)) or bool(words & (names | _words("dateparser_relative")))


@functools.lru_cache(maxsize=8192)
def _dateparser_data(text: str, base: datetime | None, prefer: str) -> tuple[datetime, str] | None:
    """dateparser on one span already marked as a time expression (cached: it is slow)."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {"PREFER_DATES_FROM": prefer, "RETURN_AS_TIMEZONE_AWARE": False,
                                "STRICT_PARSING": False}
    if base is not None:
        settings["RELATIVE_BASE"] = base
    try:
        data = DateDataParser(languages=["en"], settings=settings).get_date_data(text)
    except Exception:  # dateparser raises many kinds of errors on odd input
        return None
    if data is None or data.date_obj is None:
        return None
    return data.date_obj.replace(tzinfo=None), str(data.period or "day")


def _dateparser_parse(text: str, base: datetime | None, prefer: str) -> datetime | None:
    found = _dateparser_data(text, base, prefer)
    return None if found is None else found[0]


# ----------------------------------------------------------------------------- resolving


def _resolve_all(hits: list[_Hit], doc: "Doc", base: datetime | None) -> list[tuple[_Hit, Resolved]]:
    """Resolve hits in text order, so anaphora ('the same day') can use what came before."""
    day = None if base is None else base.date()
    out: list[tuple[_Hit, Resolved]] = []
    anchor: date | None = None
    anchor_value: str | None = None
    for hit in hits:
        ctx = _Ctx(day, _direction(doc, hit), anchor, anchor_value)
        resolved = _RESOLVERS[hit.rule](hit.groups, ctx)
        if resolved is None:
            continue
        out.append((hit, resolved))
        value = resolved[0]
        if value and re.match(r"\d{4}-\d\d-\d\d", value) and resolved[1] in ("date", "time"):
            anchor = date.fromisoformat(value[:10])
        if value and re.match(r"\d{3,4}", value) and resolved[1] == "date":
            anchor_value = value
    return _anchor_clocks(out, doc, day)


def _anchor_clocks(resolved: list[tuple[_Hit, Resolved]], doc: "Doc",
                   day: date | None) -> list[tuple[_Hit, Resolved]]:
    """'at 22:43' -> the day named in the same sentence (the nearest), else publication day."""
    out = []
    for hit, (value, kind) in resolved:
        if value and value.startswith("T"):
            value = f"{_sentence_day(hit, resolved, doc, day) or 'XXXX-XX-XX'}{value}"
        out.append((hit, (value, kind)))
    return out


def _sentence_day(hit: _Hit, resolved: list[tuple[_Hit, Resolved]], doc: "Doc",
                  day: date | None) -> str | None:
    ids = _tokens_at(doc, hit.start, hit.end)
    if ids is None:
        return None if day is None else day.isoformat()
    sent = doc[ids[0]].sent
    days = [(abs(h.start - hit.start), v[:10]) for h, (v, _) in resolved
            if v and re.match(r"\d{4}-\d\d-\d\d", v) and sent.start_char <= h.start < sent.end_char]
    if days:
        return min(days)[1]
    return None if day is None else day.isoformat()
