"""Casualty, arrest and crowd counts: "killed at least 400 people since September 27".

PLOVER's supplementary fields ``dead``, ``injured``, ``arrested`` and ``size``, each a Count
with a qualifier (exact, at least, at most, about), an optional ``since`` date and the span of
the words it was read from.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from .event_lexicon import load_lexicon
from .model import Count, Span, TimeExpr

if TYPE_CHECKING:
    from spacy.tokens import Span as SpacySpan
    from spacy.tokens import Token

TimeLookup = Callable[[int, int], "TimeExpr | None"]
DIGITS = re.compile(r"^\d{1,3}(,\d{3})+$|^\d+$")


@functools.cache
def _count_fields() -> dict[str, str]:
    """count word lemma -> field (dead, injured, arrested, size)."""
    out: dict[str, str] = {}
    for name, words in load_lexicon().cues["count_words"].items():
        for word in words:
            out.setdefault(word, name)
    return out


def read_counts(sent: "SpacySpan", *, where: str, time_at: TimeLookup) -> list[tuple[str, Count, int]]:
    """Every count in a sentence: (field, Count, index of the count word's token)."""
    found: list[tuple[str, Count, int]] = []
    fields = _count_fields()
    for token in sent:
        name = fields.get(token.lemma_.lower()) or fields.get(token.lower_)
        if name is None or (name == "size" and token.pos_ != "NOUN"):
            continue
        number = _number_token(token, name)
        if number is None:
            continue
        parsed = parse_number(number)
        if parsed is None or parsed[0] <= 0:
            continue
        value, qualifier = parsed
        span = Span(number.idx, number.idx + len(number.text), number.text, where)  # type: ignore[arg-type]
        found.append((name, Count(value, _qualifier(number, qualifier), _since(token, time_at), span),
                      token.i))
    return found


def _number_token(token: "Token", name: str) -> "Token | None":
    """The number that counts what ``token`` names (its object, subject, or itself)."""
    if token.pos_ in ("VERB", "AUX"):
        deps = ("dobj", "nsubjpass") if name != "size" else ("nsubj",)
        if token.lemma_.lower() in ("die", "perish"):
            deps = ("nsubj",)
        numbers = [_number_of_noun(c) for c in token.children if c.dep_ in deps]
        return next((n for n in numbers if n is not None), None)
    if token.lower_ in ("dead", "injured", "wounded") and token.i > 0 and token.nbor(-1).like_num:
        return token.nbor(-1)
    if token.lemma_.lower() == "toll":
        return next((t for t in token.head.subtree if t.like_num and t.i > token.i), None)
    return _number_of_noun(token)


def _number_of_noun(noun: "Token") -> "Token | None":
    if noun.like_num or noun.lower_ in load_lexicon().cues["vague_numbers"]:
        return noun
    for child in noun.children:
        if child.dep_ in ("nummod", "quantmod") and (child.like_num or child.pos_ == "NUM"):
            return child
    head = noun.head
    if noun.dep_ == "pobj" and head.lower_ == "of" and head.head.lower_ in load_lexicon().cues["vague_numbers"]:
        return head.head
    if noun.dep_ == "pobj" and head.lower_ == "of" and head.head.like_num:
        return head.head
    return None


def parse_number(token: "Token") -> tuple[int, str] | None:
    """(value, qualifier implied by the word) for digits, number words and "dozens"."""
    cues = load_lexicon().cues
    text = token.lower_
    if text in cues["vague_numbers"]:
        value, qualifier = cues["vague_numbers"][text]
        return int(value), str(qualifier)
    if DIGITS.match(text):
        value = int(text.replace(",", ""))
    elif text in cues["number_words"]:
        value = int(cues["number_words"][text])
    else:
        return None
    after = token.nbor(1).lower_ if token.i + 1 < len(token.doc) else ""
    if after in ("hundred", "thousand", "million"):
        value *= int(cues["number_words"][after])
    return value, "exact"


def _qualifier(number: "Token", implied: str) -> str:
    """ "at least 400", "more than 20", "about 70", "up to 30"."""
    doc = number.doc
    before = " ".join(t.lower_ for t in doc[max(0, number.i - 3):number.i])
    for phrase, qualifier in sorted(load_lexicon().cues["qualifiers"].items(), key=lambda kv: -len(kv[0])):
        if before == phrase or before.endswith(" " + phrase):
            return str(qualifier)
    return implied


def _since(token: "Token", time_at: TimeLookup) -> str | None:
    """The date of a "since ..." attached to the count word (or its clause)."""
    for anchor in (token, token.head):
        for t in anchor.subtree:
            if t.lower_ == "since":
                scope = list(t.head.subtree) if t.dep_ == "mark" else list(t.subtree)
                time = time_at(scope[0].idx, scope[-1].idx + len(scope[-1].text))
                if time is not None and time.value:
                    return time.value
    return None
