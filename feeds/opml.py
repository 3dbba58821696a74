"""OPML import and export: how feed readers hand a list of subscriptions to one another.

Reading goes through listparser, which knows the dialects in the wild (OPML 1.0 and 2.0, nested
folders, the ``category`` attribute, ``text`` or ``title``). Writing uses the standard library's
ElementTree: OPML 2.0, one ``<outline type="rss">`` per feed.

Categories are written as folders (an outline per category holding its feeds), which is what
Feedly, Inoreader, Miniflux, FreshRSS and Thunderbird read; uncategorised feeds come first, then
each category in the order it first appears, its feeds in their given order. Nested folders read
back as one category with « / » between the levels (« Afrique/Sahel »), and a folder written
with a « / » in its name reads back the same, so ``read_opml(write_opml(feeds))`` gives the feeds
back, grouped that way. A feed written without title gets its address as ``text`` (OPML requires
one); a title equal to the address reads back as None.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

import listparser


class OpmlError(ValueError):
    """The document is not OPML, or names no feed."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str | None = None
    category: str | None = None
    """The folder (or first ``category``) the feed sits in; nested folders joined with « / »."""


_ENCODING_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']""")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_NOT_IN_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def read_opml(data: bytes) -> list[OpmlFeed]:
    """The feeds of an OPML document, in document order, each address once.

    Raises ``OpmlError`` (one English line) when ``data`` is not OPML or holds no feed. Feed
    addresses are returned as written: the caller checks them as it checks any address.
    """
    result = listparser.parse(_as_utf8(data))
    if not str(result.get("version") or "").startswith("opml"):
        raise OpmlError("not an OPML document")
    feeds = [_opml_feed(found) for found in result.get("feeds") or [] if found.get("url")]
    if not feeds:
        raise OpmlError("the OPML document holds no feed (no outline with an xmlUrl)")
    return feeds


def write_opml(feeds: Sequence[OpmlFeed], *, title: str, now: datetime) -> str:
    """An OPML 2.0 document listing ``feeds`` (see the module's notes on categories)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = _xml_text(title)
    created = format_datetime(now.astimezone(UTC), usegmt=True)
    ElementTree.SubElement(head, "dateCreated").text = created
    body = ElementTree.SubElement(root, "body")
    folders: dict[str, ElementTree.Element] = {}
    for feed in sorted(feeds, key=lambda feed: feed.category is not None):
        parent = body
        category = _xml_text(feed.category or "")
        if category:
            if category not in folders:
                folders[category] = ElementTree.SubElement(
                    body, "outline", text=category, title=category
                )
            parent = folders[category]
        name = _xml_text(feed.title or "") or _xml_text(feed.url)
        ElementTree.SubElement(
            parent, "outline", type="rss", text=name, title=name, xmlUrl=_xml_text(feed.url)
        )
    ElementTree.indent(root)
    document = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="utf-8"?>\n{document}\n'


def _opml_feed(found: dict[str, object]) -> OpmlFeed:
    url = str(found["url"]).strip()
    title = str(found.get("title") or "").strip()
    categories = found.get("categories")
    category = None
    if isinstance(categories, list) and categories:
        category = "/".join(part for part in categories[0] if part) or None
    return OpmlFeed(url=url, title=title if title and title != url else None, category=category)


def _as_utf8(data: bytes) -> bytes:
    """The document re-encoded as declared UTF-8: listparser reads with lxml's *HTML* parser,
    which takes a document without XML declaration for Latin-1 (« Ã© ») and ignores a declared
    ISO-8859-1. The encoding is the BOM's, else the declaration's, else UTF-8 (Windows-1252
    when the bytes are not UTF-8: hand-edited files)."""
    text = _decode(data)
    return ('<?xml version="1.0" encoding="utf-8"?>' + _XML_DECLARATION.sub("", text)).encode()


def _decode(data: bytes) -> str:
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace")
    declared = _ENCODING_DECLARATION.match(data)
    if declared is not None:
        try:
            return data.decode(declared.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (controls), and without edge blanks
    (readers strip them)."""
    return _NOT_IN_XML.sub("", text).strip()
