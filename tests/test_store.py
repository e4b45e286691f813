"""The SQLite store: idempotent upserts, atomic replacement, every contract field, filters,
pagination, migrations, and refusing files that are not eventdesk stores."""
from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from eventdesk.errors import StorageError
from eventdesk.model import Article, Count, Entity, Event, Extraction, Place, Quote, Span, TimeExpr
from eventdesk.store import Filters, Store, fts_query, select_sql

# --- hand-built extractions (shared with test_dedup and test_export) ----------------------


def span(body: str, text: str, *, nth: int = 0) -> Span:
    """The span of the ``nth`` occurrence of ``text`` in ``body``."""
    start = -1
    for _ in range(nth + 1):
        start = body.index(text, start + 1)
    return Span(start, start + len(text), text)


def make_extraction(article_id: str | None, body: str, *, events: list[dict] = (),
                    published: str = "2020-10-09T10:00:00", source: str | None = "Wire",
                    url: str | None = None, title: str | None = "A headline") -> Extraction:
    """An Extraction whose events are given compactly:
    ``{"type": "ASSAULT", "trigger": "shelled", "actors": [("Azerbaijan", "AZE")],
    "recipients": [...], "date": "2020-10-09", "place": ("Ganja", "AZE", 587057, "city"),
    "dead": 3, "mentions": ["attack"]}``; every name must occur in ``body``."""
    article = Article(id=article_id, body=body, title=title, source=source, url=url,
                      published=published, language="en")
    entities: dict[tuple[str, str | None], Entity] = {}
    places: dict[str, Place] = {}
    built = []
    for number, spec in enumerate(events, 1):
        roles = {}
        for role in ("actors", "recipients", "mediators"):
            ids = []
            for name, country in spec.get(role, []):
                if (name, country) not in entities:
                    entities[(name, country)] = Entity(
                        id=f"E{len(entities) + 1}", name=name, type="GPE", country=country,
                        sector="GOV", mentions=(span(body, name),))
                ids.append(entities[(name, country)].id)
            roles[role] = tuple(ids)
        place_id = None
        if spec.get("place"):
            name, country, geonameid, feature = spec["place"]
            if name not in places:
                places[name] = Place(id=f"P{len(places) + 1}", name=name, country=country,
                                     lat=40.68, lon=46.36, geonameid=geonameid, feature=feature,
                                     mentions=(span(body, name),))
            place_id = places[name].id
        trigger = span(body, spec["trigger"])
        built.append(Event(
            id=f"V{number}", type=spec["type"], trigger=trigger,
            sentence=Span(0, len(body.split(". ")[0]), body.split(". ")[0]),
            mode=spec.get("mode"), contexts=tuple(spec.get("contexts", ())),
            cameo=spec.get("cameo"), quad=spec.get("quad", "material conflict"),
            date=spec.get("date"), date_source="clause", place=place_id,
            counts={"dead": Count(spec["dead"], "at least")} if "dead" in spec else {},
            negated=spec.get("negated", False), confidence=0.75,
            mentions=tuple(span(body, m) for m in spec.get("mentions", ())), **roles))
    return Extraction(article=article, entities=tuple(entities.values()),
                      places=tuple(places.values()), events=tuple(built))


BODY = ("Azerbaijan shelled Ganja on Friday, killing at least three civilians. "
        "Armenia said the attack broke the truce. \"We will respond,\" Pashinyan said.")


def rich_extraction(article_id: str = "art-1", body: str = BODY) -> Extraction:
    """One article with every kind of record: entities, a quote, a time, a place, an event."""
    base = make_extraction(article_id, body, events=[{
        "type": "ASSAULT", "trigger": "shelled", "actors": [("Azerbaijan", "AZE")],
        "recipients": [("Armenia", "ARM")], "date": "2020-10-09", "dead": 3,
        "place": ("Ganja", "AZE", 587057, "city"), "mentions": ["attack"], "cameo": "19",
        "contexts": ["military"], "mode": "explosion"}])
    speaker = Entity(id="E9", name="Nikol Pashinyan", type="PERSON", country="ARM",
                     role="Prime Minister", mentions=(span(body, "Pashinyan"),))
    quote = Quote(id="Q1", kind="direct", span=span(body, "We will respond"), speaker="E9",
                  speaker_span=span(body, "Pashinyan"), cue=span(body, "said", nth=1),
                  date="2020-10-09")
    time = TimeExpr(span=span(body, "Friday"), value="2020-10-09", kind="date")
    return replace(base, entities=base.entities + (speaker,), quotes=(quote,), times=(time,))


@pytest.fixture()
def store(tmp_path: Path):
    with Store(tmp_path / "events.db") as s:
        yield s


# --- idempotency and replacement --------------------------------------------------------


def test_adding_the_same_extraction_twice_adds_nothing(store):
    result = rich_extraction()
    assert store.add(result) == "stored"
    counts = store.counts()
    assert store.add(result) == "unchanged"
    assert store.counts() == counts
    assert counts["articles"] == 1 and counts["events"] == 1 and counts["quotes"] == 1
    assert counts["event_mentions"] == 2  # the trigger and one further telling


def test_changed_text_replaces_the_old_rows_atomically(store):
    store.add(rich_extraction(), text_hash="h1")
    new_body = BODY.replace("Ganja", "Tartar")
    new = make_extraction("art-1", new_body, events=[{
        "type": "ASSAULT", "trigger": "shelled", "actors": [("Azerbaijan", "AZE")],
        "date": "2020-10-09", "place": ("Tartar", "AZE", 1, "city")}])
    assert store.add(new, text_hash="h2") == "replaced"
    counts = store.counts()
    assert (counts["articles"], counts["events"], counts["quotes"], counts["places"]) == (1, 1, 0, 1)
    assert [r["location"] for r in store.events().rows] == ["Tartar"]
    assert store.articles(Filters(search="Tartar")).rows
    assert not store.articles(Filters(search="Ganja")).rows
    assert counts["dedup_events"] == 1


def test_stored_extraction_reads_back_as_the_same_eventdesk_object(store):
    result = rich_extraction()
    store.add(result)
    assert store.extraction("art-1") == result.to_json()


@pytest.mark.parametrize("article_id, url, expected", [
    ("a1", "https://x.org/1", "a1"),
    (None, "https://x.org/1", "https://x.org/1"),
    (None, None, "sha256:"),
])
def test_identity_is_id_then_url_then_text_hash(store, article_id, url, expected):
    store.add(make_extraction(article_id, "Some text about Azerbaijan.", url=url))
    assert store.articles().rows[0]["article_id"].startswith(expected)


# --- every field of the contract --------------------------------------------------------


def test_event_is_stored_flat_with_roles_place_and_counts(store):
    store.add(rich_extraction())
    (row,) = store.events().rows
    expected = {"event_type": "ASSAULT", "actor1": "Azerbaijan", "actor1_country": "AZE",
                "actor2": "Armenia", "actor2_country": "ARM", "location": "Ganja",
                "country": "AZE", "geonameid": 587057, "fatalities": 3,
                "fatalities_qualifier": "at least", "quad_class": 4, "cameo": "19",
                "trigger": "shelled", "n_mentions": 2, "num_mentions": 2, "num_articles": 1,
                "num_sources": 1, "event_date": "2020-10-09", "year": 2020, "contexts": "military",
                "negated": 0, "article_id": "art-1", "source": "Wire"}
    assert {k: row[k] for k in expected} == expected
    roles = store.conn.execute("SELECT role, name, country FROM event_roles ORDER BY role").fetchall()
    assert [tuple(r) for r in roles] == [("actor", "Azerbaijan", "AZE"), ("recipient", "Armenia", "ARM")]


def test_quote_times_places_and_mentions_are_stored(store):
    store.add(rich_extraction())
    (quote,) = store.quotes().rows
    assert (quote["speaker_name"], quote["speaker_country"], quote["cue"], quote["text"]) == \
        ("Nikol Pashinyan", "ARM", "said", "We will respond")
    assert store.conn.execute("SELECT value FROM times").fetchone()[0] == "2020-10-09"
    assert store.conn.execute("SELECT name, lat FROM places").fetchone()[:] == ("Ganja", 40.68)
    kinds = store.conn.execute("SELECT kind, count(*) FROM mentions GROUP BY kind").fetchall()
    assert dict(kinds) == {"entity": 3, "place": 1}


def test_unknown_future_fields_are_kept(store):
    doc = rich_extraction().to_json()
    doc["article"]["paywall"] = True
    doc["events"][0]["severity"] = 7
    store.add(doc)
    back = store.extraction("art-1")
    assert back["article"]["paywall"] is True and back["events"][0]["severity"] == 7


# --- queries ----------------------------------------------------------------------------

EVENTS = [
    ("e1", "Azerbaijan shelled Ganja, Armenia said.", "ASSAULT", "2020-10-04", [("Azerbaijan", "AZE")],
     [("Armenia", "ARM")], ("Ganja", "AZE", 1, "city")),
    ("e2", "Russia hosted talks in Moscow.", "CONSULT", "2020-10-09", [("Russia", "RUS")],
     [], ("Moscow", "RUS", 2, "city")),
    ("e3", "Armenia accused Turkey of sending fighters.", "ACCUSE", "2020-10-12",
     [("Armenia", "ARM")], [("Turkey", "TUR")], None),
]


@pytest.fixture()
def filled(store):
    for article_id, body, type_, date, actors, recipients, place in EVENTS:
        trigger = body.split()[1]
        store.add(make_extraction(article_id, body, published=date + "T08:00:00", events=[{
            "type": type_, "trigger": trigger, "actors": actors, "recipients": recipients,
            "date": date, "place": place}]))
    return store


@pytest.mark.parametrize("filters, expected", [
    (Filters(), ["e1", "e2", "e3"]),
    (Filters(type="ASSAULT"), ["e1"]),
    (Filters(type="assault,consult"), ["e1", "e2"]),
    (Filters(since="2020-10-05"), ["e2", "e3"]),
    (Filters(until="2020-10-09"), ["e1", "e2"]),
    (Filters(since="2020-10-05", until="2020-10-10"), ["e2"]),
    (Filters(actor_country="ARM"), ["e3"]),
    (Filters(recipient_country="arm"), ["e1"]),
    (Filters(entity="turkey"), ["e3"]),
    (Filters(entity="Rus%"), ["e2"]),
    (Filters(place="Moscow"), ["e2"]),
    (Filters(place="AZE"), ["e1"]),
    (Filters(search="fighters"), ["e3"]),
    (Filters(search="talks Moscow"), ["e2"]),
    (Filters(article="e2"), ["e2"]),
    (Filters(search="' OR 1=1 --"), []),
    (Filters(entity="x' OR '1'='1"), []),
    (Filters(search='"unbalanced AND ('), []),
])
def test_event_filters(filled, filters, expected):
    assert [r["article_id"] for r in filled.events(filters).rows] == expected


def test_dedup_events_filters(filled):
    assert [r["event_type"] for r in filled.dedup_events(Filters(actor_country="RUS")).rows] == ["CONSULT"]
    assert [r["event_type"] for r in filled.dedup_events(Filters(entity="Armenia")).rows] == \
        ["ASSAULT", "ACCUSE"]


def test_cursor_pagination_visits_every_row_once(filled):
    seen, cursor = [], None
    while True:
        page = filled.events(Filters(limit=2, cursor=cursor))
        seen += [r["article_id"] for r in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ["e1", "e2", "e3"]


def test_articles_entities_and_quotes_filters(filled):
    assert [r["article_id"] for r in filled.articles(Filters(entity="Russia")).rows] == ["e2"]
    assert [r["article_id"] for r in filled.articles(Filters(place="Ganja")).rows] == ["e1"]
    assert {r["name"] for r in filled.entities(Filters(actor_country="TUR")).rows} == {"Turkey"}
    assert filled.quotes(Filters(search="anything")).rows == []


@pytest.mark.parametrize("words, query", [
    ("ceasefire", '"ceasefire"'),
    ('say "no" now', '"say" """no""" "now"'),
    ("NEAR(a b) OR c*", '"NEAR(a" "b)" "OR" "c*"'),
])
def test_fts_query_exposes_no_syntax(words, query):
    assert fts_query(words) == query


# --- opening: migrations, foreign and corrupt files -------------------------------------


def test_migrations_are_recorded_and_applied_once(tmp_path):
    path = tmp_path / "s.db"
    Store(path).close()
    with Store(path) as store:
        rows = store.conn.execute("SELECT version, name FROM schema_migrations").fetchall()
        assert [tuple(r) for r in rows] == [(1, "initial"), (2, "event_country_index"),
                                           (3, "dedup_countries")]
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'now')")
    with pytest.raises(StorageError) as error:
        Store(path)
    assert error.value.reason == "schema_too_new"


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Ada')")
    conn.commit()
    conn.close()


def _corrupt_store(path: Path) -> None:
    with Store(path) as store:
        store.add(rich_extraction())
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[100:len(data)] = b"\xde\xad\xbe\xef" * ((len(data) - 100) // 4) + b"\0" * ((len(data) - 100) % 4)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("make, reason", [
    (lambda p: p.write_bytes(b"this is a text file, not a database\n" * 50), "not_a_store"),
    (lambda p: p.write_bytes(bytes(range(256)) * 20), "not_a_store"),
    (_foreign_sqlite, "foreign_db"),
    (_corrupt_store, "corrupt_db"),
])
def test_foreign_or_corrupt_files_are_refused_and_left_untouched(tmp_path, make, reason):
    path = tmp_path / "events.db"
    make(path)
    before = path.read_bytes()
    with pytest.raises(StorageError) as error:
        Store(path)
    assert error.value.reason == reason
    assert "left untouched" in error.value.message
    assert path.read_bytes() == before


def test_readonly_store_refuses_writes_and_missing_files(tmp_path):
    path = tmp_path / "s.db"
    with pytest.raises(StorageError) as missing:
        Store(path, readonly=True)
    assert missing.value.reason == "no_store"
    Store(path).close()
    with Store(path, readonly=True) as store:
        with pytest.raises(StorageError) as error:
            store.add(rich_extraction())
        assert error.value.reason == "readonly"


def test_delete_removes_every_derived_row(store):
    store.add(rich_extraction())
    assert store.delete("art-1")
    counts = store.counts()
    assert sum(v for k, v in counts.items() if k != "runs") == 0
    assert store.conn.execute("SELECT count(*) FROM quotes_fts WHERE quotes_fts MATCH 'respond'"
                              ).fetchone()[0] == 0


def test_a_store_before_migration_3_still_filters_dedup_events_read_only(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.add(make_extraction("e1", "Azerbaijan shelled Stepanakert.", events=[
            {"type": "ASSAULT", "trigger": "shelled", "actors": [("Azerbaijan", "AZE")],
             "date": "2020-10-09"}]))
        store.conn.executescript("DROP TABLE dedup_countries;"
                                 " DELETE FROM schema_migrations WHERE version = 3;")
    with Store(path, readonly=True) as store:
        assert not store.dedup_links
        assert len(store.dedup_events(Filters(actor_country="AZE")).rows) == 1
        assert store.dedup_events(Filters(actor_country="ARM")).rows == []


@pytest.mark.parametrize("table", ["events", "entities"])
@pytest.mark.parametrize("filters", [
    Filters(search="Stepanakert"), Filters(search="talks", type="CONSULT"),
    Filters(search="fighters", limit=1), Filters(search="the", since="2020-10-05"),
    Filters(search="the", type="assault,consult", cursor=1),
])
def test_both_search_plans_give_the_same_rows(filled, table, filters):
    """Walking keys (a word in most articles) and collecting matches (a rare word) agree."""
    pages = [filled.conn.execute(*select_sql(table, filters, broad_search=broad)).fetchall()
             for broad in (False, True)]
    assert [dict(r) for r in pages[0]] == [dict(r) for r in pages[1]]


def test_broad_search_is_chosen_by_how_many_articles_match(tmp_path):
    with Store(tmp_path / "b.db") as store:
        for i in range(300):
            store.add(make_extraction(f"a{i}", f"Troops shelled town {i}.", events=[
                {"type": "ASSAULT", "trigger": "shelled", "date": "2020-10-09"}]))
        store.add(make_extraction("rare", "A ceasefire was agreed."))
        assert store.broad_search("events", Filters(search="troops", limit=10))
        assert not store.broad_search("events", Filters(search="ceasefire", limit=10))
        assert not store.broad_search("events", Filters(type="ASSAULT"))


@pytest.mark.parametrize("table", ["events", "dedup_events", "quotes", "entities", "articles"])
@pytest.mark.parametrize("filters", [Filters(), Filters(limit=1), Filters(search="talks"),
                                     Filters(actor_country="RUS")])
def test_json_pages_hold_the_same_rows_as_plain_pages(filled, table, filters):
    """query_json (SQLite builds each row's JSON) agrees with query, value for value,
    except that flags come out as JSON booleans."""
    import json as _json
    plain, encoded = filled.query(table, filters), filled.query_json(table, filters)
    assert encoded.next_cursor == plain.next_cursor
    decoded = [_json.loads(r) for r in encoded.rows]
    assert [list(r) for r in decoded] == [list(r) for r in plain.rows]
    for got, want in zip(decoded, plain.rows):
        for name, value in want.items():
            if isinstance(got[name], bool):
                assert got[name] == bool(value), name
            elif isinstance(value, float):
                assert got[name] == pytest.approx(value), name
            else:
                assert got[name] == value, name
