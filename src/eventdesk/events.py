"""Clauses and quotes -> PLOVER events, each traced to the words it came from.

Per sentence: find triggers (``ontology/triggers.tsv``), let requests, threats, promises,
rejections and accusations swallow what they are about, join triggers that tell one event
("fighting which has killed"), read arguments off the parse (``event_args``), counts
(``counts``), negation, hypotheticals, date and place. Then merge the tellings of one event
across headline, lead and body (``event_merge``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .counts import read_counts
from .event_args import (Arguments, TextIndex, frame_verb, index_text, np_entities, quote_at,
                         read_arguments)
from .event_lexicon import TriggerRule, cue_set, load_lexicon, match_rule, near_words, phrase_in
from .event_merge import merge_candidates
from .model import Article, Count, Entity, Event, Place, Quote, Span, TimeExpr

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token
    from spacy.tokens import Span as SpacySpan

CLAUSE_DEPS = {"ccomp", "advcl", "relcl", "xcomp", "acl", "csubj", "conj", "parataxis", "pcomp"}
CLIMB_DEPS = {"ccomp", "advcl", "conj", "xcomp"}
COOPERATIVE_FUTURE = {"CONSULT", "SUPPORT", "COOPERATE", "AID"}
CONFLICT_ACTS = {"ASSAULT", "COERCE", "SANCTION", "MOBILIZE"}
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?")


@dataclass
class Candidate:
    """One telling of an event in one sentence, before merging (internal)."""

    token: int
    rule: TriggerRule
    type: str
    mode: str | None
    cameo: str
    where: str
    trigger: Span
    sentence: Span
    args: Arguments
    members: set[int] = field(default_factory=set)
    content_type: str | None = None
    content_mode: str | None = None
    negated: bool = False
    hypothetical: bool = False
    quote: str | None = None
    date: str | None = None
    date_source: str | None = None
    counts: dict[str, Count] = field(default_factory=dict)
    contexts: tuple[str, ...] = ()
    embedded: bool = False
    confidence: float = 0.5


def extract_events(doc: "Doc", title_doc: "Doc | None", *, article: Article,
                   entities: list[Entity], places: list[Place], times: list[TimeExpr],
                   quotes: list[Quote]) -> list[Event]:
    """PLOVER events of one article, merged across headline, lead and body."""
    candidates: list[Candidate] = []
    texts = [(doc, "body")] + ([(title_doc, "title")] if title_doc is not None else [])
    for parsed, where in texts:
        index = index_text(parsed, where=where, entities=entities, places=places, quotes=quotes)
        local_times = [t for t in times if t.span.where == where]
        for sent in parsed.sents:
            candidates += read_sentence(sent, index, article=article, times=local_times)
    fallback = dateline_place(article, places)
    for candidate in candidates:
        if candidate.args.place is None and candidate.where == "body":
            candidate.args.place = fallback
    return merge_candidates(candidates, entities=entities)


def read_sentence(sent: "SpacySpan", index: TextIndex, *, article: Article,
                  times: list[TimeExpr]) -> list[Candidate]:
    """The events one sentence tells."""
    found = [c for c in (_candidate(t, sent, index) for t in sent) if c is not None]
    found = _absorb(found, index.doc)
    found = _join(found, index.doc)
    _mark_embedded(found, index.doc)
    counts = read_counts(sent, where=index.where, time_at=lambda s, e: _time_in(times, s, e))
    for candidate in found:
        token = index.doc[candidate.token]
        _set_modality(candidate, token, index)
        _set_date(candidate, token, index, times, article, counts)
        _violent_protest(candidate, token, index)
        _set_mode_and_contexts(candidate, token, sent)
        _attach_counts(candidate, counts, index.doc)
        candidate.confidence = _confidence(candidate, token)
    return found


# --------------------------------------------------------------------------- triggers

def _candidate(token: "Token", sent: "SpacySpan", index: TextIndex) -> Candidate | None:
    rule = match_rule(token)
    if rule is None or _natural_cause(token, rule):
        return None
    start, end = _trigger_extent(token, rule)
    doc = index.doc
    text = doc.text
    trigger = Span(doc[start].idx, doc[end].idx + len(doc[end].text),
                   text[doc[start].idx:doc[end].idx + len(doc[end].text)], index.where)  # type: ignore[arg-type]
    sentence = Span(sent.start_char, sent.end_char, sent.text, index.where)  # type: ignore[arg-type]
    quote = quote_at(index, token.idx)
    return Candidate(token=token.i, rule=rule, type=rule.type, mode=rule.mode, cameo=rule.cameo,
                     where=index.where, trigger=trigger, sentence=sentence,
                     args=read_arguments(token, rule, index), members={token.i},
                     quote=quote.id if quote else None)


def _trigger_extent(token: "Token", rule: TriggerRule) -> tuple[int, int]:
    """The trigger's words: the head plus the required words right next to it ("calls for")."""
    start = end = token.i
    for child in token.children:
        if child.lemma_.lower() in rule.requires and abs(child.i - token.i) <= 3:
            start, end = min(start, child.i), max(end, child.i)
    return start, end


def _natural_cause(token: "Token", rule: TriggerRule) -> bool:
    """ "The earthquake killed 20", "died in a flood", "killed when a plant exploded"."""
    if rule.type != "ASSAULT" or rule.pos != "V":
        return False
    causes, accidents = cue_set("nonagent_subjects"), cue_set("accident_verbs")
    nodes = [token] + ([token.head] if token.dep_ in ("advcl", "conj", "xcomp") else [])
    for node in nodes:
        for child in node.children:
            if child.dep_ in ("nsubj", "agent") and _head_or_pobj_lemma(child) & causes:
                return True
            if child.dep_ == "prep" and child.lower_ in ("in", "by") and _head_or_pobj_lemma(child) & causes:
                return True
            if child.dep_ == "advcl" and child.lemma_.lower() in accidents:
                return True
    return False


def _head_or_pobj_lemma(token: "Token") -> set[str]:
    words = {token.lemma_.lower()} | {c.lemma_.lower() for c in token.children if c.dep_ in ("compound", "pobj")}
    for child in token.children:
        if child.dep_ == "pobj":
            words |= {c.lemma_.lower() for c in child.children if c.dep_ == "compound"}
    return words


def _absorb(found: list[Candidate], doc: "Doc") -> list[Candidate]:
    """What a request, threat, promise, rejection or accusation is about is part of it."""
    types = load_lexicon().types
    gone: set[int] = set()
    for outer in sorted(found, key=lambda c: _depth(doc[c.token])):
        if outer.token in gone or not types[outer.type].absorbs:
            continue
        content = _content_tokens(doc[outer.token])
        inner = [c for c in found if c is not outer and c.token in content and c.token not in gone]
        for c in sorted(inner, key=lambda c: _depth(doc[c.token])):
            if outer.content_type is None:
                outer.content_type, outer.content_mode = c.type, c.mode
            gone.add(c.token)
        _retype(outer)
    return [c for c in found if c.token not in gone]


def _content_tokens(token: "Token") -> set[int]:
    deps = set(load_lexicon().cues["content_deps"])
    out: set[int] = set()
    for child in token.children:
        if child.dep_ in deps:
            out.update(t.i for t in child.subtree)
    return out


def _retype(outer: Candidate) -> None:
    """Promises of conflict are threats; modes of requests and threats follow their content."""
    quads = {k: v.quad for k, v in load_lexicon().types.items()}
    content = outer.content_type
    if content is None:
        return
    if "commissive" in outer.rule.flags and quads[content].endswith("conflict") and content != "REQUEST":
        outer.type, outer.cameo, outer.mode = "THREATEN", "13", None
    table = load_lexicon().cues["content_mode"].get(outer.type, {})
    mode = table.get(f"{content}:{outer.content_mode}") or table.get(content)
    if outer.mode is None and mode:
        outer.mode = mode


def _join(found: list[Candidate], doc: "Doc") -> list[Candidate]:
    """Triggers that tell one event: "fighting which has killed", "held talks", "signed an accord"."""
    kept: list[Candidate] = []
    for cand in sorted(found, key=lambda c: _depth(doc[c.token])):
        host = next((k for k in kept if _same_event(k, cand, doc)), None)
        if host is None:
            kept.append(cand)
            continue
        host.members |= cand.members
        host.mode = host.mode or cand.mode
        for role, ids in (("A", cand.args.actors), ("R", cand.args.recipients), ("M", cand.args.mediators)):
            host.args.add(role, ids)
        host.args.recipients = [r for r in host.args.recipients if r not in host.args.actors]
        host.args.place = host.args.place or cand.args.place
    return sorted(kept, key=lambda c: c.token)


def _same_event(host: Candidate, cand: Candidate, doc: "Doc") -> bool:
    h, c = doc[host.token], doc[cand.token]
    linked = c.head.i in host.members or (c.head.dep_ == "prep" and c.head.head.i in host.members) \
        or h.head.i == c.i
    if not linked:
        return False
    if host.type == cand.type:
        return True
    return h.pos_ == "VERB" and c.pos_ != "VERB" and c.dep_ in ("dobj", "attr", "nsubj", "nsubjpass")


def _mark_embedded(found: list[Candidate], doc: "Doc") -> None:
    for cand in found:
        ancestors = {a.i for a in doc[cand.token].ancestors}
        cand.embedded = any(o.token in ancestors for o in found if o is not cand)


def _depth(token: "Token") -> int:
    return sum(1 for _ in token.ancestors)


# --------------------------------------------------------------------------- modality

def _clause_path(token: "Token") -> list["Token"]:
    """The trigger, its light verb, and the clauses above it up to a reporting verb."""
    path = [token]
    verb = frame_verb(token)
    if verb is not None:
        path.append(verb)
    elif token.pos_ != "VERB":
        return path  # a noun that is what another action is about: "efforts to pause fighting"
    node = path[-1]
    reporting = cue_set("reporting_verbs")
    for _ in range(5):
        if node.head.i == node.i or node.lemma_.lower() in reporting or _done_before(node):
            break
        node = node.head
        path.append(node)
    return path


def _done_before(node: "Token") -> bool:
    """ "will advance after seizing Dabiq": what happened before another act keeps its own tense."""
    marks = cue_set("past_marks")
    return (node.head.dep_ == "prep" and node.head.lower_ in marks and node.dep_ == "pcomp") \
        or any(c.dep_ == "mark" and c.lower_ in marks for c in node.children)


def _set_modality(cand: Candidate, token: "Token", index: TextIndex) -> None:
    path = _clause_path(token)
    said = _said(path, cand)
    cand.negated = _negated(token, path)
    future, maybe, intent, must = _future_or_maybe(path, said=said)
    cooperative = load_lexicon().types[cand.type].quad.endswith("cooperation")
    if cand.negated and cooperative and cand.type != "AGREE" or cand.negated and cand.type == "AGREE" and said:
        _recode(cand, "REJECT", "12", "REJECT")  # "will not accept", "failed to reach agreement"
        cand.negated = False
    elif must and said and cand.type not in ("REQUEST", "THREATEN"):
        _recode(cand, "REQUEST", "10", "REQUEST")  # "X must cooperate", said Y: Y asks X
        cand.args.recipients, cand.args.actors = list(cand.args.actors), _speaker(path, cand, index)
    elif (future or maybe) and _ultimatum(path) and cand.type not in ("REQUEST", "THREATEN"):
        _recode(cand, "THREATEN", "13", "THREATEN")  # "will withdraw its force unless ..."
    elif (future or intent) and cand.type in COOPERATIVE_FUTURE:
        cand.type, cand.cameo, cand.mode = "AGREE", "03", None
    elif future and cand.type == "RETREAT":
        cand.type, cand.cameo = "CONCEDE", "08"
    elif (future or maybe) and cand.type in CONFLICT_ACTS and said:
        _recode(cand, "THREATEN", "13", "THREATEN")
    else:
        cand.hypothetical = future or maybe or intent
    _crowd_request(cand, token)


def _ultimatum(path: list["Token"]) -> bool:
    """A future act on a condition the other side must meet: "will withdraw unless X does Y"."""
    return any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ == "unless" for m in c.children)
               for node in path[:2] for c in node.children)


def _speaker(path: list["Token"], cand: Candidate, index: TextIndex) -> list[str]:
    """Who states the clause: the quote's speaker, or the subject of the reporting verb above it."""
    quote = next((q for q in index.quotes if q.id == cand.quote), None)
    if quote is not None and quote.speaker:
        return [quote.speaker]
    reporting = cue_set("reporting_verbs")
    for node in path[1:]:
        if node.lemma_.lower() in reporting:
            return [e for c in node.children if c.dep_ in ("nsubj", "agent") for e in np_entities(c, index)]
    return []


def _recode(cand: Candidate, new_type: str, cameo: str, table_name: str) -> None:
    table = load_lexicon().cues["content_mode"][table_name]
    cand.mode = table.get(f"{cand.type}:{cand.mode}") or table.get(cand.type) or table.get("*")
    cand.type, cand.cameo = new_type, cameo


def _crowd_request(cand: Candidate, token: "Token") -> None:
    """Protesters' demands are what the protest is about: PROTEST, not REQUEST (manual 3.12.2)."""
    if cand.type != "REQUEST":
        return
    crowd = cue_set("crowd_nouns")
    heads = [c for c in token.children if c.dep_ in ("nsubj", "agent")]
    if token.dep_ in ("acl", "relcl"):
        heads.append(token.head)
    if any(h.lemma_.lower() in crowd for h in heads):
        cand.type, cand.cameo, cand.mode = "PROTEST", "14", "demo"


def _negated(token: "Token", path: list["Token"]) -> bool:
    """ "did not attack", "no talks", "denied attacking", "failed to reach a deal"."""
    own = [token] + ([path[1]] if frame_verb(token) is not None else [])
    for node in own:
        if any(c.dep_ == "neg" or (c.dep_ == "det" and c.lower_ == "no") for c in node.children):
            return True
    governors = cue_set("negating_governors")
    return any(node.lemma_.lower() in governors for node in path[len(own):len(own) + 3])


def _future_or_maybe(path: list["Token"], *, said: bool) -> tuple[bool, bool, bool, bool]:
    """(future, modal or conditional, intended, obligation) for the clause path of a trigger."""
    future = maybe = intent = must = False
    intents = cue_set("intent_governors")
    for n, node in enumerate(path):
        for child in node.children:
            word = child.lower_
            if child.dep_ in ("aux", "auxpass"):
                future |= word in cue_set("future_aux") or (said and word in cue_set("reported_future"))
                maybe |= word in cue_set("modals") and not (said and word in cue_set("reported_future"))
                must |= word in cue_set("obligation")
            elif child.dep_ == "mark" and word in cue_set("conditional_marks"):
                maybe = True
            elif n == 0 and child.dep_ == "amod" and child.lemma_.lower() in cue_set("future_adjectives"):
                future = True
        if n > 0 and node.lemma_.lower() in intents and node.pos_ in ("VERB", "ADJ", "NOUN"):
            intent = True
        if node.lemma_.lower() in cue_set("reporting_verbs"):
            break
    return future, maybe, intent, must


def _said(path: list["Token"], cand: Candidate) -> bool:
    """Stated by someone: inside a quote, or under a reporting verb."""
    reporting = cue_set("reporting_verbs")
    return cand.quote is not None or any(n.lemma_.lower() in reporting for n in path[1:])


# --------------------------------------------------------------------------- date, mode, contexts

def _time_in(times: list[TimeExpr], start: int, end: int) -> TimeExpr | None:
    for time in times:
        if time.span.start < end and start < time.span.end:
            return time
    return None


def _clause_tokens(head: "Token") -> list["Token"]:
    """The head's own clause: its dependents, not crossing into sub-clauses or "since ..."."""
    out, todo = [], [head]
    while todo:
        node = todo.pop()
        out.append(node)
        for child in node.children:
            if child.dep_ in CLAUSE_DEPS or child.lower_ == "since":
                continue
            todo.append(child)
    return out


def _set_date(cand: Candidate, token: "Token", index: TextIndex, times: list[TimeExpr],
              article: Article, counts: list[tuple[str, Count, int]]) -> None:
    node: "Token | None" = frame_verb(token) or token
    while node is not None:
        for t in sorted(_clause_tokens(node), key=lambda t: t.i):
            time = _time_in(times, t.idx, t.idx + len(t.text))
            if time is not None and time.kind in ("date", "time") and time.value and ISO_DATE.match(time.value):
                cand.date, cand.date_source = time.value[:10], "clause"
                return
        node = node.head if node.dep_ in CLIMB_DEPS and node.head.i != node.i else None
    quote = next((q for q in index.quotes if q.id == cand.quote), None)
    if quote is not None and quote.date:
        cand.date, cand.date_source = quote.date[:10], "quote"
    elif article.published:
        cand.date, cand.date_source = article.published[:10], "published"


def _violent_protest(cand: Candidate, token: "Token", index: TextIndex) -> None:
    """Clashes in which protesters take part are a violent protest: PROTEST 'riot' (manual 3.12),
    the protesters' side acting, the other side (police, troops) receiving."""
    if cand.type != "ASSAULT" or token.lemma_.lower() not in cue_set("clash_words"):
        return
    crowd = cue_set("crowd_nouns")
    sides = _participants(token)
    if not any(lemma in crowd for _, lemma in sides):
        return
    cand.type, cand.cameo, cand.mode = "PROTEST", "14", "riot"
    protesters = [e for side, lemma in sides if lemma in crowd for e in np_entities(side, index)]
    others = [e for side, lemma in sides if lemma not in crowd for e in np_entities(side, index)]
    cand.args.actors = list(dict.fromkeys(protesters))
    cand.args.recipients = [e for e in dict.fromkeys(others) if e not in cand.args.actors]


def _participants(token: "Token") -> list[tuple["Token", str]]:
    """Each side of a clash (subject, object, "with"/"between" objects) with the lemma that says
    who it is ("hundreds of protesters" -> protester)."""
    heads = [c for c in token.children if c.dep_ in ("nsubj", "dobj", "nsubjpass")]
    for prep in (c for c in token.children if c.dep_ == "prep" and c.lower_ in ("with", "between", "among")):
        heads += [p for p in prep.children if p.dep_ == "pobj"]
    out: list[tuple["Token", str]] = []
    for head in heads:
        for node in (head, *head.conjuncts):
            inner = [p for c in node.children if c.dep_ == "prep" and c.lower_ == "of"
                     for p in c.children if p.dep_ == "pobj"]
            out.append((node, (inner[0] if inner else node).lemma_.lower()))
    return out


def _set_mode_and_contexts(cand: Candidate, token: "Token", sent: "SpacySpan") -> None:
    lex = load_lexicon()
    lemmas = [t.lemma_.lower() for t in sent]
    if cand.type == "CONSULT" and cand.args.mediators and cand.mode in (None, "multilateral"):
        cand.mode = "third-party"
    if cand.mode is None:
        scope = lemmas
        if cand.type in ("REQUEST", "REJECT"):
            scope = [token.doc[i].lemma_.lower() for i in sorted(_content_tokens(token))]
        cand.mode = next((mode for mode, cues in lex.modes.get(cand.type, ()) if phrase_in(cues, scope)),
                         lex.cues["content_mode"].get(cand.type, {}).get("*"))
    cand.contexts = tuple(name for name, cues in lex.contexts if phrase_in(cues, lemmas))


def _attach_counts(cand: Candidate, counts: list[tuple[str, Count, int]], doc: "Doc") -> None:
    wanted = {"ASSAULT": ("dead", "injured"), "COERCE": ("arrested",), "PROTEST": ("size", "dead", "injured", "arrested"),
              "MOBILIZE": ("size",)}.get(cand.type, ())
    for name, count, where_token in counts:
        if name in wanted and name not in cand.counts and _near(cand, where_token, doc):
            cand.counts[name] = count


def _near(cand: Candidate, token_i: int, doc: "Doc") -> bool:
    if token_i in cand.members:
        return True
    token = doc[token_i]
    related = {token.i, token.head.i, *(a.i for a in token.ancestors)} | {c.i for c in token.children}
    return bool(related & cand.members) or any(doc[m].head.i == token.head.i for m in cand.members)


def _confidence(cand: Candidate, token: "Token") -> float:
    score = 0.5 + (0.12 if token.pos_ == "VERB" else 0.0)
    score += 0.12 if cand.args.actors else 0.0
    score += 0.06 if cand.args.recipients else 0.0
    score += 0.05 if cand.rule.requires else 0.0
    score += 0.04 if cand.counts else 0.0
    score -= 0.2 if cand.embedded else 0.0
    score -= 0.15 if token.dep_ == "acl" and token.tag_ == "VBN" else 0.0  # "militants backed by X"
    score -= 0.12 if cand.hypothetical else 0.0
    return max(0.05, min(0.95, score))


def dateline_place(article: Article, places: list[Place]) -> str | None:
    """The place of a dateline opening the body ("MOSCOW, Oct 9 (Reuters) -")."""
    head = article.body[:80]
    for place in places:
        for m in place.mentions:
            if m.where == "body" and m.start <= 2 and re.match(r"^[\s,]*(\(|-|\u2014|\u2013|[A-Z][a-z]{2}\.?\s\d)",
                                                                 article.body[m.end:m.end + 20]) and m.end < len(head):
                return place.id
    return None
