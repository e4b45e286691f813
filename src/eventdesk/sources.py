"""Reading inputs for ``eventdesk ingest``: files, folders, JSON Lines, feeds, WARC, URLs, stdin.

Every reader yields ArticleInput records (or a pipeline ``Failure`` for an item that cannot
be read, so the run goes on) in a stable order. Ids:

- a file: its path below the folder argument's parent (``corpus/a/b.txt``), or its name
  when the file itself was given;
- a JSON Lines record: its own ``id`` (without one, the store falls back to its URL or the
  hash of its text);
- a feed entry: its guid, else its link; a WARC record or a fetched page: its URL.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import IO, Any

from .errors import EventdeskError, InputError
from .model import ArticleInput
from .parse import input_from_bytes, input_from_json_line
from .pipeline import Failure

Item = ArticleInput | Failure

JSONL_SUFFIXES = (".jsonl", ".ndjson")
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
USER_AGENT = "eventdesk/0.1 (+https://pypi.org/project/eventdesk/; news event extraction)"
_FEED_MARK = re.compile(rb"<(rss|feed|rdf:rdf)[\s>]", re.I)
_LINE_ID = re.compile(r'"id"\s*:\s*"([^"\\]{1,200})"')


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """Limits for http(s) inputs."""

    timeout: float = 20.0
    max_bytes: int = 10_000_000
    user_agent: str = USER_AGENT


def read_inputs(paths: Sequence[str], *, glob: str | None = None,
                stdin: IO[bytes] | None = None,
                fetch: FetchOptions = FetchOptions()) -> Iterator[Item]:
    """Every article in ``paths`` (files, folders, URLs, ``-`` for stdin), in order."""
    for path in paths:
        if path == "-":
            yield from read_stream(stdin if stdin is not None else _stdin(), name="stdin")
        elif path.startswith(("http://", "https://")):
            yield from read_url(path, options=fetch)
        elif Path(path).is_dir():
            yield from read_folder(Path(path), glob=glob)
        else:
            yield from read_file(Path(path), item_id=Path(path).name)


def _stdin() -> IO[bytes]:
    import sys
    return sys.stdin.buffer


def read_folder(folder: Path, *, glob: str | None = None) -> Iterator[Item]:
    """Files below ``folder`` matching ``glob`` (default all), recursively, sorted; hidden
    files and folders are skipped."""
    base = folder.resolve().parent
    for file in sorted(folder.rglob(glob or "*")):
        relative = file.relative_to(folder)
        if file.is_file() and not any(part.startswith(".") for part in relative.parts):
            yield from read_file(file, item_id=file.resolve().relative_to(base).as_posix())


def read_file(file: Path, *, item_id: str) -> Iterator[Item]:
    """One file: JSON Lines, WARC, a feed, or one article (text or HTML)."""
    name = file.name.lower()
    try:
        if name.endswith(JSONL_SUFFIXES):
            with file.open("rb") as handle:
                yield from read_jsonl(handle, name=item_id)
        elif name.endswith(WARC_SUFFIXES):
            with file.open("rb") as handle:
                yield from read_warc(handle)
        else:
            yield from read_document(file.read_bytes(), item_id=item_id)
    except OSError as exc:
        yield Failure(item_id, "unreadable", f"cannot read {file}: {exc.strerror}")


def read_document(data: bytes, *, item_id: str | None, url: str | None = None) -> Iterator[Item]:
    """Bytes of one document: a feed (every entry) or one article."""
    if _FEED_MARK.search(data[:2000]):
        yield from read_feed(data, name=item_id or url or "feed")
        return
    try:
        item = input_from_bytes(data, id=item_id)
    except EventdeskError as exc:
        yield Failure(item_id or url, exc.reason, exc.message)
        return
    yield item if url is None else ArticleInput(id=item.id, text=item.text, html=item.html, url=url)


def read_stream(stream: IO[bytes], *, name: str) -> Iterator[Item]:
    """A byte stream: JSON Lines when it starts with ``{``, else one document."""
    head = stream.read(1)
    while head.isspace():
        head = stream.read(1)
    if head == b"{":
        yield from read_jsonl(_prepend(head, stream), name=name)
    else:
        yield from read_document(head + stream.read(), item_id=name)


def _prepend(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    first = True
    for line in stream:
        yield head + line if first else line
        first = False
    if first:
        yield head


def read_jsonl(lines: Iterable[bytes], *, name: str) -> Iterator[Item]:
    """JSON Lines, one article per line; a broken line becomes a Failure named
    ``NAME line N`` (or its id, when one can be read)."""
    for number, raw in enumerate(lines, 1):
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        try:
            yield input_from_json_line(line)
        except EventdeskError as exc:
            match = _LINE_ID.search(line)
            yield Failure(match.group(1) if match else f"{name} line {number}", exc.reason,
                          exc.message)


def read_feed(data: bytes, *, name: str) -> Iterator[Item]:
    """RSS or Atom: one article per entry (its content, else its summary)."""
    import feedparser

    feed = feedparser.parse(data)
    if not feed.entries and feed.get("bozo"):
        reason = feed.get("bozo_exception")
        yield Failure(name, "bad_feed", f"{name} is not a readable RSS/Atom feed ({reason}); "
                                        "expected RSS 2.0, RSS 1.0 or Atom XML")
        return
    source = feed.feed.get("title")
    for entry in feed.entries:
        item = _entry_input(entry, source=source)
        if item is None:
            yield Failure(entry.get("id") or entry.get("link") or name, "empty",
                          "feed entry has no content or summary")
        else:
            yield item


def _entry_input(entry: Any, *, source: str | None) -> ArticleInput | None:
    content = entry.get("content") or []
    value = content[0].get("value") if content else entry.get("summary")
    text = fragment_text(value or "")
    if not text:
        return None
    return ArticleInput(id=entry.get("id") or entry.get("link"), text=text,
                        title=entry.get("title"), url=entry.get("link"),
                        published=_feed_date(entry), source=source)


class _FragmentText(HTMLParser):
    """The text of an HTML fragment, a blank line between blocks."""

    BLOCKS = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                        "blockquote", "tr", "section", "article", "figcaption"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        self.handle_starttag(tag, [])

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def fragment_text(value: str) -> str:
    """A feed entry's content (plain text or an HTML fragment) -> plain text paragraphs."""
    parser = _FragmentText()
    parser.feed(value)
    parser.close()
    blocks = (" ".join(block.split()) for block in "".join(parser.parts).split("\n\n"))
    return "\n\n".join(b for b in blocks if b)


def _feed_date(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return dt.datetime(*parsed[:6]).isoformat() if parsed else None


def read_warc(stream: IO[bytes]) -> Iterator[Item]:
    """HTML and text responses (and resources) in a WARC file, one article each."""
    from warcio.archiveiterator import ArchiveIterator

    try:
        for record in ArchiveIterator(stream):
            item = _warc_item(record)
            if item is not None:
                yield item
    except Exception as exc:  # warcio raises its own and plain errors on a broken archive
        yield Failure("warc", "bad_warc", f"the WARC file cannot be read further: {exc}")


def _warc_item(record: Any) -> Item | None:
    if record.rec_type not in ("response", "resource"):
        return None
    headers = record.http_headers if record.rec_type == "response" else record.rec_headers
    status = headers.get_statuscode() if record.rec_type == "response" else "200"
    kind = (headers.get_header("Content-Type") or "").lower()
    if status != "200" or not any(k in kind for k in ("html", "text/plain", "xml")):
        return None
    url = record.rec_headers.get_header("WARC-Target-URI")
    items = list(read_document(record.content_stream().read(), item_id=url, url=url))
    return items[0] if len(items) == 1 else None


def read_url(url: str, *, options: FetchOptions = FetchOptions()) -> Iterator[Item]:
    """Fetch a page or a feed over http(s), with a timeout, a size limit and a user agent."""
    try:
        data = fetch(url, options=options)
    except InputError as exc:
        yield Failure(url, exc.reason, exc.message)
        return
    yield from read_document(data, item_id=url, url=url)


def fetch(url: str, *, options: FetchOptions = FetchOptions()) -> bytes:
    """The body of ``url``; InputError (``fetch_failed``, ``too_large``) when it cannot be had."""
    import httpx

    headers = {"User-Agent": options.user_agent}
    try:
        with httpx.Client(timeout=options.timeout, headers=headers, follow_redirects=True) as client:
            with client.stream("GET", url) as response:
                response.raise_for_status()
                return _read_limited(response.iter_bytes(), url=url, limit=options.max_bytes)
    except httpx.HTTPError as exc:
        raise InputError(f"cannot fetch {url}: {exc}; check the address and the network",
                         reason="fetch_failed") from exc


def _read_limited(chunks: Iterable[bytes], *, url: str, limit: int) -> bytes:
    buffer = io.BytesIO()
    for chunk in chunks:
        buffer.write(chunk)
        if buffer.tell() > limit:
            raise InputError(f"{url} is larger than {limit:,} bytes; raise the limit or save the"
                             " page and ingest the file", reason="too_large")
    return buffer.getvalue()


def estimate_count(paths: Sequence[str], *, glob: str | None = None) -> int | None:
    """How many articles ``paths`` hold, cheaply (lines of JSONL, one per other file);
    None when it cannot be known beforehand (stdin, URLs, feeds, WARC)."""
    total = 0
    for path in paths:
        if path == "-" or path.startswith(("http://", "https://")):
            return None
        root = Path(path)
        files = sorted(root.rglob(glob or "*")) if root.is_dir() else [root]
        for file in files:
            count = _file_count(file)
            if count is None:
                return None
            total += count
    return total


def _file_count(file: Path) -> int | None:
    name = file.name.lower()
    if not file.is_file() or name.startswith("."):
        return 0
    if name.endswith(WARC_SUFFIXES) or name.endswith((".xml", ".rss", ".atom")):
        return None
    if name.endswith(JSONL_SUFFIXES):
        with file.open("rb") as handle:
            return sum(1 for line in handle if line.strip())
    return 1


def item_size(item: Item) -> int:
    """Characters an item will cost the pipeline (for batches sized by characters)."""
    if isinstance(item, Failure):
        return 0
    return len(item.text or "") + len(item.html or "") // 4 + len(item.title or "")


def to_json_line(item: ArticleInput) -> str:
    """An ArticleInput as one ``--jsonl`` input line."""
    fields = ("id", "text", "html", "title", "published", "url", "source")
    return json.dumps({f: getattr(item, f) for f in fields}, ensure_ascii=False)
