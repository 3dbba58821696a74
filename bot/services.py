"""What handlers reach through ``context.services``: declared here, built by ``app.services``.

Plain domain services, no Telegram: the command line and the tests open the same bundle.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from content.fetch import UrlFetcher
from content.library import Library
from content.topics import TopicCatalog
from core.clock import Clock
from digests.broadcasts import Broadcasts
from digests.delivery import Sender
from digests.service import DigestService
from digests.subscriptions import SubscriptionService
from feeds.service import FeedService
from storage.coordination import PollingRight, SendSlots, UpdateLog


@dataclass(frozen=True, slots=True)
class Services:
    """What handlers reach: the domain services, opened once at start-up."""

    catalog: TopicCatalog
    library: Library
    subscriptions: SubscriptionService
    digests: DigestService
    broadcasts: Broadcasts
    feeds: FeedService
    fetcher: UrlFetcher
    clock: Clock
    admins: frozenset[int]
    database: str
    """Where the data is, for the start-up line of the log."""
    updates: UpdateLog
    """Which updates were already handled, by this process or another."""
    send_slots: SendSlots | None = None
    """Flood-limit slots shared with the other processes (PostgreSQL replicas)."""
    polling: PollingRight | None = None
    """The right to poll Telegram, held by one replica at a time (PostgreSQL)."""

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins


ServicesFactory = Callable[[Sender], AbstractAsyncContextManager[Services]]
"""Opens the services for a bot that sends through the given sender; closing releases them."""
