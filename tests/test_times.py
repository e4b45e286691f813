"""Times stage: finding time expressions and resolving them against publication, as a reader would."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import SHARED, needs_shared
from eventdesk.model import Article, Span, TimeExpr
from eventdesk.times import extract_times, published_datetime, times_in

PUB = "2020-10-09T22:43:00"  # a Friday


def times_of(nlp, text: str, published: str | None = PUB) -> list[tuple[str, str | None, str]]:
    article = Article(id=None, body=text, published=published)
    found = extract_times(nlp(text), None, article=article)
    for t in found:
        assert text[t.span.start:t.span.end] == t.span.text
    return [(t.span.text, t.value, t.kind) for t in found]


WEEKDAYS = [
    # past-tense clause: the latest such day on or before publication
    ("Armenia and Azerbaijan on Friday began their first talks.", [("Friday", "2020-10-09", "date")]),
    ("The Kremlin said in a statement released on Thursday.", [("Thursday", "2020-10-08", "date")]),
    ("The ministers met in Moscow on Monday.", [("Monday", "2020-10-05", "date")]),
    ("Zakharova said Saturday that talks had failed.", [("Saturday", "2020-10-03", "date")]),
    # future-tense clause: the next such day (publication day itself counts)
    ("The ministers will meet in Geneva on Monday.", [("Monday", "2020-10-12", "date")]),
    ("Putin plans to visit Ankara on Wednesday.", [("Wednesday", "2020-10-14", "date")]),
    ("The summit is scheduled for Thursday.", [("Thursday", "2020-10-15", "date")]),
    ("He is meeting the envoy on Tuesday.", [("Tuesday", "2020-10-13", "date")]),
    ("Markets will stay closed until Tuesday.", [("Tuesday", "2020-10-13", "date")]),
    ("He said he would travel to Baku on Sunday.", [("Sunday", "2020-10-11", "date")]),
    # explicit relatives and parts of the day
    ("The ceasefire collapsed last Friday.", [("last Friday", "2020-10-02", "date")]),
    ("The envoys return next Friday.", [("next Friday", "2020-10-16", "date")]),
    ("Shelling resumed on Friday night.", [("Friday night", "2020-10-09TNI", "time")]),
    ("Black Monday wiped out savings.", []),
]


@pytest.mark.parametrize("text,expected", WEEKDAYS)
def test_weekdays_follow_the_tense_of_their_clause(nlp, text, expected):
    assert times_of(nlp, text) == expected


DATES = [
    ("Fighting broke out on September 27.", [("September 27", "2020-09-27", "date")]),
    ("Fighting broke out on Sept. 27.", [("Sept. 27", "2020-09-27", "date")]),
    ("Fighting broke out on 27 September.", [("27 September", "2020-09-27", "date")]),
    ("The vote was held on December 5.", [("December 5", "2019-12-05", "date")]),
    ("Elections will be held on November 3.", [("November 3", "2020-11-03", "date")]),
    ("Ministers met in Moscow, October 9, 2020.", [("October 9, 2020", "2020-10-09", "date")]),
    ("Updated 22:43, 09-Oct-2020", [("22:43", "2020-10-09T22:43", "time"),
                                    ("09-Oct-2020", "2020-10-09", "date")]),
    ("The report is dated 2020-09-30.", [("2020-09-30", "2020-09-30", "date")]),
    ("The vote took place in May.", [("May", "2020-05", "date")]),
    ("The deal was signed in November 2006.", [("November 2006", "2006-11", "date")]),
    ("The plant will close in early 2021.", [("early 2021", "2021", "date")]),
    ("The Minsk Group has led mediation since 1992.", [("1992", "1992", "date")]),
    ("The war ended in 1994 and talks began in 2008.", [("1994", "1994", "date"), ("2008", "2008", "date")]),
    ("Cars of the 1990s were boxy.", [("the 1990s", "199", "date")]),
    ("Profits rose in the third quarter.", [("the third quarter", "2020-Q3", "date")]),
    ("Profits rose in the first quarter of 2019.", [("the first quarter of 2019", "2019-Q1", "date")]),
    ("Sales fell this spring.", [("this spring", "2020-SP", "date")]),
]


@pytest.mark.parametrize("text,expected", DATES)
def test_dates_months_years(nlp, text, expected):
    assert times_of(nlp, text) == expected


RELATIVE = [
    ("Talks stalled last week.", [("last week", "2020-W40", "date")]),
    ("Talks resume next month.", [("next month", "2020-11", "date")]),
    ("Talks stalled last month.", [("last month", "2020-09", "date")]),
    ("Exports fell this year.", [("this year", "2020", "date")]),
    ("Exports fell last year.", [("last year", "2019", "date")]),
    ("The rebels attacked yesterday.", [("yesterday", "2020-10-08", "date")]),
    ("The rebels attacked today.", [("today", "2020-10-09", "date")]),
    ("The president speaks tonight.", [("tonight", "2020-10-09TNI", "time")]),
    ("Protests began earlier this month.", [("earlier this month", "2020-10", "date")]),
    ("Protests began two weeks ago.", [("two weeks ago", "2020-09-25", "date")]),
    ("The talks are now under way.", [("now", "PRESENT_REF", "ref")]),
    ("Tension has recently grown.", [("recently", "PAST_REF", "ref")]),
    ("Both sides are currently in Moscow.", [("currently", "PRESENT_REF", "ref")]),
    ("Talks may resume in the future.", [("the future", "FUTURE_REF", "ref")]),
]


@pytest.mark.parametrize("text,expected", RELATIVE)
def test_relative_expressions(nlp, text, expected):
    assert times_of(nlp, text) == expected


DURATIONS_SETS_CLOCKS = [
    ("Talks began after nearly two weeks of clashes.", [("nearly two weeks", "P2W", "duration")]),
    ("The siege lasted three years.", [("three years", "P3Y", "duration")]),
    ("The town was shelled for 10 days.", [("10 days", "P10D", "duration")]),
    ("Talks went on for five hours.", [("five hours", "PT5H", "duration")]),
    ("The project is two and a half years late.", [("two and a half years", "P2.5Y", "duration")]),
    ("After a 12-hour flight the plane landed.", [("12-hour", "PT12H", "duration")]),
    ("The dispute has lasted several years.", [("several years", "PXY", "duration")]),
    ("The festival is held every year.", [("every year", "P1Y", "set")]),
    ("The ministry publishes weekly figures.", [("weekly", "P1W", "set")]),
    ("They meet twice a week.", [("a week", "P1W", "set")]),
    ("The talks began at 10 a.m.", [("10 a.m.", "2020-10-09T10:00", "time")]),
    ("The blast came at 18:00 UTC on Thursday.", [("18:00 UTC on Thursday", "2020-10-08T18:00", "time")]),
    ("Video\n01:13\nThe talks began.", []),
]


@pytest.mark.parametrize("text,expected", DURATIONS_SETS_CLOCKS)
def test_durations_sets_clock_times(nlp, text, expected):
    assert times_of(nlp, text) == expected


NOT_TIMES = [
    "The rebels may attack the city.",
    "The 62-year-old president resigned.",
    "The president, aged 62, resigned.",
    "Jobs died at the age of 56.",
    "The army sent 1500 troops and 2,000 police.",
    "Barra, 51, will be the first woman to lead the company.",
    "The Russell 2000 Index fell.",
    "He is in his 70s.",
    "Protesters march on the capital.",
]


@pytest.mark.parametrize("text", NOT_TIMES)
def test_numbers_ages_and_verbs_are_not_times(nlp, text):
    assert times_of(nlp, text) == []


def test_without_publication_date_only_absolute_times_resolve(nlp):
    text = "Talks began on Friday; the war started on September 27, 2020 and ended in 1994."
    assert times_of(nlp, text, published=None) == [
        ("Friday", None, "date"), ("September 27, 2020", "2020-09-27", "date"), ("1994", "1994", "date")]


def test_same_day_and_clock_times_take_the_day_of_their_sentence(nlp):
    text = "The plane flew on Tuesday. It landed at 18:00 UTC on the same day."
    assert times_of(nlp, text, published="2009-12-16") == [
        ("Tuesday", "2009-12-15", "date"), ("18:00 UTC", "2009-12-15T18:00", "time"),
        ("the same day", "2009-12-15", "date")]


def test_title_times_index_the_title(nlp):
    article = Article(id=None, body="Talks began.", title="Markets to remain closed until Friday",
                      published="2008-09-18")
    found = extract_times(nlp(article.body), nlp(article.title), article=article)
    assert [(t.span.where, t.span.text, t.value) for t in found] == [("title", "Friday", "2008-09-19")]
    assert article.title[found[0].span.start:found[0].span.end] == "Friday"


def test_times_in_keeps_spans_inside_the_range():
    times = [TimeExpr(Span(0, 6, "Friday"), "2020-10-09", "date"),
             TimeExpr(Span(20, 28, "Thursday"), "2020-10-08", "date"),
             TimeExpr(Span(0, 6, "Friday", "title"), "2020-10-09", "date")]
    assert times_in(times, 0, 19) == [times[0]]
    assert times_in(times, 5, 30) == [times[1]]
    assert times_in(times, 0, 10, where="title") == [times[2]]


@pytest.mark.parametrize("published,expected", [
    ("2020-10-09T22:43:00", "2020-10-09T22:43:00"), ("2020-10-09", "2020-10-09T00:00:00"),
    ("2020-10-09T22:43:00Z", "2020-10-09T22:43:00"), ("03-02-2009", "2009-02-03T00:00:00"),
    (None, None), ("", None)])
def test_published_datetime(published, expected):
    value = published_datetime(published)
    assert (value.isoformat() if value else None) == expected


def test_every_rule_compiles_and_has_a_resolver():
    from eventdesk.times import _RESOLVERS, _compiled
    rules = _compiled()
    assert len(rules) > 20
    assert {name for name, _ in rules} <= set(_RESOLVERS)


SPEED_TEXTS = ["At 9 o'clock in the morning, three years ago", "TWO WEEKS FROM NOW", "twice a week",
               "3 times per day, once every year", "early-May 2009", "late March", "the 1990s and ’80s",
               "the Kelvin sign \u212a and long s \u017f", "Twenty-five days earlier", "MARCH", "May",
               "since the first quarter of 2009", "the last weekend", "ſeven dayſ"]


@pytest.mark.parametrize("words, text", [
    (["two", "twenty", "twelve", "ten"], "Twenty TWO ten twelve twentytwo tw"),
    (["early", "earlier", "the end of", "mid"], "EARLIER the  end\nof mid earl early"),
    (["kilo", "ski"], "\u212aILO \u017fKI kilo"),
])
def test_word_trie_matches_like_a_flat_alternation(words, text):
    import re

    from eventdesk.times import _alt
    flat = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))
    for case in (False, True):
        ours = re.compile(_alt(words, case=case), re.IGNORECASE)
        theirs = re.compile(f"(?-i:{flat})" if case else f"(?:{flat})", re.IGNORECASE)
        assert [m.span() for m in ours.finditer(text)] == [m.span() for m in theirs.finditer(text)]


@pytest.mark.parametrize("text", SPEED_TEXTS)
def test_speedups_keep_every_match(text):
    """The first-character lookaheads and the skip tables (time_pattern_needs.tsv) lose nothing."""
    import re

    from eventdesk.times import _compiled, _needs, _patterns, _pieces
    pieces = _pieces()
    plain = {name: re.compile(re.sub(r"\{([A-Z]+)\}", lambda m: pieces[m[1]], pattern), re.IGNORECASE)
             for name, pattern in _patterns()}
    for name, pattern in _compiled():
        found = [(m.span(), m.groupdict()) for m in pattern.finditer(text)]
        assert found == [(m.span(), m.groupdict()) for m in plain[name].finditer(text)], name
        if name in _needs():
            assert all(_needs()[name].search(m.group(0)) for m in pattern.finditer(text)), name
    assert set(_needs()) <= {name for name, _ in _compiled()}


PIECES = ["Friday", "on Thursday", "September 27", "since 1992", "last week", "two weeks ago", "May",
          "may", "at 22:43", "10 a.m.", "the 1990s", "62-year-old", "for 10 days", "every year", "now",
          "the same day", "Sept.", "2,000", "in", "the", "talks", "began", "will", "meet", ",", "."]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14),
       st.sampled_from([PUB, "2009-02-28", None]))
def test_spans_always_point_at_their_text(nlp, pieces, published):
    text = " ".join(pieces)
    found = extract_times(nlp(text), None, article=Article(id=None, body=text, published=published))
    ends = [(t.span.start, t.span.end) for t in found]
    assert ends == sorted(ends) and all(a[1] <= b[0] for a, b in zip(ends, ends[1:]))
    for t in found:
        assert 0 <= t.span.start < t.span.end <= len(text) and text[t.span.start:t.span.end] == t.span.text
        assert t.kind in {"date", "time", "interval", "duration", "set", "ref"}


PRED_SCRIPT = """
import json, sys
from eventdesk.nlp import load_nlp
from eventdesk.parse import parse_article, to_input
from eventdesk.serialize import time_to_json
from eventdesk.times import extract_times
nlp = load_nlp()
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as out:
    for line in src:
        article = parse_article(to_input(json.loads(line)["input"]))
        title_doc = nlp(article.title) if article.title else None
        times = extract_times(nlp(article.body), title_doc, article=article)
        out.write(json.dumps({"schema": "eventdesk/1", "article": {"id": article.id, "body": article.body},
                              "times": [time_to_json(t) for t in times]}) + "\\n")
"""


@needs_shared
def test_meantime_dev_floor(tmp_path):
    """Times only (parse -> nlp -> times), scored by score.py on the MEANTIME dev set."""
    gold = SHARED / "eval" / "data" / "times-meantime.jsonl"
    pred = tmp_path / "pred.jsonl"
    subprocess.run([sys.executable, "-c", PRED_SCRIPT, str(gold), str(pred)], check=True, timeout=300)
    proc = subprocess.run([sys.executable, str(SHARED / "eval" / "score.py"), str(gold), "--pred", str(pred),
                           "--json"], capture_output=True, text=True, timeout=300, check=True)
    report = json.loads(proc.stdout)
    print(json.dumps(report)[:2000])
    metrics = _times_metrics(report)
    assert metrics["span_f1"] >= 0.89
    assert metrics["value_f1"] >= 0.78


def _times_metrics(report: object) -> dict[str, float]:
    """Find the dict holding span_f1/value_f1 for the meantime dev set in score.py's JSON."""
    if isinstance(report, dict):
        if "span_f1" in report and "value_f1" in report:
            return report
        for value in report.values():
            found = _times_metrics(value)
            if found:
                return found
    if isinstance(report, list):
        for value in report:
            found = _times_metrics(value)
            if found:
                return found
    return {}
