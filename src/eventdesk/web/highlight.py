"""An article's text with entities, places, times, quotes, event triggers and evidence
sentences marked up (displaCy-like), built only from escaped pieces.

Spans may overlap without nesting (a quote that starts inside one sentence and ends in the
next); the text is cut at every span boundary and each piece is wrapped in the spans that
cover it, outermost first, so the markup always nests. A span cut in pieces carries its
``id`` on the first piece only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

# outermost first: a sentence holds a quote, which holds names, which hold nothing
PRIORITY = {"evidence": 0, "quote": 1, "entity": 2, "place": 3, "time": 4, "trigger": 5}


@dataclass(frozen=True, slots=True)
class Mark:
    """One span to wrap: ``tag`` with ``classes``, a ``title`` tooltip, an optional ``id``
    and ``href`` (triggers link back to their event)."""

    start: int
    end: int
    kind: str
    classes: str
    title: str = ""
    id: str | None = None
    href: str | None = None
    order: int = field(default=0, compare=False)

    @property
    def tag(self) -> str:
        return "a" if self.href else "mark"

    def open(self, *, first: bool) -> str:
        attrs = [f'class="{escape(self.classes)}{"" if first else " cont"}"']
        if self.id and first:
            attrs.append(f'id="{escape(self.id)}"')
        if self.href:
            attrs.append(f'href="{escape(self.href)}"')
        if self.title:
            attrs.append(f'title="{escape(self.title)}"')
        return f"<{self.tag} {' '.join(attrs)}>"

    def close(self) -> str:
        return f"</{self.tag}>"

    def sort_key(self) -> tuple[int, int, int, int]:
        return (self.start, -self.end, PRIORITY[self.kind], self.order)


def _in(span: dict[str, Any], where: str) -> bool:
    return (span.get("in") or "body") == where


def marks_of(doc: dict[str, Any], *, where: str = "body") -> list[Mark]:
    """Every span of an eventdesk/1 object that lies in ``where`` (``body`` or ``title``)."""
    marks: list[Mark] = []
    for entity in doc.get("entities") or []:
        about = ", ".join(str(v) for v in (entity.get("type"), entity.get("country"),
                                           entity.get("role")) if v)
        for span in entity.get("mentions") or []:
            if _in(span, where):
                marks.append(Mark(span["start"], span["end"], "entity",
                                  f"ent ent-{entity.get('type') or 'X'}",
                                  f"{entity.get('name')} ({about}) {entity.get('id')}"))
    for place in doc.get("places") or []:
        for span in place.get("mentions") or []:
            if _in(span, where):
                marks.append(Mark(span["start"], span["end"], "place", "place",
                                  f"{place.get('name')}, {place.get('country') or '?'}"
                                  f" ({place.get('lat')}, {place.get('lon')}) {place.get('id')}"))
    for time in doc.get("times") or []:
        if _in(time, where):
            marks.append(Mark(time["start"], time["end"], "time", "time",
                              f"{time.get('kind')}: {time.get('value')}"))
    for quote in doc.get("quotes") or []:
        if _in(quote, where):
            marks.append(Mark(quote["start"], quote["end"], "quote", f"quote quote-{quote.get('kind')}",
                              f"{quote.get('kind')} quote {quote.get('id')}", id=f"quote-{quote['id']}"))
    marks += _event_marks(doc, where=where)
    return [replace_order(m, i) for i, m in enumerate(marks)]


def _event_marks(doc: dict[str, Any], *, where: str) -> list[Mark]:
    marks, triggers = [], []
    for event in doc.get("events") or []:
        sentence, trigger = event.get("sentence") or {}, event.get("trigger") or {}
        label = f"{event.get('id')} {event.get('type')}"
        if sentence.get("end") is not None and _in(sentence, where):
            marks.append(Mark(sentence["start"], sentence["end"], "evidence", "evidence",
                              f"evidence for {label}", id=f"evidence-{event['id']}"))
        if trigger.get("end") is not None and _in(trigger, where):
            triggers.append(Mark(trigger["start"], trigger["end"], "trigger",
                                 f"trigger t-{event.get('type')}", f"{label}: back to the event",
                                 id=f"trigger-{event['id']}", href=f"#event-{event['id']}"))
    return marks + _one_link_per_char(triggers)


def _one_link_per_char(triggers: list[Mark]) -> list[Mark]:
    """Links cannot nest: a trigger overlapping an earlier one joins its tooltip instead."""
    kept: list[Mark] = []
    for mark in sorted(triggers, key=lambda m: (m.start, -m.end)):
        if kept and mark.start < kept[-1].end:
            last = kept[-1]
            kept[-1] = Mark(last.start, last.end, last.kind, last.classes,
                            f"{last.title}; {mark.title}", last.id, last.href)
        else:
            kept.append(mark)
    return kept


def replace_order(mark: Mark, order: int) -> Mark:
    return Mark(mark.start, mark.end, mark.kind, mark.classes, mark.title, mark.id, mark.href,
                order)


def highlight(text: str, marks: list[Mark]) -> Markup:
    """``text`` as HTML with ``marks`` wrapped around their spans; everything is escaped."""
    marks = sorted((_trim(m, text) for m in marks if 0 <= m.start < m.end <= len(text)),
                   key=Mark.sort_key)
    marks = [m for m in marks if m.start < m.end]
    cuts = sorted({0, len(text), *(m.start for m in marks), *(m.end for m in marks)})
    out: list[str] = []
    stack: list[Mark] = []
    opened: set[int] = set()
    pending = iter(marks)
    upcoming = next(pending, None)
    active: list[Mark] = []
    for left, right in zip(cuts, cuts[1:]):
        active = [m for m in active if m.end > left]
        while upcoming is not None and upcoming.start <= left:
            active.append(upcoming)
            upcoming = next(pending, None)
        wanted = sorted(active, key=Mark.sort_key)
        keep = _common_prefix(stack, wanted)
        out += [m.close() for m in reversed(stack[keep:])]
        for mark in wanted[keep:]:
            out.append(mark.open(first=id(mark) not in opened))
            opened.add(id(mark))
        stack = wanted
        out.append(str(escape(text[left:right])))
    out += [m.close() for m in reversed(stack)]
    return Markup("".join(out))


def _trim(mark: Mark, text: str) -> Mark:
    """The mark without the spaces and line breaks at its ends (display only)."""
    start, end = mark.start, mark.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if (start, end) == (mark.start, mark.end):
        return mark
    return Mark(start, end, mark.kind, mark.classes, mark.title, mark.id, mark.href, mark.order)


def _common_prefix(a: list[Mark], b: list[Mark]) -> int:
    n = 0
    while n < len(a) and n < len(b) and a[n] is b[n]:
        n += 1
    return n
