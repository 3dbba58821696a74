"""One polling round: fetch the feeds that are due, store their new items as articles.

Each feed is claimed in the store before it is fetched (``FeedStore.claim_due``), so two
processes on one database never poll a feed twice; its outcome, its next poll and any alert for
the admins are saved together. A feed failing never stops the round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from content.ingestion import draft_from_page, site_from_url
from content.library import Library
from content.models import ArticleDraft
from content.rejections import ContentRejected
from content.text import word_count
from core.clock import Clock
from feeds.fetching import FeedFetcher, FeedFetchError, FeedResponse
from feeds.items import (
    ItemFate,
    PlannedItem,
    draft_from_item,
    item_keys,
    plan_items,
    standfirst_summary,
)
from feeds.models import Feed, FeedItem, FeedState, ParsedFeed, SeenItem
from feeds.parse import NotAFeed
from feeds.schedule import alert_due, next_poll_on_failure, next_poll_on_success, recovered
from feeds.settings import FeedSettings
from feeds.stores import FeedStore
from feeds.workers import FeedWorkers, ItemToPrepare

logger = logging.getLogger(__name__)

ROUND_SIZE = 1000
"""Feeds claimed at once; a larger backlog is polled by the next rounds."""


class PollOutcome(StrEnum):
    FETCHED = "fetched"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"
    GONE = "gone"


@dataclass(frozen=True, slots=True)
class PollResult:
    feed: Feed
    outcome: PollOutcome
    items: int = 0
    new_articles: int = 0
    edited: int = 0
    skipped: int = 0
    """Items filtered out, too old on a first poll, or refused by the pipeline."""
    error: str | None = None


@dataclass(slots=True)
class PollRound:
    results: list[PollResult] = field(default_factory=list)

    def count(self, outcome: PollOutcome) -> int:
        return sum(result.outcome is outcome for result in self.results)

    @property
    def new_articles(self) -> int:
        return sum(result.new_articles for result in self.results)


def _always() -> bool:
    return True


class FeedPoller:
    def __init__(
        self,
        store: FeedStore,
        library: Library,
        fetcher: FeedFetcher,
        workers: FeedWorkers,
        settings: FeedSettings,
        clock: Clock,
    ) -> None:
        self._store = store
        self._workers = workers
        self._library = library
        self._fetcher = fetcher
        self._settings = settings
        self._clock = clock
        self._running = asyncio.Lock()

    @property
    def lease(self) -> timedelta:
        """How long a claimed feed stays out of other processes' rounds: a poll, a few page
        fetches and their storing, with room to spare."""
        return timedelta(seconds=max(120.0, 10 * self._settings.timeout_seconds))

    async def poll_due(
        self,
        *,
        on_result: Callable[[PollResult], None] | None = None,
        on_claimed: Callable[[int], None] | None = None,
        keep_going: Callable[[], bool] = _always,
    ) -> PollRound:
        """Poll every feed due now, ``settings.concurrency`` at a time (and per host, fewer:
        the fetcher sees to that). A round already running in this process is not doubled."""
        poll_round = PollRound()
        if self._running.locked():
            return poll_round
        async with self._running:
            while keep_going():
                feeds = await self._store.claim_due(
                    self._clock(), lease=self.lease, limit=ROUND_SIZE
                )
                if not feeds:
                    break
                if on_claimed is not None:
                    on_claimed(len(feeds))
                await self._poll_all(feeds, poll_round, on_result, keep_going)
                if len(feeds) < ROUND_SIZE:
                    # Nothing else was due. A feed due again by now (a round longer than its
                    # interval) waits for the next round: looping would poll it over and over,
                    # and the round, its alerts and ``feeds poll --once`` would never end.
                    break
        return poll_round

    async def _poll_all(
        self,
        feeds: list[Feed],
        poll_round: PollRound,
        on_result: Callable[[PollResult], None] | None,
        keep_going: Callable[[], bool],
    ) -> None:
        """Poll ``feeds``, a few at a time. Once ``keep_going`` says no (the bot is stopping),
        the feeds not begun are left: their claim runs out and the next round polls them."""
        slots = asyncio.Semaphore(self._settings.concurrency)

        async def poll_one(feed: Feed) -> None:
            async with slots:
                if not keep_going():
                    return
                result = await self._poll_guarded(feed)
            poll_round.results.append(result)
            if on_result is not None:
                on_result(result)

        await asyncio.gather(*(poll_one(feed) for feed in feeds))

    async def _poll_guarded(self, feed: Feed) -> PollResult:
        """``poll``, with any unexpected error kept to its feed: recorded as a failure (the
        feed backs off like any failing one) instead of ending the round, and of coming back
        to end the next one once the feed's claim runs out."""
        try:
            return await self.poll(feed)
        except Exception as error:  # a bug, or the database refusing a write
            logger.exception("Polling feed %d (%s) failed unexpectedly", feed.id, feed.url)
            detail = f"unexpected error: {type(error).__name__}"
            try:
                return await self._failed(feed, self._clock(), detail, None)
            except Exception:
                logger.exception("Could not record the failure of feed %d", feed.id)
                return PollResult(feed, PollOutcome.FAILED, error=detail)

    async def poll(self, feed: Feed) -> PollResult:
        """Fetch one feed and store what is new; never raises for the feed's own faults."""
        now = self._clock()
        try:
            response = await self._fetcher.fetch_feed(
                feed.url, etag=feed.state.etag, last_modified=feed.state.last_modified, now=now
            )
        except FeedFetchError as error:
            return await self._failed(feed, now, str(error), error)
        if response.status == 304:
            await self._succeeded(feed, now, response, None, feed.state)
            return PollResult(feed, PollOutcome.NOT_MODIFIED)
        try:
            parsed = await self._workers.parse(
                response.body,
                url=response.base_url,
                content_type=response.content_type,
                now=now,
            )
        except NotAFeed as error:
            return await self._failed(feed, now, f"not a feed: {error}", None)
        if parsed.problem:
            logger.info("Feed %d is not well formed (%s); kept its items", feed.id, parsed.problem)
        result = await self._store_items(feed, parsed, now)
        state = replace(
            feed.state,
            etag=response.etag,  # only after a 200 that parsed
            last_modified=response.last_modified,
            items_seen=feed.state.items_seen + result.items,
            articles_added=feed.state.articles_added + result.new_articles,
        )
        saved = await self._succeeded(feed, now, response, parsed, state)
        return replace(result, feed=saved or feed)

    async def _store_items(self, feed: Feed, parsed: ParsedFeed, now: datetime) -> PollResult:
        keys = [key for item in parsed.items for key in item_keys(item)]
        seen = await self._store.seen_items(feed.id, keys)
        planned = plan_items(
            parsed.items,
            seen,
            feed=feed,
            now=now,
            first_poll_window=self._settings.first_poll_window,
        )
        remembered: list[SeenItem] = []
        new = edited = skipped = 0
        source = parsed.title or feed.title or site_from_url(feed.url)
        fresh = [plan for plan in planned if plan.fate is ItemFate.NEW]
        for plan, article_id, stored_before in await self._add_all(fresh, feed, source):
            new += article_id is not None and not stored_before
            skipped += article_id is None
            remembered.extend(plan.seen(article_id))
        for plan in planned:
            if plan.fate is ItemFate.EDITED and plan.article_id is not None:
                edited += await self._edit(plan, plan.article_id, feed, source)
                remembered.extend(plan.seen(plan.article_id))
            elif plan.fate in (ItemFate.FILTERED, ItemFate.OLD):
                skipped += 1
                remembered.extend(plan.seen(None))
        await self._store.remember_items(feed.id, remembered, now=now)
        seen_now = sum(plan.fate is not ItemFate.SEEN for plan in planned)
        return PollResult(feed, PollOutcome.FETCHED, seen_now, new, edited, skipped)

    async def _add_all(
        self, plans: list[PlannedItem], feed: Feed, source: str | None
    ) -> list[tuple[PlannedItem, int | None, bool]]:
        """Each new item with the article it became (None: refused) and whether that was
        stored before (the outlet's other feed, or an admin, brought the same page or text).
        The items are summarised and tagged in one batch by the workers, then stored in order."""
        budget = self._library.pipeline.budget
        topics = (feed.topic,) if feed.topic else ()
        to_prepare: list[ItemToPrepare] = []
        for plan in plans:
            draft, standfirst = await self._draft(plan.item, source)
            summary = standfirst_summary(standfirst, max_words=budget.max_words)
            to_prepare.append(ItemToPrepare(draft, summary, topics))
        outcomes: list[tuple[PlannedItem, int | None, bool]] = []
        for plan, ready in zip(plans, await self._workers.prepare(to_prepare), strict=True):
            if ready is None:
                outcomes.append((plan, None, False))
                continue
            added = await self._library.add_ready(ready, added_by=f"feed:{feed.id}")
            outcomes.append((plan, added.article.id, added.duplicate))
        return outcomes

    async def _edit(
        self, plan: PlannedItem, article_id: int, feed: Feed, source: str | None
    ) -> bool:
        draft, standfirst = await self._draft(plan.item, source)
        budget = self._library.pipeline.budget
        updated = await self._library.update(
            article_id,
            draft,
            summary=standfirst_summary(standfirst, max_words=budget.max_words),
            extra_topics=(feed.topic,) if feed.topic else (),
        )
        return updated is not None

    async def _draft(self, item: FeedItem, source: str | None) -> tuple[ArticleDraft, str | None]:
        """The item's article, fetched from its page when the feed carries a teaser only; the
        teaser is then the outlet's standfirst."""
        if item.link and word_count(item.text) < self._settings.teaser_words:
            try:
                page = await self._fetcher.fetch_page(item.link)
                extracted = await asyncio.to_thread(draft_from_page, page, precise=True)
            except ContentRejected as error:
                logger.info("Kept the teaser of %s: %s", item.link, error)
            else:
                if word_count(extracted.body) > word_count(item.text):
                    draft = draft_from_item(item, source=source, body=extracted.body)
                    return draft, item.standfirst or item.text
        return draft_from_item(item, source=source), item.standfirst

    async def _succeeded(
        self,
        feed: Feed,
        now: datetime,
        response: FeedResponse,
        parsed: ParsedFeed | None,
        state: FeedState,
    ) -> Feed | None:
        told_of_failure = recovered(feed.state)
        state = replace(
            state,
            last_polled_at=now,
            last_success_at=now,
            last_error=None,
            failing_since=None,
            errors_in_row=0,
            alerted=False,
        )
        next_poll = next_poll_on_success(
            now,
            self._settings,
            ttl_minutes=parsed.ttl_minutes if parsed else None,
            max_age=response.max_age,
            retry_after=response.retry_after,
        )
        if told_of_failure:
            logger.warning("Feed %d (%s) works again", feed.id, feed.url)
        return await self._store.save_poll(
            feed.id,
            state=state,
            next_poll_at=next_poll,
            now=now,
            url=response.url if response.url != feed.url else None,
            title=parsed.title if parsed else None,
            alert=("recovered", None) if told_of_failure else None,
        )

    async def _failed(
        self, feed: Feed, now: datetime, detail: str, error: FeedFetchError | None
    ) -> PollResult:
        gone = error is not None and error.gone
        state = replace(
            feed.state,
            last_polled_at=now,
            last_error=detail,
            last_error_at=now,
            failing_since=feed.state.failing_since or now,
            errors_in_row=feed.state.errors_in_row + 1,
        )
        alert: tuple[str, str | None] | None = None
        if gone:
            alert = ("gone", detail)
        elif alert_due(state, now, self._settings):
            alert = ("failing", detail)
            state = replace(state, alerted=True)
        next_poll = next_poll_on_failure(
            now,
            self._settings,
            errors_in_row=state.errors_in_row,
            retry_after=error.retry_after if error else None,
        )
        # A failing feed is routine (outlets go down and come back): the admins hear of it
        # once it has failed for a day (``alert``), not at every poll.
        logger.info("Feed %d (%s) failed: %s", feed.id, feed.url, detail)
        saved = await self._store.save_poll(
            feed.id,
            state=state,
            next_poll_at=next_poll,
            now=now,
            paused=True if gone else None,
            alert=alert,
        )
        outcome = PollOutcome.GONE if gone else PollOutcome.FAILED
        return PollResult(saved or feed, outcome, error=detail)
