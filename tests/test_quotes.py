"""Quotes stage: direct, indirect and mixed quotes, speakers, cues, dates; robustness; dev floor."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SHARED, needs_shared
from eventdesk.entities import extract_entities
from eventdesk.model import Article, Span, TimeExpr
from eventdesk.quotes import extract_quotes, find_marked

PUBLISHED = "2020-10-09T12:00:00"


def run(nlp, text: str, times: list[TimeExpr] | None = None):
    """Quotes and entities of ``text`` (entities from the entities stage)."""
    article = Article(id="t", body=text, published=PUBLISHED)
    doc = nlp(text)
    entities = extract_entities(doc, None, article=article)
    return extract_quotes(doc, article=article, entities=entities, times=times or [])


def find(quotes, contains: str):
    hits = [q for q in quotes if contains in q.span.text]
    assert hits, f"no quote contains {contains!r}: {[q.span.text for q in quotes]}"
    return hits[0]


def speaker_name(entities, quote) -> str | None:
    return next((e.name for e in entities if e.id == quote.speaker), None)


# text, quote text contains, speaker entity name contains (None: no entity), speaker_text, kind, cue
CASES = [
    # direct, speaker before
    ('Smith said: "We will win the election in November."',
     "We will win the election", "Smith", "Smith", "direct", "said"),
    ('Jane Smith told reporters, "The plan has failed completely."',
     "The plan has failed", "Smith", "Jane Smith", "direct", "told"),
    # direct, speaker after
    ('"We will win the election," Smith said.', "We will win the election", "Smith", "Smith", "direct", "said"),
    ('"We will win the election," said John Smith.',
     "We will win the election", "John Smith", "John Smith", "direct", "said"),
    ("\u201cIt has begun,\u201d Russian Foreign Ministry spokeswoman Maria Zakharova said on Facebook.",
     "It has begun", "Maria Zakharova", "Maria Zakharova", "direct", "said"),
    # a pronoun resolved to the subject before it
    ('Ilham Aliyev addressed the nation on Friday. "We will return our lands in any case," he said.',
     "We will return our lands", "Aliyev", "he", "direct", "said"),
    # several sentences in one quote
    ('"We are giving Armenia a chance. This is their last chance," Aliyev said.',
     "This is their last chance", "Aliyev", "Aliyev", "direct", "said"),
    # a quote over two paragraphs: the first is left open, the second reopens the mark
    ('Smith said: "The first part of the statement goes on here.\n\n"The second part ends the statement."',
     "The second part ends the statement", "Smith", "Smith", "direct", "said"),
    # single curly marks, a nominal speaker that is no entity
    ("\u2018We will not retreat from the line,\u2019 the minister said.",
     "We will not retreat", None, "the minister", "direct", "said"),
    # a quote in a quote (straight and curly)
    ('"He told me \'never again\' and walked out," Smith said.', "never again", "Smith", "Smith", "direct", "said"),
    ("\u201cHe told me \u2018never again\u2019 and walked out,\u201d Smith said.",
     "never again", "Smith", "Smith", "direct", "said"),
    # a dash and a name after the quote
    ("\u201cWe want peace and nothing else.\u201d \u2015 Jane Doe\nMore text follows here.",
     "We want peace", "Jane", "Jane Doe", "direct", "\u2015"),
    # mixed: an indirect quote with a quoted fragment
    ('Azerbaijani President Ilham Aliyev said Baku was giving Armenia a "last chance" to resolve the conflict.',
     "last chance", "Ilham Aliyev", None, "mixed", "said"),
    # indirect quotes
    ("The Kremlin said that the talks would continue next week in Moscow.",
     "the talks would continue", "Kremlin", None, "indirect", "said"),
    ("The talks will continue next week in Moscow, the minister said.",
     "The talks will continue", None, "the minister", "indirect", "said"),
    ("According to officials, the ceasefire was broken overnight near the border.",
     "the ceasefire was broken", None, "officials", "indirect", "According to"),
    ("The ceasefire was broken overnight near the border, according to officials.",
     "The ceasefire was broken", None, "officials", "indirect", "according to"),
    ("John Smith told reporters that the plan had failed.", "the plan had failed", "Smith", None, "indirect", "told"),
    ("John Smith warned that the fighting could spread to other regions.",
     "the fighting could spread", "Smith", None, "indirect", "warned"),
    ("Acts of protest, John Smith said, are acts of patriotism in a democracy.",
     "acts of patriotism", "Smith", None, "indirect", "said"),
    ("John Smith urged both sides to stop the fighting at once.",
     "to stop the fighting", "Smith", None, "indirect", "urged"),
    ("Sources close to the talks said the two sides were close to a deal.",
     "the two sides were close", None, "Sources close to the talks", "indirect", "said"),
    # a predicate after "called", a statement noun, a colon, an inverted cue, a block quote
    ('Cruz called Trump a "pathological liar" on Tuesday.', "pathological liar", "Cruz", "Cruz", "mixed", "called"),
    ("John Smith's claim that the vote was rigged drew criticism.",
     "the vote was rigged", "John Smith", None, "indirect", "claim"),
    ('The piece used her words as its headline: "Finally someone who thinks like me."',
     "Finally someone", None, "The piece", "direct", ":"),
    ('Said Ellis: "I do not get the sense she is interested."', "I do not get the sense", "Ellis", "Ellis", "direct",
     "Said"),
    ("Limbaugh is a radio host. Limbaugh added:\n\nAnd from a supposed front-runner, this reeks of fear.",
     "this reeks of fear", "Limbaugh", "Limbaugh", "indirect", "added"),
]


@pytest.mark.parametrize("text,contains,speaker,speaker_text,kind,cue", CASES)
def test_quote_cases(nlp, text, contains, speaker, speaker_text, kind, cue):
    quotes, entities = run(nlp, text)
    quote = find(quotes, contains)
    name = speaker_name(entities, quote)
    if speaker is None:
        assert quote.speaker is None
    else:
        assert name is not None and speaker in name
    if speaker_text is not None:
        assert quote.speaker_span is not None and quote.speaker_span.text == speaker_text
    assert quote.kind == kind
    assert quote.cue is not None and quote.cue.text == cue


def test_pronoun_becomes_a_mention(nlp):
    text = 'Ilham Aliyev addressed the nation. "We will return our lands in any case," he said.'
    quotes, entities = run(nlp, text)
    quote = find(quotes, "We will return")
    he = Span(text.index(" he ") + 1, text.index(" he ") + 3, "he")
    speaker = next(e for e in entities if e.id == quote.speaker)
    assert he in speaker.mentions and quote.speaker_span == he


@pytest.mark.parametrize("text,speaker", [
    ('Maria Lopez spoke after Mr. Smith left the room. "We will win the vote," she said.', "Maria Lopez"),
    ('Mr. Smith met Maria Lopez in Paris. "We will win the vote," she said.', "Maria Lopez"),
    ('Ms. Lopez met John Smith in Paris. "We will win the vote," he said.', "John Smith"),
])
def test_pronoun_skips_the_other_gender(nlp, text, speaker):
    quotes, entities = run(nlp, text)
    assert speaker_name(entities, find(quotes, "We will win")) == speaker


def test_content_excludes_speaker_and_cue(nlp):
    quotes, _ = run(nlp, '"We will win the election," Smith said.')
    assert [q.span.text for q in quotes] == ["We will win the election"]


def test_ids_in_text_order(nlp):
    text = ('"We will win the election," Smith said. Jones said the vote would be close.\n\n'
            '"Nobody knows yet who will win," she added.')
    quotes, _ = run(nlp, text)
    assert [q.id for q in quotes] == [f"Q{n}" for n in range(1, len(quotes) + 1)]
    assert [q.span.start for q in quotes] == sorted(q.span.start for q in quotes)
    assert len(quotes) == 3


@pytest.mark.parametrize("text,time_text,value", [
    ("Aliyev said on Thursday that the talks had failed completely.", "Thursday", "2020-10-08"),
    ('"The talks have failed," Aliyev said Friday.', "Friday", "2020-10-09"),
    ('"The president calls for a halt to military actions," the Kremlin said in a statement released '
     "on Thursday.", "Thursday", "2020-10-08"),
])
def test_statement_date(nlp, text, time_text, value):
    start = text.index(time_text)
    times = [TimeExpr(Span(start, start + len(time_text), time_text), value, "date")]
    quotes, _ = run(nlp, text, times)
    assert len(quotes) == 1 and quotes[0].date == value


def test_date_inside_the_quote_is_not_the_statement_date(nlp):
    text = 'Aliyev said the talks would start on Thursday.'
    start = text.index("Thursday")
    times = [TimeExpr(Span(start, start + 8, "Thursday"), "2020-10-08", "date")]
    quotes, _ = run(nlp, text, times)
    assert quotes and quotes[0].date is None


@pytest.mark.parametrize("text,contains", [
    ('Smith said: "We will win the war in the end.\n\nThe talks went on all day.', "We will win the war"),
    ('"We will win the election," Smith said. "And then', "We will win the election"),
    ('He said "we will win the war and then left the room.', None),
    ('\u201dReversed marks here\u201c he said to them.', None),
    ('"""\'\'\u201c\u201d\u2018\u2019"', None),
    ('"', None),
    ("", None),
])
def test_unbalanced_marks(nlp, text, contains):
    quotes, _ = run(nlp, text)
    for q in quotes:
        assert q.span.text == text[q.span.start:q.span.end]
    if contains is not None:
        find(quotes, contains)


def test_titles_in_marks_are_not_quotes(nlp):
    quotes, _ = run(nlp, 'Pence spoke on CNN\'s "State of the Union" about the debate.')
    assert quotes == []


def test_transcript_turns(nlp):
    text = ("Chris Wallace interviewed Mike Pence on Sunday.\n\n"
            "WALLACE: Will the debate go ahead tomorrow night as planned?\n\n"
            "PENCE: Well, look, the debate will go ahead as planned.")
    quotes, entities = run(nlp, text)
    quote = find(quotes, "the debate will go ahead as planned")
    assert "Pence" in (speaker_name(entities, quote) or "")


@pytest.mark.parametrize("text,expected", [
    ('a "b c" d', [(2, 7)]),
    ("a \u201cb \u2018c\u2019 d\u201d e", [(2, 11)]),
    ('a "b c\n\n"d e" f', [(2, 13)]),
    ('a "b c\n\nd e', [(2, 6)]),
    ("don't 'quote' it", [(6, 13)]),
    ("''b c'' d", [(0, 7)]),
])
def test_find_marked(text, expected):
    assert [(m.start, m.end) for m in find_marked(text)] == expected


_PIECES = st.sampled_from(['"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "''", " ", "\n", "\n\n", ",", ".",
                           ":", " said ", " he ", "Smith", " we will win", " according to ", "\u2015 "])


@given(st.lists(_PIECES, max_size=40).map("".join))
@settings(max_examples=150, deadline=None)
def test_find_marked_never_raises(text):
    marked = find_marked(text)
    for m in marked:
        assert 0 <= m.start <= m.inner_start <= m.inner_end <= m.end <= len(text)
    assert all(a.end <= b.start for a, b in zip(marked, marked[1:]))


@given(st.lists(_PIECES, max_size=30).map("".join))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_extract_quotes_never_raises(nlp, text):
    quotes, entities = run(nlp, text)
    for q in quotes:
        for span in (q.span, q.speaker_span, q.cue):
            assert span is None or span.text == text[span.start:span.end]
    for entity in entities:
        for m in entity.mentions:
            assert m.where != "body" or m.text == text[m.start:m.end]


QUOTE_FLOORS = {"quote_f1": 0.88, "e2e_f1": 0.83, "speaker_acc": 0.91, "direct_r": 0.95}


@needs_shared
def test_polnear_dev_floor():
    cmd = [sys.executable, str(SHARED / "eval" / "score.py"), str(SHARED / "eval" / "data" / "quotes-polnear.jsonl"),
           "--run", f"{ROOT / '.venv' / 'bin' / 'eventdesk'} extract --jsonl {{in}}", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT, timeout=600)
    (result,) = [r for r in json.loads(out.stdout)["results"] if r["task"] == "quotes"]
    for metric, floor in QUOTE_FLOORS.items():
        assert result[metric] >= floor, f"{metric} {result[metric]:.3f} fell under {floor}"
