"""Finding the feed behind a web page, and telling a page from a feed.

Admins paste the address of a site's home page more often than its feed's. A page announces its
feeds in its head (``<link rel="alternate" type="application/rss+xml" href="…">``, the convention
every browser and reader follows), so the bot can follow the announced feed instead of refusing.
"""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

FEED_TYPES = frozenset(
    {"application/rss+xml", "application/atom+xml", "application/feed+json", "application/json"}
)
"""Media types of announced feeds. ``application/json`` is JSON Feed 1.0's announced type."""

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!doctype\s+(?!html\b)[^>]*>)", re.I | re.S)
"""What may precede a document's root element: XML declaration, stylesheet PIs, comments and a
doctype that is not HTML's (RSS 0.91 has its own)."""
_HTML_START = re.compile(rb"<(?:!doctype\s+html|html)[\s>]", re.I)
_FEED_START = re.compile(rb"<(?:[\w-]+:)?(?:rss|feed|rdf)[\s>]", re.I)
_SNIFFED_BYTES = 4096


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """Whether a fetched body is a web page rather than a feed.

    The body decides first: many servers send feeds as ``text/html`` and a few send pages as
    ``application/xml``. A body opening (after its prolog) with an HTML doctype or ``<html>`` is
    a page; one opening with ``<rss>``, ``<feed>`` or ``<rdf:RDF>``, or with ``{`` (JSON), is
    not. Only a body that says neither (a fragment, garbage) is judged by its media type.
    """
    head = _sniffable(body[:_SNIFFED_BYTES])
    while True:
        prolog = _PROLOG.match(head)
        if prolog is None or not prolog.group():
            break
        head = head[prolog.end() :]
    head = head.lstrip()
    if head.startswith(b"{"):
        return False
    if _HTML_START.match(head):
        return True
    if _FEED_START.match(head):
        return False
    return media_type(content_type) in _HTML_TYPES


def feed_links(html: str, base_url: str) -> list[str]:
    """The feeds ``html`` announces, absolute, in page order, each once.

    Relative addresses are resolved against the page's ``<base href>`` when it has one, else
    ``base_url``. Only http(s) addresses are kept. WordPress announces its REST API
    (``/wp-json/…``) as ``application/json`` on every page: that is never a feed and is skipped.
    """
    collector = _LinkCollector()
    collector.feed(html)
    collector.close()
    base = urljoin(base_url, collector.base) if collector.base else base_url
    found: dict[str, None] = {}
    for kind, href in collector.announced:
        try:
            url = urljoin(base, href)
            parts = urlsplit(url)
        except ValueError:  # a malformed IPv6 host
            continue
        if parts.scheme not in ("http", "https") or not parts.netloc:
            continue
        if kind == "application/json" and "/wp-json/" in parts.path:
            continue
        found.setdefault(url, None)
    return list(found)


class _LinkCollector(HTMLParser):
    """The page's first ``<base href>`` and its ``<link rel="alternate">`` feeds, as written."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.announced: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: (value or "").strip() for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        elif tag == "link":
            kind = media_type(values.get("type"))
            rel = values.get("rel", "").lower().split()
            if "alternate" in rel and kind in FEED_TYPES and values.get("href"):
                self.announced.append((kind, values["href"]))


def media_type(content_type: str | None) -> str:
    """``text/html`` of ``Text/HTML; charset=utf-8``; "" when there is none."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _sniffable(head: bytes) -> bytes:
    """The opening bytes in an ASCII-compatible encoding (UTF-16 feeds exist)."""
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom) :].decode(codec, errors="ignore").encode("utf-8")
    return head.removeprefix(codecs.BOM_UTF8)
