"""Who an item is, across polls: the key the feed store remembers it by, and a hash of what it
says so that an edited item is recognised.

The key prefers the feed's own id (``guid:``), then the item's address (``link:``), then, for
the rare item with neither (RSS 0.91 allows it), its title (``title:``, hashed: titles are
long and the key is an index column). Feeds break the first two in known ways: ids missing or
duplicated, and some CMSs put the fetch time in the guid, so that it changes on every poll. The
store guards against that by also remembering the normalised link of every item it has seen;
nothing more is done here.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from content.ingestion import canonical_url
from content.text import fold
from feeds.models import FeedItem

_DEFAULT_PORTS = {"http": 80, "https": 443}
_WORD = re.compile(r"\w+")


def normalised_link(url: str) -> str:
    """``url`` as one page has one address: scheme and host lower-cased, default port, fragment
    and tracking parameters (``utm_*``, ``fbclid``, ``xtor``…) removed, an empty path made "/".

    The rest (path, the other parameters and their order) is kept byte for byte: sites may
    tell pages apart by it. A URL that cannot be split (a broken IPv6 host) is returned as is.
    """
    try:
        parts = urlsplit(canonical_url(url.strip()))
        port = parts.port
    except ValueError:
        return url.strip()
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    path = parts.path or ("/" if netloc else "")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def item_key(item: FeedItem) -> str | None:
    """ "guid:<guid>", else "link:<normalised link>", else "title:<sha1 of the folded title>";
    None only for an item with none of the three (``parse_feed`` never yields one)."""
    if item.guid:
        return f"guid:{item.guid}"
    if item.link:
        return f"link:{normalised_link(item.link)}"
    title = " ".join(_WORD.findall(fold(item.title)))
    if title:
        return f"title:{hashlib.sha1(title.encode('utf-8')).hexdigest()}"
    return None


def content_hash(item: FeedItem) -> str:
    """SHA-1 (hex) of title and text with whitespace normalised: it changes when the outlet
    edits the words, not when its CMS re-wraps the lines."""
    words = " ".join(item.title.split()) + "\n" + " ".join(item.text.split())
    return hashlib.sha1(words.encode("utf-8")).hexdigest()
