"""Flood control: python-telegram-bot's AIORateLimiter, without its opening burst, plus the pace
Telegram expects in a private chat.

AIORateLimiter's overall limiter is a leaky bucket that starts full: with a rate of 30/s it lets
30 requests through in the first instant, and a server enforcing 30 msg/s answers 429. Giving the
bucket a capacity of one request, refilled every 1/rate seconds, spaces requests evenly from the
start at the same average rate. AIORateLimiter has no per-private-chat limit; Telegram advises
about one message per second in a private chat, which multi-part digests would otherwise exceed.

Replicas on one PostgreSQL database share the bot's overall limit: once ``share()`` hands the
limiter the database's send slots, each message first reserves its instant there, so N
processes together keep the configured rate, and a 429 pushes every replica's next slot back by
Telegram's ``retry_after``. The pace of a private chat stays each process's own: a delivery is
sent by the one replica that claimed it, so the parts of a digest leave from one process, and
sharing it would cost a second round trip per message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any, Protocol

from telegram.error import RetryAfter
from telegram.ext import AIORateLimiter, BaseRateLimiter

from storage.coordination import SendSlots

JSONDict = dict[str, Any]
_PACED_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "editMessageText",
        "copyMessage",
        "forwardMessage",
    }
)
_MAX_TRACKED_CHATS = 10_000
OVERALL_KEY = "bot"
SHARED_HEADROOM = 0.9
"""Replicas pace at this share of the bot's rate. A message leaves its process some time after
its slot (an event loop busy elsewhere, a connection being made), and one delayed by δ seconds
lands in the next second with that second's own messages: at a fraction h of the rate, any
second stays under the rate while the delays differ by less than 1 - h seconds (0.1 s here).
A lone process has no such spread between its messages (its limiter spaces them as they
leave)."""
LATE_SLOT_SECONDS = 0.03
"""A process that wakes this long after its slot (its event loop was busy) lets the slot go
and reserves another, rather than sending late among the next slots' messages: this bounds
the part of the spread a stalled process adds to 0.03 s of the 0.1 s the headroom leaves,
the rest being the way from the process to Telegram. A missed slot is an instant nobody
uses, never a burst; a process that keeps missing its slots leaves the sending to the
others, and once every slot is missed the next reservation is for now, with no wait."""
Callback = Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]]


class FloodWatch(Protocol):
    """Who hears of the limiter's trouble (the replica's metrics)."""

    def flood_wait(self, retry_after: float) -> None:
        """Telegram answered 429 and asked to wait ``retry_after`` seconds."""
        ...

    def missed_slot(self) -> None:
        """This process woke too late for a shared slot and let it go: it is too busy."""
        ...


class PacedRateLimiter(BaseRateLimiter[None]):
    def __init__(
        self,
        *,
        per_second: float,
        max_retries: int,
        private_chat_interval: float = 1.0,
        group_per_minute: int = 20,
        watch: FloodWatch | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._local = AIORateLimiter(
            overall_max_rate=1,
            overall_time_period=1 / per_second,
            group_max_rate=group_per_minute,
            group_time_period=60,
            max_retries=max_retries,
        )
        # With shared slots the overall rate is the database's business; this one keeps the
        # group limits and the retries after a 429.
        self._unpaced = AIORateLimiter(
            overall_max_rate=0,
            group_max_rate=group_per_minute,
            group_time_period=60,
            max_retries=max_retries,
        )
        self._per_second = per_second
        self._interval = private_chat_interval
        self._next_slot: dict[int, float] = {}
        self._shared: SendSlots | None = None
        self._watch = watch
        self._clock = clock

    def share(self, slots: SendSlots | None) -> None:
        """Pace with the other processes on ``slots`` from now on (None: pace alone)."""
        self._shared = slots

    async def initialize(self) -> None:
        await self._local.initialize()
        await self._unpaced.initialize()

    async def shutdown(self) -> None:
        await self._local.shutdown()
        await self._unpaced.shutdown()

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        if endpoint in _PACED_METHODS and isinstance(chat_id, int) and chat_id > 0:
            await self._wait_for_private_slot(chat_id)
        shared = self._shared
        if shared is None:
            return await self._local.process_request(
                self._watched(callback, None), args, kwargs, endpoint, data, rate_limit_args
            )
        if chat_id is None:  # not a message: no flood limit applies
            return await self._unpaced.process_request(
                self._watched(callback, None), args, kwargs, endpoint, data, rate_limit_args
            )

        async def paced(*call_args: Any, **call_kwargs: Any) -> bool | JSONDict | list[JSONDict]:
            # Each try, retries after a 429 included, takes a slot of its own.
            await self._wait_for_shared_slot(shared)
            return await callback(*call_args, **call_kwargs)

        return await self._unpaced.process_request(
            self._watched(paced, shared), args, kwargs, endpoint, data, rate_limit_args
        )

    def _watched(self, callback: Callback, shared: SendSlots | None) -> Callback:
        """``callback`` telling the metrics, and the other replicas, about each 429."""

        async def watched(*call_args: Any, **call_kwargs: Any) -> bool | JSONDict | list[JSONDict]:
            try:
                return await callback(*call_args, **call_kwargs)
            except RetryAfter as error:
                wait = error.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                if self._watch is not None:
                    self._watch.flood_wait(seconds)
                if shared is not None:
                    await shared.hold_off(OVERALL_KEY, seconds)
                raise

        return watched

    async def _wait_for_shared_slot(self, shared: SendSlots) -> None:
        """Reserve the bot's next instant across replicas and wait for it, again while this
        process wakes too late for the one it holds (``LATE_SLOT_SECONDS``)."""
        interval = 1 / (self._per_second * SHARED_HEADROOM)
        while True:
            delay = await shared.reserve(OVERALL_KEY, interval)
            if delay <= 0:
                return
            due = self._clock() + delay
            await asyncio.sleep(delay)
            if self._clock() - due <= LATE_SLOT_SECONDS:
                return
            if self._watch is not None:
                self._watch.missed_slot()

    async def _wait_for_private_slot(self, chat_id: int) -> None:
        """Reserve the chat's next free second, then wait for it (no lock: no await between
        reading and writing the reservation)."""
        now = self._clock()
        if len(self._next_slot) > _MAX_TRACKED_CHATS:
            self._next_slot = {c: t for c, t in self._next_slot.items() if t > now}
        slot = max(now, self._next_slot.get(chat_id, now))
        self._next_slot[chat_id] = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)
