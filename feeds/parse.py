"""Fetched bytes to a ``ParsedFeed``: RSS 0.9x, 1.0 (RDF) and 2.0 and Atom through feedparser,
JSON Feed 1.0 and 1.1 through ``json``, anything else refused with ``NotAFeed``.

Pure: no network, no clock (``now``, the fetch time, is passed in). Decisions worth knowing:

* feedparser gets bytes, never a URL (it would fetch with no timeout, past the SSRF guard), and
  no ``content-location``: it would resolve RSS guids that are not URLs (« 4512 ») against the
  feed's address, so every guid would change when the feed moves (http to https is the usual
  301) and the store would take every item for new. Links are made absolute here instead, with
  ``urljoin`` against the feed's URL; ``xml:base`` inside the document is still feedparser's.
* The media type is not passed either, only its charset (as ``application/xml; charset=…``):
  feedparser applies RFC 3023, under which ``text/xml`` without a charset is US-ASCII and
  ``text/html`` is « not XML », and flags half the feeds in the wild as broken for it. The body
  decides what it is. A charset of the Latin-1 family on a body that is valid, non-ASCII UTF-8 is
  an Apache default, not the outlet's choice: it is ignored so that « é » does not become « Ã© ».
* A malformed feed (feedparser's ``bozo``) keeps the entries feedparser could read; the reason,
  on one line, goes to ``ParsedFeed.problem`` for the feed's state.
* Dates come from feedparser's ``*_parsed`` fields, which are UTC ``struct_time``s: they go
  through ``calendar.timegm`` (``time.mktime`` would read them as local time). A date more than
  ``FUTURE_TOLERANCE`` ahead of the fetch, or before ``OLDEST_CREDIBLE`` (a CMS's 1970 zero), is
  replaced by the fetch time: such items are new now, and a future date would pin an item to the
  top of every digest.
* ``text`` is the full content when the feed carries it, else the description; the description
  becomes ``standfirst`` only when it says something of its own: not when it equals the content
  or is merely its opening cut with « […] » (a CMS excerpt).
"""

from __future__ import annotations

import calendar
import codecs
import io
import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXParseException

import feedparser

from feeds.discovery import looks_like_html, media_type
from feeds.models import FeedItem, ParsedFeed
from feeds.plaintext import html_to_text, is_teaser_of, one_line, plain_to_text, title_from_text

FUTURE_TOLERANCE = timedelta(minutes=5)
"""Clocks drift: an item a few minutes ahead of ours is not from the future."""
OLDEST_CREDIBLE = datetime(2000, 1, 1, tzinfo=UTC)
"""No news item the bot follows predates this; earlier dates are a CMS's zero (1970, year 1)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JSON_TYPES = frozenset({"application/feed+json", "application/json"})
_HTML_CONTENT = frozenset({"text/html", "application/xhtml+xml"})
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.I)
_LATIN_1_FAMILY = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252"})
_PROBLEM_MAX_CHARS = 200
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


class NotAFeed(ValueError):
    """The body is no feed: an HTML page, an empty answer, JSON of another kind, garbage."""


def parse_feed(body: bytes, *, url: str, content_type: str | None, now: datetime) -> ParsedFeed:
    """Read a fetched feed; ``url`` (after redirects) anchors relative links, ``now`` (aware) is
    the fetch time that replaces incredible dates. Raises ``NotAFeed`` with one English line."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    if not body.strip():
        raise NotAFeed("empty body, not a feed")
    if _is_json(body, content_type):
        return _parse_json_feed(body, url=url, content_type=content_type, now=now)
    if looks_like_html(body, content_type):
        raise NotAFeed("an HTML page, not a feed")
    return _parse_xml_feed(body, url=url, content_type=content_type, now=now)


# --- RSS and Atom -----------------------------------------------------------------------------


_FEEDPARSER_CRASHES = (KeyError, AttributeError, IndexError, TypeError)
"""What feedparser 6 raises itself on some malformed XML instead of flagging it ``bozo``
(« <item><link></item></link> »: KeyError 'links')."""


def _parse_xml_feed(
    body: bytes, *, url: str, content_type: str | None, now: datetime
) -> ParsedFeed:
    headers = {"content-type": _content_type_for_feedparser(body, content_type)}
    # Links inside the content are not resolved, and the markup is not sanitized: the tags go
    # anyway (``plaintext.html_to_text`` skips scripts, styles and their kin), and the two cost
    # feedparser more than half its time.
    try:
        result = feedparser.parse(
            io.BytesIO(body),
            response_headers=headers,
            resolve_relative_uris=False,
            sanitize_html=False,
        )
    except _FEEDPARSER_CRASHES as error:  # its loose parser on tags closed out of order
        raise NotAFeed(f"not a readable feed (feedparser: {type(error).__name__})") from None
    problem = _describe(result.get("bozo_exception"), body) if result.get("bozo") else None
    entries = result.get("entries") or []
    if not entries and not result.get("version"):
        detail = f" ({problem})" if problem else ""
        raise NotAFeed(f"not an RSS, Atom or JSON feed{detail}")
    feed = result.get("feed") or {}
    items = (_entry_item(entry, url=url, now=now) for entry in entries)
    return ParsedFeed(
        title=_title(feed) or None,
        site_url=_absolute(feed.get("link"), url),
        ttl_minutes=_ttl(feed.get("ttl")),
        items=tuple(item for item in items if item is not None),
        problem=problem,
    )


def _content_type_for_feedparser(body: bytes, content_type: str | None) -> str:
    match = _CHARSET.search(content_type or "")
    if match is None or _mislabelled_utf8(body, match.group(1)):
        return "application/xml"
    return f"application/xml; charset={match.group(1)}"


def _mislabelled_utf8(body: bytes, label: str) -> bool:
    try:
        if codecs.lookup(label).name not in _LATIN_1_FAMILY or body.isascii():
            return False
        body.decode("utf-8")
    except (LookupError, UnicodeDecodeError):
        return False
    return True


def _entry_item(entry: Mapping[str, Any], *, url: str, now: datetime) -> FeedItem | None:
    return _build_item(
        guid=_clean(entry.get("id")),
        link=_entry_link(entry, url),
        title=_title(entry),
        content=_first_content(entry.get("content")),
        description=_detail_text(entry.get("summary_detail"), entry.get("summary")),
        published=_entry_date(entry, now),
        author=_clean(entry.get("author")),
    )


def _entry_link(entry: Mapping[str, Any], url: str) -> str | None:
    raw = _clean(entry.get("link"))
    if raw is None:
        return None
    if entry.get("guidislink"):
        # feedparser copied a permalink guid into the link: a relative one is an id (« 4512 »),
        # not an address on the feed's site.
        return raw if _is_web_url(raw) else None
    return _absolute(raw, url)


def _title(record: Mapping[str, Any]) -> str:
    text = _detail_text(record.get("title_detail"), record.get("title"), default="text/plain")
    return one_line(text or "")


def _first_content(contents: object) -> str | None:
    """content:encoded or Atom content; a feed may give several, the first text one wins."""
    if not isinstance(contents, list):
        return None
    for content in contents:
        text = _detail_text(content, None)
        if text:
            return text
    return None


def _detail_text(detail: object, fallback: object, *, default: str = "text/html") -> str | None:
    """Plain text of one of feedparser's ``*_detail`` records (value and type)."""
    kind, value = default, fallback
    if isinstance(detail, Mapping):
        kind, value = detail.get("type") or default, detail.get("value", fallback)
    if not isinstance(value, str):
        return None
    if kind == "text/plain":
        return plain_to_text(value)
    if kind in _HTML_CONTENT:
        return html_to_text(value)
    return None  # an image or other media given as content: no text


def _entry_date(entry: Mapping[str, Any], now: datetime) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        # Read past FeedParserDict's lookup: it answers ``updated_parsed`` with the published
        # date, and a DeprecationWarning, when there is no update date.
        value = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                moment = _EPOCH + timedelta(seconds=calendar.timegm(value))
            except OverflowError:  # beyond year 9999: a date as broken as 1970
                return now
            return _credible(moment, now)
    return None


def _ttl(value: object) -> int | None:
    text = value.strip() if isinstance(value, str) else ""
    if not text.isdecimal() or len(text) > 9:  # int() refuses thousands of digits; a ttl of
        return None  # more than 1900 years means nothing anyway
    minutes = int(text)
    return minutes if minutes > 0 else None


def _describe(error: object, body: bytes) -> str:
    if isinstance(error, SAXParseException):
        # feedparser puts an XML declaration in front of a document that has none.
        line = (error.getLineNumber() or 1) - (0 if _declares_xml(body) else 1)
        where = f"line {max(line, 1)}, column {error.getColumnNumber() or 0}"
        text = f"{where}: {error.getMessage()}"
    else:
        text = str(error) or type(error).__name__
    return one_line(text)[:_PROBLEM_MAX_CHARS]


def _declares_xml(body: bytes) -> bool:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) : len(bom) + 20].decode(codec, "ignore").startswith("<?xml")
    return body.startswith(b"<?xml")


# --- JSON Feed ----------------------------------------------------------------------------------


def _is_json(body: bytes, content_type: str | None) -> bool:
    opening = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return opening == b"{" or (media_type(content_type) in _JSON_TYPES and opening != b"<")


def _parse_json_feed(
    body: bytes, *, url: str, content_type: str | None, now: datetime
) -> ParsedFeed:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise NotAFeed(f"not a feed: invalid JSON ({one_line(str(error))[:120]})") from None
    version = document.get("version") if isinstance(document, dict) else None
    declared = media_type(content_type) == "application/feed+json"
    if not isinstance(document, dict) or not (
        (isinstance(version, str) and "jsonfeed.org" in version) or declared
    ):
        raise NotAFeed("a JSON document that is not a JSON Feed")
    entries = document.get("items")
    if not isinstance(entries, list):
        raise NotAFeed("a JSON Feed without an items list")
    items = (_json_item(entry, url=url, now=now) for entry in entries if isinstance(entry, dict))
    title = one_line(plain_to_text(_clean(document.get("title")) or ""))
    return ParsedFeed(
        title=title or None,
        site_url=_absolute(document.get("home_page_url"), url),
        ttl_minutes=None,
        items=tuple(item for item in items if item is not None),
    )


def _json_item(entry: Mapping[str, Any], *, url: str, now: datetime) -> FeedItem | None:
    markup, text = _clean(entry.get("content_html")), _clean(entry.get("content_text"))
    content = (html_to_text(markup) if markup else "") or (plain_to_text(text) if text else "")
    summary = _clean(entry.get("summary"))
    raw_id = entry.get("id")
    guid = str(raw_id) if isinstance(raw_id, int) and not isinstance(raw_id, bool) else raw_id
    link = _clean(entry.get("url")) or _clean(entry.get("external_url"))
    published = _json_date(entry.get("date_published"), now)
    return _build_item(
        guid=_clean(guid),
        link=_absolute(link, url),
        title=one_line(plain_to_text(_clean(entry.get("title")) or "")),
        content=content or None,
        description=plain_to_text(summary) if summary else None,
        published=published or _json_date(entry.get("date_modified"), now),
        author=_json_author(entry),
    )


def _json_date(value: object, now: datetime) -> datetime | None:
    """RFC 3339 (JSON Feed's format); a date without offset is taken as UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return _credible(moment.astimezone(UTC), now)
    except OverflowError:  # year 1 or 9999 with an offset: as broken as 1970
        return now


def _json_author(entry: Mapping[str, Any]) -> str | None:
    """JSON Feed 1.1's ``authors`` list, or 1.0's single ``author``."""
    authors = entry.get("authors")
    candidates = authors if isinstance(authors, list) else [entry.get("author")]
    for author in candidates:
        if isinstance(author, dict) and (name := _clean(author.get("name"))):
            return one_line(name)
    return None


# --- shared -------------------------------------------------------------------------------------


def _build_item(
    *,
    guid: str | None,
    link: str | None,
    title: str,
    content: str | None,
    description: str | None,
    published: datetime | None,
    author: str | None,
) -> FeedItem | None:
    """The item, or None when it has neither title nor text (nothing to show or summarise)."""
    text = content or description or ""
    standfirst = None
    if (
        content
        and description
        and len(description) < len(content)
        and not is_teaser_of(description, content)
    ):
        standfirst = description
    title = title or (title_from_text(text) if text else "")
    if not title:
        return None
    return FeedItem(guid, link, title, text, standfirst, published, author)


def _credible(moment: datetime, now: datetime) -> datetime:
    if moment > now + FUTURE_TOLERANCE or moment < OLDEST_CREDIBLE:
        return now
    return moment


def _absolute(link: object, base: str) -> str | None:
    if not isinstance(link, str) or not link.strip():
        return None
    try:
        absolute = urljoin(base, link.strip())
    except ValueError:  # a malformed IPv6 host (« http://[::1 »)
        return None
    return absolute if _is_web_url(absolute) else None


def _is_web_url(link: str) -> bool:
    try:
        parts = urlsplit(link)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _clean(value: object) -> str | None:
    """A string field with its blanks stripped; None for anything else or nothing."""
    if not isinstance(value, str):
        return None
    return value.strip() or None
