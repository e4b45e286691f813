"""A bounded local load test of the HTTP API: 2,000 requests, 20 at a time, on /api/events
over a 100k-event synthetic store. Target: p95 < 100 ms and zero errors.

    .venv/bin/python bench/load_api.py [--events 100000] [--requests 2000] [--concurrency 20]

The store is built by ``bench_store.build`` (synthetic rows in the store's real schema); the
server is ``eventdesk serve`` in a subprocess on a free loopback port (only loopback is ever
used); the client is httpx. Requests mix the filters the UI sends: no filter, type + month,
actor country, recipient country, entity, place, full-text search and cursor pages. Prints
the latency percentiles; exits 1 when the target is missed. Numbers go into
docs/performance.md.
"""
from __future__ import annotations

import argparse
import asyncio
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import TYPES, build, random_range  # noqa: E402

from eventdesk.store import Store  # noqa: E402

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def make_store(path: Path, events: int) -> dict:
    """The synthetic store (reused when it already holds ``events`` events)."""
    if path.exists():
        with Store(path) as store:  # opened writable once: applies newer migrations
            if store.counts()["events"] == events:
                return _pools(store)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    with Store(path) as store:
        build(store, events, random.Random(7))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"built {events:,} events in {time.perf_counter() - started:.0f} s", flush=True)
        return _pools(store)


def _pools(store: Store) -> dict:
    conn = store.conn
    return {"countries": [r[0] for r in conn.execute("SELECT DISTINCT actor1_country FROM events"
                                                     " WHERE actor1_country IS NOT NULL")],
            "people": [(r[0], None) for r in conn.execute("SELECT DISTINCT actor1 FROM events"
                                                          " LIMIT 3000")],
            "places": [(r[0],) for r in conn.execute("SELECT DISTINCT location FROM events"
                                                     " LIMIT 800")],
            # search words as users meet them: drawn from stored bodies, so a common word
            # comes up as often as it occurs (whatever vocabulary the store was built with)
            "words": [w for r in conn.execute("SELECT body FROM articles ORDER BY key LIMIT 50")
                      for w in r[0].split() if w.isalnum()]}


def cases(pool: dict, rng: random.Random, *, events: int) -> dict[str, Callable[[], dict]]:
    """The filter mix the UI sends, by name."""
    def month() -> dict:
        return dict(zip(("since", "until"), random_range(rng, 30)))
    return {
        "first page": lambda: {},
        "type + month": lambda: {**month(), "type": rng.choice(TYPES)},
        "actor country + month": lambda: {**month(), "actor_country": rng.choice(pool["countries"])},
        "recipient country": lambda: {"recipient_country": rng.choice(pool["countries"])},
        "entity": lambda: {"entity": rng.choice(pool["people"])[0]},
        "place": lambda: {"place": rng.choice(pool["places"])[0]},
        "search + type": lambda: {"search": rng.choice(pool["words"]),
                                  "type": rng.choice(TYPES)},
        "cursor page": lambda: {"cursor": rng.randrange(events)},
    }


def urls(pool: dict, n: int, *, events: int, seed: int = 3,
         without: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """``n`` (case, request path) pairs, cases drawn evenly at random."""
    rng = random.Random(seed)
    mix = cases(pool, rng, events=events)
    names = [name for name in mix if name not in without]
    picks = [rng.choice(names) for _ in range(n)]
    return [(name, f"/api/events?{urlencode(mix[name]())}") for name in picks]


Result = tuple[str, float, str | None]  # case, latency ms, error


class Connection:
    """A bare HTTP/1.1 keep-alive connection: GET and read one Content-Length response.

    httpx costs about as much CPU per request as the server does, so with client and server
    on one 2-core machine it measured its own queueing; this client costs a small fraction.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def run(base: str, paths: list[tuple[str, str]], concurrency: int) -> list[Result]:
    """Send every path, ``concurrency`` at a time; each request's case, latency and error."""
    results: list[Result] = []
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for item in paths:
        queue.put_nowait(item)
    host, port = base.removeprefix("http://").rsplit(":", 1)

    async def worker() -> None:
        connection = Connection(host, int(port))
        try:
            while not queue.empty():
                case, path = queue.get_nowait()
                started = time.perf_counter()
                error = None
                try:
                    status, body = await connection.get(path)
                    if status != 200 or not body.startswith(b'{"rows":'):
                        error = f"{status} {path}"
                except (OSError, asyncio.IncompleteReadError, ValueError, StopIteration) as exc:
                    error = f"{type(exc).__name__} {path}"
                    await connection.close()
                    connection = Connection(host, int(port))
                results.append((case, (time.perf_counter() - started) * 1000, error))
        finally:
            await connection.close()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def start_server(db: Path, port: int) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("eventdesk")
    process = subprocess.Popen([str(exe), "serve", "--db", str(db), "--host", HOST, "--port",
                                str(port), "--log-level", "warning"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{HOST}:{port}/api/events?limit=1", timeout=2).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit("the server did not come up within 60 s")


def _percentiles(latencies: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return statistics.median(latencies), cuts[94], cuts[98]


def report(results: list[Result], seconds: float) -> bool:
    latencies = [ms for _, ms, _ in results]
    errors = [e for _, _, e in results if e]
    p50, p95, p99 = _percentiles(latencies)
    print(f"requests {len(results):,}  errors {len(errors)}  wall {seconds:.1f} s"
          f"  throughput {len(results) / seconds:.0f} req/s")
    print(f"latency ms: p50 {p50:.1f}  p95 {p95:.1f}  p99 {p99:.1f}  max {max(latencies):.1f}")
    by_case: dict[str, list[float]] = {}
    for case, ms, _ in results:
        by_case.setdefault(case, []).append(ms)
    for case, values in by_case.items():
        c50, c95, _ = _percentiles(values)
        print(f"  {case:<24} n {len(values):4}  p50 {c50:7.1f}  p95 {c95:7.1f}")
    for error in errors[:10]:
        print("error:", error)
    ok = p95 < 100 and not errors
    print("target p95 < 100 ms, zero errors:", "met" if ok else "MISSED")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--db", type=Path, default=Path("/tmp/eventdesk-load-100k.db"))
    parser.add_argument("--without", action="append", default=[], metavar="CASE",
                        help="leave a case out of the mix (e.g. 'search + type'); repeatable")
    args = parser.parse_args()
    pool = make_store(args.db, args.events)
    port = free_port()
    server = start_server(args.db, port)
    try:
        base = f"http://{HOST}:{port}"
        asyncio.run(run(base, urls(pool, 100, events=args.events, seed=1), args.concurrency))
        started = time.perf_counter()
        paths = urls(pool, args.requests, events=args.events, without=tuple(args.without))
        results = asyncio.run(run(base, paths, args.concurrency))
        ok = report(results, time.perf_counter() - started)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
