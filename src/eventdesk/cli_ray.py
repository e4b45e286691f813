"""Ray commands: ``run-ray`` (the ingest on a Ray cluster, into Parquet shards) and ``load``
(shards -> a store). Registered on the main group by ``register(main)``; Ray itself is
imported only when ``run-ray`` runs, so the CLI works without it."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .errors import EventdeskError
from .nlp import DEFAULT_MODEL


def _fail(error: EventdeskError) -> None:
    from .cli import fail
    fail(error)


@click.command("run-ray")
@click.argument("paths", nargs=-1, required=True)
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder for the Parquet shards and their manifest (shared by every node).")
@click.option("--address", default=None,
              help="Ray cluster to join: 'auto' (a cluster started here with `ray start`),"
                   " 'ray://HEAD:10001' or 'HEAD:6379'. Default: start Ray on this machine.")
@click.option("--workers", type=click.IntRange(1, 100_000), default=None,
              help="Actors, each one CPU with the spaCy pipeline loaded once (default: every"
                   " CPU of the cluster).")
@click.option("--glob", "glob", help="Only files matching this pattern inside folders.")
@click.option("--batch-chars", type=click.IntRange(1), default=None,
              help="Characters of input per batch and per output shard (default 200,000).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True,
              help="A spaCy pipeline installed on every node.")
@click.option("--db", type=click.Path(dir_okay=False), default=None,
              help="Also load the shards into this store when the run is done.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: on when stderr is a terminal).")
def run_ray(paths: tuple[str, ...], out: str, address: str | None, workers: int | None,
            glob: str | None, batch_chars: int | None, model: str, db: str | None,
            progress: bool | None) -> None:
    """Run the ingest on Ray: JSONL, Parquet and text/HTML/feed/WARC files -> Parquet shards.

    Each shard is written atomically and listed in OUT/manifest.jsonl when finished; a rerun
    of the same command skips what finished shards hold. Then `eventdesk load OUT --db DB`
    (or --db here) stores them. Needs `pip install 'eventdesk[ray]'`.

    \b
    Example:
        eventdesk run-ray corpus/ wire.jsonl --out shards/ --db events.db
        ray start --head && eventdesk run-ray /shared/in --out /shared/shards --address auto
    """
    _run(paths, out, address=address, workers=workers, glob=glob, batch_chars=batch_chars,
         model=model, progress=progress)
    if db:
        _load(out, db, dedup_window=None)


def ingest_on_ray(paths: tuple[str, ...], *, db: str, address: str | None,
                  workers: int | None, glob: str | None, batch_chars: int | None, model: str,
                  progress: bool | None, dedup_window: int | None) -> None:
    """``eventdesk ingest --engine ray``: run-ray into ``DB.shards/``, then load into DB."""
    out = f"{db}.shards"
    _run(paths, out, address=address, workers=workers, glob=glob, batch_chars=batch_chars,
         model=model, progress=progress)
    _load(out, db, dedup_window=dedup_window)


def _run(paths: tuple[str, ...], out: str, *, address: str | None, workers: int | None,
         glob: str | None, batch_chars: int | None, model: str, progress: bool | None) -> None:
    from .ray_engine import RAY_BATCH_CHARS, run

    show = sys.stderr.isatty() if progress is None else progress
    try:
        summary = run(paths, out, address=address, workers=workers, glob=glob, model=model,
                      batch_chars=batch_chars or RAY_BATCH_CHARS, progress=show)
    except EventdeskError as exc:
        _fail(exc)
        return
    click.echo(f"eventdesk: {summary.line()} -> {out}", err=True)


@click.command()
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--db", required=True, type=click.Path(dir_okay=False),
              help="The SQLite store (created when missing).")
@click.option("--dedup-window", type=click.IntRange(0), default=None,
              help="Days apart two reports of one event may be (kept in the store; default 1).")
def load(folder: str, db: str, dedup_window: int | None) -> None:
    """Store the finished Parquet shards of a `run-ray` folder; loading twice adds nothing.

    \b
    Example:
        eventdesk load shards/ --db events.db
    """
    _load(folder, db, dedup_window=dedup_window)


def _load(folder: str, db: str, *, dedup_window: int | None) -> None:
    from .shards import load as load_shards
    from .store import Store
    try:
        with Store(db, window_days=dedup_window) as store:
            summary = load_shards(Path(folder), store,
                                  command=" ".join(["load", folder, "--db", db]))
    except EventdeskError as exc:
        _fail(exc)
        return
    click.echo(f"eventdesk: {summary.line()} -> {db}", err=True)


COMMANDS = (run_ray, load)


def register(group: click.Group) -> None:
    """Add the Ray commands to the ``eventdesk`` group."""
    for command in COMMANDS:
        group.add_command(command)
