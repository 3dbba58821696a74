"""Turn pasted text, files and web pages into clean ``ArticleDraft`` records, or refuse them.

Ingestion is the door of the newsroom: everything after it (summary, tags, storage, digests)
trusts that a draft has a real title, a non-empty body and normalised text. So ingestion refuses
early and says why with a stable, machine-readable ``RejectReason``; the bot turns the reason into
French, logs use ``str()`` of the exception (English).

Decisions worth knowing:

* Title: the first non-empty line, unless it is longer than ``TITLE_MAX_CHARS`` (a pasted lead
  paragraph, like the seed article's first line). Then its first sentence becomes the title and
  the rest of the line opens the body; if even that sentence is too long, the title is the line
  cut at a word boundary with « … » and the whole line stays in the body. A final full stop is
  dropped (headlines have none). A title without body is refused (``NO_BODY``): nothing to
  summarise.
* Markdown syntax (headings, ``**``/``__``, links, images, rules, fences) is removed from any text:
  these marks are unambiguous, never part of a plain article, and would show as noise.
* HTML tags pasted inside text stay characters (the bot escapes on output); a text that *is* an
  HTML document (doctype or ``<html>``) goes through trafilatura like a fetched page.
* Bytes: UTF-8 (BOM or not) and UTF-16 with BOM are decoded; text that is not UTF-8 is accepted
  as Windows-1252 (Notepad's legacy « ANSI ») only when it does not look like UTF-8 gone wrong
  (more valid UTF-8 sequences than broken bytes): decoding broken UTF-8 as cp1252 would publish
  « Ã© » garbage, so that is refused (``BAD_ENCODING``).
* Directories are read flat (not recursively): a newsroom export folder is flat, and recursing
  would walk into whatever else sits below (``.git``, archives). Hidden files are ignored;
  subdirectories and other extensions are reported per entry, and so are links leaving the
  folder and whatever is not a regular file (a named pipe would block the read forever).
"""

from __future__ import annotations

import asyncio
import codecs
import logging
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import trafilatura

from content.fetch import FetchedPage, UrlFetcher
from content.models import ArticleDraft
from content.rejections import ContentRejected, RejectReason
from content.text import MAX_TEXT_BYTES, looks_binary, normalize_text, word_count

logger = logging.getLogger(__name__)

TITLE_MAX_CHARS = 160
"""Longer first lines are lead paragraphs, not headlines (long Sahel headlines reach ~150)."""

MIN_PAGE_WORDS = 25
"""A page whose extracted text is shorter is a home page, a paywall teaser or an error page."""

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})
_HTML_SUFFIXES = frozenset({".html", ".htm"})


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What became of one file of a directory: exactly one of ``draft`` and ``rejection`` is set."""

    path: Path
    draft: ArticleDraft | None = None
    rejection: ContentRejected | None = None


# --- text ---------------------------------------------------------------------------------

_HTML_DOCUMENT = re.compile(r"\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html[\s>])", re.I | re.S)
_DROPPED_LINE = re.compile(
    r"(?:[*_-]\s*){3,}|={3,}|#{1,6}|(?:```|~~~).*"  # rules, setext underlines, bare marks, fences
    r"|\|?(?:\s*:?-{3,}:?\s*\|)+(?:\s*:?-{3,}:?\s*)?"  # table separator rows: |---|:---:|
)
_HEADING = re.compile(r"#{1,6}\s+(.*?)(?:\s+#+)?")
_BLOCKQUOTE = re.compile(r"^(?:>\s?)+")
# Character classes exclude the opening marks so that a line full of unclosed « [ » or « ** »
# is scanned in linear time, not retried to the end of the line from every mark (ReDoS).
_IMAGE = re.compile(r"!\[[^\[\]\n]*\]\([^()\n]*\)")
_LINK = re.compile(r"\[([^\[\]\n]+)\]\((?:<[^<>\n]*>|[^()\s]*)(?:\s\"[^\"\n]{0,300}\")?\)")
_STRONG = re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1")
_SENTENCE_END = re.compile(r"[.!?…]+[»\"”)]?\s+(?=[«\"“(]?\s?[A-ZÀ-ÖØ-Þ0-9])")
_LAST_WORD = re.compile(r"([^\W\d_]+)[.!?…]+[»\"”)]?\s+$")
_ABBREVIATIONS = frozenset(
    {"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "st", "ste", "gal", "gén", "col", "cf"}
)


def draft_from_text(
    text: str,
    *,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published_on: date | None = None,
) -> ArticleDraft:
    """Build a draft from pasted or decoded text; ``title`` overrides the first-line title.

    Raises ``ContentRejected`` (EMPTY, TOO_LARGE, NO_BODY; NO_ARTICLE_TEXT for HTML documents).
    """
    _check_text_size(text)
    if _HTML_DOCUMENT.match(text):
        return _draft_from_html(
            text, url=url, source=source, title=title, published_on=published_on
        )
    return _draft_from_plain_text(
        text, title=title, source=source, url=url, published_on=published_on
    )


def _draft_from_plain_text(
    text: str, *, title: str | None, source: str | None, url: str | None, published_on: date | None
) -> ArticleDraft:
    _check_text_size(text)
    cleaned = normalize_text(_strip_markdown(normalize_text(text)))
    if not cleaned:
        raise ContentRejected(RejectReason.EMPTY)
    explicit = normalize_text(title or "").replace("\n", " ")
    headline, body = _split_explicit(explicit, cleaned) if explicit else _split_title(cleaned)
    if not body:
        raise ContentRejected(RejectReason.NO_BODY, f"title only: {headline[:80]!r}")
    return ArticleDraft(headline, body, source=source, url=url, published_on=published_on)


def _check_text_size(text: str) -> None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_TEXT_BYTES:
        raise ContentRejected(RejectReason.TOO_LARGE, f"{size} bytes (limit {MAX_TEXT_BYTES})")


def _strip_markdown(text: str) -> str:
    """Remove Markdown marks but keep every word; works line by line on normalised text."""
    kept = (_strip_markdown_line(line) for line in text.split("\n"))
    return "\n".join(line for line in kept if line is not None)


def _strip_markdown_line(line: str) -> str | None:
    if _DROPPED_LINE.fullmatch(line):
        return None
    heading = _HEADING.fullmatch(line)
    if heading:
        line = heading.group(1)
    line = _BLOCKQUOTE.sub("", line)
    line = _LINK.sub(r"\1", _IMAGE.sub("", line))
    return _STRONG.sub(r"\2", line)


def _split_title(text: str) -> tuple[str, str]:
    first_line, _, rest = text.partition("\n")
    title, spill = headline_from_line(first_line)
    return title, normalize_text(f"{spill}\n{rest}")


def _split_explicit(title: str, text: str) -> tuple[str, str]:
    """Use the given title; drop the text's first line when it merely repeats that title."""
    first_line, _, rest = text.partition("\n")
    body = rest if _same_title(first_line, title) else text
    return shorten(title, TITLE_MAX_CHARS), normalize_text(body)


def _same_title(line: str, title: str) -> bool:
    return line.rstrip(".").casefold() == title.rstrip(".").casefold()


def headline_from_line(line: str) -> tuple[str, str]:
    """Split a first line into (title, what of the line belongs to the body).

    A line short enough is the title. A longer one is a lead paragraph: its first sentence is the
    title when it fits; otherwise the title is the line shortened, and the body keeps the line.
    """
    if len(line) <= TITLE_MAX_CHARS:
        return _without_final_stop(line), ""
    sentence = first_sentence(line[: TITLE_MAX_CHARS + 40])
    if sentence is not None and len(sentence) <= TITLE_MAX_CHARS:
        return _without_final_stop(sentence), line[len(sentence) :].strip()
    return shorten(line, TITLE_MAX_CHARS), line


def first_sentence(line: str) -> str | None:
    """Return the first sentence of ``line`` (with its punctuation), or None if it has only one.

    A stop after an abbreviation (« M. », « Dr. ») or an initial (« J. ») ends no sentence.
    """
    for match in _SENTENCE_END.finditer(line):
        candidate = line[: match.end()]
        last_word = _LAST_WORD.search(candidate[-40:])
        if last_word and _is_abbreviation(last_word.group(1)):
            continue
        return candidate.strip()
    return None


def _is_abbreviation(word: str) -> bool:
    return len(word) == 1 or word.casefold() in _ABBREVIATIONS


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` at the last word boundary within ``limit`` characters, marked with « … »."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    boundary = cut.rfind(" ")
    if boundary > limit // 2:
        cut = cut[:boundary]
    return cut.rstrip(" ,;:-–—") + "…"


def _without_final_stop(title: str) -> str:
    if title.endswith(".") and not title.endswith(".."):
        return title[:-1].rstrip()
    return title


# --- HTML ---------------------------------------------------------------------------------


def _draft_from_html(
    html: str,
    *,
    url: str | None,
    source: str | None = None,
    title: str | None = None,
    published_on: date | None = None,
    precise: bool = False,
) -> ArticleDraft:
    """Extract the main article of an HTML document with trafilatura (CPU-bound, synchronous).

    Explicit arguments win over the page's metadata; the domain is the last-resort source.
    """
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        favor_precision=precise,
    )
    text = _metadata(document, "text") or ""
    if word_count(text) < MIN_PAGE_WORDS:
        raise ContentRejected(RejectReason.NO_ARTICLE_TEXT, f"{word_count(text)} words")
    return _draft_from_plain_text(
        text,
        title=title or _metadata(document, "title"),
        source=source or _metadata(document, "sitename") or site_from_url(url),
        url=url,
        published_on=published_on or parse_published_date(_metadata(document, "date")),
    )


def _metadata(document: Any, name: str) -> str | None:
    value = getattr(document, name, None)
    return value.strip() or None if isinstance(value, str) else None


def parse_published_date(value: str | None) -> date | None:
    """Read trafilatura's ISO date (« 2025-06-23 »); anything else means « unknown »."""
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def site_from_url(url: str | None) -> str | None:
    """The host of ``url`` without « www. », in Unicode: the source name when a page has none."""
    host = urlsplit(url).hostname if url else None
    if not host:
        return None
    host = host.removeprefix("www.")
    try:
        return host.encode("ascii").decode("idna")
    except UnicodeError:
        return host


# --- bytes and files ------------------------------------------------------------------------


def draft_from_bytes(
    data: bytes,
    *,
    filename: str | None = None,
    title: str | None = None,
    source: str | None = None,
    url: str | None = None,
    published_on: date | None = None,
) -> ArticleDraft:
    """Decode a file's bytes and build a draft; a ``.html``/``.htm`` filename forces extraction."""
    if len(data) > MAX_TEXT_BYTES:
        raise ContentRejected(RejectReason.TOO_LARGE, f"{len(data)} bytes (limit {MAX_TEXT_BYTES})")
    text = decode_text_bytes(data)
    if filename and Path(filename).suffix.lower() in _HTML_SUFFIXES:
        return _draft_from_html(text, url=url, source=source, title=title)
    return draft_from_text(text, title=title, source=source, url=url, published_on=published_on)


def check_document(filename: str | None, mime_type: str | None) -> None:
    """Refuse a sent document from its name alone, before it is downloaded: a PDF, an image or
    an office file is no text we can read, even when its first bytes look like text. A name
    without extension is accepted when its declared type is text.

    Raises ``ContentRejected(UNSUPPORTED_FILE)`` with the extension (or type) as detail.
    """
    suffix = Path(filename).suffix.lower() if filename else ""
    if suffix in SUPPORTED_SUFFIXES or (not suffix and (mime_type or "").startswith("text/")):
        return
    raise ContentRejected(RejectReason.UNSUPPORTED_FILE, suffix or mime_type or "no extension")


def decode_text_bytes(data: bytes) -> str:
    """Decode text bytes: UTF-8 (optional BOM), UTF-16 with BOM, or legacy Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_or_refuse(data, "utf-16")
    if looks_binary(data):
        raise ContentRejected(RejectReason.BINARY)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if _looks_like_broken_utf8(data):
            detail = f"invalid UTF-8 at byte {error.start}"
            raise ContentRejected(RejectReason.BAD_ENCODING, detail) from error
    return _decode_or_refuse(data, "cp1252")


def _decode_or_refuse(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        detail = f"invalid {encoding} at byte {error.start}"
        raise ContentRejected(RejectReason.BAD_ENCODING, detail) from error


def _looks_like_broken_utf8(data: bytes) -> bool:
    """True when valid multi-byte UTF-8 characters outnumber the invalid bytes."""
    decoded = data.decode("utf-8", errors="replace")
    invalid = decoded.count("\ufffd")
    valid_non_ascii = sum(1 for char in decoded if ord(char) > 0x7F) - invalid
    return valid_non_ascii > invalid


def drafts_from_path(path: Path, *, source: str | None = None) -> list[FileOutcome]:
    """Ingest a file, or every entry of a directory (flat, sorted by name), one outcome each.

    In a directory, only what lies inside it is read: a symbolic link may point anywhere on
    the machine (a key, a password file), and whoever can drop a file in the folder could make
    the bot publish it. A link to a file inside the folder is followed; one leaving it, broken
    or looping is refused. A file named explicitly is read wherever it is: the operator chose it.

    Raises ``ContentRejected(NOT_FOUND)`` when ``path`` itself does not exist, and
    ``ContentRejected(UNREADABLE)`` when it is a directory that cannot be listed.
    """
    if path.is_dir():
        folder = path.resolve()
        return [_outcome(entry, source, folder) for entry in _visible_entries(path)]
    if not path.exists():
        raise ContentRejected(RejectReason.NOT_FOUND, str(path))
    return [_outcome(path, source)]


def _visible_entries(directory: Path) -> Iterable[Path]:
    try:
        return sorted(entry for entry in directory.iterdir() if not entry.name.startswith("."))
    except OSError as error:
        raise ContentRejected(RejectReason.UNREADABLE, f"{directory}: {error.strerror}") from None


def _outcome(path: Path, source: str | None, folder: Path | None = None) -> FileOutcome:
    try:
        if folder is None:
            draft = draft_from_file(path, source=source)
        else:
            draft = _draft_from_file(_inside(path, folder), path.name, source, follow=False)
        return FileOutcome(path, draft=draft)
    except ContentRejected as rejection:
        logger.info("Skipped %s: %s", path, rejection)
        return FileOutcome(path, rejection=rejection)


def _inside(entry: Path, folder: Path) -> Path:
    """What to read for an entry of ``folder`` (resolved): the entry, or the target of a link
    that stays inside the folder."""
    if not entry.is_symlink():
        return entry
    try:
        target = entry.resolve(strict=True)
    except FileNotFoundError:
        raise ContentRejected(RejectReason.UNREADABLE, "broken symbolic link") from None
    except (OSError, RuntimeError):  # RuntimeError: Python 3.11's word for a link loop
        raise ContentRejected(RejectReason.UNREADABLE, "symbolic link loop") from None
    if not target.is_relative_to(folder):
        raise ContentRejected(
            RejectReason.UNSUPPORTED_FILE, "symbolic link leading outside the folder"
        )
    return target


def draft_from_file(path: Path, *, source: str | None = None) -> ArticleDraft:
    """Ingest one ``.txt``, ``.md`` or ``.html`` file (the size is checked before reading)."""
    return _draft_from_file(path, path.name, source, follow=True)


def _draft_from_file(path: Path, name: str, source: str | None, *, follow: bool) -> ArticleDraft:
    if path.is_dir():
        raise ContentRejected(RejectReason.UNSUPPORTED_FILE, "directory (not read recursively)")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise ContentRejected(RejectReason.UNSUPPORTED_FILE, path.suffix.lower() or "no extension")
    return draft_from_bytes(_read_capped(path, follow=follow), filename=name, source=source)


_NOT_REGULAR = "not a regular file (a pipe, a socket or a device)"


def _read_capped(path: Path, *, follow: bool) -> bytes:
    """Read at most one byte past the limit, so a huge file is refused without loading it.

    Only regular files are read: opening a named pipe waits for a writer forever, and a device
    never ends. The file is opened without blocking and checked once open, so that it cannot be
    swapped for a pipe (or, with ``follow`` False, for a link) between the check and the read.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    try:
        if not stat.S_ISREG(path.stat(follow_symlinks=follow).st_mode):
            raise ContentRejected(RejectReason.UNREADABLE, _NOT_REGULAR)
        descriptor = os.open(path, flags)
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                raise ContentRejected(RejectReason.UNREADABLE, _NOT_REGULAR)
            data = handle.read(MAX_TEXT_BYTES + 1)
    except FileNotFoundError as error:
        raise ContentRejected(RejectReason.NOT_FOUND, str(path)) from error
    except OSError as error:
        raise ContentRejected(RejectReason.UNREADABLE, f"{path}: {error.strerror}") from error
    size = status.st_size if len(data) > MAX_TEXT_BYTES else len(data)
    if size > MAX_TEXT_BYTES:
        raise ContentRejected(RejectReason.TOO_LARGE, f"{size} bytes (limit {MAX_TEXT_BYTES})")
    return data


# --- URLs -----------------------------------------------------------------------------------


async def draft_from_url(url: str, fetcher: UrlFetcher) -> ArticleDraft:
    """Fetch ``url`` safely and extract its article; extraction runs in a worker thread.

    trafilatura takes tens of milliseconds of CPU on a real page: on the bot's event loop that
    would stall every other chat, hence ``asyncio.to_thread``.
    """
    page = await fetcher.fetch(url)
    draft = await asyncio.to_thread(draft_from_page, page)
    logger.info("Ingested %s (%d characters of body)", page.url, len(draft.body))
    return draft


def draft_from_page(page: FetchedPage, *, precise: bool = False) -> ArticleDraft:
    """Build a draft from a fetched page: HTML goes through trafilatura, plain text as is.

    ``precise`` asks trafilatura to favour precision over recall: a feed item's page on a news
    site carries « related articles » boxes that would otherwise end up in the body.

    The draft keeps the page's address without its fragment and tracking parameters
    (``canonical_url``): the store recognises an article by its address too, and the same page
    shared with « ?utm_source=… » is the same article even when a counter on it changed.
    """
    url = canonical_url(page.url)
    if page.content_type == "text/plain":
        return _draft_from_plain_text(
            page.text, title=None, source=site_from_url(url), url=url, published_on=None
        )
    return _draft_from_html(page.text, url=url, precise=precise)


_TRACKING_PARAMETERS = frozenset(
    "fbclid gclid dclid gbraid wbraid msclkid yclid twclid ttclid igshid igsh mc_cid mc_eid "
    "_ga _gl xtor xtref ocid cmpid s_cid ref_src at_medium at_campaign at_format at_link "
    "at_platform at_send_date at_creation at_recipient_id at_recipient_list at_ptr_name "
    "at_emailtype at_custom1 at_custom2 at_custom3 at_custom4 sr_share".split()
)
"""Parameters that say how a reader arrived, not which page: analytics and ad click ids (Google,
Meta, Microsoft, Mailchimp, AT Internet's « xtor » of French news sites), plus every ``utm_*``."""


def canonical_url(url: str) -> str:
    """``url`` without fragment and tracking parameters; the rest is kept byte for byte (the
    order and encoding of the other parameters may matter to the site)."""
    parts = urlsplit(url)
    kept = [
        item
        for item in parts.query.split("&")
        if item and not _is_tracking(unquote(item.partition("=")[0]).lower())
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), ""))


def _is_tracking(name: str) -> bool:
    return name.startswith("utm_") or name in _TRACKING_PARAMETERS
