"""The digest service: the minute tick, the delivery run and digests on demand.

The tick claims what is due (``schedule`` says who, ``selection`` what, ``compose`` how it reads)
by writing ledger rows, then delivers every pending row (``delivery``); on-demand digests
(/digest, ``digest --preview``) select and compose on the same path and write nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from content.library import Library
from core.clock import Clock
from digests.claims import ClaimRun, this_process
from digests.compose import Composer, Digest, TopicArticles
from digests.delivery import Courier, FanOut, FanOutReport, KeepGoing, Outcome, always
from digests.ledger import Claimant, DayFigures, Delivery, Kind, NewDelivery, Status
from digests.schedule import candidate_dates, delivery_moment, due_digests, local_now
from digests.selection import FIRST_DIGEST_WINDOW, Selection, select_articles
from digests.settings import DigestSettings
from digests.stores import DeliveryStore, SubscriberStore
from digests.subscribers import Subscriber

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TickReport:
    due: int
    empty: int
    expired: int
    delivery: FanOutReport


class DigestService:
    def __init__(
        self,
        library: Library,
        subscribers: SubscriberStore,
        ledger: DeliveryStore,
        courier: Courier,
        clock: Clock,
        settings: DigestSettings,
        claimant: Claimant | None = None,
    ) -> None:
        self.library = library
        self.settings = settings
        self._subscribers = subscribers
        self._ledger = ledger
        self._courier = courier
        self._clock = clock
        self._catalog_keys = library.catalog.keys
        self._composer = Composer(library.catalog, max_per_topic=settings.max_articles_per_topic)
        self._claimant = claimant or this_process()
        self._fan_out = FanOut(courier, ledger, self._claimant, concurrency=settings.concurrency)
        # One fan-out at a time in this process (claims keep other processes apart): a second
        # run would find nothing to claim anyway, and would only hold a connection.
        self._delivering = asyncio.Lock()
        self._ticking = asyncio.Lock()

    # --- Digests on demand -----------------------------------------------------------------

    async def preview(
        self,
        topic_keys: Sequence[str],
        *,
        day: date | None = None,
        window: timedelta = FIRST_DIGEST_WINDOW,
    ) -> Digest:
        """What the scheduler sends on ``day`` (default: today) to a new reader of
        ``topic_keys`` with the default hour and zone: the articles added within ``window``
        before that hour, composed as the tick composes them. Writes nothing."""
        settings = self.settings
        zone = settings.default_timezone
        day = day or local_now(self._clock(), zone).date()
        moment = delivery_moment(day, settings.default_time, zone)
        selection = await self._selection(topic_keys, None, window, as_of=moment)
        return self._compose(day, selection.sections)

    async def digest_now(self, chat_id: int) -> Digest:
        """Today's digest for a chat, as the scheduler sends it (for a chat without a
        subscription, the last day's articles on every topic), « Rien de neuf » rather than
        nothing. Once today's digest is recorded it is that very digest, however often it is
        asked. It changes nothing: the scheduled digest still comes."""
        current = await self._subscribers.get(chat_id)
        if current is None or not current.subscribed:
            # No scheduled digest to match: the last day's articles on every topic, up to now.
            day = local_now(self._clock(), self.settings.default_timezone).date()
            sections = (await self._selection(self._catalog_keys, None)).sections
            return self._composer.compose(day, sections, send_when_empty=True)
        day = local_now(self._clock(), current.timezone).date()
        recorded = await self._ledger.recorded_digest(current.id, day)
        if recorded is not None:
            sections = await self._sections(recorded, current)
        else:
            topic_keys = current.topic_keys(self._catalog_keys)
            sections = (await self._selection(topic_keys, current.digest_watermark)).sections
        return self._composer.compose(day, sections, send_when_empty=True)

    async def send_digest_now(self, chat_id: int) -> tuple[Digest, Outcome]:
        digest = await self.digest_now(chat_id)
        return digest, await self._courier.send_all(chat_id, digest.messages)

    async def _selection(
        self,
        topic_keys: Sequence[str],
        watermark: int | None,
        window: timedelta = FIRST_DIGEST_WINDOW,
        *,
        as_of: datetime | None = None,
    ) -> Selection:
        """The selection now, or as it stood at ``as_of`` (another day's digest)."""
        return await select_articles(
            self.library,
            topic_keys,
            watermark=watermark,
            now=as_of or self._clock(),
            max_per_topic=self.settings.max_articles_per_topic,
            window=window,
            as_of=as_of,
        )

    # --- The minute tick -------------------------------------------------------------------

    async def tick(self, keep_going: KeepGoing = always) -> TickReport:
        """Record every digest now due, then deliver everything pending (including rows left by
        a crash or a restart). Safe to run at any time and as often as wanted: a tick that finds
        the previous one still running (a long fan-out) returns at once."""
        if self._ticking.locked():
            logger.debug("Previous digest tick still running; skipping this one")
            return TickReport(due=0, empty=0, expired=0, delivery=FanOutReport())
        async with self._ticking:
            due, empty = await self.claim_due()
            report = await self.deliver_pending(keep_going)
        if due or report.sent or report.deferred:
            logger.info(
                "Digest tick: %d due (%d empty), %d sent, %d unreachable, %d deferred",
                due,
                empty,
                report.sent,
                report.unreachable,
                report.deferred,
            )
        return TickReport(due=due, empty=empty, expired=report.expired, delivery=report)

    async def claim_due(self) -> tuple[int, int]:
        """Write a ledger row for every digest due now (``pending``, or ``empty`` when there is
        nothing new); return how many, and how many of them were empty. Sends nothing."""
        now = self._clock()
        audience = await self._subscribers.subscribed()
        recorded = await self._ledger.recorded_digests(candidate_dates(now))
        due = due_digests((s.schedule for s in audience), recorded, now)
        if not due:
            return 0, 0
        by_id = {s.id: s for s in audience}
        selections: dict[tuple[tuple[str, ...], int | None], Selection] = {}
        new_rows = []
        for item in due:
            reader = by_id[item.subscriber_id]
            key = (reader.topic_keys(self._catalog_keys), reader.digest_watermark)
            if key not in selections:
                selections[key] = await self._selection(*key)
            selection = selections[key]
            digest = self._compose(item.local_date, selection.sections)
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
        await self._ledger.insert(new_rows, self._clock())
        return len(new_rows), sum(row.status is Status.EMPTY for row in new_rows)

    # --- Delivery --------------------------------------------------------------------------

    async def deliver_pending(self, keep_going: KeepGoing = always) -> FanOutReport:
        """Send every pending delivery nobody else is sending, digests and broadcasts, batch by
        claimed batch; compose each distinct digest and load each broadcast once. Stops after
        the messages in flight once ``keep_going`` says no, and gives back the rest."""
        async with self._delivering:
            self.library.forget_cached()  # stories may have grown since the last run
            claims = ClaimRun(
                self._ledger, self._claimant, self._clock, lease=self.settings.claim_lease
            )
            owners: dict[int, Subscriber] = {}
            broadcasts: dict[str, str | None] = {}

            async def messages_for(delivery: Delivery) -> tuple[str, ...]:
                if delivery.kind is Kind.BROADCAST:
                    if delivery.edition not in broadcasts:
                        broadcasts[delivery.edition] = await self._ledger.broadcast_html(
                            int(delivery.edition)
                        )
                    html = broadcasts[delivery.edition]
                    return (html,) if html else ()
                return await self._recompose(delivery, owners[delivery.subscriber_id])

            report = FanOutReport()
            async with claims.held():
                while keep_going() and (batch := await claims.next_batch()):
                    owners |= await self._subscribers.get_many({d.subscriber_id for d in batch})
                    current, expired = await self._expire_stale(batch, owners)
                    delivered = await self._fan_out.deliver(current, messages_for, keep_going)
                    report = report.plus(replace(delivered, expired=expired))
            if report.expired:
                logger.warning(
                    "Expired %d digests left pending from an earlier day", report.expired
                )
            return report

    async def _expire_stale(
        self, batch: Sequence[Delivery], owners: dict[int, Subscriber]
    ) -> tuple[list[Delivery], int]:
        """Close the claimed digests of an earlier local day (that day is over for the reader,
        and the next digest carries those articles instead); return the others."""
        now = self._clock()
        current = []
        for delivery in batch:
            owner = owners.get(delivery.subscriber_id)
            if (
                delivery.kind is Kind.DIGEST
                and owner is not None
                and date.fromisoformat(delivery.edition) < local_now(now, owner.timezone).date()
            ):
                await self._ledger.close(
                    delivery.id, Status.FAILED, now, self._claimant, error="expired"
                )
            else:
                current.append(delivery)
        return current, len(batch) - len(current)

    async def _recompose(self, delivery: Delivery, owner: Subscriber) -> tuple[str, ...]:
        """The digest a ledger row stands for, composed again from the articles it recorded
        (deleted ones drop out): the same text after a restart as before it."""
        sections = await self._sections(delivery.article_ids, owner)
        return self._compose(date.fromisoformat(delivery.edition), sections).messages

    async def _sections(
        self, article_ids: Sequence[int], owner: Subscriber
    ) -> tuple[TopicArticles, ...]:
        found = await self.library.get_many(article_ids)
        return tuple(
            TopicArticles(key, [a for a in found if key in a.topic_keys])
            for key in owner.topic_keys(self._catalog_keys)
        )

    def _compose(self, day: date, sections: Sequence[TopicArticles]) -> Digest:
        return self._composer.compose(day, sections, send_when_empty=self.settings.send_when_empty)

    async def day_figures(self, day: date) -> DayFigures:
        """Digests sent, empty, pending and failed on one UTC day (the admins' /stats)."""
        return await self._ledger.day_figures(day)
