"""The event coder's lexicons: PLOVER types, trigger words, mode and context cues.

The data files live in ``eventdesk/ontology/`` (written for eventdesk from the PLOVER manual's
definitions and everyday news English) and are read once per process.
"""
from __future__ import annotations

import csv
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ConfigError

if TYPE_CHECKING:
    from spacy.tokens import Token

ONTOLOGY = Path(__file__).resolve().parent / "ontology"
VERB_POS = {"VERB"}
NOUN_POS = {"NOUN", "PROPN"}
# dependents whose own dependents also count as "near" the trigger ("took to the streets")
REACH_THROUGH = {"prep", "agent", "prt", "dobj", "pobj", "compound", "nsubj", "nsubjpass", "amod",
                 "acomp", "oprd", "attr", "xcomp", "dative", "advmod"}


@dataclass(frozen=True, slots=True)
class TypeInfo:
    """What PLOVER says about one event type."""

    name: str
    quad: str
    cameo: str
    absorbs: bool  # what it asks for / promises / rejects is part of the event
    reciprocal: bool  # "with X" and "between X and Y" name fellow actors


@dataclass(frozen=True, slots=True)
class TriggerRule:
    """One row of ``triggers.tsv``."""

    lemma: str
    pos: str  # V or N
    requires: frozenset[str]
    unless: frozenset[str]
    type: str
    mode: str | None
    cameo: str
    with_role: str | None  # A (fellow actors) or R (recipients); None = the type's default
    flags: frozenset[str]


@dataclass(frozen=True, slots=True)
class Lexicon:
    types: dict[str, TypeInfo]
    rules: dict[tuple[str, str], tuple[TriggerRule, ...]]
    cues: dict[str, Any]
    modes: dict[str, tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]]
    contexts: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]


def _rows(name: str) -> list[dict[str, str]]:
    path = ONTOLOGY / name
    try:
        lines = [ln for ln in path.read_text(encoding="utf-8").splitlines()
                 if ln.strip() and not ln.startswith("#")]
    except OSError as exc:
        raise ConfigError(f"expected the lexicon file {path}, could not read it ({exc}); "
                          "reinstall eventdesk", reason="lexicon_missing") from exc
    return list(csv.DictReader(lines, delimiter="\t"))


def _words(field: str) -> frozenset[str]:
    return frozenset() if field in ("", "-") else frozenset(w.strip() for w in field.split("|"))


def _phrases(field: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split()) for p in field.split("|") if p.strip())


def _rule(row: dict[str, str]) -> TriggerRule:
    return TriggerRule(lemma=row["lemma"], pos=row["pos"], requires=_words(row["requires"]),
                       unless=_words(row["unless"]), type=row["type"],
                       mode=None if row["mode"] == "-" else row["mode"], cameo=row["cameo"],
                       with_role=None if row["with"] == "-" else row["with"],
                       flags=_words(row["flags"]))


@functools.cache
def load_lexicon() -> Lexicon:
    """All event lexicons, read once."""
    types = {r["type"]: TypeInfo(r["type"], r["quad"], r["cameo"], r["absorbs"] == "yes",
                                 r["reciprocal"] == "yes") for r in _rows("types.tsv")}
    rules: dict[tuple[str, str], list[TriggerRule]] = {}
    for row in _rows("triggers.tsv"):
        rule = _rule(row)
        rules.setdefault((rule.lemma, rule.pos), []).append(rule)
    modes: dict[str, list[tuple[str, tuple[tuple[str, ...], ...]]]] = {}
    for row in _rows("modes.tsv"):
        modes.setdefault(row["type"], []).append((row["mode"], _phrases(row["cues"])))
    contexts = tuple((r["context"], _phrases(r["cues"])) for r in _rows("contexts.tsv"))
    cues = json.loads((ONTOLOGY / "cues.json").read_text(encoding="utf-8"))
    return Lexicon(types=types, rules={k: tuple(v) for k, v in rules.items()}, cues=cues,
                   modes={k: tuple(v) for k, v in modes.items()}, contexts=contexts)


@functools.cache
def cue_set(name: str) -> frozenset[str]:
    """A cue list of ``cues.json`` as a set."""
    return frozenset(load_lexicon().cues[name])


def near_words(token: "Token") -> set[str]:
    """Lemmas (and ``@dep`` markers) of a token's dependents, reaching through
    prepositions and objects ("a stash of firearms", "took to the streets")."""
    out: set[str] = set()
    todo = [(child, 0) for child in token.children]
    while todo:
        node, depth = todo.pop()
        out.update((node.lemma_.lower(), node.lower_))
        if depth == 0:
            out.add("@" + node.dep_)
        if depth < 2 and (depth == 0 and node.dep_ in REACH_THROUGH or node.dep_ in ("prep", "pobj")):
            todo += [(grand, depth + 1) for grand in node.children]
    return out


def verb_forms(token: "Token") -> set[str]:
    """The lemma and the plain de-inflections of a word, for lemmatizer slips ("staged" -> "stag")."""
    word = token.lower_
    out = {token.lemma_.lower(), word}
    for suffix, repl in (("ed", ""), ("ed", "e"), ("d", ""), ("es", ""), ("s", ""), ("ing", ""), ("ing", "e")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            out.add(word[:-len(suffix)] + repl)
    return out


def match_rule(token: "Token") -> TriggerRule | None:
    """The trigger rule that fires on ``token``, or None."""
    pos = "V" if token.pos_ in VERB_POS else "N" if token.pos_ in NOUN_POS else None
    if pos is None or (pos == "V" and token.dep_ == "amod"):
        return None
    if token.dep_ == "compound" and token.head.lemma_.lower() not in cue_set("trigger_compound_heads"):
        return None
    rules = load_lexicon().rules
    lemma = token.lemma_.lower()
    candidates = rules.get((lemma, pos)) or rules.get((token.lower_, pos)) or ()
    if not candidates:
        return None
    near = near_words(token)
    head = {token.head.lemma_.lower()} if token.head.i != token.i else set()
    for rule in candidates:
        if rule.requires and not (rule.requires & near):
            continue
        if rule.unless & (near | head):
            continue
        return rule
    return None


def phrase_in(phrases: tuple[tuple[str, ...], ...], lemmas: list[str]) -> bool:
    """Whether one of ``phrases`` (lemma sequences) occurs in ``lemmas``."""
    firsts: dict[str, list[int]] = {}
    for i, lemma in enumerate(lemmas):
        firsts.setdefault(lemma, []).append(i)
    for phrase in phrases:
        for i in firsts.get(phrase[0], ()):
            if tuple(lemmas[i:i + len(phrase)]) == phrase:
                return True
    return False
