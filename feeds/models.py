"""Records of the feed domain, shared by the parser, the poller, the store and the bot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry of a feed, whatever its format (RSS 0.9x/1.0/2.0, Atom, JSON Feed).

    Text fields are plain text (HTML tags removed, entities decoded); links are absolute.
    """

    guid: str | None
    """The entry's own id (RSS guid, Atom id, JSON Feed id); None when the feed gives none."""
    link: str | None
    title: str
    text: str
    """The item's full text when the feed carries it (content:encoded, Atom content), otherwise
    its description: often a teaser of one or two sentences."""
    standfirst: str | None
    """The outlet's own standfirst (chapô): the description, when the feed carries the full text
    besides it. None when the description is all there is."""
    published: datetime | None
    """When the outlet says it was published or updated, timezone-aware UTC; None if unknown."""
    author: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """What a feed document yields; a malformed one still yields what could be read."""

    title: str | None
    site_url: str | None
    ttl_minutes: int | None
    """RSS ``<ttl>``: how long the outlet asks readers to wait between polls."""
    items: tuple[FeedItem, ...]
    problem: str | None = None
    """Why the document is not well formed (feedparser's bozo exception), for the feed's state."""


@dataclass(frozen=True, slots=True)
class NewFeed:
    """A feed an admin (or the seed file, or an OPML import) asks the bot to follow."""

    url: str
    title: str | None = None
    topic: str | None = None
    """A topic key given to every item of the feed, besides the tagger's own topics."""
    include: tuple[str, ...] = ()
    """Keep only items mentioning one of these words (accent- and case-insensitive)."""
    exclude: tuple[str, ...] = ()
    """Drop items mentioning any of these words."""
    added_by: str = "cli"


@dataclass(frozen=True, slots=True)
class Feed:
    """A followed feed and its polling state."""

    id: int
    url: str
    title: str | None
    topic: str | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    paused: bool
    added_at: datetime
    added_by: str
    next_poll_at: datetime
    state: FeedState

    @property
    def name(self) -> str:
        """What admins see: the feed's title, or its address."""
        return self.title or self.url


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the last polls left: validators for conditional GET, successes and failures."""

    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    failing_since: datetime | None = None
    """First failure of the current run of failures; None while the feed works."""
    errors_in_row: int = 0
    alerted: bool = False
    """Admins were told the feed is failing (they are told once, and again when it recovers)."""
    items_seen: int = 0
    articles_added: int = 0

    @property
    def first_poll(self) -> bool:
        return self.last_success_at is None and self.items_seen == 0


@dataclass(frozen=True, slots=True)
class SeenItem:
    """An item as the feed store remembers it: its identity and what it became."""

    key: str
    """Identity within the feed: "guid:<guid>" or "link:<normalised link>"."""
    content_hash: str
    """Hash of title and text: an item whose hash changes was edited by the outlet."""
    article_id: int | None
    """The article made from it; None when it was filtered out or older than the first poll's
    window (remembered so that it is never announced later)."""


@dataclass(frozen=True, slots=True)
class FeedAlert:
    """Something admins are told once about a feed: it has been failing for a day, it works
    again, or its outlet removed it (HTTP 410, the feed is paused)."""

    id: int
    feed_id: int
    kind: str
    """"failing", "recovered" or "gone"."""
    feed_name: str
    detail: str | None
    created_at: datetime
