"""The digest service: subscriptions, the minute tick, broadcasts and on-demand digests.

It owns transactions and the clock; the pure parts (who is due, what a digest says) live in
``schedule`` and ``compose``, the sending in ``delivery``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import aiosqlite

from content import articles
from content.library import Library
from content.models import Article
from content.storage import Database
from content.topics import TopicCatalog
from core.clock import Clock
from digests import ledger, subscribers
from digests.compose import Digest, TopicArticles, compose_digest
from digests.delivery import Courier, FanOut, FanOutReport, Outcome
from digests.ledger import Delivery, Kind, NewDelivery, Status
from digests.schedule import (
    NextDelivery,
    candidate_dates,
    due_digests,
    local_now,
    next_delivery,
)
from digests.subscribers import Subscriber

logger = logging.getLogger(__name__)

FIRST_DIGEST_WINDOW = timedelta(hours=24)
"""A reader's first digest covers what was added in the last day."""


@dataclass(frozen=True, slots=True)
class DigestSettings:
    default_time: time = time(7, 0)
    default_timezone: str = "Africa/Bamako"
    max_articles_per_topic: int = 5
    send_when_empty: bool = False
    concurrency: int = 16


@dataclass(frozen=True, slots=True)
class TickReport:
    due: int
    empty: int
    expired: int
    delivery: FanOutReport


@dataclass(frozen=True, slots=True)
class Selection:
    """What a digest covers: its sections and the watermark it moves the reader to."""

    sections: tuple[TopicArticles, ...]
    watermark: int


class DigestService:
    def __init__(
        self,
        database: Database,
        library: Library,
        catalog: TopicCatalog,
        courier: Courier,
        clock: Clock,
        settings: DigestSettings,
    ) -> None:
        self.database = database
        self.library = library
        self.catalog = catalog
        self.courier = courier
        self.settings = settings
        self._clock = clock
        self._fan_out = FanOut(courier, concurrency=settings.concurrency)
        # Subscribers with the same topics and the same new articles share one composed text.
        self._compose_cache: dict[object, Digest] = {}
        # One fan-out at a time: two runs holding the same pending rows would send them twice.
        self._delivering = asyncio.Lock()
        self._ticking = asyncio.Lock()

    # --- Subscriptions ---------------------------------------------------------------------

    async def subscriber(self, chat_id: int) -> Subscriber | None:
        return await subscribers.get_by_chat(self.database.reader, chat_id)

    async def _ensure(self, tx: aiosqlite.Connection, chat_id: int, chat_type: str) -> Subscriber:
        return await subscribers.ensure(
            tx,
            chat_id,
            chat_type=chat_type,
            delivery_time=self.settings.default_time,
            timezone=self.settings.default_timezone,
            now=self._clock(),
        )

    async def subscribe(
        self, chat_id: int, chat_type: str, topics: tuple[str, ...] | None
    ) -> Subscriber:
        """Add ``topics`` to the chat's subscription, or subscribe to all topics (None)."""
        async with self.database.transaction() as tx:
            current = await self._ensure(tx, chat_id, chat_type)
            chosen = set(current.topics) | set(topics or ())
            await subscribers.set_topics(
                tx,
                current,
                chosen,
                all_topics=topics is None or current.all_topics,
                now=self._clock(),
            )
            updated = await self._reload(tx, chat_id)
        return updated

    async def unsubscribe(self, chat_id: int, topics: tuple[str, ...] | None) -> Subscriber | None:
        """Remove ``topics`` (None: all). An all-topics subscriber keeps the others."""
        async with self.database.transaction() as tx:
            current = await subscribers.get_by_chat(tx, chat_id)
            if current is None:
                return None
            if topics is None:
                remaining: set[str] = set()
            else:
                remaining = set(current.topic_keys(self.catalog.keys)) - set(topics)
            await subscribers.set_topics(
                tx, current, remaining, all_topics=False, now=self._clock()
            )
            updated = await self._reload(tx, chat_id)
        return updated

    async def toggle_topic(self, chat_id: int, chat_type: str, topic: str) -> Subscriber:
        """Flip one topic on or off (the /abonner keyboard)."""
        async with self.database.transaction() as tx:
            current = await self._ensure(tx, chat_id, chat_type)
            chosen = set(current.topic_keys(self.catalog.keys)) ^ {topic}
            every = set(self.catalog.keys) <= chosen
            await subscribers.set_topics(tx, current, chosen, all_topics=every, now=self._clock())
            updated = await self._reload(tx, chat_id)
        return updated

    async def set_delivery_time(self, chat_id: int, chat_type: str, when: time) -> Subscriber:
        async with self.database.transaction() as tx:
            current = await self._ensure(tx, chat_id, chat_type)
            await subscribers.set_delivery_time(tx, current.id, when, self._clock())
            updated = await self._reload(tx, chat_id)
        return updated

    async def set_timezone(self, chat_id: int, chat_type: str, timezone: str) -> Subscriber:
        async with self.database.transaction() as tx:
            current = await self._ensure(tx, chat_id, chat_type)
            await subscribers.set_timezone(tx, current.id, timezone, self._clock())
            updated = await self._reload(tx, chat_id)
        return updated

    async def set_reachable(self, chat_id: int, *, reachable: bool, reason: str | None) -> bool:
        async with self.database.transaction() as tx:
            return await subscribers.set_reachable(
                tx, chat_id, reachable=reachable, reason=reason, now=self._clock()
            )

    async def next_delivery(self, subscriber: Subscriber) -> NextDelivery:
        now = self._clock()
        today = local_now(now, subscriber.timezone).date()
        recorded = await ledger.has_digest(self.database.reader, subscriber.id, today)
        return next_delivery(subscriber.schedule, now, recorded_today=recorded)

    async def _reload(self, tx: aiosqlite.Connection, chat_id: int) -> Subscriber:
        """Read back what the transaction just wrote, through the transaction itself: the reader
        connection may still be inside an older snapshot (another handler's open query)."""
        found = await subscribers.get_by_chat(tx, chat_id)
        assert found is not None  # written a moment ago in this transaction
        return found

    # --- Composition -----------------------------------------------------------------------

    async def select(self, topic_keys: tuple[str, ...], watermark: int | None) -> Selection:
        """The candidate articles of a digest: newer than the watermark, or for a first digest,
        added in the last 24 hours."""
        now = self._clock()
        # Read the top id first: an article stored while we select waits for the next digest
        # instead of being covered by the watermark without having been shown.
        top = await articles.max_article_id(self.database.reader)
        since = now - FIRST_DIGEST_WINDOW if watermark is None else None
        wanted = self.settings.max_articles_per_topic * max(len(topic_keys), 1)
        ids_by_topic = {
            key: await articles.newest_on_topic(
                self.database.reader,
                key,
                after_id=watermark or 0,
                up_to_id=top,
                added_since=since,
                limit=wanted,
            )
            for key in topic_keys
        }
        unique_ids = sorted({i for ids in ids_by_topic.values() for i in ids})
        found = {a.id: a for a in await self.library.get_many(unique_ids)}
        sections = tuple(
            TopicArticles(key, [found[i] for i in ids if i in found])
            for key, ids in ids_by_topic.items()
        )
        return Selection(sections, top)

    def compose(self, day: date, sections: tuple[TopicArticles, ...]) -> Digest:
        return compose_digest(
            day,
            sections,
            self.catalog,
            max_per_topic=self.settings.max_articles_per_topic,
            send_when_empty=self.settings.send_when_empty,
        )

    async def digest_now(self, chat_id: int) -> Digest:
        """Today's digest for a chat, as the scheduler would send it (all topics for a chat
        without a subscription). It changes nothing: the scheduled digest still comes."""
        current = await self.subscriber(chat_id)
        if current is not None and current.subscribed:
            keys = current.topic_keys(self.catalog.keys)
            watermark, timezone = current.digest_watermark, current.timezone
        else:
            keys, watermark, timezone = self.catalog.keys, None, self.settings.default_timezone
        selection = await self.select(keys, watermark)
        day = local_now(self._clock(), timezone).date()
        return compose_digest(
            day,
            selection.sections,
            self.catalog,
            max_per_topic=self.settings.max_articles_per_topic,
            send_when_empty=True,
        )

    async def send_digest_now(self, chat_id: int) -> tuple[Digest, Outcome]:
        digest = await self.digest_now(chat_id)
        return digest, await self.courier.send_all(chat_id, digest.messages)

    # --- The minute tick -------------------------------------------------------------------

    async def tick(self) -> TickReport:
        """Record every digest now due, then deliver everything pending (including rows left by
        a crash or a restart). Safe to run at any time and as often as wanted: a tick that finds
        the previous one still running (a long fan-out) returns at once."""
        if self._ticking.locked():
            logger.debug("Previous digest tick still running; skipping this one")
            return TickReport(due=0, empty=0, expired=0, delivery=FanOutReport())
        async with self._ticking:
            expired = await self._expire_stale()
            due, empty = await self._claim_due()
            report = await self.deliver_pending()
        if due or report.sent or report.deferred:
            logger.info(
                "Digest tick: %d due (%d empty), %d sent, %d unreachable, %d deferred",
                due,
                empty,
                report.sent,
                report.unreachable,
                report.deferred,
            )
        return TickReport(due=due, empty=empty, expired=expired, delivery=report)

    async def _claim_due(self) -> tuple[int, int]:
        now = self._clock()
        audience = await subscribers.subscribed(self.database.reader)
        recorded = await ledger.recorded_digests(self.database.reader, candidate_dates(now))
        due = due_digests((s.schedule for s in audience), recorded, now)
        if not due:
            return 0, 0
        by_id = {s.id: s for s in audience}
        selections: dict[tuple[tuple[str, ...], int | None], Selection] = {}
        new_rows = []
        for item in due:
            reader = by_id[item.subscriber_id]
            key = (reader.topic_keys(self.catalog.keys), reader.digest_watermark)
            if key not in selections:
                selections[key] = await self.select(*key)
            selection = selections[key]
            digest = self._composed(item.local_date, selection.sections)
            status = Status.PENDING if digest.messages else Status.EMPTY
            new_rows.append(
                NewDelivery(
                    item.subscriber_id,
                    Kind.DIGEST,
                    item.local_date.isoformat(),
                    status,
                    digest.article_ids,
                    selection.watermark,
                )
            )
        async with self.database.transaction() as tx:
            await ledger.insert(tx, new_rows, self._clock())
        return len(new_rows), sum(row.status is Status.EMPTY for row in new_rows)

    async def _expire_stale(self) -> int:
        """Close digests still pending from an earlier local day: that day is over for the
        reader, and the next digest will carry those articles instead."""
        stale = []
        now = self._clock()
        pending = await ledger.pending(self.database.reader)
        owners = await subscribers.get_many(
            self.database.reader, {d.subscriber_id for d in pending if d.kind is Kind.DIGEST}
        )
        for delivery in pending:
            owner = owners.get(delivery.subscriber_id)
            if delivery.kind is Kind.DIGEST and owner is not None:
                today = local_now(now, owner.timezone).date()
                if date.fromisoformat(delivery.edition) < today:
                    stale.append(delivery)
        for delivery in stale:
            await ledger.close(self.database, delivery.id, Status.FAILED, now, error="expired")
        if stale:
            logger.warning("Expired %d digests left pending from an earlier day", len(stale))
        return len(stale)

    async def deliver_pending(self) -> FanOutReport:
        """Send every pending delivery; compose each distinct digest once."""
        async with self._delivering:
            pending = await ledger.pending(self.database.reader)
            if not pending:
                return FanOutReport()
            owners = await subscribers.get_many(
                self.database.reader, {d.subscriber_id for d in pending}
            )
            broadcasts: dict[str, str | None] = {}

            async def messages_for(delivery: Delivery) -> tuple[str, ...]:
                if delivery.kind is Kind.BROADCAST:
                    if delivery.edition not in broadcasts:
                        broadcasts[delivery.edition] = await ledger.broadcast_html(
                            self.database.reader, int(delivery.edition)
                        )
                    html = broadcasts[delivery.edition]
                    return (html,) if html else ()
                return await self._recompose(delivery, owners[delivery.subscriber_id])

            return await self._fan_out.deliver(pending, messages_for)

    async def _recompose(self, delivery: Delivery, owner: Subscriber) -> tuple[str, ...]:
        found = await self._articles(delivery.article_ids)
        keys = owner.topic_keys(self.catalog.keys)
        sections = tuple(
            TopicArticles(key, [a for a in found if key in a.topic_keys]) for key in keys
        )
        return self._composed(date.fromisoformat(delivery.edition), sections).messages

    async def _articles(self, article_ids: tuple[int, ...]) -> list[Article]:
        return await self.library.get_many(article_ids)

    def _composed(self, day: date, sections: tuple[TopicArticles, ...]) -> Digest:
        key = (day, tuple((s.topic_key, tuple(a.id for a in s.articles)) for s in sections))
        cached = self._compose_cache.get(key)
        if cached is None:
            cached = self.compose(day, sections)
            if len(self._compose_cache) > 4096:
                self._compose_cache.clear()
            self._compose_cache[key] = cached
        return cached

    # --- Broadcasts and figures ------------------------------------------------------------

    async def broadcast(self, html: str, created_by: str) -> tuple[int, int]:
        """Queue ``html`` for every reachable subscriber; the next delivery run sends it.
        Returns the broadcast's id and its audience."""
        async with self.database.transaction() as tx:
            broadcast_id = await ledger.create_broadcast(tx, html, created_by, self._clock())
            audience = await subscribers.subscribed(tx)
            await ledger.insert(
                tx,
                [
                    NewDelivery(s.id, Kind.BROADCAST, str(broadcast_id), Status.PENDING)
                    for s in audience
                ],
                self._clock(),
            )
        logger.info("Broadcast %d queued for %d subscribers", broadcast_id, len(audience))
        return broadcast_id, len(audience)

    async def broadcast_figures(self, broadcast_id: int) -> dict[Status, int]:
        return await ledger.edition_figures(self.database.reader, Kind.BROADCAST, str(broadcast_id))

    async def figures(self, day: date) -> tuple[subscribers.SubscriberCounts, ledger.DayFigures]:
        reader = self.database.reader
        return await subscribers.counts(reader), await ledger.day_figures(reader, day)

    def now(self) -> datetime:
        return self._clock()
