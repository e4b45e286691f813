"""Quotes and their speakers: direct (inside quotation marks), indirect and mixed.

Three passes over one article, then speaker resolution in text order:

1. ``find_marked`` pairs quotation marks paragraph by paragraph (curly and straight, a quote
   inside a quote, a quote that runs over paragraphs which each reopen the mark, unbalanced
   marks cut at the paragraph end). A marked stretch is a direct quote when a speech cue is next
   to it (``"...," X said``, ``"...," said X``, ``X said: "..."``, ``"..." ― X``) or when it is a
   sentence of its own (it then keeps the speaker of the quote before it).
2. Transcript turns: a paragraph that opens with ``NAME:``.
3. Indirect quotes from the parse: a speech verb (``data/quote_verbs.tsv``) with a subject and a
   complement (``X said (that) ...``, ``..., X said.``, ``X urged Y to ...``), and
   ``according to X, ...`` (``data/quote_preps.txt``). An indirect quote with marked words inside
   is ``mixed``.

Speakers are entities (``entities.find_entity``); a pronoun speaker is resolved to the nearest
compatible subject or speaker before it and added to that entity as a mention. A speaker that is
no entity ("a source", "officials") keeps ``speaker=None`` with its ``speaker_span``.
"""
from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .entities import find_entity, with_mention
from .model import Article, Entity, Quote, Span, TimeExpr

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

DATA = Path(__file__).parent / "data"

SUBJECT_DEPS = {"nsubj", "nsubjpass"}
# "X said ..., adding ...", "responded by saying ..." -> the subject of the verb above
INHERIT_DEPS = {"conj", "advcl", "xcomp", "pcomp", "prep"}
# children of a cue that may stand between the cue and the quote it introduces
BETWEEN_DEPS = {"dobj", "dative", "iobj", "prep", "agent", "advmod", "npadvmod", "nsubj",
                "nsubjpass", "punct", "prt", "aux", "auxpass", "neg", "cc", "attr"}
SENTENCE_END = {".", "!", "?"}
OPEN_CONTEXT = "([{\u2014\u2013-\u2015/:;"
CLOSE_CONTEXT = ".,;:!?)]}\u2014\u2013-\u2015\u2026"
MAX_ATTRIBUTION_TOKENS = 14  # tokens between a cue and the quote it introduces
MAX_TRAILING_TOKENS = 40  # tokens between a quote and the cue after it ('"...," Jane Doe, a ..., said')
PRONOUN_REACH = 2000  # characters a pronoun looks back for its antecedent
INHERIT_REACH = 2  # paragraphs an unattributed quote looks back for the previous speaker


# ---------------------------------------------------------------------------- lexicons

def _rows(name: str) -> list[list[str]]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@functools.cache
def cue_verbs() -> dict[str, frozenset[str]]:
    """Speech verb lemma -> the non-clausal complements that may carry its content."""
    return {row[0]: frozenset(x for x in row[1].split(",") if x != "-") for row in _rows("quote_verbs.tsv")}


@functools.cache
def quote_marks() -> dict[str, tuple[str, str]]:
    """Mark -> (family, glyph role)."""
    return {row[0]: (row[1], row[2]) for row in _rows("quote_marks.tsv")}


@functools.cache
def _mark_pattern() -> re.Pattern[str]:
    marks = sorted(quote_marks(), key=len, reverse=True)
    return re.compile("|".join(re.escape(m) for m in marks))


@functools.cache
def cue_nouns() -> frozenset[str]:
    """Statement nouns that take a that-clause ("his claim that ...")."""
    return frozenset(row[0] for row in _rows("quote_nouns.txt"))


@functools.cache
def pronouns() -> dict[str, tuple[frozenset[str], str]]:
    """Pronoun -> (entity types it can refer to, gender m/f/-)."""
    return {row[0]: (frozenset(row[1].split(",")), row[2]) for row in _rows("quote_pronouns.tsv")}


@functools.cache
def gender_words() -> dict[str, str]:
    return {row[0]: row[1] for row in _rows("quote_gender.tsv")}


@functools.cache
def org_words() -> frozenset[str]:
    """Words that make a name an organisation ("Intelligence Committee")."""
    return frozenset(row[0] for row in _rows("quote_org_words.txt"))


@functools.cache
def source_preps() -> tuple[tuple[str, ...], ...]:
    """Prepositional cues as word tuples: ("according", "to")."""
    return tuple(tuple(row[0].split()) for row in _rows("quote_preps.txt"))


# ---------------------------------------------------------------------------- quotation marks

@dataclass(frozen=True, slots=True)
class Marked:
    """A stretch between quotation marks: ``start`` at the opening mark, ``end`` after the
    closing one (or at the end of the paragraph where an unclosed quote stops)."""

    start: int
    end: int
    inner_start: int
    inner_end: int
    family: str
    closed: bool


@dataclass(slots=True)
class _Open:
    family: str
    start: int
    inner_start: int


def find_marked(text: str) -> list[Marked]:
    """Top-level quoted stretches of ``text`` in order (inner quotes are part of their outer one)."""
    found: list[Marked] = []
    carry: _Open | None = None
    paragraphs = _paragraphs(text)
    for k, (start, end) in enumerate(paragraphs):
        carry = _scan_paragraph(text, start, end, carry, found)
        if carry is not None and not _reopens(text, paragraphs, k):
            found.append(Marked(carry.start, end, carry.inner_start, end, carry.family, False))
            carry = None
    found.sort(key=lambda m: (m.start, -m.end))
    return _outermost(found)


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, without its surrounding spaces."""
    out = []
    for m in re.finditer(r"[^\n]+", text):
        line = m.group()
        if line.strip():
            lead = len(line) - len(line.lstrip())
            out.append((m.start() + lead, m.start() + len(line.rstrip())))
    return out


def _reopens(text: str, paragraphs: list[tuple[int, int]], k: int) -> bool:
    """Does the paragraph after ``k`` start with an opening double mark (a continued quote)?"""
    if k + 1 >= len(paragraphs):
        return False
    start, end = paragraphs[k + 1]
    m = _mark_pattern().match(text, start, end)
    return m is not None and _mark_role(text, m, []) == ("double", "open")


def _scan_paragraph(text: str, start: int, end: int, carry: _Open | None,
                    found: list[Marked]) -> _Open | None:
    """Pair the marks of one paragraph; returns the double quote left open at its end, if any."""
    stack: list[_Open] = []
    marks = list(_mark_pattern().finditer(text, start, end))
    if carry is not None:  # the previous paragraph's quote goes on: skip this one's reopening mark
        stack.append(carry)
        marks = marks[1:]
    for m in marks:
        family, role = _mark_role(text, m, stack)
        if role == "open":
            stack.append(_Open(family, m.start(), m.end()))
        elif role == "close" and any(o.family == family for o in stack):
            while stack[-1].family != family:
                stack.pop()
            opened = stack.pop()
            found.append(Marked(opened.start, m.end(), opened.inner_start, m.start(), family, True))
    return next((o for o in stack if o.family == "double"), None)


def _mark_role(text: str, m: re.Match[str], stack: list[_Open]) -> tuple[str, str | None]:
    """(family, "open" | "close" | None) of one mark, from the characters around it."""
    family, glyph = quote_marks()[m.group()]
    before = text[m.start() - 1] if m.start() > 0 else " "
    after = text[m.end()] if m.end() < len(text) else " "
    if family == "single" and before.isalnum() and after.isalnum():
        return family, None  # an apostrophe: don't, O'Brien
    marks = "".join(quote_marks())
    left = before.isspace() or before in OPEN_CONTEXT or before in marks
    right = after.isspace() or after in CLOSE_CONTEXT or after in marks
    role = "open" if left and not right else "close" if right and not left else glyph
    if role == "toggle":
        role = "close" if any(o.family == family for o in stack) else "open"
    return family, role


def _outermost(found: list[Marked]) -> list[Marked]:
    out: list[Marked] = []
    for m in found:
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out


# ---------------------------------------------------------------------------- token helpers

class _Text:
    """The Doc plus fast char -> token lookups and the marked stretches."""

    def __init__(self, doc: "Doc", marked: list[Marked], paragraphs: list[tuple[int, int]]) -> None:
        self.doc = doc
        self.text = doc.text
        self.starts = [t.idx for t in doc]
        self.marked = marked
        self.marked_starts = [m.start for m in marked]
        self.paragraphs = paragraphs
        self.para_starts = [p[0] for p in paragraphs]

    def sentence(self, token: "Token") -> tuple[int, int]:
        """First and last token index of ``token``'s sentence, cut to its paragraph (the parser
        sometimes runs a sentence over a paragraph break)."""
        sent = token.sent
        k = bisect.bisect_right(self.para_starts, token.idx) - 1
        start, end = self.paragraphs[k] if k >= 0 else (0, len(self.text))
        first = max(sent.start, self.first_at(start))
        last = min(sent.end - 1, self.last_before(end))
        while last > first and self.doc[last].is_space:
            last -= 1
        return first, max(first, last)

    def first_at(self, char: int) -> int:
        """Index of the first token starting at or after ``char``."""
        return bisect.bisect_left(self.starts, char)

    def last_before(self, char: int) -> int:
        """Index of the last token ending at or before ``char`` (-1 if none)."""
        i = bisect.bisect_left(self.starts, char) - 1
        while i >= 0 and self.doc[i].idx + len(self.doc[i]) > char:
            i -= 1
        return i

    def marked_at(self, char: int) -> Marked | None:
        k = bisect.bisect_right(self.marked_starts, char) - 1
        if k >= 0 and self.marked[k].start <= char < self.marked[k].end:
            return self.marked[k]
        return None


def _is_cue(token: "Token") -> bool:
    return token.pos_ in ("VERB", "AUX") and token.lemma_.lower() in cue_verbs()


def _is_mark(token: "Token") -> bool:
    return bool(_mark_pattern().fullmatch(token.text))


def _subject(cue: "Token") -> "Token | None":
    """The cue's subject, or that of the verb it hangs from ("..., adding that")."""
    for _ in range(4):
        subject = next((c for c in cue.children if c.dep_ in SUBJECT_DEPS), None)
        if subject is not None or cue.dep_ not in INHERIT_DEPS or cue.head.i == cue.i:
            return subject
        cue = cue.head
    return None


def _clean_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim spaces, a leading "that" and trailing commas or dashes from a content stretch."""
    seg = text[start:end]
    lead = len(seg) - len(seg.lstrip())
    start += lead
    m = re.match(r"that\s+", text[start:end])
    if m:
        start += m.end()
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:\u2014\u2013-"):
        end -= 1
    return start, end


# ---------------------------------------------------------------------------- found quotes

@dataclass(slots=True)
class Found:
    """A quote before speaker resolution: char offsets of content, speaker words and cue."""

    kind: str
    start: int
    end: int
    speaker: tuple[int, int] | None = None
    speaker_token: int | None = None  # token index of the speaker's head word
    cue: tuple[int, int] | None = None
    cue_token: int | None = None
    inherit: bool = False  # takes the previous quote's speaker


def _found_from_cue(kind: str, start: int, end: int, cue: "Token", subject: "Token") -> Found:
    return Found(kind, start, end, speaker=None, speaker_token=subject.i,
                 cue=(cue.idx, cue.idx + len(cue)), cue_token=cue.i)


# ---------------------------------------------------------------------------- direct quotes

def direct_quotes(tx: _Text) -> list[Found]:
    """Marked stretches with a cue next to them, or standing as sentences of their own."""
    out = []
    for marked in tx.marked:
        start, end = _clean_span(tx.text, marked.inner_start, marked.inner_end)
        if end - start < 1 or _title_like(tx.text[start:end]):
            continue
        cue, subject, kind = _attribution(tx, marked)
        if cue is not None and subject is not None:
            out.append(_found_from_cue(kind, start, end, cue, subject))
        elif (dash := _dash_source(tx.text, marked)) is not None:
            out.append(Found("direct", start, end, speaker=dash[1], cue=dash[0]))
        elif (colon := _colon_source(tx, marked)) is not None:
            out.append(colon)
        elif _stands_alone(tx, marked):
            out.append(Found("direct", start, end, inherit=True))
    return out


def _title_like(inner: str) -> bool:
    """"Face the Nation", 'All Bets Are Off.': a title or heading in marks, not words said."""
    words = re.findall(r"[^\W\d_][\w'\u2019-]*", inner)
    long = [w for w in words if len(w) >= 4]
    return 2 <= len(words) <= 8 and bool(long) and all(w[0].isupper() for w in long)


def _attribution(tx: _Text, marked: Marked) -> tuple["Token | None", "Token | None", str]:
    cue, subject = _cue_after(tx, marked)
    if cue is not None:
        return cue, subject, "direct"
    return _cue_before(tx, marked)


def _cue_after(tx: _Text, marked: Marked) -> tuple["Token | None", "Token | None"]:
    """``"...," X said`` / ``"...," said X``: a cue within a few tokens after the closing mark."""
    doc, first = tx.doc, tx.first_at(marked.end)
    if not marked.closed:
        return None, None
    full_stop = tx.text[marked.inner_start:marked.inner_end].rstrip().endswith(".")
    for i in range(first, min(len(doc), first + MAX_TRAILING_TOKENS)):
        token = doc[i]
        if not _is_cue(token):
            if token.text in SENTENCE_END or _is_mark(token) or "\n" in token.text_with_ws:
                break
            continue
        subject = _subject(token)
        if subject is None or subject.idx < marked.end:
            before = _subject_before(doc, token)
            subject = before if before is not None and before.idx >= marked.end else _inverted_subject(doc, token)
        # after '"...."' a cue with words of its own ('X said Y ...') starts a new sentence
        new_claim = full_stop and any(c.dep_ in ("ccomp", "xcomp", "dobj") for c in token.rights)
        if subject is not None and not new_claim and _only_attribution(doc, first, token, subject):
            return token, subject
        break
    return None, None


def _inverted_subject(doc: "Doc", cue: "Token") -> "Token | None":
    """``said Smith``: the noun right after the cue when the parse gave it no subject."""
    if (cue.i + 1 < len(doc) and doc[cue.i + 1].pos_ in ("PROPN", "NOUN", "PRON")
            and cue.i in (doc[cue.i + 1].head.i, doc[cue.i + 1].head.head.i)):
        token = doc[cue.i + 1]
        while token.i + 1 < len(doc) and doc[token.i + 1].pos_ == "PROPN" and token.pos_ == "PROPN":
            token = doc[token.i + 1]
        return token
    return None


def _only_attribution(doc: "Doc", first: int, cue: "Token", subject: "Token") -> bool:
    """Are the tokens between the closing mark and the cue free of other verbs and of an "and"
    outside the subject ("Jane Doe, an economist and tax expert, said")?"""
    inside = range(subject.left_edge.i, subject.right_edge.i + 1)
    return all((doc[i].pos_ != "VERB" or doc[i].is_title) and (doc[i].pos_ != "CCONJ" or i in inside)
               for i in range(first, cue.i))


def _cue_before(tx: _Text, marked: Marked) -> tuple["Token | None", "Token | None", str]:
    """``X said: "..."`` / ``X told reporters that "..."``: a cue whose clause ends at the mark."""
    doc = tx.doc
    last = _lead_in(tx, marked)
    kind = "direct"
    for i in range(last, max(-1, last - MAX_ATTRIBUTION_TOKENS), -1):
        token = doc[i]
        if token.text in SENTENCE_END or _is_mark(token) or "\n" in token.text_with_ws:
            break
        if token.lower_ == "that" and i == last:
            kind = "mixed"
        if _is_cue(token) and _names_only(doc, token, last):  # 'Said Ellis: "..."'
            return token, doc[last - 1], kind
        if _is_cue(token) and _leads_to(doc, token, last):
            subject = _subject(token) or _inverted_subject(doc, token)
            if subject is not None:
                return token, subject, kind
    return None, None, kind


def _names_only(doc: "Doc", cue: "Token", last: int) -> bool:
    """Only a name and a colon between the cue and the quote ('Said Ellis:')."""
    between = doc[cue.i + 1:last]
    return (doc[last].text == ":" and 1 <= len(between) <= 4
            and all(t.pos_ == "PROPN" for t in between))


def _lead_in(tx: _Text, marked: Marked) -> int:
    """The last token before a quote's opening mark, or -1 when a paragraph break comes between
    (unless the paragraph before ends with a colon: 'Limbaugh added:')."""
    last = tx.last_before(marked.start)
    while last >= 0 and tx.doc[last].is_space:
        last -= 1
    if last >= 0 and "\n" in tx.text[tx.doc[last].idx:marked.start] and tx.doc[last].text != ":":
        return -1
    return last


def _colon_source(tx: _Text, marked: Marked) -> Found | None:
    """``The piece used her words as its headline: "..."``: the subject of the clause before a colon."""
    last = _lead_in(tx, marked)
    start, end = _clean_span(tx.text, marked.inner_start, marked.inner_end)
    if last < 0 or tx.doc[last].text != ":" or len(tx.text[start:end].split()) < 3:
        return None
    colon = verb = tx.doc[last]
    while verb.pos_ not in ("VERB", "AUX") and verb.head.i != verb.i:
        verb = verb.head
    subject = _subject(verb)
    if subject is None or subject.i > last:
        return None
    return Found("direct", start, end, speaker_token=subject.i, cue=(colon.idx, colon.idx + 1))


def _leads_to(doc: "Doc", cue: "Token", last: int) -> bool:
    """Do the tokens after the cue up to ``last`` belong to the attribution, not to its content?"""
    for i in range(cue.i + 1, last + 1):
        token = doc[i]
        if token.is_punct or token.lower_ == "that":
            continue
        child = token
        while child.head.i != cue.i and child.head.i != child.i:
            child = child.head
        if child.head.i != cue.i or child.dep_ not in BETWEEN_DEPS:
            return False
    return True


def _dash_source(text: str, marked: Marked) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """``"..." ― Jane Doe``: a dash and a name closing the line after the quote."""
    if not marked.closed:
        return None
    m = re.match(r"[ \t\u00a0]*([\u2015\u2014\u2013])[ \t\u00a0]*([A-Z][\w.'\u2019-]*(?:[ \u00a0][A-Z][\w.'\u2019-]*){0,3})"
                 r"[ \t\u00a0.,]*(?:\n|$)", text[marked.end:marked.end + 80])
    if m is None:
        return None
    base = marked.end
    name_end = base + m.end(2)
    while text[name_end - 1] == ".":
        name_end -= 1
    return (base + m.start(1), base + m.end(1)), (base + m.start(2), name_end)


def _stands_alone(tx: _Text, marked: Marked) -> bool:
    """A quote that is a sentence of its own: it opens its sentence and holds a few words."""
    inner = tx.text[marked.inner_start:marked.inner_end]
    if len(inner.split()) < 4:
        return False
    before = tx.text[:marked.start].rstrip(" \t\u00a0")
    return not before or before[-1] in "\n.!?" or before[-1] in "\u201d\"'\u2019"


# ---------------------------------------------------------------------------- transcript turns

_TURN = re.compile(r"[\"\u201c]?([A-Z][A-Za-z.'\u2019-]*(?: [A-Z][A-Za-z.'\u2019-]*){0,2}):[ \t\u00a0]+(\S)")


def transcript_turns(text: str, paragraphs: list[tuple[int, int]], entities: list[Entity]) -> list[Found]:
    """``PENCE: Well, look ...``: a paragraph that opens with a speaker's name and a colon."""
    out = []
    for start, end in paragraphs:
        m = _TURN.match(text, start, end)
        if m is None or len(text[m.end(2) - 1:end].split()) < 4 or not _names_speaker(m, entities):
            continue
        content = _clean_span(text, m.start(2), end)
        content = (content[0], content[1] - (text[content[1] - 1] in "\"\u201d"))
        out.append(Found("direct", *content, speaker=(m.start(1), m.end(1)),
                         cue=(m.end(1), m.end(1) + 1)))
    return out


def _names_speaker(m: re.Match[str], entities: list[Entity]) -> bool:
    """Is the text before the colon a person or organisation ("Pat Caddell", "PENCE")?"""
    entity = find_entity(entities, m.start(1), m.end(1))
    if entity is not None:
        return entity.type in ("PERSON", "ORG")
    last = m.group(1).split()[-1].lower()
    return any(e.type in ("PERSON", "ORG") and e.name.split() and e.name.split()[-1].lower() == last
               for e in entities)


# ---------------------------------------------------------------------------- indirect quotes

def indirect_quotes(tx: _Text, used_cues: set[int]) -> list[Found]:
    """Speech verbs with a subject and a complement; ``according to X, ...``."""
    out = []
    for token in tx.doc:
        if token.i in used_cues or tx.marked_at(token.idx) is not None:
            continue
        if _is_cue(token):
            found = _verb_quote(tx, token)
        elif token.pos_ == "NOUN" and token.lemma_.lower() in cue_nouns():
            found = _noun_quote(tx, token)
        else:
            found = _prep_quote(tx, token)
        if found is not None:
            out.append(found)
    return out


def _verb_quote(tx: _Text, cue: "Token") -> Found | None:
    subject = _subject(cue) or _subject_before(tx.doc, cue)
    if subject is None or subject.dep_ == "nsubjpass" or cue.tag_ == "VBN" and _passive(cue):
        return None
    content = _content(tx, cue, subject)
    if content is None:
        return None
    kind = "mixed" if _holds_marks(tx, *content) else "indirect"
    return _found_from_cue(kind, *content, cue, subject)


def _passive(cue: "Token") -> bool:
    return any(c.dep_ == "auxpass" for c in cue.children)


def _subject_before(doc: "Doc", cue: "Token") -> "Token | None":
    """``... of the Washington Post Trump said``: a name right before a finite cue the parser
    left without a subject."""
    before = doc[cue.i - 1] if cue.i > 0 else None
    if (before is not None and cue.tag_ in ("VBD", "VBZ", "VBP") and before.pos_ == "PROPN"
            and before.dep_ not in ("compound", "poss")):
        return before
    return None


def _content(tx: _Text, cue: "Token", subject: "Token") -> tuple[int, int] | None:
    """The words said: the clausal complement, the clause the cue comments on, or an object."""
    lo, hi = tx.sentence(cue)
    clause = _clause(cue)
    if clause is not None:
        first, last = max(clause.left_edge.i, lo), min(clause.right_edge.i, hi)
        if first <= last:
            return _content_span(tx, first, last, min_words=3)
    if cue.dep_ == "parataxis" or clause is not None:
        return _around(tx, cue, subject, lo, hi)
    for child in cue.children:
        if _complement_ok(cue, child):
            target = child if child.dep_ != "prep" else next((c for c in child.children if c.dep_ == "pobj"), child)
            last = max([target.right_edge.i] + [c.right_edge.i for c in cue.rights
                                                if c.i > target.i and c.dep_ in ("xcomp", "oprd", "ccomp")])
            return _content_span(tx, max(target.left_edge.i, lo), min(last, hi), min_words=2)
    return None


def _clause(cue: "Token") -> "Token | None":
    """The cue's clausal complement, the one after it first ("tweeted ... that X was")."""
    clauses = [c for c in cue.children if c.dep_ == "ccomp"
               or (c.dep_ == "advcl" and c.i > cue.i and c.left_edge.lower_ == "that")]
    after = [c for c in clauses if c.i > cue.i]
    ranked = after or clauses
    return ranked[0] if ranked else None


def _complement_ok(cue: "Token", child: "Token") -> bool:
    allowed = cue_verbs()[cue.lemma_.lower()]
    if child.i < cue.i:
        return False
    if child.dep_ == "prep":
        return f"prep:{child.lower_}" in allowed
    if child.dep_ == "dobj" and "dobj+" in allowed:
        return any(c.i > child.i and c.dep_ in ("oprd", "ccomp", "xcomp", "attr") for c in cue.rights)
    if child.dep_ == "dobj" and child.pos_ in ("PRON", "PROPN"):
        return False
    return child.dep_ in allowed


def _around(tx: _Text, cue: "Token", subject: "Token", lo: int, hi: int) -> tuple[int, int] | None:
    """``Acts of protest, Mr. Obama said, are acts ...``: the sentence around the attribution."""
    left = min(cue.i, subject.left_edge.i) if subject.i < cue.i else cue.i
    right = max(cue.i, subject.right_edge.i)
    for child in cue.rights:
        if child.dep_ in ("prep", "npadvmod", "advmod", "dative", "prt", "agent") and child.i <= right + 2:
            right = max(right, child.right_edge.i)
    if right >= hi - 1:  # "..., X said." at the end: the words before it
        return _content_span(tx, lo, left - 1, min_words=3)
    if left <= lo + 1:  # "X said, ..." at the start: the words after it
        return _content_span(tx, right + 1, hi, min_words=3)
    return _content_span(tx, lo, hi, min_words=5)


def _content_span(tx: _Text, first: int, last: int, *, min_words: int) -> tuple[int, int] | None:
    if last < first:
        return None
    doc = tx.doc
    start, end = _clean_span(tx.text, doc[first].idx, doc[last].idx + len(doc[last]))
    words = sum(1 for t in doc[first:last + 1] if not t.is_punct)
    return (start, end) if words >= min_words and end > start else None


def _holds_marks(tx: _Text, start: int, end: int) -> bool:
    return any(start <= m.start < end for m in tx.marked)


def _noun_quote(tx: _Text, noun: "Token") -> Found | None:
    """``Trump's claim that ...``: a statement noun with its author and a that-clause."""
    author = next((c for c in noun.children if c.dep_ == "poss"), None)
    clause = next((c for c in noun.rights if c.dep_ in ("acl", "ccomp", "appos")
                   and c.left_edge.lower_ == "that"), None)
    if author is None or clause is None:
        return None
    lo, hi = tx.sentence(noun)
    content = _content_span(tx, max(clause.left_edge.i, lo), min(clause.right_edge.i, hi), min_words=3)
    if content is None:
        return None
    kind = "mixed" if _holds_marks(tx, *content) else "indirect"
    return _found_from_cue(kind, *content, noun, author)


def colon_blocks(tx: _Text) -> list[Found]:
    """``Limbaugh added:`` closing a paragraph: the next paragraph (without marks) is his."""
    out = []
    for (_, end), (next_start, next_end) in zip(tx.paragraphs, tx.paragraphs[1:]):
        colon = tx.last_before(end)
        if colon < 0 or tx.doc[colon].text != ":" or _mark_pattern().match(tx.text, next_start):
            continue
        for i in range(colon - 1, max(-1, colon - MAX_ATTRIBUTION_TOKENS), -1):
            cue = tx.doc[i]
            if _is_cue(cue) and _leads_to(tx.doc, cue, colon - 1) and (subject := _subject(cue)) is not None:
                start, stop = _clean_span(tx.text, next_start, next_end)
                out.append(_found_from_cue("indirect", start, stop, cue, subject))
                break
    return out


def _prep_quote(tx: _Text, token: "Token") -> Found | None:
    """``According to X, ...`` / ``..., according to X.``: the rest of the sentence."""
    doc = tx.doc
    for words in source_preps():
        if token.lower_ != words[0]:
            continue
        last = token.i + len(words) - 1
        if last >= len(doc) or tuple(t.lower_ for t in doc[token.i:last + 1]) != words:
            continue
        source = next((c for c in doc[last].children if c.dep_ == "pobj"), None)
        if source is None:
            return None
        content = _prep_content(tx, token, source)
        if content is None:
            return None
        kind = "mixed" if _holds_marks(tx, *content) else "indirect"
        cue = (token.idx, doc[last].idx + len(doc[last]))
        return Found(kind, *content, speaker_token=source.i, cue=cue, cue_token=None)
    return None


def _prep_content(tx: _Text, token: "Token", source: "Token") -> tuple[int, int] | None:
    lo, hi = tx.sentence(token)
    phrase_end = min(source.right_edge.i, hi)
    if token.i <= lo + 1:
        return _content_span(tx, phrase_end + 1, hi, min_words=3)
    if phrase_end >= hi - 1:
        return _content_span(tx, lo, token.i - 1, min_words=3)
    return _content_span(tx, lo, hi, min_words=5)


# ---------------------------------------------------------------------------- merging

def merge_found(tx: _Text, direct: list[Found], turns: list[Found], indirect: list[Found]) -> list[Found]:
    """One list in text order: transcript turns replace marked stretches they overlap; an
    indirect quote running into a direct quote with its own cue is cut before it, and one mostly
    covered by direct quotes is dropped. (Quotes reported inside other quotes are kept.)"""
    direct = [d for d in direct if not any(_overlap(d, t) for t in turns)] + turns
    kept = list(direct)
    for candidate in indirect:
        q = _cut_before_direct(tx, candidate, direct)
        if q is not None and sum(_overlap(q, d) for d in direct) < 0.5 * (q.end - q.start):
            kept.append(q)
    kept.sort(key=lambda q: (q.start, q.end))
    return kept


def _cut_before_direct(tx: _Text, q: Found, direct: list[Found]) -> Found | None:
    """End an indirect quote before a direct quote (and its attribution) that starts inside it."""
    end = q.end
    for d in direct:
        if q.start < d.start < end and d.cue is not None and d.cue_token != q.cue_token:
            lead = tx.doc[d.speaker_token].left_edge.idx if d.speaker_token is not None else d.start
            end = min(end, d.start, d.cue[0], max(lead, q.start))
    if end == q.end:
        return q
    start, end = _clean_span(tx.text, q.start, end)
    if len(tx.text[start:end].split()) < 3:
        return None
    return Found(q.kind, start, end, q.speaker, q.speaker_token, q.cue, q.cue_token, q.inherit)


def _overlap(a: Found, b: Found) -> int:
    return max(0, min(a.end, b.end) - max(a.start, b.start))


# ---------------------------------------------------------------------------- speakers

@dataclass(slots=True)
class _Speakers:
    """State of speaker resolution while walking the quotes in text order."""

    entities: list[Entity]
    subjects: list[tuple[int, str]]  # (char, entity id) of entity mentions that are subjects
    genders: dict[str, str]
    last: tuple[int, str | None, Span | None] | None = None  # (paragraph, entity id, speaker span)


def resolve_speakers(tx: _Text, found: list[Found], entities: list[Entity],
                     paragraphs: list[tuple[int, int]]) -> tuple[list[Found], list[Entity], list[tuple[str | None, Span | None]]]:
    """Speaker entity id and span for every found quote, in text order."""
    state = _Speakers(entities, _subject_mentions(tx, entities), _genders(tx.text, entities))
    para_starts = [p[0] for p in paragraphs]
    speakers = []
    for q in found:
        para = bisect.bisect_right(para_starts, q.start)
        who = _speaker_of(tx, q, state, para)
        speakers.append(who)
        state.last = (para, *who)
        if who[0] is not None:
            state.subjects.append((q.start, who[0]))
    return found, state.entities, speakers


def _speaker_of(tx: _Text, q: Found, state: _Speakers, para: int) -> tuple[str | None, Span | None]:
    if q.inherit:
        if state.last is not None and para - state.last[0] <= INHERIT_REACH:
            return state.last[1], state.last[2]
        return None, None
    if q.speaker_token is None:
        assert q.speaker is not None
        span = Span(q.speaker[0], q.speaker[1], tx.text[q.speaker[0]:q.speaker[1]])
        entity = find_entity(state.entities, span.start, span.end) or _same_name(state, span)
        return (entity.id if entity else None), span
    return _speaker_from_token(tx, tx.doc[q.speaker_token], state)


def _speaker_from_token(tx: _Text, head: "Token", state: _Speakers) -> tuple[str | None, Span | None]:
    if head.lower_ == "that" and head.head.dep_ == "relcl":  # "rules that promise ...": the rules
        head = head.head.head
    if head.lower_ in pronouns():
        return _pronoun_speaker(tx, head, state)
    entity = find_entity(state.entities, head.idx, head.idx + len(head))
    if entity is None:
        appos = next((c for c in head.children if c.dep_ == "appos"), None)
        if appos is not None:
            entity = find_entity(state.entities, appos.idx, appos.idx + len(appos))
    start, end = _phrase(tx, head, full=head.pos_ != "PROPN")
    if entity is None and head.pos_ == "PROPN":
        entity = find_entity(state.entities, start, end) or _named_speaker(tx, head, state)
    if entity is not None:
        mention = _mention_near(entity, head.idx) or Span(start, end, tx.text[start:end])
        return entity.id, mention
    span = Span(start, end, tx.text[start:end])
    role_entity = _by_role(head, state)
    return (role_entity.id if role_entity else None), span


def _phrase(tx: _Text, head: "Token", *, full: bool) -> tuple[int, int]:
    """The noun phrase of a speaker word: determiners, modifiers, compounds and, when ``full``,
    the prepositional phrases after it ("attorneys for the family")."""
    first = head.i
    for child in head.lefts:
        if child.dep_ in ("det", "compound", "amod", "poss", "nummod", "nmod", "quantmod") and not child.is_punct:
            first = min(first, child.left_edge.i)
    last = head.i
    for child in head.rights:
        if child.dep_ in ("flat", "compound") or (full and child.dep_ in ("prep", "amod") and child.i == last + 1):
            last = max(last, child.right_edge.i)
    lo, hi = tx.sentence(head)
    first, last = max(first, lo), min(last, hi)
    return tx.doc[first].idx, tx.doc[last].idx + len(tx.doc[last])


def _named_speaker(tx: _Text, head: "Token", state: _Speakers) -> Entity:
    """A named speaker the entities stage missed: an entity of the same last name, else a new one."""
    first = head.i
    while first > 0 and tx.doc[first - 1].pos_ == "PROPN" and not tx.doc[first - 1].text.endswith("."):
        first -= 1
    start, end = tx.doc[first].idx, head.idx + len(head)
    span = Span(start, end, tx.text[start:end])
    same = _same_name(state, span)
    if same is not None:
        return same
    words = {w.lower() for w in span.text.split()}
    kind = "ORG" if words & org_words() else "PERSON"
    entity = Entity(id=_next_id(state.entities), name=span.text, type=kind, mentions=(span,))
    state.entities = [*state.entities, entity]
    return entity


def _same_name(state: _Speakers, span: Span) -> Entity | None:
    """The last person or organisation named like ``span`` ("PENCE", "Schiff"), which then gets
    ``span`` as a mention."""
    last = span.text.split()[-1].lower() if span.text.split() else ""
    for entity in reversed(state.entities):
        if entity.type in ("PERSON", "ORG") and entity.name.split() and entity.name.split()[-1].lower() == last:
            state.entities = with_mention(state.entities, entity.id, span)
            return entity
    return None


def _next_id(entities: list[Entity]) -> str:
    numbers = [int(e.id[1:]) for e in entities if e.id[:1] == "E" and e.id[1:].isdigit()]
    return f"E{max(numbers, default=0) + 1}"


def _mention_near(entity: Entity, char: int) -> Span | None:
    for m in entity.mentions:
        if m.where == "body" and m.start <= char < m.end:
            return m
    return None


def _by_role(head: "Token", state: _Speakers) -> Entity | None:
    """"the spokeswoman said" -> the entity whose role ends with that word, last mentioned first."""
    word = head.lemma_.lower()
    best: tuple[int, Entity] | None = None
    for entity in state.entities:
        role = (entity.role or "").lower().split()
        if role and role[-1] == word:
            seen = max((m.start for m in entity.mentions if m.where == "body" and m.start < head.idx), default=-1)
            if seen >= 0 and (best is None or seen > best[0]):
                best = (seen, entity)
    return best[1] if best else None


def _pronoun_speaker(tx: _Text, pron: "Token", state: _Speakers) -> tuple[str | None, Span | None]:
    span = Span(pron.idx, pron.idx + len(pron), pron.text)
    types, gender = pronouns()[pron.lower_]
    if pron.lower_ in ("who", "which") and pron.head.dep_ == "relcl":
        entity = find_entity(state.entities, pron.head.head.idx, pron.head.head.idx + len(pron.head.head))
        return (entity.id if entity else None), span
    entity = _antecedent(pron.idx, types, gender, state)
    if entity is None:
        return None, span
    if pron.lower_ in ("he", "she", "they", "it", "we", "i"):
        state.entities = with_mention(state.entities, entity.id, span)
    if gender != "-":
        state.genders.setdefault(entity.id, gender)
    return entity.id, span


def _antecedent(char: int, types: frozenset[str], gender: str, state: _Speakers) -> Entity | None:
    """The nearest compatible subject or speaker before ``char``, else the nearest mention."""
    by_id = {e.id: e for e in state.entities}

    def fits(entity: Entity | None) -> bool:
        return (entity is not None and entity.type in types
                and state.genders.get(entity.id, gender) == gender)

    for pos, eid in sorted(state.subjects, reverse=True):
        if pos < char and char - pos <= PRONOUN_REACH and fits(by_id.get(eid)):
            return by_id[eid]
    mentions = [(m.start, e) for e in state.entities for m in e.mentions
                if m.where == "body" and m.start < char and char - m.start <= PRONOUN_REACH and fits(e)]
    return max(mentions, key=lambda x: x[0])[1] if mentions else None


def _subject_mentions(tx: _Text, entities: list[Entity]) -> list[tuple[int, str]]:
    out = []
    for token in tx.doc:
        if token.dep_ in SUBJECT_DEPS and token.pos_ == "PROPN":
            entity = find_entity(entities, token.idx, token.idx + len(token))
            if entity is not None:
                out.append((token.idx, entity.id))
    return out


def _genders(text: str, entities: list[Entity]) -> dict[str, str]:
    """Gender from a word before a mention ("Mr. Smith", "spokeswoman Maria Zakharova") or the role."""
    words = gender_words()
    out = {}
    for entity in entities:
        if entity.type != "PERSON":
            continue
        for word in _words_before(text, entity) + (entity.role or "").lower().split():
            if word in words:
                out[entity.id] = words[word]
                break
    return out


def _words_before(text: str, entity: Entity) -> list[str]:
    out = []
    for m in entity.mentions:
        if m.where == "body":
            out += text[max(0, m.start - 20):m.start].lower().split()[-1:]
            out += m.text.lower().split()[:1]
    return out


# ---------------------------------------------------------------------------- dates

def statement_date(tx: _Text, q: Found, times: list[TimeExpr]) -> str | None:
    """The value of a time expression in the cue's sentence, outside the words said."""
    if q.cue is None:
        return None
    cue_token = tx.doc[q.cue_token] if q.cue_token is not None else tx.doc[tx.first_at(q.cue[0])]
    sent = cue_token.sent
    best: tuple[int, str] | None = None
    for t in times:
        s = t.span
        if (t.value is None or s.where != "body" or s.start < sent.start_char or s.end > sent.end_char
                or (s.start < q.end and s.end > q.start) or tx.marked_at(s.start) is not None):
            continue
        distance = min(abs(s.start - q.cue[1]), abs(q.cue[0] - s.end))
        if best is None or distance < best[0]:
            best = (distance, t.value)
    return best[1] if best else None


# ---------------------------------------------------------------------------- the stage

def extract_quotes(doc: "Doc", *, article: Article, entities: list[Entity],
                   times: list[TimeExpr]) -> tuple[list[Quote], list[Entity]]:
    """Direct, indirect and mixed quotes of ``article.body`` with speakers, cues and dates.

    Returns the quotes (ids Q1, Q2 ... in text order) and the entities, where pronoun speakers
    have become mentions of the entity they refer to.
    """
    text = doc.text
    paragraphs = _paragraphs(text)
    tx = _Text(doc, find_marked(text), paragraphs)
    direct = direct_quotes(tx)
    used = {q.cue_token for q in direct if q.cue_token is not None}
    turns = transcript_turns(text, paragraphs, entities)
    found = merge_found(tx, direct + colon_blocks(tx), turns, indirect_quotes(tx, used))
    found, entities, speakers = resolve_speakers(tx, found, entities, paragraphs)
    quotes = []
    for n, (q, (speaker, speaker_span)) in enumerate(zip(found, speakers), start=1):
        cue = Span(q.cue[0], q.cue[1], text[q.cue[0]:q.cue[1]]) if q.cue else None
        quotes.append(Quote(id=f"Q{n}", kind=q.kind, span=Span(q.start, q.end, text[q.start:q.end]),
                            speaker=speaker, speaker_span=speaker_span, cue=cue,
                            date=statement_date(tx, q, times)))
    return quotes, entities
