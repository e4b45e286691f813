"""Store commands: ``ingest``, ``events``, ``quotes``, ``entities``, ``articles``, ``failures``,
``export`` and ``dedup``. Registered on the main group by ``register(main)``."""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import IO, Any

import click

from .errors import EventdeskError
from .nlp import DEFAULT_MODEL

DB_OPTION = click.option("--db", required=True, type=click.Path(dir_okay=False),
                         help="The SQLite store (created by ingest when missing).")


def _fail(error: EventdeskError) -> None:
    from .cli import fail
    fail(error)


# --- ingest -----------------------------------------------------------------------------

@click.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@click.option("--glob", "glob", help="Only files matching this pattern inside folders (e.g. '*.txt').")
@click.option("--workers", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Worker processes, each loading the spaCy pipeline once.")
@click.option("--resume", is_flag=True,
              help="Skip articles already stored with the same text (no re-extraction).")
@click.option("--batch-chars", type=click.IntRange(1), default=None,
              help="Characters of input per batch (and per transaction).")
@click.option("--dedup-window", type=click.IntRange(0), default=None,
              help="Days apart two reports of one event may be (kept in the store; default 1).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Any installed spaCy pipeline.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: on when stderr is a terminal).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="ray: run on a Ray cluster into Parquet shards beside the store (DB.shards/),"
                   " then load them; --workers counts actors (default: every CPU). docs/ray.md")
@click.option("--address", default=None,
              help="With --engine ray: the cluster to join ('auto', 'ray://HEAD:10001').")
def ingest(paths: tuple[str, ...], db: str, glob: str | None, workers: int, resume: bool,
           batch_chars: int | None, dedup_window: int | None, model: str,
           progress: bool | None, engine: str = "local", address: str | None = None) -> None:
    """Read articles from files, folders, JSONL, RSS/Atom, WARC, URLs or stdin ('-') into a store.

    Ingesting the same input twice adds nothing; a changed text replaces its old rows.

    \b
    Example:
        eventdesk ingest corpus/ feeds.xml crawl.warc.gz --db events.db --workers 2
        eventdesk ingest articles.jsonl --db events.db --resume
        cat articles.jsonl | eventdesk ingest - --db events.db
        eventdesk ingest corpus/ --db events.db --engine ray --address auto
    """
    if engine == "ray":
        from .cli_ray import ingest_on_ray
        ingest_on_ray(paths, db=db, address=address, workers=workers if workers > 1 else None,
                      glob=glob, batch_chars=batch_chars, model=model, progress=progress,
                      dedup_window=dedup_window)
        return
    from .batch import BATCH_CHARS
    from .batch import ingest as run_ingest
    from .sources import estimate_count, read_inputs
    from .store import Store

    from pathlib import Path
    missing = [p for p in paths if p != "-" and not p.startswith(("http://", "https://"))
               and not Path(p).exists()]
    if missing:
        raise click.BadParameter(f"no such file or folder: {', '.join(missing)}",
                                 param_hint="PATHS")
    show = sys.stderr.isatty() if progress is None else progress
    try:
        with Store(db, window_days=dedup_window) as store:
            total = estimate_count(paths, glob=glob) if show else None
            summary = run_ingest(read_inputs(paths, glob=glob), store, workers=workers,
                                 model=model, batch_chars=batch_chars or BATCH_CHARS,
                                 resume=resume, progress=show, total=total,
                                 command=" ".join(["ingest", *sys.argv[2:]]))
    except EventdeskError as exc:
        _fail(exc)
        return
    click.echo(f"eventdesk: {summary.line()} -> {db}", err=True)
    if summary.interrupted:
        sys.exit(130)


# --- queries ----------------------------------------------------------------------------

def _output_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--limit", type=click.IntRange(0), default=100, show_default=True,
                     help="Rows to print (0: all)."),
        click.option("--cursor", type=int, help="Start after this key (printed when more rows remain)."),
        click.option("--jsonl", "fmt", flag_value="jsonl", default=True, help="JSON lines (default)."),
        click.option("--csv", "fmt", flag_value="csv", help="CSV with a header row."),
        click.option("--table", "fmt", flag_value="table", help="An aligned text table."),
        DB_OPTION,
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filter_options(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    known = {
        "since": click.option("--since", help="From this date on (ISO, inclusive)."),
        "until": click.option("--until", help="Up to this date (ISO, inclusive)."),
        "type": click.option("--type", "type_", help="Type(s), comma-separated (e.g. ASSAULT,COERCE)."),
        "actor_country": click.option("--actor-country", help="ISO alpha-3 of an actor (or speaker)."),
        "recipient_country": click.option("--recipient-country", help="ISO alpha-3 of a recipient."),
        "entity": click.option("--entity", help="An entity's name (case-insensitive; % is a wildcard)."),
        "place": click.option("--place", help="A place name or an ISO alpha-3 country."),
        "search": click.option("--search", help="Full-text search (all words must occur)."),
        "article": click.option("--article", help="Only this article id."),
    }

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(names):
            func = known[name](func)
        return func
    return decorate


def _filters(options: dict[str, Any]) -> Any:
    from .store import Filters
    values: dict[str, Any] = {k: options.get(k) for k in ("since", "until", "actor_country", "recipient_country",
                                          "entity", "place", "search", "article")}
    return Filters(type=options.get("type_"), cursor=options.get("cursor"), **values)


def _query(table: str, options: dict[str, Any]) -> None:
    from dataclasses import replace

    from .store import MAX_LIMIT, Store
    try:
        with Store(options["db"], readonly=True) as store:
            limit = options["limit"] or None
            filters = replace(_filters(options), limit=min(limit or MAX_LIMIT, MAX_LIMIT))
            rows, cursor = _collect(store, table, filters, limit)
    except EventdeskError as exc:
        _fail(exc)
        return
    _print_rows(rows, options["fmt"], sys.stdout)
    if cursor is not None:
        click.echo(f"eventdesk: more rows: add --cursor {cursor}", err=True)


def _collect(store: Any, table: str, filters: Any, limit: int | None) -> tuple[list[dict[str, Any]], int | None]:
    from dataclasses import replace
    rows: list[dict[str, Any]] = []
    while True:
        page = store.query(table, filters)
        rows.extend(page.rows)
        if page.next_cursor is None or (limit is not None and len(rows) >= limit):
            return rows[:limit] if limit else rows, page.next_cursor
        filters = replace(filters, cursor=page.next_cursor)


def _print_rows(rows: list[dict[str, Any]], fmt: str, out: IO[str]) -> None:
    if fmt == "csv":
        import csv
        writer = csv.writer(out, lineterminator="\n")
        if rows:
            writer.writerow(rows[0])
            writer.writerows(r.values() for r in rows)
    elif fmt == "table":
        out.write(format_table(rows))
    else:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


def format_table(rows: list[dict[str, Any]], *, width: int = 40) -> str:
    """Rows as an aligned text table; long values cut at ``width`` characters."""
    if not rows:
        return "(no rows)\n"
    names = list(rows[0])
    cells = [[_cell(r[n], width) for n in names] for r in rows]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) for n, w in zip(names, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cell(value: Any, width: int) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@_filter_options("since", "until", "type", "actor_country", "recipient_country", "entity",
                 "place", "search", "article")
@click.option("--dedup", is_flag=True,
              help="Deduplicated events (num_mentions/num_articles/num_sources) instead of raw ones.")
@_output_options
def events(**options: Any) -> None:
    """Events in the store, one per article (or deduplicated across articles with --dedup).

    \b
    Example:
        eventdesk events --db events.db --type ASSAULT --actor-country AZE --since 2020-10-01
        eventdesk events --db events.db --dedup --table
    """
    _query("dedup_events" if options.pop("dedup") else "events", options)


@click.command()
@_filter_options("since", "until", "actor_country", "entity", "search", "article")
@_output_options
def quotes(**options: Any) -> None:
    """Quotes in the store (--entity is the speaker, --search searches the quotes' words).

    \b
    Example:
        eventdesk quotes --db events.db --entity "Ilham Aliyev" --table
        eventdesk quotes --db events.db --search ceasefire
    """
    _query("quotes", options)


@click.command()
@_filter_options("since", "until", "type", "actor_country", "entity", "search", "article")
@_output_options
def entities(**options: Any) -> None:
    """Entities in the store, one row per article they occur in (--actor-country: their country).

    \b
    Example:
        eventdesk entities --db events.db --type PERSON --actor-country RUS
    """
    _query("entities", options)


@click.command()
@_filter_options("since", "until", "entity", "place", "search", "article")
@_output_options
def articles(**options: Any) -> None:
    """Articles in the store (without bodies; export them with `eventdesk export`).

    \b
    Example:
        eventdesk articles --db events.db --search "Nagorno-Karabakh" --table
    """
    _query("articles", options)


@click.command()
@_output_options
def failures(**options: Any) -> None:
    """Inputs that could not be stored, with a stable reason.

    \b
    Example:
        eventdesk failures --db events.db --table
    """
    _query("failures", options)


# --- export and dedup -------------------------------------------------------------------

@click.command()
@DB_OPTION
@click.option("--table", "table", default="events", show_default=True,
              type=click.Choice(["events", "dedup_events", "quotes", "entities", "articles",
                                 "failures"]))
@click.option("--format", "fmt", default="jsonl", show_default=True,
              type=click.Choice(["jsonl", "csv", "parquet"]))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The file to write (written to a temporary name, then renamed).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes reading slices of the table for Parquet (helps on idle cores).")
@_filter_options("since", "until", "type", "actor_country", "recipient_country", "entity",
                 "place", "search")
def export(db: str, table: str, fmt: str, output: str, workers: int, **options: Any) -> None:
    """Write a table to JSON Lines, CSV or Parquet, with flat GDELT/ACLED-style columns.

    \b
    Example:
        eventdesk export --db events.db --table events --format parquet -o events.parquet
        eventdesk export --db events.db --table quotes --format csv -o quotes.csv
    """
    from .export import export_table
    from .store import Store
    try:
        with Store(db, readonly=True) as store:
            count = export_table(store, table, output, format=fmt,  # type: ignore[arg-type]
                                 filters=_filters(options), workers=workers)
    except EventdeskError as exc:
        _fail(exc)
        return
    click.echo(f"eventdesk: wrote {count} {table} rows to {output}", err=True)


@click.command()
@DB_OPTION
@click.option("--window", type=click.IntRange(0), required=True,
              help="Days apart two reports of one event may be.")
def dedup(db: str, window: int) -> None:
    """Regroup every stored event into deduplicated events with a new date window.

    \b
    Example:
        eventdesk dedup --db events.db --window 2
    """
    from .store import Store
    try:
        with Store(db) as store:
            count = store.rebuild_dedup(window_days=window)
    except EventdeskError as exc:
        _fail(exc)
        return
    click.echo(f"eventdesk: {count} deduplicated events (window {window} days)", err=True)


COMMANDS = (ingest, events, quotes, entities, articles, failures, export, dedup)


def register(group: click.Group) -> None:
    """Add the store commands to the ``eventdesk`` group."""
    for command in COMMANDS:
        group.add_command(command)
