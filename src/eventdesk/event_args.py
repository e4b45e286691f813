"""Who did it, to whom, through whom, where: an event's arguments read off the dependency parse.

Arguments are entity ids (``Entity.id``): a noun phrase maps to the entity one of its words
mentions, else to the entities of its modifiers ("Burmese troops", "Taiwan's minister",
"forces in Guinea"). Metonyms and titles ("Baku", "the Kremlin", "Azerbaijani President")
need nothing here: the entities stage gives them their country.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .event_lexicon import TriggerRule, cue_set, load_lexicon, verb_forms
from .model import Entity, Place, Quote

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

SUBJECTS = {"nsubj", "csubj"}
PASSIVE_SUBJECTS = {"nsubjpass", "csubjpass"}
OBJECTS = {"dobj", "dative", "iobj"}
MODIFIERS = {"poss", "compound", "amod", "nmod", "appos"}
RELATIVE = {"which", "that", "who", "whom", "whose"}


@dataclass
class TextIndex:
    """Entity, place and quote lookups for one parsed text (body or title)."""

    doc: "Doc"
    where: str
    entity_at: dict[int, str] = field(default_factory=dict)  # token index -> entity id
    place_at: dict[int, str] = field(default_factory=dict)  # token index -> place id
    entity_type: dict[str, str] = field(default_factory=dict)
    entity_country: dict[str, str | None] = field(default_factory=dict)
    quotes: list[Quote] = field(default_factory=list)


def index_text(doc: "Doc", *, where: str, entities: list[Entity], places: list[Place],
               quotes: list[Quote]) -> TextIndex:
    """Map tokens of ``doc`` to the entities and places whose mentions cover them."""
    index = TextIndex(doc=doc, where=where, quotes=[q for q in quotes if q.span.where == where])
    for entity in entities:
        index.entity_type[entity.id] = entity.type
        index.entity_country[entity.id] = entity.country
        for mention in entity.mentions:
            if mention.where == where:
                _mark(doc, mention.start, mention.end, entity.id, index.entity_at)
    for place in places:
        for mention in place.mentions:
            if mention.where == where:
                _mark(doc, mention.start, mention.end, place.id, index.place_at)
    return index


def _mark(doc: "Doc", start: int, end: int, value: str, table: dict[int, str]) -> None:
    span = doc.char_span(start, end, alignment_mode="expand")
    for token in span or ():
        table.setdefault(token.i, value)


def quote_at(index: TextIndex, char: int) -> Quote | None:
    """The quote whose span holds character ``char``."""
    for quote in index.quotes:
        if quote.span.start <= char < quote.span.end:
            return quote
    return None


# --------------------------------------------------------------------------- noun phrases

def np_entities(token: "Token", index: TextIndex, *, depth: int = 0) -> list[str]:
    """Entity ids a noun phrase headed by ``token`` refers to (conjuncts included)."""
    out: list[str] = []
    for head in (token, *token.conjuncts):
        for entity_id in _head_entities(head, index, depth):
            if entity_id not in out:
                out.append(entity_id)
    return out


def _head_entities(head: "Token", index: TextIndex, depth: int) -> list[str]:
    if head.lower_ in cue_set("first_person") and head.i not in index.entity_at:  # "us", not "US"
        quote = quote_at(index, head.idx)
        return [quote.speaker] if quote and quote.speaker else []
    if head.lower_ in load_lexicon().cues["third_person"] and head.pos_ == "PRON":
        return _antecedent(head, index) if depth < 3 else []
    if head.lower_ in RELATIVE and head.head.dep_ == "relcl":
        return np_entities(head.head.head, index, depth=depth + 1) if depth < 3 else []
    own = index.entity_at.get(head.i)
    found = [e for c in head.children if c.dep_ in MODIFIERS for e in _modifier_entities(c, index)]
    if own is not None:
        return [own, *_listed(head, index), *(e for e in found if e != own and _is_group(head, own, index))]
    # a modifier without a country also takes where the group is from ("Druze inhabitants of the Golan")
    if depth >= 3 or any(index.entity_country.get(e) for e in found):
        return found
    for child in head.children:
        if child.dep_ == "prep" and child.lower_ in cue_set("actor_of_preps"):
            for pobj in child.children:
                if pobj.dep_ == "pobj":
                    found += np_entities(pobj, index, depth=depth + 1)
    return found


def _antecedent(pronoun: "Token", index: TextIndex) -> list[str]:
    """What "he", "it", "their" stands for: the subject of a clause above the pronoun ("Serbs
    said their forces ...", "the union announced that it ..."), else the subject of the
    previous sentence, when its kind fits (a person for "he", not a person for "it")."""
    kind = load_lexicon().cues["third_person"][pronoun.lower_]
    for node in pronoun.ancestors:
        for child in node.children:
            if child.dep_ in SUBJECTS and child.i < pronoun.i and pronoun not in child.subtree:
                found = _fitting(np_entities(child, index, depth=3), kind, index)
                if found:
                    return found
    sent = pronoun.sent
    if sent.start == 0:
        return []
    root = index.doc[sent.start - 1].sent.root
    subjects = [c for c in root.children if c.dep_ in SUBJECTS]
    return _fitting([e for c in subjects for e in np_entities(c, index, depth=3)], kind, index)


def _fitting(ids: list[str], kind: str, index: TextIndex) -> list[str]:
    people = [i for i in ids if index.entity_type.get(i) == "PERSON"]
    if kind == "person":
        return people[:1]
    if kind == "thing":
        return [i for i in ids if i not in people][:1]
    return ids if len(ids) > 1 or not people else []


def _is_group(head: "Token", own: str, index: TextIndex) -> bool:
    """A plural head ("U.S., Russian and French officials") also refers to its other modifiers."""
    return head.tag_ in ("NNS", "NNPS") and index.entity_type.get(own) in ("NORP", "ORG")


def _listed(head: "Token", index: TextIndex) -> list[str]:
    """Entities listed beside an entity head by commas ("Armenia, Azerbaijan begin ...")."""
    return [index.entity_at[c.i] for c in head.children
            if c.dep_ in ("nmod", "appos") and c.i in index.entity_at
            and c.i + 1 < len(index.doc) and index.doc[c.i + 1].text == ","
            and index.entity_at[c.i] != index.entity_at.get(head.i)]


def _modifier_entities(child: "Token", index: TextIndex) -> list[str]:
    """Entities of a modifier: "Burmese troops", "US Predator attacks", "Vietnamese-led forces"."""
    if child.i in index.entity_at:
        return [index.entity_at[t.i] for t in (child, *child.conjuncts) if t.i in index.entity_at]
    if child.dep_ == "compound" or child.lemma_.lower() == "lead":
        return [index.entity_at[g.i] for g in child.children
                if g.dep_ in ("compound", "npadvmod", "amod") and g.i in index.entity_at]
    return []


# --------------------------------------------------------------------------- event frames

@dataclass
class Arguments:
    actors: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    mediators: list[str] = field(default_factory=list)
    place: str | None = None

    def add(self, role: str, ids: list[str]) -> None:
        target = {"A": self.actors, "R": self.recipients, "M": self.mediators}[role]
        for entity_id in ids:
            if entity_id not in target:
                target.append(entity_id)


def frame_verb(token: "Token") -> "Token | None":
    """The light verb a noun trigger hangs on ("held talks", "talks began", "went on strike")."""
    light = cue_set("light_verbs") | cue_set("inverse_light_verbs")
    head = token.head
    if token.dep_ == "pobj" and head.dep_ == "prep":
        if head.lower_ not in ("in", "on", "into", "to"):
            return None
        head = head.head
    if head.i == token.i or head.pos_ not in ("VERB", "AUX") or not verb_forms(head) & light:
        return None
    if token.dep_ in ("dobj", "attr", "pobj", "nsubj", "nsubjpass", "oprd", "conj"):
        return head
    return None


def read_arguments(token: "Token", rule: TriggerRule, index: TextIndex) -> Arguments:
    """Actors, recipients, mediators and place of the event ``token`` triggers."""
    args = Arguments()
    with_role = rule.with_role or ("A" if load_lexicon().types[rule.type].reciprocal else "R")
    if token.dep_ == "compound":  # "a mediation effort between X and Y"
        token = token.head
    if token.pos_ == "VERB":
        _verb_arguments(token, rule, with_role, index, args)
    else:
        _noun_arguments(token, rule, with_role, index, args)
        verb = frame_verb(token)
        if verb is not None:
            _frame_arguments(token, verb, rule, with_role, index, args)
    _mediators(token, index, args)
    if "inverse" in rule.flags:
        args.actors, args.recipients = args.recipients, args.actors
    if not args.recipients:
        args.add("R", fallback_recipients(token, rule, index, args))
    args.recipients = [r for r in args.recipients if r not in args.actors]
    args.mediators = [m for m in args.mediators if m not in args.actors]
    return args


def _verb_arguments(token: "Token", rule: TriggerRule, with_role: str, index: TextIndex,
                    args: Arguments) -> None:
    for child in token.children:
        if child.dep_ in SUBJECTS:
            args.add("A", np_entities(child, index))
        elif child.dep_ in PASSIVE_SUBJECTS:
            args.add("R", np_entities(child, index))
        elif child.dep_ in OBJECTS:
            args.add("R", np_entities(child, index))
        elif child.dep_ == "agent":
            args.add("A", _pobj_entities(child, index))
        elif child.dep_ == "prep":
            _prep_argument(child, rule, with_role, index, args)
    if not args.actors:
        args.add("A", _inherited_subject(token, index))


def _inherited_subject(token: "Token", index: TextIndex) -> list[str]:
    """The subject a verb shares with the verb it depends on ("agreed to meet", "officials meeting")."""
    head = token.head
    if head.pos_ == "ADJ" and head.dep_ in ("acomp", "xcomp") and token.dep_ == "xcomp":
        head = head.head  # "France is ready to contribute"
    shares = token.dep_ in ("xcomp", "conj") or (token.dep_ == "advcl" and token.tag_ in ("VBG", "VB"))
    if shares and head.i != token.i:
        for child in head.children:
            if child.dep_ in SUBJECTS:
                return np_entities(child, index)
            if child.dep_ == "agent":
                return _pobj_entities(child, index)
        return _inherited_subject(head, index) if head.dep_ in ("xcomp", "conj", "advcl") else []
    if token.dep_ == "acl" and token.tag_ == "VBG":
        found = np_entities(head, index)
        if not found and head.dep_ == "dobj" and head.head.pos_ == "VERB":
            found = _inherited_subject_of(head.head, index)  # "X issued a statement demanding ..."
        return found
    return []


def _inherited_subject_of(verb: "Token", index: TextIndex) -> list[str]:
    for child in verb.children:
        if child.dep_ in SUBJECTS:
            return np_entities(child, index)
    return _inherited_subject(verb, index)


def _noun_arguments(token: "Token", rule: TriggerRule, with_role: str, index: TextIndex,
                    args: Arguments) -> None:
    topic_types = {"CONSULT", "AGREE", "REQUEST", "REJECT", "SUPPORT"}
    for child in token.children:
        if child.dep_ == "poss":
            args.add("A", np_entities(child, index))
        elif child.dep_ in ("amod", "compound", "nmod") and child.i in index.entity_at:
            is_norp = index.entity_type.get(index.entity_at[child.i]) == "NORP"
            if is_norp or rule.type not in topic_types:
                args.add("A", _modifier_entities(child, index))
        elif child.dep_ == "prep":
            word = child.lower_
            if word == "by":
                args.add("A", _pobj_entities(child, index))
            elif word == "of":
                role = "A" if rule.type in ("PROTEST", "CONSULT", "MOBILIZE") else "R"
                args.add(role, _pobj_entities(child, index))
            else:
                _prep_argument(child, rule, with_role, index, args)
    if token.dep_ == "acl" or token.head.dep_ == "relcl":
        return


def _frame_arguments(token: "Token", verb: "Token", rule: TriggerRule, with_role: str,
                     index: TextIndex, args: Arguments) -> None:
    inverse = bool(verb_forms(verb) & cue_set("inverse_light_verbs"))
    for child in verb.children:
        if child.i == token.i:
            continue
        if child.dep_ in SUBJECTS and token.dep_ not in ("nsubj",):
            args.add("R" if inverse else "A", np_entities(child, index))
        elif child.dep_ in OBJECTS and (child.dep_ != "dobj" or token.dep_ in ("nsubj", "nsubjpass")):
            args.add("R", np_entities(child, index))
        elif child.dep_ == "agent":
            args.add("A", _pobj_entities(child, index))
        elif child.dep_ == "prep":
            _prep_argument(child, rule, with_role, index, args)
    if not args.actors and token.dep_ not in ("nsubj",):
        args.add("A", _inherited_subject(verb, index))


TOPIC_TYPES = {"CONSULT", "AGREE", "REQUEST", "REJECT", "SUPPORT", "ACCUSE", "CONCEDE"}
TOPIC_PREPS = {"on", "over", "about", "for", "regarding", "concerning"}


def _prep_argument(prep: "Token", rule: TriggerRule, with_role: str, index: TextIndex,
                   args: Arguments) -> None:
    """ "with X", "between X and Y", "against X", "in <place>"; "talks on X" is a topic."""
    word = prep.lower_
    if rule.type in TOPIC_TYPES and word in TOPIC_PREPS:
        return
    pobjs = [c for c in prep.children if c.dep_ == "pobj"]
    for pobj in pobjs:
        place = _place_of(pobj, index)
        if word in cue_set("place_preps") and place is not None and args.place is None:
            args.place = place
            if word not in cue_set("recipient_preps"):
                continue
        if word in ("between", "among", "with"):
            args.add(with_role, np_entities(pobj, index))
        elif word in cue_set("recipient_preps") and place is None:
            args.add("R", np_entities(pobj, index))
        elif word in ("against", "on", "upon", "at", "toward", "towards"):
            args.add("R", np_entities(pobj, index))


def _place_of(token: "Token", index: TextIndex) -> str | None:
    for t in (token, *token.conjuncts):
        if t.i in index.place_at:
            return index.place_at[t.i]
    for child in token.children:
        if child.dep_ in ("compound", "prep") and child.i in index.place_at:
            return index.place_at[child.i]
    return None


def _pobj_entities(prep: "Token", index: TextIndex) -> list[str]:
    return [e for c in prep.children if c.dep_ == "pobj" for e in np_entities(c, index)]


def _mediators(token: "Token", index: TextIndex, args: Arguments) -> None:
    """ "Russian-mediated talks", "talks mediated by X", "hosted by X"."""
    cues = cue_set("mediator_cues")
    for child in token.children:
        if child.lemma_.lower() not in cues or child.dep_ not in ("amod", "acl", "compound", "advcl"):
            continue
        for grand in child.children:
            if grand.dep_ == "agent":
                args.add("M", _pobj_entities(grand, index))
            elif grand.dep_ in ("npadvmod", "compound", "amod", "nmod", "nsubj") and grand.i < child.i:
                args.add("M", _modifier_entities(grand, index) or np_entities(grand, index))


# --------------------------------------------------------------------------- recipients further down

CONTENT_SUBJECT_TYPES = {"REQUEST", "THREATEN", "ACCUSE", "REJECT", "SUPPORT"}
SOURCE_TYPES = {"REJECT", "CONCEDE"}  # the recipient is whoever made the rejected/accepted call


def fallback_recipients(token: "Token", rule: TriggerRule, index: TextIndex,
                        args: Arguments) -> list[str]:
    """A recipient the trigger's own arguments lack, read off what it governs: the object of
    its complement ("agreed to hand over to X", "threatened to ban X", "began a strike to
    protest X's decision"), the addressee of its content ("demanded that X ...", "... unless
    X closes"), else the place it happens in when that place is a named country or city
    ("imposed a curfew in X"), unless the event is between parties (a reciprocal type, two
    sides or a mediator: "Armenia and Azerbaijan hold talks in Moscow")."""
    heads = [token] + ([v] if token.pos_ != "VERB" and (v := frame_verb(token)) is not None else [])
    clauses = [c for h in heads for c in _complements(h, depth=0)] + _noun_clauses(token)
    reciprocal = load_lexicon().types[rule.type].reciprocal
    has_parties = reciprocal or len(args.actors) > 1 or bool(args.mediators)
    for found in (_content_subjects(heads, clauses, rule, index),
                  [e for c in clauses if _own_clause(c, args, index) for e in _object_side(c, rule, index)],
                  [e for h in heads for e in _nested_targets(h, rule, index)],
                  _beneficiaries(heads, clauses, index),
                  [] if has_parties else [e for h in heads + clauses for e in _place_entities(h, index)]):
        found = [e for e in found if e not in args.actors]
        if found:
            return found
    return []


def _complements(verb: "Token", *, depth: int) -> list["Token"]:
    """Clauses a verb governs that carry what it is about: "to X", "that X", "unless X"."""
    out: list["Token"] = []
    for child in verb.children:
        if child.pos_ not in ("VERB", "AUX") or child.dep_ not in ("xcomp", "ccomp", "advcl", "conj"):
            continue
        if (child.dep_ == "conj" and depth == 0) or child.lemma_.lower() in cue_set("reporting_verbs"):
            continue
        out.append(child)
        if depth < 2:
            out += _complements(child, depth=depth + 1)
    return out


def _noun_clauses(token: "Token") -> list["Token"]:
    """Clauses a noun trigger carries: "a strike that shut down X", "its demand today that X ..."
    (the "that" clause hung on the verb whose object the noun is)."""
    if token.pos_ == "VERB":
        return []
    out = [c for c in token.children if c.dep_ in ("relcl", "acl") and c.pos_ == "VERB"]
    if token.dep_ == "dobj":
        out += [c for c in token.head.children if c.dep_ == "ccomp" and c.i > token.i
                and any(m.dep_ == "mark" and m.lower_ == "that" for m in c.children)]
    return out


def _own_clause(clause: "Token", args: Arguments, index: TextIndex) -> bool:
    """A clause whose subject is the actor itself (or none, or "that" standing for the trigger);
    not somebody else's act ("... as authorities in X cracked down on Y")."""
    subjects = [c for c in clause.children if c.dep_ in SUBJECTS | PASSIVE_SUBJECTS]
    if not subjects or all(s.lower_ in RELATIVE for s in subjects):
        return True
    found = [e for s in subjects for e in np_entities(s, index)]
    return bool(found) and all(e in args.actors for e in found)


def _content_subjects(heads: list["Token"], clauses: list["Token"], rule: TriggerRule,
                      index: TextIndex) -> list[str]:
    """ "demanded that the US cancel ...", "threatened to ... unless the Kremlin closed ..."."""
    if rule.type not in CONTENT_SUBJECT_TYPES:
        return []
    conditional = cue_set("conditional_marks")
    out: list[str] = []
    for clause in clauses:
        marks = {c.lower_ for c in clause.children if c.dep_ == "mark"}
        content = clause.dep_ == "ccomp" or (clause.dep_ == "acl" and "that" in marks)
        if content or (clause.dep_ == "advcl" and marks & conditional):
            for child in clause.children:
                if child.dep_ in SUBJECTS | PASSIVE_SUBJECTS:
                    out += [e for e in np_entities(child, index) if e not in out]
    return out


def _object_side(verb: "Token", rule: TriggerRule, index: TextIndex) -> list[str]:
    """Objects of a complement verb and the targets of its (or its object's) "to/with/against X"."""
    out: list[str] = []
    for child in verb.children:
        if child.dep_ in OBJECTS and child.pos_ == "ADP":  # "deliver blows to X" parsed as dative
            out += _target_preps_of(child, rule, index)
        elif child.dep_ in OBJECTS:
            out += np_entities(child, index) or _target_preps(child, rule, index)
        elif child.dep_ == "prep":
            out += _target_preps_of(child, rule, index)
    return list(dict.fromkeys(out))


def _nested_targets(head: "Token", rule: TriggerRule, index: TextIndex) -> list[str]:
    """Targets one step inside the trigger's own object: "halt efforts among X's republics",
    "a suspension of links with X", "rejected calls by X" (whose call is turned down)."""
    source = rule.type in SOURCE_TYPES
    out: list[str] = []
    for child in head.children:
        nouns = [child] if child.dep_ in OBJECTS else []
        if child.dep_ == "prep" and child.lower_ == "of" and head.pos_ != "VERB":
            nouns = [p for p in child.children if p.dep_ == "pobj"]
        for noun in nouns:
            out += _target_preps(noun, rule, index, source=source)
    return list(dict.fromkeys(out))


def _beneficiaries(heads: list["Token"], clauses: list["Token"], index: TextIndex) -> list[str]:
    """Whom the act is for, one step down: "agreed to provide aid for X", "suspended part of
    a program for X", "mobilized reservists for a war against X" (not "called for X": the
    trigger's own "for" is its content)."""
    nouns = [c for v in heads + clauses for c in v.children if c.dep_ in OBJECTS]
    nouns += [p for n in list(nouns) for c in n.children if c.dep_ == "prep" and c.lower_ == "of"
              for p in c.children if p.dep_ == "pobj"]
    out: list[str] = []
    for owner in nouns + clauses + heads:
        for prep in (c for c in owner.children if c.dep_ == "prep" and c.lower_ == "for"):
            for pobj in (p for p in prep.children if p.dep_ == "pobj"):
                own = owner in heads  # "calls for a halt to X": X is what halts, not whom
                direct = [] if own else np_entities(pobj, index)
                words = ("against",) if own else ("against", "with", "to")
                out += direct or [e for c in pobj.children if c.dep_ == "prep" and c.lower_ in words
                                  for p in c.children if p.dep_ == "pobj" for e in np_entities(p, index)]
    return list(dict.fromkeys(out))


def _target_preps(noun: "Token", rule: TriggerRule, index: TextIndex, *,
                  source: bool = False) -> list[str]:
    out: list[str] = []
    for prep in (c for c in noun.children if c.dep_ in ("prep", "agent")):
        if source and prep.lower_ in ("by", "from"):
            out += [e for p in prep.children if p.dep_ == "pobj" for e in np_entities(p, index)]
        else:
            out += _target_preps_of(prep, rule, index)
    return out


def _target_preps_of(prep: "Token", rule: TriggerRule, index: TextIndex) -> list[str]:
    """ "to X", "with X", "against X"; not "talks on X" (a topic) nor "aid for X" (a purpose)."""
    word = prep.lower_
    if word not in cue_set("recipient_preps") and word not in ("between", "among") or word in ("for", "over"):
        return []
    if rule.type in TOPIC_TYPES and word in TOPIC_PREPS:
        return []
    at_place = word in cue_set("place_preps")  # "at X", "into X" name where, "to X" whom
    return [e for p in prep.children if p.dep_ == "pobj" and not (at_place and _place_of(p, index))
            for e in np_entities(p, index)]


def _place_entities(verb: "Token", index: TextIndex) -> list[str]:
    """Named places an event happens in ("a curfew in Algiers"), as entities with a country."""
    out: list[str] = []
    preps = [c for c in verb.children if c.dep_ == "prep"]
    preps += [g for c in verb.children if c.dep_ in OBJECTS for g in c.children if g.dep_ == "prep"]
    for prep in preps:
        if prep.lower_ not in ("in", "into", "to", "at"):
            continue
        for pobj in (p for p in prep.children if p.dep_ == "pobj"):
            out += [e for e in np_entities(pobj, index)
                    if index.entity_type.get(e) in ("GPE", "LOC") and index.entity_country.get(e)]
    return out
