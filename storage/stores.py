"""The opened stores of one database, whatever its backend."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from content.store import ArticleStore
from digests.stores import DeliveryStore, SubscriberStore
from feeds.stores import FeedStore


@dataclass(frozen=True, slots=True)
class Stores:
    articles: ArticleStore
    subscribers: SubscriberStore
    deliveries: DeliveryStore
    feeds: FeedStore
    location: str
    """Where the data is, for logs and banners (a file path)."""
    close: Callable[[], Awaitable[None]]
    """Close the database; the stores are unusable afterwards."""
