"""The subscription service: what a chat receives, when, and whether it can be reached.

The rules (what /abonner adds, what the keyboard toggles) are the pure functions of
``digests.subscribers``; the store applies each one in a single transaction. The clock is
injected, so tests can stop time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time

from core.clock import Clock
from digests import subscribers
from digests.schedule import NextDelivery, local_now, next_delivery
from digests.settings import DigestSettings
from digests.stores import DeliveryStore, SubscriberStore
from digests.subscribers import NewChat, Subscriber, SubscriberCounts


class SubscriptionService:
    def __init__(
        self,
        store: SubscriberStore,
        ledger: DeliveryStore,
        catalog_keys: tuple[str, ...],
        clock: Clock,
        settings: DigestSettings,
    ) -> None:
        self._store = store
        self._ledger = ledger
        self._keys = catalog_keys
        self._clock = clock
        self.settings = settings

    async def subscriber(self, chat_id: int) -> Subscriber | None:
        return await self._store.get(chat_id)

    async def subscribe(
        self, chat_id: int, chat_type: str, topics: tuple[str, ...] | None
    ) -> Subscriber:
        """Add ``topics`` to the chat's subscription, or subscribe to all topics (None)."""
        now = self._clock()
        return await self._change(
            chat_id, chat_type, lambda s: subscribers.adding(s, topics, now), now
        )

    async def choose(self, chat_id: int, chat_type: str, topics: tuple[str, ...]) -> Subscriber:
        """Follow exactly ``topics`` (« /abonner tout sauf russie »)."""
        now = self._clock()
        return await self._change(
            chat_id, chat_type, lambda s: subscribers.choosing(s, topics, now), now
        )

    async def unsubscribe(self, chat_id: int, topics: tuple[str, ...] | None) -> Subscriber | None:
        """Remove ``topics`` (None: all); None for a chat that never subscribed."""
        now = self._clock()
        return await self._store.edit(
            chat_id, lambda s: subscribers.removing(s, topics, self._keys, now), now=now
        )

    async def toggle_topic(self, chat_id: int, chat_type: str, topic: str) -> Subscriber:
        """Flip one topic on or off (the /abonner keyboard)."""
        now = self._clock()
        return await self._change(
            chat_id, chat_type, lambda s: subscribers.toggling(s, topic, self._keys, now), now
        )

    async def toggle_all(self, chat_id: int, chat_type: str) -> Subscriber:
        """The keyboard's all-or-nothing button."""
        now = self._clock()
        return await self._change(
            chat_id, chat_type, lambda s: subscribers.toggling_all(s, self._keys, now), now
        )

    async def set_delivery_time(self, chat_id: int, chat_type: str, when: time) -> Subscriber:
        return await self._change(
            chat_id, chat_type, lambda s: replace(s, delivery_time=when), self._clock()
        )

    async def set_timezone(self, chat_id: int, chat_type: str, timezone: str) -> Subscriber:
        return await self._change(
            chat_id, chat_type, lambda s: replace(s, timezone=timezone), self._clock()
        )

    async def set_reachable(self, chat_id: int, *, reachable: bool, reason: str | None) -> bool:
        return await self._store.set_reachable(
            chat_id, reachable=reachable, reason=reason, now=self._clock()
        )

    async def next_delivery(self, subscriber: Subscriber) -> NextDelivery:
        now = self._clock()
        today = local_now(now, subscriber.timezone).date()
        recorded = await self._ledger.has_digest(subscriber.id, today)
        return next_delivery(subscriber.schedule, now, recorded_today=recorded)

    async def counts(self) -> SubscriberCounts:
        return await self._store.counts()

    async def _change(
        self,
        chat_id: int,
        chat_type: str,
        change: Callable[[Subscriber], Subscriber],
        now: datetime,
    ) -> Subscriber:
        """Apply ``change`` to the chat, creating its row with the defaults first if needed."""
        new = NewChat(chat_type, self.settings.default_time, self.settings.default_timezone)
        changed = await self._store.edit(chat_id, change, now=now, create=new)
        assert changed is not None  # created above when it was missing
        return changed
