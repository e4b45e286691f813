"""``eventdesk serve``: the HTTP API and web UI over a store (uvicorn)."""
from __future__ import annotations

import ipaddress

import click

from .errors import EventdeskError
from .nlp import DEFAULT_MODEL
from .web.state import MAX_BODY

KEEP_ALIVE = 30  # seconds an idle keep-alive connection stays open (uvicorn's 5 races busy clients)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@click.option("--db", required=True, type=click.Path(dir_okay=False),
              help="The SQLite store to serve (read-only unless --allow-ingest).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default; anything else is reachable"
                   " from other machines).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--allow-ingest", is_flag=True,
              help="Open the store for writing and accept POST /api/ingest with the token.")
@click.option("--token", envvar="EVENTDESK_TOKEN", show_envvar=True,
              help="Bearer token that POST /api/ingest requires (with --allow-ingest).")
@click.option("--max-body", default=MAX_BODY, show_default=True, type=click.IntRange(1024),
              help="Largest request body in bytes (POST /api/extract and /api/ingest).")
@click.option("--model", default=DEFAULT_MODEL, show_default=True,
              help="spaCy pipeline for /api/extract and /api/ingest.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]))
def serve(db: str, host: str, port: int, allow_ingest: bool, token: str | None, max_body: int,
          model: str, log_level: str) -> None:
    """Serve the JSON API (OpenAPI at /docs) and the web UI (events, network, map, quotes,
    articles) over a store. Every page has a JSON twin: add .json or ?format=json.

    \b
    Example:
        eventdesk serve --db events.db
        EVENTDESK_TOKEN=s3cret eventdesk serve --db events.db --allow-ingest --port 8080
    """
    import uvicorn

    from .api import create_app
    from .cli import fail

    try:
        app = create_app(db, allow_ingest=allow_ingest, token=token, max_body=max_body,
                         model=model)
    except EventdeskError as exc:
        fail(exc)
        return
    if not _is_loopback(host):
        click.echo(f"eventdesk: warning: listening on {host}, reachable from other machines",
                   err=True)
    mode = "read-write (ingest with a token)" if allow_ingest else "read-only"
    click.echo(f"eventdesk: serving {db} ({mode}) on http://{host}:{port}/", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=log_level == "debug",
                server_header=False, timeout_keep_alive=KEEP_ALIVE)
