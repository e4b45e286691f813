"""``eventdesk gazetteer build|info``: build the offline place index and report on it."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .errors import EventdeskError


@click.group()
def gazetteer() -> None:
    """The offline gazetteer (place index) that geocoding reads.

    \b
    Example:
        eventdesk gazetteer build
        eventdesk gazetteer info
    """


@gazetteer.command()
@click.option("--path", type=click.Path(dir_okay=False, path_type=Path),
              help="Build here instead of the cache folder ($EVENTDESK_CACHE or ~/.cache/eventdesk).")
def build(path: Path | None) -> None:
    """(Re)build the gazetteer from package data and print what was built as JSON.

    \b
    Example:
        eventdesk gazetteer build
        EVENTDESK_CACHE=/data/cache eventdesk gazetteer build
    """
    from .cli import dump, fail
    from .gazetteer import build_gazetteer, forget_gazetteer
    from .gazetteer.build import info_as_dict
    from .gazetteer.index import GazetteerError

    try:
        forget_gazetteer(path)
        info = build_gazetteer(path)
    except (OSError, ValueError) as exc:
        fail(GazetteerError(f"could not build the gazetteer: {exc}", reason="gazetteer_build"))
        return
    except EventdeskError as exc:
        fail(exc)
        return
    dump(info_as_dict(info), sys.stdout, pretty=True)


@gazetteer.command()
@click.option("--path", type=click.Path(dir_okay=False, path_type=Path),
              help="Report on this file instead of the one in the cache folder.")
def info(path: Path | None) -> None:
    """Report the gazetteer's path, size, row counts, build time and load time as JSON.

    \b
    Example:
        eventdesk gazetteer info
    """
    from .cli import dump, fail
    from .gazetteer import gazetteer_path, load_gazetteer
    from .gazetteer.paths import info_path

    path = path or gazetteer_path()
    started = time.perf_counter()
    try:
        gaz = load_gazetteer(path, build=False)
    except EventdeskError as exc:
        fail(exc)
        return
    side = info_path(path)
    built = json.loads(side.read_text("utf-8")) if side.exists() else {}
    dump({"path": str(path), "bytes": path.stat().st_size, "version": gaz.meta.get("version"),
          "fingerprint": gaz.meta.get("fingerprint"), "sources": json.loads(gaz.meta.get("sources", "{}")),
          "counts": gaz.counts(), "built_at": built.get("built_at"),
          "build_seconds": built.get("seconds"),
          "load_seconds": round(time.perf_counter() - started, 4)},
         sys.stdout, pretty=True)
