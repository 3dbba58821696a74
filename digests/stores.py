"""What the digest side needs from storage: the subscriber store and the delivery ledger.

The digest services are written against these Protocols only; ``storage`` implements them for
each database backend. Every method is one transaction of the storage layer: a change is applied
whole or not at all, and a confirmed message is committed before the next one leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol

from digests.ledger import Backlog, Claimant, DayFigures, Delivery, Kind, NewDelivery, Status
from digests.subscribers import NewChat, NewSubscriber, Subscriber, SubscriberCounts


class SubscriberStore(Protocol):
    async def get(self, chat_id: int) -> Subscriber | None: ...

    async def get_many(self, subscriber_ids: Iterable[int]) -> dict[int, Subscriber]: ...

    async def edit(
        self,
        chat_id: int,
        change: Callable[[Subscriber], Subscriber],
        *,
        now: datetime,
        create: NewChat | None = None,
    ) -> Subscriber | None:
        """Read the chat's subscriber (created from ``create`` first, when given and absent),
        apply the pure ``change`` and save its topics, delivery time and time zone, in one
        transaction; return the subscriber as saved, or None for an unknown chat."""
        ...

    async def set_reachable(
        self, chat_id: int, *, reachable: bool, reason: str | None, now: datetime
    ) -> bool:
        """Mark a chat reachable again (/start) or unreachable (blocked, kicked); tell whether
        it is a known chat."""
        ...

    async def move_chat(self, old_chat_id: int, new_chat_id: int, now: datetime) -> None:
        """Follow a group that became a supergroup; a row already at the new id is kept
        instead (the old one is marked unreachable)."""
        ...

    async def subscribed(self) -> list[Subscriber]:
        """Every reachable subscriber with at least one topic: the digest's audience."""
        ...

    async def counts(self) -> SubscriberCounts:
        """Subscribers with topics, split by reachability, plus every chat the bot knows."""
        ...

    async def add_many(self, subscribers: Sequence[NewSubscriber], now: datetime) -> int:
        """Store many chats with their settings at once; chats already known are left as they
        are. Returns how many were added."""
        ...


class DeliveryStore(Protocol):
    async def recorded_digests(self, local_dates: Sequence[date]) -> set[tuple[int, date]]:
        """(subscriber, local date) pairs that already have a digest row, in any state."""
        ...

    async def has_digest(self, subscriber_id: int, day: date) -> bool: ...

    async def recorded_digest(self, subscriber_id: int, day: date) -> tuple[int, ...] | None:
        """The articles of the reader's digest for local date ``day`` as the ledger recorded
        it (in any state), or None when that day has no digest yet."""
        ...

    async def insert(self, deliveries: Iterable[NewDelivery], now: datetime) -> None:
        """Record new deliveries; a row that already exists is left untouched (never
        duplicated). A digest recorded ``empty`` moves its reader's watermark at once."""
        ...

    async def pending(self) -> list[Delivery]:
        """Deliveries not yet confirmed, oldest first, with the chat they go to now (claimed or
        not: for reports and tests; delivering goes through ``claim``)."""
        ...

    async def claim(
        self, claimant: Claimant, now: datetime, *, lease: timedelta, limit: int
    ) -> list[Delivery]:
        """Take up to ``limit`` pending deliveries nobody alive holds, oldest first, in one
        transaction no other process can also win, and renew ``claimant``'s lease."""
        ...

    async def keep_alive(self, claimant: Claimant, now: datetime, *, lease: timedelta) -> None:
        """Extend ``claimant``'s lease: its claims stay its own until ``now + lease``."""
        ...

    async def release(self, claimant: Claimant) -> None:
        """Give back every claim ``claimant`` still holds (deliveries left pending) and forget
        it: the next claimer, this process's next run included, takes them at once."""
        ...

    async def confirm_part(
        self, delivery_id: int, parts_sent: int, now: datetime, claimant: Claimant
    ) -> bool:
        """Telegram confirmed message number ``parts_sent`` (1-based) of a multi-part delivery:
        committed at once, so the ledger never lags behind what the reader received. False when
        ``claimant`` no longer holds the row (its lease ran out and another process took it):
        the caller must stop sending it."""
        ...

    async def close(
        self,
        delivery_id: int,
        status: Status,
        now: datetime,
        claimant: Claimant,
        *,
        parts_sent: int | None = None,
        error: str | None = None,
    ) -> bool:
        """Close a pending delivery ``claimant`` holds as sent, empty or failed, committed at
        once; a digest closed ``sent`` moves its reader's watermark in the same commit. False
        when the row was no longer pending or no longer ``claimant``'s."""
        ...

    async def note_attempt(
        self, delivery_id: int, error: str, now: datetime, claimant: Claimant
    ) -> None:
        """A try failed in a way worth retrying later: count it, keep the row pending (and
        claimed until the end of the run)."""
        ...

    async def queue_broadcast(self, html: str, created_by: str, now: datetime) -> tuple[int, int]:
        """Record a broadcast and one pending delivery for each subscriber of the audience
        (``SubscriberStore.subscribed``); return the broadcast's id and the audience's size."""
        ...

    async def broadcast_html(self, broadcast_id: int) -> str | None: ...

    async def day_figures(self, day: date) -> DayFigures: ...

    async def edition_figures(self, kind: Kind, edition: str) -> dict[Status, int]:
        """How the deliveries of one edition (a broadcast, a day's digests) stand."""
        ...

    async def backlog(self, now: datetime) -> Backlog:
        """The pending deliveries, those of them a live claimant holds at ``now``, and when the
        oldest was recorded: a backlog that grows, or an old row nobody claims, is worth an
        alert."""
        ...
