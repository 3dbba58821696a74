"""What the feed side needs from storage: the feed store's interface.

``storage`` implements it for each database backend; every method is one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from feeds.models import Feed, FeedAlert, FeedState, NewFeed, SeenItem


class FeedStore(Protocol):
    async def add(self, new: NewFeed, *, now: datetime) -> tuple[Feed, bool]:
        """Follow ``new`` (first poll due now); a feed already followed at that URL is
        returned as it is, with False."""
        ...

    async def get(self, feed_id: int) -> Feed | None: ...

    async def all(self) -> list[Feed]:
        """Every followed feed, in the order they were added."""
        ...

    async def count(self) -> int: ...

    async def ever_followed(self) -> bool:
        """Whether any feed was ever added, removed ones included (the shipped sources are
        followed on a store that never followed any)."""
        ...

    async def remove(self, feed_id: int) -> Feed | None:
        """Stop following a feed and forget its items (its articles stay); the feed as it was,
        or None when unknown."""
        ...

    async def set_paused(self, feed_id: int, *, paused: bool, now: datetime) -> Feed | None:
        """Pause or resume a feed (a resumed one is polled at once)."""
        ...

    async def claim_due(self, now: datetime, *, lease: timedelta, limit: int) -> list[Feed]:
        """The active feeds due at ``now``, soonest first, each postponed by ``lease`` in the
        same transaction: another process polling meanwhile skips them, and a process that
        dies leaves them due again once the lease is over."""
        ...

    async def save_poll(
        self,
        feed_id: int,
        *,
        state: FeedState,
        next_poll_at: datetime,
        now: datetime,
        url: str | None = None,
        title: str | None = None,
        paused: bool | None = None,
        alert: tuple[str, str | None] | None = None,
    ) -> Feed | None:
        """Record a poll's outcome: the new state and next poll, a permanent redirect's URL,
        the feed's title when it had none, a pause (gone), and an alert (kind, detail) for the
        admins, all in one transaction."""
        ...

    async def seen_items(self, feed_id: int, keys: Sequence[str]) -> dict[str, SeenItem]:
        """The items of the feed already seen under any of ``keys``."""
        ...

    async def remember_items(
        self, feed_id: int, items: Sequence[SeenItem], *, now: datetime
    ) -> None:
        """Record items as seen (an item seen before gets its new hash and article)."""
        ...

    async def take_alerts(self, now: datetime) -> list[FeedAlert]:
        """The alerts not yet sent, marked sent in the same transaction: each alert is told
        once, by whichever process takes it."""
        ...
