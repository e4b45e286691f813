"""Within-article merging: the same event told in the headline, the lead and the body is one
event with several mention spans.

Two tellings are one event when they have the same type, negation and hypothetical status,
and nothing tells them apart: their actors overlap (by entity or country) or one names none,
their places and modes agree where both have one, and their dates agree where both come from
the text itself.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .event_lexicon import load_lexicon
from .model import Count, Entity, Event, Span

if TYPE_CHECKING:
    from .events import Candidate

DATE_RANK = {"clause": 0, "quote": 1, "published": 2, None: 3}


@dataclass
class Group:
    """Tellings of one event, the first being the one the event is reported from."""

    tellings: list["Candidate"] = field(default_factory=list)


def merge_candidates(candidates: list["Candidate"], *, entities: list[Entity]) -> list[Event]:
    """One Event per group of tellings, numbered V1, V2, ... in order of the text."""
    country = {e.id: e.country for e in entities}
    ordered = sorted(candidates, key=lambda c: (c.where != "body", c.trigger.start))
    groups: list[Group] = []
    for cand in ordered:
        group = next((g for g in groups if all(_compatible(t, cand, country) for t in g.tellings)), None)
        if group is None:
            groups.append(Group([cand]))
        else:
            group.tellings.append(cand)
    return [_event(f"V{n}", g) for n, g in enumerate(groups, start=1)]


def _compatible(a: "Candidate", b: "Candidate", country: dict[str, str | None]) -> bool:
    if (a.type, a.negated, a.hypothetical) != (b.type, b.negated, b.hypothetical):
        return False
    if a.where == b.where and a.sentence == b.sentence and a.trigger == b.trigger:
        return False
    if a.args.actors and b.args.actors and not _overlap(a.args.actors, b.args.actors, country):
        return False
    if a.args.place and b.args.place and a.args.place != b.args.place:
        return False
    if a.date_source in ("clause", "quote") and b.date_source in ("clause", "quote") and a.date != b.date:
        return False
    loose = {None, "third-party", "multilateral"}
    return not (a.mode and b.mode and a.mode != b.mode and not {a.mode, b.mode} <= loose)


def _overlap(a: list[str], b: list[str], country: dict[str, str | None]) -> bool:
    if set(a) & set(b):
        return True
    ca = {country.get(x) for x in a} - {None}
    cb = {country.get(x) for x in b} - {None}
    return bool(ca & cb)


def _union(lists: list[list[str]], *, minus: list[str] = ()) -> tuple[str, ...]:  # type: ignore[assignment]
    out: list[str] = []
    for ids in lists:
        out += [i for i in ids if i not in out and i not in minus]
    return tuple(out)


def _primary(group: Group) -> "Candidate":
    body = [t for t in group.tellings if t.where == "body"]
    reporter = [t for t in body if t.quote is None]
    return (reporter or body or group.tellings)[0]


def _event(event_id: str, group: Group) -> Event:
    main = _primary(group)
    tellings = group.tellings
    actors = _union([t.args.actors for t in tellings])
    dated = min(tellings, key=lambda t: DATE_RANK.get(t.date_source, 3))
    counts: dict[str, Count] = {}
    for t in tellings:
        for name, count in t.counts.items():
            counts.setdefault(name, count)
    others = [t.trigger for t in tellings if t is not main]
    mode = main.mode or next((t.mode for t in tellings if t.mode), None)
    if any(t.mode == "third-party" for t in tellings) and main.type == "CONSULT":
        mode = "third-party"
    bonus = 0.05 * (len(tellings) - 1)
    return Event(
        id=event_id, type=main.type, trigger=main.trigger, sentence=main.sentence, mode=mode,
        contexts=_union([list(t.contexts) for t in tellings]), cameo=main.cameo,
        quad=load_lexicon().types[main.type].quad, actors=actors,
        recipients=_union([t.args.recipients for t in tellings], minus=list(actors)),
        mediators=_union([t.args.mediators for t in tellings], minus=list(actors)),
        date=dated.date, date_source=dated.date_source,
        place=next((t.args.place for t in tellings if t.args.place), None), counts=counts,
        negated=main.negated, hypothetical=main.hypothetical, quote=main.quote,
        confidence=min(0.95, max(t.confidence for t in tellings) + bonus),
        mentions=tuple(sorted(others, key=_mention_order)))


def _mention_order(span: Span) -> tuple[bool, int]:
    return (span.where != "title", span.start)
