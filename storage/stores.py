"""The opened stores of one database, whatever its backend."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from content.store import ArticleStore
from digests.stores import DeliveryStore, SubscriberStore
from feeds.stores import FeedStore
from storage.coordination import PollingRight, SendSlots, UpdateLog


@dataclass(frozen=True, slots=True)
class Stores:
    articles: ArticleStore
    subscribers: SubscriberStore
    deliveries: DeliveryStore
    feeds: FeedStore
    updates: UpdateLog
    location: str
    """Where the data is, for logs and banners (a file path)."""
    close: Callable[[], Awaitable[None]]
    """Close the database; the stores are unusable afterwards."""
    send_slots: SendSlots | None = None
    """Flood-limit slots shared by every process on the database (PostgreSQL); None where the
    process paces itself."""
    polling: PollingRight | None = None
    """The right to poll Telegram, taken and lost while running (PostgreSQL); None where a
    second poller is refused at start instead (SQLite: ``storage.locks``)."""
