"""Cross-article deduplication: one real event reported by many articles is one dedup event
with honest NumMentions / NumArticles / NumSources; raw events stay queryable."""
from __future__ import annotations

import datetime as dt

import pytest

from eventdesk.dedup import Report, same_event
from eventdesk.store import Filters, Store
from test_store import make_extraction

D = dt.date(2020, 10, 9)


def report(**changes) -> Report:
    base = dict(type="ASSAULT", negated=False, hypothetical=False, day=D,
                actor_countries=frozenset({"AZE"}), recipient_countries=frozenset({"ARM"}),
                location="Stepanakert", country="AZE", geonameid=174875, feature="city")
    return Report(**{**base, **changes})


@pytest.mark.parametrize("other, same", [
    (report(), True),
    (report(day=D + dt.timedelta(days=1)), True),
    (report(day=D + dt.timedelta(days=2)), False),
    (report(day=None), False),
    (report(type="COERCE"), False),
    (report(negated=True), False),
    (report(hypothetical=True), False),
    (report(actor_countries=frozenset({"AZE", "TUR"})), True),
    (report(actor_countries=frozenset({"RUS"})), False),
    (report(recipient_countries=frozenset()), True),        # one report names no target
    (report(recipient_countries=frozenset({"GEO"})), False),
    (report(actor_countries=frozenset(), recipient_countries=frozenset()), False),
    (report(location=None, country=None, geonameid=None, feature=None), True),  # no place
    (report(location="Azerbaijan", geonameid=587116, feature="country"), True),  # its country
    (report(location="stepanakert", geonameid=None), True),  # same name, no gazetteer id
    (report(location="Ganja", geonameid=587057), False),
    (report(location="Armenia", country="ARM", geonameid=174982, feature="country"), False),
])
def test_same_event_rules(other, same):
    assert same_event(report(), other, window_days=1) is same
    assert same_event(other, report(), window_days=1) is same


def test_window_is_configurable():
    later = report(day=D + dt.timedelta(days=3))
    assert not same_event(report(), later, window_days=1)
    assert same_event(report(), later, window_days=3)


THREE_REPORTS = [
    ("reuters-1", "Reuters", "Azerbaijani forces shelled Stepanakert on Friday, Armenia said. "
     "The shelling hit homes.", "shelled", [("Azerbaijani forces", "AZE")], [("Armenia", "ARM")],
     "2020-10-09", ["shelling"]),
    ("ap-1", "AP", "Stepanakert came under artillery fire from Azerbaijan overnight.",
     "artillery fire", [("Azerbaijan", "AZE")], [], "2020-10-10", []),
    ("reuters-2", "Reuters", "Armenian officials said Baku bombarded Stepanakert, the capital "
     "of Nagorno-Karabakh.", "bombarded", [("Baku", "AZE")], [("Armenian officials", "ARM")],
     "2020-10-09", []),
]


def three_articles() -> list:
    out = []
    for article_id, source, body, trigger, actors, recipients, date, mentions in THREE_REPORTS:
        out.append(make_extraction(article_id, body, source=source, events=[{
            "type": "ASSAULT", "trigger": trigger, "actors": actors, "recipients": recipients,
            "date": date, "place": ("Stepanakert", "AZE", 174875, "city"),
            "mentions": mentions}]))
    return out


def other_event():
    body = "Azerbaijani forces shelled Stepanakert again, Armenia said."
    return make_extraction("afp-9", body, source="AFP", events=[{
        "type": "ASSAULT", "trigger": "shelled", "actors": [("Azerbaijani forces", "AZE")],
        "recipients": [("Armenia", "ARM")], "date": "2020-10-20",
        "place": ("Stepanakert", "AZE", 174875, "city")}])


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "d.db") as s:
        for result in [*three_articles(), other_event()]:
            s.add(result)
        yield s


def test_three_differently_worded_articles_make_one_event(store):
    groups = store.dedup_events().rows
    assert len(groups) == 2
    first = groups[0]
    assert (first["num_articles"], first["num_sources"], first["num_mentions"]) == (3, 2, 4)
    assert (first["date_first"], first["date_last"]) == ("2020-10-09", "2020-10-10")
    assert (first["actor_countries"], first["recipient_countries"]) == ("AZE", "ARM")
    assert first["sources"] == '["ap", "reuters"]'
    assert (groups[1]["num_articles"], groups[1]["date_first"]) == (1, "2020-10-20")


def test_raw_events_stay_queryable_with_their_group(store):
    rows = store.events().rows
    assert len(rows) == 4
    assert {r["dedup_id"] for r in rows[:3]} == {store.dedup_events().rows[0]["dedup_id"]}
    assert [r["num_articles"] for r in rows] == [3, 3, 3, 1]
    assert [r["trigger"] for r in rows[:3]] == ["shelled", "artillery fire", "bombarded"]


def test_reingesting_does_not_inflate_counts(store):
    before = store.dedup_events().rows
    for result in three_articles():
        assert store.add(result) == "unchanged"
    assert store.dedup_events().rows == before


def test_replacing_an_article_recounts_its_group(store):
    store.add(make_extraction("ap-1", "Nothing happened in Stepanakert today."), text_hash="new")
    first = store.dedup_events().rows[0]
    assert (first["num_articles"], first["num_sources"], first["num_mentions"]) == (2, 1, 3)
    assert first["date_last"] == "2020-10-09"


def test_deleting_every_member_deletes_the_group(store):
    store.delete("afp-9")
    assert len(store.dedup_events().rows) == 1


def test_one_article_never_counts_twice_in_a_group(tmp_path):
    body = "Azerbaijan shelled Stepanakert. Azerbaijan also shelled Stepanakert later."
    result = make_extraction("one", body, events=[
        {"type": "ASSAULT", "trigger": "shelled", "actors": [("Azerbaijan", "AZE")],
         "date": "2020-10-09"},
        {"type": "ASSAULT", "trigger": "also", "actors": [("Azerbaijan", "AZE")],
         "date": "2020-10-09"}])
    with Store(tmp_path / "o.db") as store:
        store.add(result)
        assert [r["num_articles"] for r in store.dedup_events().rows] == [1, 1]


def test_rebuild_with_a_narrower_window_splits_groups(store):
    assert store.rebuild_dedup(window_days=0) == 3  # 2020-10-10 no longer joins 2020-10-09
    assert store.window_days == 0
    counts = sorted(r["num_articles"] for r in store.dedup_events().rows)
    assert counts == [1, 1, 2]
    assert store.rebuild_dedup(window_days=1) == 2
    assert store.dedup_events(Filters(type="ASSAULT", since="2020-10-10",
                                      until="2020-10-10")).rows[0]["num_articles"] == 3


def _country_rows(store):
    return sorted(tuple(r) for r in store.conn.execute(
        "SELECT dedup_key, role, country FROM dedup_countries"))


def _expected_country_rows(store):
    return sorted((r["key"], role, code) for r in store.conn.execute("SELECT * FROM dedup_events")
                  for role in ("actor", "recipient") for code in r[f"{role}_countries"].split())


def test_dedup_countries_follow_their_groups(store):
    assert _country_rows(store) == _expected_country_rows(store) != []
    store.add(make_extraction("ap-1", "Nothing happened in Stepanakert today."), text_hash="new")
    store.delete("afp-9")
    assert _country_rows(store) == _expected_country_rows(store)
    store.rebuild_dedup(window_days=0)
    assert _country_rows(store) == _expected_country_rows(store)


@pytest.mark.parametrize("filters, expected", [
    (Filters(actor_country="AZE"), [3, 1]),
    (Filters(actor_country="aze", recipient_country="ARM"), [3, 1]),
    (Filters(recipient_country="AZE"), []),
    (Filters(actor_country="ARM"), []),
])
def test_dedup_country_filters(store, filters, expected):
    assert [r["num_articles"] for r in store.dedup_events(filters).rows] == expected
