"""A 1M-event synthetic store: filtered query latency and a full Parquet export.

    .venv/bin/python bench/bench_store.py [--events 1000000] [--db /tmp/bench-1m.db] [--keep]

Synthetic rows (100,000 articles with 10 events each, ~3 raw events per deduplicated event)
are written straight into the store's schema, with the same columns and JSON ``data`` that
ingest writes. Then each filter the CLI/API offers is run 100 times with random values
(``limit`` 100, the API's page size) and the p50/p95 latency printed (target: p95 < 50 ms);
then every event is exported to Parquet (target: < 10 s). Numbers go into
docs/performance.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import string
import sys
import time
from pathlib import Path

from eventdesk.export import export_table
from eventdesk.store import Filters, Store

TYPES = ["AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT", "REQUEST",
         "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"]
QUADS = ["verbal cooperation", "material cooperation", "verbal conflict", "material conflict"]
START = dt.date(2019, 1, 1)
DAYS = 5 * 365
PER_ARTICLE = 10
VOCABULARY = [f"word{i}" for i in range(2000)]  # each word is in about 2% of the bodies


def pools(rng: random.Random) -> tuple[list[str], list[tuple[str, str]], list[tuple]]:
    countries = ["".join(rng.choices(string.ascii_uppercase, k=3)) for _ in range(80)]
    people = [(f"{rng.choice(['Ali', 'Maria', 'Chen', 'Olga', 'Juan', 'Amina'])} "
               f"{''.join(rng.choices(string.ascii_lowercase, k=6)).title()}",
               rng.choice(countries)) for _ in range(3000)]
    places = [(f"Town{i}", rng.choice(countries), 100000 + i, rng.random() * 80,
               rng.random() * 160) for i in range(800)]
    return countries, people, places


def make_group(rng: random.Random, people: list, places: list) -> dict:
    actor, recipient = rng.choice(people), rng.choice(people)
    return {"type": rng.choice(TYPES), "day": START + dt.timedelta(days=rng.randrange(DAYS)),
            "actor": actor, "recipient": recipient, "place": rng.choice(places)}


def event_data(local_id: str, group: dict) -> dict:
    return {"id": local_id, "type": group["type"], "mode": None, "contexts": [], "cameo": "19",
            "quad": "material conflict", "actors": ["E1"], "recipients": ["E2"],
            "mediators": [], "date": group["day"].isoformat(), "date_source": "clause",
            "place": "P1", "negated": False, "hypothetical": False, "counts": {},
            "quote": None, "trigger": {"start": 10, "end": 17, "text": "shelled"},
            "sentence": {"start": 0, "end": 80, "text": "x" * 80}, "confidence": 0.7,
            "mentions": []}


EVENT_SQL = """INSERT INTO events (key, uid, article_key, local_id, dedup_key, type, quad,
 quad_class, date, date_source, actor1, actor1_country, actor1_sector, actor2, actor2_country,
 actor2_sector, actor_countries, recipient_countries, place_id, location, country, latitude,
 longitude, geonameid, feature, negated, hypothetical, confidence, trigger, trigger_start,
 trigger_end, sentence, sentence_start, sentence_end, n_mentions, data)
 VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"""


def build(store: Store, n_events: int, rng: random.Random) -> dict:
    countries, people, places = pools(rng)
    groups = [make_group(rng, people, places) for _ in range(n_events // 3)]
    assignment = [rng.randrange(len(groups)) for _ in range(n_events)]
    sizes: dict[int, int] = {}
    for g in assignment:
        sizes[g] = sizes.get(g, 0) + 1
    n_articles = n_events // PER_ARTICLE
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO articles (key, id, text_hash, extraction_hash, schema, title, source,"
            " source_key, url, published, language, body, n_events, stored_at) VALUES"
            " (?, ?, ?, ?, 'eventdesk/1', ?, ?, ?, ?, ?, 'en', ?, ?, '2024-01-01')",
            ((k, f"synthetic-{k}", f"{k:064x}", f"{k:064x}", f"Headline {k}",
              f"Source{k % 200}", f"source{k % 200}", f"https://news{k % 200}.example/{k}",
              (START + dt.timedelta(days=k % DAYS)).isoformat() + "T08:00:00",
              " ".join(rng.choices(VOCABULARY, k=40)),
              PER_ARTICLE) for k in range(1, n_articles + 1)))
        conn.executemany(
            "INSERT INTO dedup_events (key, type, date_first, date_last, actor_countries,"
            " recipient_countries, location, country, geonameid, feature, latitude, longitude,"
            " num_mentions, num_articles, num_sources, sources) VALUES"
            " (?, ?, ?, ?, ?, ?, ?, ?, ?, 'city', ?, ?, ?, ?, ?, '[]')",
            ((g + 1, groups[g]["type"], groups[g]["day"].isoformat(),
              groups[g]["day"].isoformat(), groups[g]["actor"][1], groups[g]["recipient"][1],
              *groups[g]["place"][:3], *groups[g]["place"][3:], n, n, n)
             for g, n in sizes.items()))
        rows, roles = [], []
        for key, g in enumerate(assignment, 1):
            group = groups[g]
            (a_name, a_country), (r_name, r_country) = group["actor"], group["recipient"]
            name, country, geonameid, lat, lon = group["place"]
            local = f"V{(key - 1) % PER_ARTICLE + 1}"
            rows.append((key, f"{key:020x}", (key - 1) // PER_ARTICLE + 1, local, g + 1,
                         group["type"], "material conflict", 4, group["day"].isoformat(),
                         "clause", a_name, a_country, "GOV", r_name, r_country, "MIL",
                         a_country, r_country, "P1", name, country, lat, lon, geonameid, "city",
                         0, 0, 0.7, "shelled", 10, 17, "x" * 80, 0, 80, 1,
                         json.dumps(event_data(local, group))))
            roles += [(key, "actor", 0, "E1", a_name, a_country, "GOV"),
                      (key, "recipient", 0, "E2", r_name, r_country, "MIL")]
            if len(rows) == 50_000:
                _flush(conn, rows, roles)
                rows, roles = [], []
        _flush(conn, rows, roles)
    store.conn.execute("ANALYZE")
    return {"countries": countries, "people": people, "places": places}


def _flush(conn, rows: list, roles: list) -> None:
    conn.executemany(EVENT_SQL, rows)
    conn.executemany("INSERT INTO event_roles VALUES (?, ?, ?, ?, ?, ?, ?)", roles)
    conn.executemany('INSERT INTO event_mentions VALUES (?, 0, 10, 17, \'shelled\', 0)',
                     ((r[0],) for r in rows))


def random_range(rng: random.Random, days: int) -> tuple[str, str]:
    first = START + dt.timedelta(days=rng.randrange(DAYS - days))
    return first.isoformat(), (first + dt.timedelta(days=days)).isoformat()


def query_cases(pool: dict) -> dict:
    def c(rng):
        return rng.choice(pool["countries"])
    return {
        "type + 1 month": lambda r: Filters(type=r.choice(TYPES), **_range(r, 30)),
        "actor country + 1 month": lambda r: Filters(actor_country=c(r), **_range(r, 30)),
        "recipient country": lambda r: Filters(recipient_country=c(r)),
        "type + actor country + 1 year": lambda r: Filters(type=r.choice(TYPES),
                                                           actor_country=c(r), **_range(r, 365)),
        "actor + recipient country": lambda r: Filters(actor_country=c(r), recipient_country=c(r)),
        "place": lambda r: Filters(place=r.choice(pool["places"])[0]),
        "entity name": lambda r: Filters(entity=r.choice(pool["people"])[0]),
        "full-text search": lambda r: Filters(search=r.choice(VOCABULARY)),
        "full-text search + type": lambda r: Filters(search=r.choice(VOCABULARY),
                                                     type=r.choice(TYPES)),
        "page 200 of all (cursor)": lambda r: Filters(cursor=r.randrange(900_000)),
    }


def _range(rng: random.Random, days: int) -> dict:
    since, until = random_range(rng, days)
    return {"since": since, "until": until}


def bench_queries(store: Store, pool: dict, *, runs: int) -> None:
    """Wall-clock and CPU latency per filter; CPU time is what the query costs, wall time
    also holds the waits of a busy machine."""
    rng = random.Random(11)
    print(f"{'query (limit 100)':<38} {'wall p50':>8} {'wall p95':>8} {'cpu p50':>8}"
          f" {'cpu p95':>8} {'rows':>5}   (ms)")
    for table in ("events", "dedup_events"):
        for label, make in query_cases(pool).items():
            if table == "dedup_events" and label.startswith(("entity", "full-text", "page")):
                continue
            walls, cpus, rows = [], [], 0
            for _ in range(runs):
                filters = make(rng)
                wall, cpu = time.perf_counter(), time.process_time()
                page = store.query(table, filters)
                cpus.append((time.process_time() - cpu) * 1000)
                walls.append((time.perf_counter() - wall) * 1000)
                rows += len(page.rows)
            print(f"{table[:6] + ': ' + label:<38} {_p(walls, 50):8.1f} {_p(walls, 95):8.1f}"
                  f" {_p(cpus, 50):8.1f} {_p(cpus, 95):8.1f} {rows / runs:5.0f}", flush=True)


def _p(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100)[percent - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/eventdesk-bench-1m.db")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--keep", action="store_true", help="reuse an existing --db")
    args = parser.parse_args()
    path = Path(args.db)
    rng = random.Random(7)
    if path.exists() and not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with Store(path) as store:
        if store.counts()["events"] == 0:
            pool = build(store, args.events, rng)
        else:
            pool = _pool_only(rng)  # same seed, same pools as when it was built
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    print(f"store with {args.events:,} events built in {time.perf_counter() - started:.0f} s;"
          f" {path.stat().st_size / 1e6:.0f} MB", flush=True)
    with Store(path, readonly=True) as store:
        bench_queries(store, pool, runs=args.runs)
        out = path.with_suffix(".parquet")
        for workers in (1, 2):
            started, cpu = time.perf_counter(), time.process_time()
            count = export_table(store, "events", out, format="parquet", workers=workers)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"parquet export, {workers} worker(s): {count:,} events in {seconds:.1f} s"
                  f" wall, {cpu:.1f} s CPU in this process ({out.stat().st_size / 1e6:.0f} MB)",
                  flush=True)
    import os
    print(f"load average during the run: {os.getloadavg()}")
    out.unlink()


def _pool_only(rng: random.Random) -> dict:
    countries, people, places = pools(rng)
    return {"countries": countries, "people": people, "places": places}


if __name__ == "__main__":
    sys.exit(main())
