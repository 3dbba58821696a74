"""The feed service: what admins (in Telegram or at the command line) ask of the feed side.

Adding a feed checks it for real before following it: the URL passes the same SSRF checks as
every fetch, a web page is replaced by the feed it announces, and the document must parse as a
feed. Polling itself is ``feeds.poller``.
"""

from __future__ import annotations

import asyncio
import logging
import tomllib
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path

from content.fetch import check_url, decode_body
from content.rejections import ContentRejected, RejectReason
from core.clock import Clock
from feeds.discovery import feed_links, looks_like_html
from feeds.fetching import FeedFetcher, FeedFetchError, FeedResponse, policy_for
from feeds.models import Feed, FeedAlert, NewFeed, ParsedFeed
from feeds.opml import OpmlFeed, read_opml, write_opml
from feeds.parse import NotAFeed, parse_feed
from feeds.poller import FeedPoller
from feeds.settings import FeedSettings
from feeds.stores import FeedStore

logger = logging.getLogger(__name__)

SOURCES_FILE = "sources.toml"


class FeedRefusal(StrEnum):
    BAD_URL = "bad_url"
    FORBIDDEN_HOST = "forbidden_host"
    UNREACHABLE = "unreachable"
    NOT_A_FEED = "not_a_feed"
    """Neither a feed nor a page announcing one."""
    UNKNOWN_TOPIC = "unknown_topic"


class FeedRefused(Exception):
    """A feed that cannot be followed; ``str()`` is one English line for logs and the CLI, the
    bot words ``reason`` in French."""

    def __init__(self, reason: FeedRefusal, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class AddedFeed:
    feed: Feed
    created: bool
    """False: the feed was followed already (nothing changed)."""
    items: int
    """Items in the feed's document now."""
    discovered: bool = False
    """The URL given was a web page; ``feed.url`` is the feed it announces."""


@dataclass(slots=True)
class ImportReport:
    added: list[Feed] = field(default_factory=list)
    already: list[Feed] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(URL, why) for entries that cannot be followed."""


class FeedService:
    def __init__(
        self,
        store: FeedStore,
        poller: FeedPoller,
        fetcher: FeedFetcher,
        settings: FeedSettings,
        clock: Clock,
        topic_keys: Collection[str],
    ) -> None:
        self.store = store
        self.poller = poller
        self.settings = settings
        self._fetcher = fetcher
        self._clock = clock
        self._topic_keys = frozenset(topic_keys)

    async def add(
        self,
        url: str,
        *,
        added_by: str,
        topic: str | None = None,
        include: Sequence[str] = (),
        exclude: Sequence[str] = (),
    ) -> AddedFeed:
        """Follow the feed at ``url`` (or the one the page at ``url`` announces), after checking
        that it can be fetched and parsed; raise ``FeedRefused`` otherwise."""
        self._check_topic(topic)
        target = self._checked_url(url)
        response, parsed, discovered = await self._fetch_feed_or_page(target)
        new = NewFeed(
            url=response.url,
            title=parsed.title,
            topic=topic,
            include=tuple(include),
            exclude=tuple(exclude),
            added_by=added_by,
        )
        feed, created = await self.store.add(new, now=self._clock())
        if created:
            logger.info("Following feed %d: %s (%s)", feed.id, feed.url, added_by)
        return AddedFeed(feed, created, len(parsed.items), discovered)

    async def _fetch_feed_or_page(self, url: str) -> tuple[FeedResponse, ParsedFeed, bool]:
        response = await self._fetch(url)
        if looks_like_html(response.body, response.content_type):
            html = decode_body(response.body, _charset(response.content_type))
            links = feed_links(html, response.base_url)
            if not links:
                raise FeedRefused(FeedRefusal.NOT_A_FEED, f"{url} is a page announcing no feed")
            response = await self._fetch(self._checked_url(links[0]))
            return response, await self._parse(response), True
        return response, await self._parse(response), False

    async def _fetch(self, url: str) -> FeedResponse:
        try:
            return await self._fetcher.fetch_feed(
                url, etag=None, last_modified=None, now=self._clock()
            )
        except FeedFetchError as error:
            raise FeedRefused(FeedRefusal.UNREACHABLE, f"cannot fetch {url}: {error}") from error

    async def _parse(self, response: FeedResponse) -> ParsedFeed:
        try:
            return await asyncio.to_thread(
                parse_feed,
                response.body,
                url=response.base_url,
                content_type=response.content_type,
                now=self._clock(),
            )
        except NotAFeed as error:
            raise FeedRefused(
                FeedRefusal.NOT_A_FEED, f"{response.base_url} is not a feed: {error}"
            ) from error

    def _checked_url(self, url: str) -> str:
        try:
            return str(check_url(url, policy_for(self.settings)))
        except ContentRejected as error:
            reason = (
                FeedRefusal.FORBIDDEN_HOST
                if error.reason is RejectReason.FORBIDDEN_HOST
                else FeedRefusal.BAD_URL
            )
            raise FeedRefused(reason, str(error)) from error

    def _check_topic(self, topic: str | None) -> None:
        if topic is not None and topic not in self._topic_keys:
            known = ", ".join(sorted(self._topic_keys))
            raise FeedRefused(FeedRefusal.UNKNOWN_TOPIC, f"unknown topic {topic!r} ({known})")

    async def feeds(self) -> list[Feed]:
        return await self.store.all()

    async def get(self, feed_id: int) -> Feed | None:
        return await self.store.get(feed_id)

    async def remove(self, feed_id: int) -> Feed | None:
        removed = await self.store.remove(feed_id)
        if removed is not None:
            logger.info("Stopped following feed %d: %s", removed.id, removed.url)
        return removed

    async def pause(self, feed_id: int) -> Feed | None:
        return await self.store.set_paused(feed_id, paused=True, now=self._clock())

    async def resume(self, feed_id: int) -> Feed | None:
        return await self.store.set_paused(feed_id, paused=False, now=self._clock())

    async def take_alerts(self) -> list[FeedAlert]:
        return await self.store.take_alerts(self._clock())

    # --- OPML and the shipped sources ------------------------------------------------------

    async def import_opml(self, data: bytes, *, added_by: str) -> ImportReport:
        """Follow every feed of an OPML file (``OpmlError`` when it is not one). Entries are
        checked as URLs, not fetched: a list of 200 feeds imports at once, and a feed that does
        not work shows in ``/sources`` after its first poll."""
        return await self._follow_all(read_opml(data), added_by=added_by)

    async def export_opml(self) -> str:
        feeds = await self.store.all()
        entries = [OpmlFeed(url=feed.url, title=feed.name, category=feed.topic) for feed in feeds]
        return write_opml(entries, title="Sahel Digest", now=self._clock())

    async def load_sources_if_new(self, path: Path | None = None) -> ImportReport:
        """Follow the shipped (or configured) sources, once: on a store that never followed a
        feed. An admin who removed them all does not get them back at the next start."""
        if await self.store.ever_followed():
            return ImportReport()
        return await self._follow_all(read_sources(path), added_by="seed")

    async def _follow_all(self, entries: Sequence[OpmlFeed], *, added_by: str) -> ImportReport:
        report = ImportReport()
        for entry in entries:
            try:
                url = self._checked_url(entry.url)
                topic = entry.category if entry.category in self._topic_keys else None
            except FeedRefused as error:
                report.refused.append((entry.url, error.detail))
                continue
            new = NewFeed(url=url, title=entry.title, topic=topic, added_by=added_by)
            feed, created = await self.store.add(new, now=self._clock())
            (report.added if created else report.already).append(feed)
        return report


def read_sources(path: Path | None = None) -> list[OpmlFeed]:
    """The feeds of a sources file (``[[source]]`` tables: url, title, topic)."""
    if path is None:
        text = resources.files("content").joinpath(SOURCES_FILE).read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8-sig")
    entries = tomllib.loads(text).get("source", [])
    return [
        OpmlFeed(url=str(entry["url"]), title=entry.get("title"), category=entry.get("topic"))
        for entry in entries
    ]


def _charset(content_type: str | None) -> str | None:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "charset":
            return value.strip('"') or None
    return None
