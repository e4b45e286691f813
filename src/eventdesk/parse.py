"""Text, HTML and input records -> Article.

Plain text is read the way a news reader reads a page: a headline line, a dateline
(``Updated 22:43, 09-Oct-2020``) and a source line (``CGTN``) at the top become metadata;
photo captions with a ``/Credit`` tail, video durations (``01:13``), page furniture
(``Advertisement``) and ``Read more:`` blocks of related headlines leave the body. Text with
none of that structure is kept as it came (offsets into it must stay usable), apart from
non-breaking spaces, line ends and trailing spaces. HTML goes through trafilatura for the
body and metadata, with the page's own meta tags and JSON-LD as fallbacks. Fields given in
the input (title, published, source, url) always win over what is read from the text.
"""
from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .model import Article, ArticleInput

if TYPE_CHECKING:
    from lxml.html import HtmlElement

MAX_BODY_CHARS = 1_000_000  # characters of body after parsing
MAX_INPUT_CHARS = 10_000_000  # characters (or bytes, for files) of raw input
LANGID_CHARS = 3000  # language identification reads this much of the body
DATA = Path(__file__).parent / "data"


@dataclass(frozen=True, slots=True)
class Reading:
    """What parsing read out of a text or a page, before the input's own fields are applied."""

    body: str
    title: str | None = None
    source: str | None = None
    published: str | None = None
    url: str | None = None
    captions: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    language: str | None = None  # a hint from the page (``<html lang>``), not detection


# ---------------------------------------------------------------------------- public API


def to_input(source: str | ArticleInput | dict[str, Any]) -> ArticleInput:
    """Whatever the caller handed in -> ArticleInput (a string is detected as HTML or text)."""
    if isinstance(source, ArticleInput):
        return source
    if isinstance(source, str):
        return ArticleInput(html=source) if looks_like_html(source) else ArticleInput(text=source)
    if isinstance(source, dict):
        return _input_from_dict(source)
    raise InputError(f"expected text, an ArticleInput or a dict, got {type(source).__name__}",
                     reason="bad_input")


def parse_article(item: ArticleInput, *, max_chars: int = MAX_BODY_CHARS,
                  max_input: int = MAX_INPUT_CHARS) -> Article:
    """Read one input into an Article; InputError with a stable ``reason`` when it cannot be read.

    Reasons: ``empty``, ``binary``, ``too_large``, ``no_text`` (HTML without article text).
    """
    reading = _read_input(item, max_input=max_input)
    _check_body(reading.body, max_chars=max_chars)
    return Article(
        id=item.id, body=reading.body,
        title=_given(item.title) or reading.title,
        source=_given(item.source) or reading.source,
        url=_given(item.url) or reading.url,
        published=_given(item.published) or reading.published,
        language=detect_language(reading.body, hint=reading.language),
        captions=reading.captions, related=reading.related)


def input_from_bytes(data: bytes, *, id: str | None = None,
                     max_input: int = MAX_INPUT_CHARS) -> ArticleInput:
    """A file's bytes -> ArticleInput (text or HTML, detected; encoding detected)."""
    if len(data) > max_input:
        raise _too_large(f"the input is {len(data):,} bytes", max_input, unit="bytes")
    text = decode_bytes(data)
    item = to_input(text)
    return ArticleInput(id=id, text=item.text, html=item.html)


def input_from_json_line(line: str) -> ArticleInput:
    """One ``--jsonl`` line -> ArticleInput; InputError with reason ``bad_json`` if it is not one."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"line is not JSON ({exc.msg} at column {exc.colno}); "
                         "expected one object per line", reason="bad_json") from exc
    if not isinstance(obj, dict):
        raise InputError(f"line is JSON {type(obj).__name__}, expected an object with 'text' or 'html'",
                         reason="bad_json")
    return to_input(obj)


def _input_from_dict(source: dict[str, Any]) -> ArticleInput:
    values: dict[str, str | None] = {}
    for key in ("id", "text", "html", "title", "published", "url", "source"):
        value = source.get(key)
        if value is not None and not isinstance(value, str):
            if key != "id" and key != "published":
                raise InputError(f"'{key}' must be a string, got {type(value).__name__}",
                                 reason="bad_input")
            value = str(value)
        values[key] = value
    return ArticleInput(**values)


def _given(value: str | None) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


# ---------------------------------------------------------------------------- checks


def _read_input(item: ArticleInput, *, max_input: int) -> Reading:
    text, html = item.text or "", item.html or ""
    if len(text) > max_input or len(html) > max_input:
        size = max(len(text), len(html))
        raise _too_large(f"the input is {size:,} characters", max_input, unit="characters")
    if text.strip():
        _check_not_binary(text)
        reading = read_text(text, title=_given(item.title))
        return _merge(reading, _page_metadata(html, url=_given(item.url))) if html.strip() else reading
    if html.strip():
        _check_not_binary(html)
        return _read_html_safely(html, url=_given(item.url))
    raise InputError("the article is empty (no 'text' or 'html', or only whitespace); "
                     "give it the article's text or HTML", reason="empty")


def _read_html_safely(html: str, *, url: str | None) -> Reading:
    try:
        return read_html(html, url=url)
    except InputError:
        raise
    except Exception as exc:  # lxml or trafilatura failing on a malformed page must not stop a batch
        raise InputError(f"the HTML could not be read ({type(exc).__name__}: {exc}); expected an "
                         "HTML page or fragment. Check the file, or give the article's text",
                         reason="bad_html") from exc


def _check_body(body: str, *, max_chars: int) -> None:
    if not body.strip():
        raise InputError("no article text is left after removing headline, dateline and page "
                         "furniture; give the article's body text", reason="empty")
    if len(body) > max_chars:
        raise _too_large(f"the article body is {len(body):,} characters", max_chars,
                         unit="characters")


def _too_large(what: str, limit: int, *, unit: str) -> InputError:
    return InputError(f"{what}, over the limit of {limit:,} {unit}; split it into articles "
                      "(or, from Python, raise parse_article's max_chars / max_input)", reason="too_large")


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd\ufffe\uffff]")


def _check_not_binary(text: str) -> None:
    """Binary data decoded as text: NUL characters, or mostly control / replacement characters."""
    head = text[:8192]
    if "\x00" in head or "\x00" in text:
        raise InputError("the input holds NUL characters: it looks binary, not text or HTML; "
                         "give the article as UTF-8 text or HTML", reason="binary")
    if len(_CONTROL.findall(head)) > 0.1 * max(len(head.strip()), 1):
        raise InputError("the input is mostly control or undecodable characters: it looks binary, "
                         "not text or HTML; give the article as UTF-8 text or HTML", reason="binary")


# ---------------------------------------------------------------------------- bytes and format

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_MAGIC = ((b"%PDF", "a PDF"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
          (b"GIF8", "a GIF image"), (b"PK\x03\x04", "a ZIP archive (or DOCX/XLSX)"),
          (b"\x1f\x8b", "gzip-compressed data"), (b"\xd0\xcf\x11\xe0", "an old Office document"))
_CHARSET = re.compile(rb"""(?:charset|encoding)\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", re.I)


def decode_bytes(data: bytes) -> str:
    """Bytes -> str: BOM (UTF-8/16/32), else UTF-8, else a declared charset, else cp1252/Latin-1."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    _check_magic(data)
    utf16 = _bomless_utf16(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    if b"\x00" in data:
        raise InputError("the file holds NUL bytes: it looks binary, not text or HTML; "
                         "give the article as text or HTML", reason="binary")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return _decode_legacy(data)


def _check_magic(data: bytes) -> None:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"the file looks like {kind}, not text or HTML; "
                             "convert it to text or HTML first", reason="binary")


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: mostly ASCII text with every other byte NUL."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> str:
    match = _CHARSET.search(data[:4096])
    if match:
        try:
            return data.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|article|main|section|div|p|h[1-6]|meta|title|table|span)[\s>/]",
    re.I | re.S)
_HTML_TAGS = re.compile(r"</(?:p|div|article|body|html|span|a|li|h[1-6])\s*>|<br\s*/?>", re.I)


def looks_like_html(text: str) -> bool:
    """HTML if it starts like a page or a fragment, or if a text starting with '<' is full of tags."""
    if _HTML_START.match(text[:20000]):
        return True
    head = text[:20000].lstrip()
    return head.startswith("<") and len(_HTML_TAGS.findall(head)) >= 3


# ---------------------------------------------------------------------------- data files


@cache
def _lines(name: str) -> tuple[str, ...]:
    """A data file's lines, without comments and blank lines."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return tuple(s.strip() for s in lines if s.strip() and not s.lstrip().startswith("#"))


@cache
def _word_set(name: str) -> frozenset[str]:
    return frozenset(s.casefold() for s in _lines(name))


@cache
def _dateline_labels() -> dict[str, str]:
    rows = (line.split("\t") for line in _lines("parse_dateline_labels.txt"))
    return {row[0].strip().casefold(): row[-1].strip() for row in rows}


# ---------------------------------------------------------------------------- text normalization

_SPACES = re.compile(r"[\u00a0\u2007\u202f]")
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def normalize_text(text: str) -> str:
    """Non-breaking spaces -> spaces, any line end -> ``\\n``, a leading BOM dropped."""
    text = text[1:] if text.startswith("\ufeff") else text
    return _SPACES.sub(" ", _LINE_BREAKS.sub("\n", text))


@dataclass(slots=True)
class _Block:
    """One non-empty line of the text, and whether a blank line came before it."""

    text: str
    after_blank: bool
    kind: str = "body"  # body title dateline byline source drop caption related


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    blank = False
    for line in text.split("\n"):
        line = line.rstrip()
        if not line.strip():
            blank = True
            continue
        blocks.append(_Block(line, blank))
        blank = False
    return blocks


def _join(blocks: Iterable[_Block]) -> str:
    parts: list[str] = []
    for block in blocks:
        if parts:
            parts.append("\n\n" if block.after_blank else "\n")
        parts.append(block.text)
    return "".join(parts).strip()


# ---------------------------------------------------------------------------- plain text


def read_text(text: str, *, title: str | None = None) -> Reading:
    """Plain text -> Reading: header metadata off the top, captions and related links out."""
    blocks = _blocks(normalize_text(text))
    header = _read_header(blocks, title=title)
    captions = _mark_captions(blocks)
    related = _mark_related(blocks)
    _mark_furniture(blocks)
    body_blocks = [b for b in blocks if b.kind == "body"]
    for block in body_blocks[:1]:  # the first body paragraph may open with a news dateline
        header = _merge(header, read_body_dateline(block.text))
    return replace(header, body=_join(body_blocks), captions=captions, related=related)


def _merge(first: Reading, second: Reading) -> Reading:
    """Fill ``first``'s missing metadata from ``second``."""
    return replace(first, title=first.title or second.title,
                   source=first.source or second.source,
                   published=first.published or second.published,
                   url=first.url or second.url, language=first.language or second.language)


# ---------------------------------------------------------------------------- header

HEADER_LINES = 8  # how far down the top of a text a headline/dateline/source block can reach
_BYLINE = re.compile(r"^(?:by|written by|reporting by|from)\s+\S", re.I)
_PART_SPLIT = re.compile(r"\s+[|\u2022\u00b7]\s+")


def _read_header(blocks: list[_Block], *, title: str | None) -> Reading:
    """Mark the headline/dateline/source lines at the top and read them."""
    start = 0
    if title and blocks and _same(blocks[0].text, title):
        blocks[0].kind = "title"
        start = 1
    top = blocks[start:start + HEADER_LINES]
    kinds = _header_kinds(top)
    if start == 0 and not title and top and not _header_kind(top[0].text) and _is_headline(top[0].text):
        if not kinds and _opens_with_agency_dateline(top[1:2]):
            top[0].kind = "title"  # a wire story: headline, blank line, "MOSCOW (Reuters) -"
            return Reading(body="", title=top[0].text.strip())
        kinds[:1] = ["title"] if kinds else []
    elif kinds[:1] == [""]:
        kinds = []
    if not _has_structure(kinds, top):
        return Reading(body="", title=blocks[0].text.strip() if start else None)
    for block, kind in zip(top, kinds):
        block.kind = kind or block.kind
    return _header_reading(blocks, title=title)


def _opens_with_agency_dateline(blocks: list[_Block]) -> bool:
    """``Headline`` then a blank line and ``MOSCOW, Oct 9 (Reuters) - ...``: a wire story."""
    return bool(blocks) and blocks[0].after_blank and read_body_dateline(blocks[0].text).source is not None


def _header_kinds(blocks: list[_Block]) -> list[str]:
    """The kind of each line of a candidate header, up to the last header line.

    '' marks an unclassified line, allowed only in the first two places (a headline, then
    a standfirst that stays in the body) before a dateline or byline.
    """
    kinds: list[str] = []
    for i, block in enumerate(blocks):
        kind = _header_kind(block.text)
        if not kind and i >= 2:
            break
        kinds.append(kind)
    while kinds and not kinds[-1]:
        kinds.pop()
    return kinds


def _header_kind(line: str) -> str:
    parts = _PART_SPLIT.split(line.strip())
    kinds = [_part_kind(part) for part in parts]
    if not all(kinds):
        return ""
    for kind in ("dateline", "byline", "source"):
        if kind in kinds:
            return kind
    return ""


def _part_kind(part: str) -> str:
    if read_dateline(part) is not None:
        return "dateline"
    if _BYLINE.match(part) and len(part.split()) <= 12 and not _ends_sentence(part):
        return "byline"
    if _is_source_like(part):
        return "source"
    return ""


def _has_structure(kinds: list[str], blocks: list[_Block]) -> bool:
    """A header is read only when a dateline or byline, or a known source line, says it is one."""
    found = set(kinds)
    if "dateline" in found or "byline" in found:
        return True
    known = _word_set("parse_sources.txt")
    return any(k == "source" and b.text.strip().casefold() in known for k, b in zip(kinds, blocks))


def _header_reading(blocks: list[_Block], *, title: str | None) -> Reading:
    headline = next((b.text.strip() for b in blocks if b.kind == "title"), None)
    known = _word_set("parse_sources.txt")
    sources = [s for b in blocks if b.kind == "source" for s in [_source_of(b.text)] if s]
    source = next((s for s in sources if s.casefold() in known), sources[0] if sources else None)
    dates = [d for b in blocks if b.kind == "dateline" for d in _datelines_in(b.text)]
    dates.sort(key=lambda d: (d[1] is None, d[0] != "published"))
    published = dates[0][1] if dates else None
    return Reading(body="", title=headline, source=source, published=published)


def _datelines_in(line: str) -> Iterator[tuple[str, str | None]]:
    for part in _PART_SPLIT.split(line.strip()):
        found = read_dateline(part)
        if found is not None:
            yield found


def _source_of(line: str) -> str | None:
    parts = [p for p in _PART_SPLIT.split(line.strip()) if _part_kind(p) == "source"]
    return parts[0].strip() if parts else None


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


_SENTENCE_END = re.compile(r"[.,;:]['\"\u2019\u201d)\]]*$")


def _ends_sentence(line: str) -> bool:
    return bool(_SENTENCE_END.search(line.rstrip()))


def _is_headline(line: str, *, max_words: int = 25, max_chars: int = 200) -> bool:
    """Title-like: short, no sentence-final period or comma, opens with a capital, digit or quote."""
    line = line.strip()
    words = line.split()
    return (0 < len(words) <= max_words and len(line) <= max_chars and not _ends_sentence(line)
            and (line[0].isupper() or line[0].isdigit() or line[0] in "\"'\u2018\u201c"))


def _is_source_like(part: str) -> bool:
    """A short name-like line: at most five words, no sentence punctuation, a capital first."""
    part = part.strip()
    words = part.split()
    return (0 < len(words) <= 5 and len(part) <= 40 and part[0].isupper()
            and not re.search(r"[.,;:!?]$", part) and not _DURATION.match(part)
            and sum(w[0].isupper() or not w[0].isalpha() for w in words) >= len(words) - 1)


# ---------------------------------------------------------------------------- datelines

_MONTHS = {m: i for i, names in enumerate(
    (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
     ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
     ("oct", "october"), ("nov", "november"), ("dec", "december")), 1) for m in names}
_WEEKDAYS = {"mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs",
             "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday"}
_DATE_FILLER = {"am", "pm", "a", "p", "m", "at", "on", "of", "the", "t", "z", "ago", "hour", "hours",
                "min", "mins", "minute", "minutes", "day", "days", "week", "weeks", "month",
                "months", "year", "years", "st", "nd", "rd", "th", "and", "utc", "gmt"}
_MON = r"(?P<mon>[A-Za-z]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
_DATE_PATTERNS = (
    re.compile(r"(?<!\d)" + _YEAR + r"(?P<sep2>[-/.])(?P<mnum>\d{1,2})(?P=sep2)(?P<day>\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)" + _DAY + r"[-\s/.]+" + _MON + r"(?:[-\s/.,]+" + _YEAR + r")?(?!\d)"),
    re.compile(r"\b" + _MON + r"\s+" + _DAY + r"(?:,?\s+" + _YEAR + r")?(?!\d)"),
    re.compile(r"(?<!\d)(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)" + _YEAR + r"(?!\d)"),
)
_TIME = re.compile(r"(?<![\d:.])(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))(?::\d{2})?(?:\.\d+)?"
                   r"\s*(?P<ap>[ap]\.?\s?m\b\.?)?|(?<![\d:.])(?P<h2>\d{1,2})\s*(?P<ap2>[ap]\.?m\b\.?)",
                   re.I)
_DURATION = re.compile(r"^(?:video\s*)?\d{1,2}:\d{2}(?::\d{2})?$", re.I)


def read_dateline(line: str) -> tuple[str, str | None] | None:
    """A whole line that is a dateline -> (kind, ISO published or None); None when it is not one.

    kind is ``published`` or ``updated``. The value has the time when the line gives one
    (``2020-10-09T22:43:00``), else the date; None when the line gives no year.
    """
    line = line.strip()
    if not line or len(line) > 80 or _DURATION.match(line):
        return None
    kind, rest = _split_label(line)
    if not _only_date_words(rest) or not re.search(r"\d", rest):
        return None
    date = _find_date(rest)
    if date is None:
        if kind is None:
            return None
        return kind, None  # "Updated 2 hours ago": a dateline without a date
    return kind or "published", _iso(date, _find_time(rest, date))


def _split_label(line: str) -> tuple[str | None, str]:
    """``Last updated: 12:01 PM`` -> ("updated", "12:01 PM"); (None, line) without a label."""
    labels = _dateline_labels()
    words = line.split(None, 3)
    for n in range(min(3, len(words)), 0, -1):
        label = " ".join(words[:n]).rstrip(":").casefold()
        if label in labels:
            return labels[label], " ".join(words[n:]).lstrip(": ").strip()
    return None, line


def _only_date_words(text: str) -> bool:
    for word in re.findall(r"[A-Za-z]+", text):
        low = word.casefold()
        if low in _MONTHS or low in _WEEKDAYS or low in _DATE_FILLER or low.rstrip("s") in _DATE_FILLER:
            continue
        if word.isupper() and len(word) <= 5:  # a time zone: EDT, BST, CEST
            continue
        if low in _dateline_labels():
            continue
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Date:
    year: int | None
    month: int
    day: int
    span: tuple[int, int]


def _find_date(text: str) -> _Date | None:
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            date = _date_of(match)
            if date is not None:
                return date
    return None


def _date_of(match: re.Match[str]) -> _Date | None:
    groups = match.groupdict()
    year = int(groups["year"]) if groups.get("year") else None
    if groups.get("a"):
        a, b = int(groups["a"]), int(groups["b"])
        month, day = (b, a) if groups["sep"] == "." or a > 12 else (a, b)
    elif groups.get("mnum"):
        month, day = int(groups["mnum"]), int(groups["day"])
    else:
        month, day = _MONTHS.get(groups["mon"].casefold(), 0), int(groups["day"])
    if not (1 <= month <= 12 and 1 <= day <= 31) or (year is not None and not 1900 <= year <= 2100):
        return None
    return _Date(year, month, day, match.span())


def _find_time(text: str, date: _Date) -> tuple[int, int] | None:
    rest = text[:date.span[0]] + " " * (date.span[1] - date.span[0]) + text[date.span[1]:]
    match = _TIME.search(rest)
    if not match:
        return None
    hour = int(match.group("h") or match.group("h2"))
    minute = int(match.group("m") or 0)
    ampm = (match.group("ap") or match.group("ap2") or "").casefold()
    if ampm.startswith("p") and hour < 12:
        hour += 12
    elif ampm.startswith("a") and hour == 12:
        hour = 0
    return (hour, minute) if hour < 24 and minute < 60 else None


def _iso(date: _Date, time: tuple[int, int] | None) -> str | None:
    if date.year is None:
        return None
    try:
        value = datetime(date.year, date.month, date.day, *(time or (0, 0)))
    except ValueError:
        return None
    return value.isoformat() if time else value.date().isoformat()


_BODY_DATELINE = re.compile(
    r"^(?P<place>[A-Z][A-Z.'\u2019 -]*[A-Z.]|[A-Z][A-Za-z.'\u2019 -]{1,30}?)"
    r"(?:,\s*(?P<extra>[^()\n]{1,40}?))?\s*(?:\((?P<agency>[A-Za-z][\w .&/-]{0,30})\))?"
    r"\s*(?:-{1,2}|[\u2013\u2014\ufffd:])\s")


def read_body_dateline(paragraph: str) -> Reading:
    """``MOSCOW, Oct 9 (Reuters) -`` opening a paragraph -> source and (with a year) published.

    The dateline stays in the body; only metadata is read from it.
    """
    match = _BODY_DATELINE.match(paragraph)
    if not match or not (match.group("agency") or match.group("place").isupper()):
        return Reading(body="")
    date = _find_date(match.group("extra") or "")
    published = _iso(date, None) if date else None
    return Reading(body="", source=(match.group("agency") or "").strip() or None, published=published)


# ---------------------------------------------------------------------------- captions, related


@cache
def _caption_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(a caption's credit tail in brackets, a whole credit line), from parse_caption_words.tsv."""
    rows = [line.split("\t") for line in _lines("parse_caption_words.tsv")]

    def alternation(kinds: set[str]) -> str:
        found = sorted((re.escape(r[0].strip()) for r in rows if r[-1].strip() in kinds), key=len,
                       reverse=True)
        return "|".join(found)
    tail = re.compile(r"\s*\((?:[A-Z][\w.&-]*\s+)?(?:" + alternation({"both"})
                      + r")\b[^()]{0,80}\)\s*$", re.I)
    credit = re.compile(r"^\(?(?:" + alternation({"both", "line"})
                        + r")(?:\s+(?:by|credit))?\s*:\s*\S.{0,80}$", re.I)
    return tail, credit


_SLASH_CREDIT = re.compile(r"^(?P<caption>\S.*?\S)\s+/\s?(?P<credit>[A-Z\u00c0-\u024f][^/]{1,100})$")


def read_caption(line: str) -> str | None:
    """A photo caption line -> the caption without its credit; None when it is not one.

    ``Ministers meet in Moscow, October 9, 2020. /Foreign Ministry`` and
    ``Ministers meet in Moscow. (AP Photo/Evan Vucci)`` are captions; a bare credit line
    (``Photo: Reuters``) gives ''.
    """
    line = line.strip()
    tail, credit = _caption_patterns()
    if credit.match(line):
        return ""
    match = _SLASH_CREDIT.match(line)
    if match and len(match.group("caption").split()) >= 3 and not _ends_sentence(match.group("credit")):
        return match.group("caption").strip()
    found = tail.search(line)
    if found and len(line[:found.start()].split()) >= 3:
        return line[:found.start()].strip()
    return None


def _mark_captions(blocks: list[_Block]) -> tuple[str, ...]:
    captions: list[str] = []
    for block in blocks:
        if block.kind != "body":
            continue
        caption = read_caption(block.text)
        if caption is None:
            continue
        block.kind = "caption"
        if caption and caption not in captions:
            captions.append(caption)
    for block in blocks:  # the same caption again without its credit
        if block.kind == "body" and block.text.strip() in captions:
            block.kind = "caption"
    return tuple(captions)


_RELATED_LABEL = re.compile(r"^(?P<label>[A-Za-z][A-Za-z' ]{1,30}?)\s*(?::\s*(?P<rest>.*)|[.!]*)$")
MAX_RELATED = 8  # headlines read after one "Read more:" label


def read_related_label(line: str) -> tuple[bool, str]:
    """``Read more:`` -> (True, ''); ``Read more: Some headline`` -> (True, 'Some headline')."""
    match = _RELATED_LABEL.match(line.strip())
    if not match or match.group("label").strip().casefold() not in _word_set("parse_related_labels.txt"):
        return False, ""
    return True, (match.group("rest") or "").strip()


def _mark_related(blocks: list[_Block]) -> tuple[str, ...]:
    related: list[str] = []
    i = 0
    while i < len(blocks):
        block = blocks[i]
        is_label, rest = read_related_label(block.text) if block.kind == "body" else (False, "")
        i += 1
        if not is_label:
            continue
        block.kind = "related"
        if rest:
            related.append(rest)
            continue
        while i < len(blocks) and len(related) < MAX_RELATED and _is_related_headline(blocks[i]):
            blocks[i].kind = "related"
            related.append(blocks[i].text.strip())
            i += 1
    return tuple(related)


def _is_related_headline(block: _Block) -> bool:
    text = block.text.strip()
    return (block.kind == "body" and _is_headline(text, max_words=20, max_chars=160)
            and not text.endswith(("?\"", "!\"", "\u201d")) and len(text.split()) >= 3)


def _mark_furniture(blocks: list[_Block]) -> None:
    """Video durations (``01:13``) and page furniture lines (``Advertisement``) leave the body."""
    furniture = _word_set("parse_boilerplate.txt")
    for block in blocks:
        text = block.text.strip()
        if block.kind == "body" and (_DURATION.match(text) or text.rstrip(":").casefold() in furniture):
            block.kind = "drop"


# ---------------------------------------------------------------------------- HTML

TRAFILATURA_OPTIONS: dict[str, Any] = {"include_comments": False, "favor_precision": True,
                                       "include_tables": True}


def read_html(html: str, *, url: str | None = None) -> Reading:
    """HTML -> Reading: trafilatura's body (paragraphs as blank-line blocks) and metadata."""
    from trafilatura.utils import load_html

    tree = load_html(normalize_text(html))
    if tree is None:
        raise _no_text("the HTML could not be parsed")
    meta = read_html_metadata(tree, url=url)
    text, page = _extract_html_text(tree, url=url)
    if not text.strip():
        raise _no_text("the page has no article text (only scripts, styles or markup?)")
    found = _trafilatura_meta(page)
    meta = replace(_merge(meta, found), source=_source_name(found.source or meta.source))
    meta = replace(meta, title=_strip_site(meta.title, meta.source), url=meta.url or _clean(
        getattr(page, "url", None)))
    reading = read_text(_paragraphs(text), title=meta.title)
    return replace(_merge(meta, reading), body=reading.body, captions=reading.captions,
                   related=reading.related)


def _page_metadata(html: str, *, url: str | None) -> Reading:
    """Metadata only, for an input that gives both its text and its page."""
    from trafilatura.utils import load_html

    tree = load_html(normalize_text(html))
    return read_html_metadata(tree, url=url) if tree is not None else Reading(body="")


def _no_text(what: str) -> InputError:
    return InputError(f"{what}; expected an article page with paragraphs of text. "
                      "Give the article's text instead, or the full page HTML", reason="no_text")


def _extract_html_text(tree: "HtmlElement", *, url: str | None) -> tuple[str, Any]:
    """trafilatura's article text and page metadata, falling back to recall mode, then to the
    page's whole text."""
    import copy

    import trafilatura

    page = trafilatura.bare_extraction(copy.deepcopy(tree), url=url, with_metadata=True,
                                       **TRAFILATURA_OPTIONS)
    text = getattr(page, "text", None) or ""
    if not text.strip():
        recall = trafilatura.bare_extraction(copy.deepcopy(tree), url=url, include_comments=False,
                                             favor_recall=True)
        text = getattr(recall, "text", None) or ""
    if not text.strip():
        text = trafilatura.html2txt(copy.deepcopy(tree)) or ""
    return text, page


def _paragraphs(text: str) -> str:
    """trafilatura puts one block a line: make each a paragraph separated by a blank line."""
    lines = (line.strip() for line in normalize_text(text).split("\n"))
    return "\n\n".join(line for line in lines if line)


def _trafilatura_meta(page: Any) -> Reading:
    if page is None:
        return Reading(body="")
    return Reading(body="", title=_clean(getattr(page, "title", None)),
                   source=_clean(getattr(page, "sitename", None)),
                   published=_iso_datetime(getattr(page, "date", None)))


def read_html_metadata(tree: "HtmlElement", *, url: str | None = None) -> Reading:
    """Title, site name, publication time, canonical URL and language from meta tags and JSON-LD."""
    meta = _meta_tags(tree)
    ld = _json_ld(tree)
    source = _first(meta, "og:site_name", "application-name", "publisher") or _ld_name(ld.get("publisher"))
    title = _first(meta, "og:title", "twitter:title", "headline") or _clean(ld.get("headline"))
    title = title or _clean(tree.findtext(".//title")) or _clean(_h1(tree))
    published = (_iso_datetime(ld.get("datePublished")) or _iso_datetime(_first(
        meta, "article:published_time", "datepublished", "pubdate", "publishdate", "publish-date",
        "date", "dc.date.issued", "dc.date", "parsely-pub-date", "sailthru.date", "og:published_time"))
        or _url_date(url))
    canonical = _clean(tree.xpath("string(.//link[@rel='canonical']/@href)")) or _first(meta, "og:url")
    lang = _clean(tree.get("lang")) or _first(meta, "og:locale", "content-language", "language")
    return Reading(body="", title=title, source=source, published=published,
                   url=url or canonical, language=(lang or "")[:2].casefold() or None)


def _meta_tags(tree: "HtmlElement") -> dict[str, str]:
    meta: dict[str, str] = {}
    for tag in tree.iter("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop") or tag.get("http-equiv")
        value = _clean(tag.get("content"))
        if key and value:
            meta.setdefault(key.strip().casefold(), value)
    return meta


def _first(meta: dict[str, str], *keys: str) -> str | None:
    return next((meta[k] for k in keys if meta.get(k)), None)


def _json_ld(tree: "HtmlElement") -> dict[str, Any]:
    """The first JSON-LD object that looks like an article (has a headline or datePublished)."""
    for script in tree.xpath(".//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text_content() or "")
        except (ValueError, RecursionError):
            continue
        for obj in _ld_objects(data):
            if "datePublished" in obj or "headline" in obj:
                return obj
    return {}


def _ld_objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        yield from _ld_objects(data.get("@graph"), depth + 1)


def _ld_name(value: Any) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    return _clean(value.get("name")) if isinstance(value, dict) else _clean(value)


def _h1(tree: "HtmlElement") -> str | None:
    found = tree.xpath("string(.//h1)")
    return str(found) if found else None


def _clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return " ".join(normalize_text(value).split()) or None


def _strip_site(title: str | None, source: str | None) -> str | None:
    """``Talks begin - CGTN`` -> ``Talks begin`` when the tail is the site's name."""
    if not title or not source:
        return title
    for sep in (" - ", " | ", " \u2013 ", " \u2014 ", " :: "):
        head, found, tail = title.rpartition(sep)
        if found and head and _same(tail, source):
            return head.strip()
    return title


_URL_DATE = re.compile(r"/((?:19|20)\d{2})[/-](\d{1,2})[/-](\d{1,2})(?:/|-|$)")


def _source_name(name: str | None) -> str | None:
    """A site name; one given as a URL (``https://www.example.com``) -> its host name."""
    if name and re.match(r"^(?:https?://|www\.)", name, re.I):
        host = re.sub(r"^(?:https?://)?(?:www\.)?", "", name, flags=re.I)
        return host.split("/")[0] or None
    return name


def _url_date(url: str | None) -> str | None:
    match = _URL_DATE.search(url or "")
    if not match:
        return None
    try:
        year, month, day = (int(g) for g in match.groups())
        return datetime(year, month, day).date().isoformat()
    except ValueError:
        return None


def _iso_datetime(value: Any) -> str | None:
    """An ISO-like date or datetime from metadata -> ISO 8601 (seconds; offset kept if given)."""
    text = _clean(value)
    if not text:
        return None
    text = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        date = _find_date(text)
        return _iso(date, _find_time(text, date)) if date else None
    if not 1900 <= parsed.year <= 2100:  # placeholders such as 0001-01-01
        return None
    if len(text) <= 10:
        return parsed.date().isoformat()
    return parsed.isoformat(timespec="seconds")


# ---------------------------------------------------------------------------- language


@cache
def _langid() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


MIN_LANGID_LETTERS = 20  # below this, the page's declared language (if any) is trusted instead
MIN_LANGID_PROB = 0.15  # below this, py3langid is guessing: the hint, or None (undetermined)


def detect_language(text: str, *, hint: str | None = None) -> str | None:
    """ISO 639-1 code of the text's language (py3langid on the first few thousand characters).

    ``hint`` (a page's ``<html lang>``) decides for texts too short to tell; None means
    there is too little text to tell and no hint.
    """
    sample = text[:LANGID_CHARS]
    if hint and sum(c.isalpha() for c in sample) < MIN_LANGID_LETTERS:
        return hint
    if not any(c.isalpha() for c in sample):
        return hint
    lang, prob = _langid().classify(sample)
    return str(lang) if prob >= MIN_LANGID_PROB else hint
