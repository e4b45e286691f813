"""The ``eventdesk`` command line. JSON on stdout, errors as one line on stderr."""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from .errors import ConfigError, EventdeskError, StorageError
from .nlp import DEFAULT_MODEL

SAMPLE = Path(__file__).parent / "data" / "sample" / "cgtn-2020-10-09-karabakh-talks.txt"
EXIT_INPUT = 2
EXIT_CONFIG = 3


def fail(error: EventdeskError) -> None:
    """Print ``eventdesk: error [reason]: message`` on stderr and exit with a stable code."""
    click.echo(f"eventdesk: error [{error.reason}]: {error.message}", err=True)
    code = EXIT_CONFIG if isinstance(error, (ConfigError, StorageError)) else EXIT_INPUT
    sys.exit(code)


def dump(obj: Any, out: IO[str], *, pretty: bool = False) -> None:
    out.write(json.dumps(obj, ensure_ascii=False, indent=2 if pretty else None) + "\n")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eventdesk")
def main() -> None:
    """eventdesk reads news reports and writes down what happened: who did what to whom,
    when and where, who said what, each field traced to the words it came from."""


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--jsonl", "jsonl", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read one article per line (JSON with 'text' or 'html'); '-' for stdin.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write here instead of stdout.")
@click.option("--pretty", is_flag=True, help="Indent the JSON.")
@click.option("--model", default=DEFAULT_MODEL, show_default=True,
              help="Any installed spaCy pipeline.")
@click.option("--id", "article_id", help="Article id for FILE (default: the file name).")
@click.option("--published", help="Publication time (ISO 8601) for FILE when its text has none.")
@click.option("--sample", is_flag=True, help="Read the bundled sample article (the CGTN seed).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr (default: on for --jsonl when stderr is a terminal).")
def extract(file: str | None, jsonl: str | None, output: str | None, pretty: bool, model: str,
            article_id: str | None, published: str | None, sample: bool,
            progress: bool | None) -> None:
    """Read one article (plain text or HTML) or a JSONL batch and print eventdesk/1 JSON.

    \b
    Example:
        eventdesk extract article.txt --pretty
        eventdesk extract --jsonl articles.jsonl -o out.jsonl
        eventdesk extract --sample
    """
    if sample:
        file = file or str(SAMPLE)
    if (file is None) == (jsonl is None):
        raise click.UsageError("give either FILE, --sample or --jsonl IN")
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        if file is not None:
            _extract_file(file, out, pretty=pretty, model=model, article_id=article_id,
                          published=published)
        else:
            assert jsonl is not None
            _extract_jsonl(jsonl, out, pretty=pretty, model=model, progress=progress)
    except EventdeskError as exc:
        fail(exc)
    finally:
        if output:
            out.close()


def _extract_file(file: str, out: IO[str], *, pretty: bool, model: str, article_id: str | None,
                  published: str | None) -> None:
    from dataclasses import replace

    from .parse import input_from_bytes
    from .pipeline import extract as run_extract

    data = sys.stdin.buffer.read() if file == "-" else _read_bytes(file)
    item = input_from_bytes(data, id=article_id or (None if file == "-" else Path(file).name))
    if published:
        item = replace(item, published=published)
    dump(run_extract(item, model=model).to_json(), out, pretty=pretty)


def _read_bytes(file: str) -> bytes:
    from .errors import InputError
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror}", reason="unreadable") from exc


def _extract_jsonl(path: str, out: IO[str], *, pretty: bool, model: str,
                   progress: bool | None) -> None:
    from .pipeline import Failure, extract_many
    from .serialize import error_to_json

    stream = sys.stdin if path == "-" else open(path, encoding="utf-8", errors="replace")
    show = sys.stderr.isatty() if progress is None else progress
    with stream, _progress(show) as bar:
        for result in extract_many(_jsonl_sources(stream), model=model):
            if isinstance(result, Failure):
                dump(error_to_json(result), out, pretty=pretty)
            else:
                dump(result.to_json(), out, pretty=pretty)
            bar.update(1)


def _jsonl_sources(stream: IO[str]) -> Iterator[Any]:
    from .parse import input_from_json_line
    from .pipeline import Failure

    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield input_from_json_line(line)
        except EventdeskError as exc:
            yield Failure(_line_id(line) or f"line {number}", exc.reason, exc.message)


def _line_id(line: str) -> str | None:
    import re
    match = re.search(r'"id"\s*:\s*"([^"\\]{1,200})"', line)
    return match.group(1) if match else None


def _progress(show: bool) -> Any:
    from tqdm import tqdm
    return tqdm(disable=not show, unit=" articles", file=sys.stderr, dynamic_ncols=True)


from .cli_store import register as _register_store  # noqa: E402

_register_store(main)

from .cli_serve import serve  # noqa: E402

main.add_command(serve)

from .cli_ray import register as _register_ray  # noqa: E402

_register_ray(main)


from .cli_gazetteer import gazetteer  # noqa: E402

main.add_command(gazetteer)


if __name__ == "__main__":
    main()
