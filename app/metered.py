"""The digest service and the feed poller, counted: the same services, whose reports also feed
the replica's metrics.

Counting where the reports are returned, rather than in the jobs that start the runs, counts
every run whoever starts it: the minute tick, /diffuser's immediate delivery, the feed clock.
The domain packages stay free of any metrics library.
"""

from __future__ import annotations

from collections.abc import Callable

from app.metrics import ReplicaMetrics
from content.library import Library
from core.clock import Clock
from digests.delivery import Courier, FanOutReport, KeepGoing, always
from digests.service import DigestService
from digests.settings import DigestSettings
from digests.stores import DeliveryStore, SubscriberStore
from feeds.fetching import FeedFetcher
from feeds.poller import FeedPoller, PollResult, PollRound
from feeds.settings import FeedSettings
from feeds.stores import FeedStore
from feeds.workers import FeedWorkers


class MeteredDigestService(DigestService):
    """Counts the outcome of every delivery run (``tick`` delivers through ``deliver_pending``
    too)."""

    def __init__(
        self,
        metrics: ReplicaMetrics,
        library: Library,
        subscribers: SubscriberStore,
        ledger: DeliveryStore,
        courier: Courier,
        clock: Clock,
        settings: DigestSettings,
    ) -> None:
        super().__init__(library, subscribers, ledger, courier, clock, settings)
        self._metrics = metrics

    async def deliver_pending(self, keep_going: KeepGoing = always) -> FanOutReport:
        report = await super().deliver_pending(keep_going)
        self._metrics.delivered(report)
        return report


class MeteredFeedPoller(FeedPoller):
    """Counts every feed round's polls."""

    def __init__(
        self,
        metrics: ReplicaMetrics,
        store: FeedStore,
        library: Library,
        fetcher: FeedFetcher,
        workers: FeedWorkers,
        settings: FeedSettings,
        clock: Clock,
    ) -> None:
        super().__init__(store, library, fetcher, workers, settings, clock)
        self._metrics = metrics

    async def poll_due(
        self,
        *,
        on_result: Callable[[PollResult], None] | None = None,
        on_claimed: Callable[[int], None] | None = None,
        keep_going: Callable[[], bool] = always,
    ) -> PollRound:
        poll_round = await super().poll_due(
            on_result=on_result, on_claimed=on_claimed, keep_going=keep_going
        )
        self._metrics.polled(poll_round)
        return poll_round
