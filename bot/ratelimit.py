"""Flood control: python-telegram-bot's AIORateLimiter, without its opening burst, plus the pace
Telegram expects in a private chat.

AIORateLimiter's overall limiter is a leaky bucket that starts full: with a rate of 30/s it lets
30 requests through in the first instant, and a server enforcing 30 msg/s answers 429. Giving the
bucket a capacity of one request, refilled every 1/rate seconds, spaces requests evenly from the
start at the same average rate. AIORateLimiter has no per-private-chat limit; Telegram advises
about one message per second in a private chat, which multi-part digests would otherwise exceed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

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


class PacedRateLimiter(BaseRateLimiter[None]):
    def __init__(
        self,
        *,
        per_second: float,
        max_retries: int,
        private_chat_interval: float = 1.0,
        group_per_minute: int = 20,
    ) -> None:
        self._inner = AIORateLimiter(
            overall_max_rate=1,
            overall_time_period=1 / per_second,
            group_max_rate=group_per_minute,
            group_time_period=60,
            max_retries=max_retries,
        )
        self._interval = private_chat_interval
        self._next_slot: dict[int, float] = {}

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        if endpoint in _PACED_METHODS and isinstance(chat_id, int) and chat_id > 0:
            await self._wait_for_private_slot(chat_id)
        return await self._inner.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )

    async def _wait_for_private_slot(self, chat_id: int) -> None:
        """Reserve the chat's next free second, then wait for it (no lock: no await between
        reading and writing the reservation)."""
        now = time.monotonic()
        if len(self._next_slot) > _MAX_TRACKED_CHATS:
            self._next_slot = {c: t for c, t in self._next_slot.items() if t > now}
        slot = max(now, self._next_slot.get(chat_id, now))
        self._next_slot[chat_id] = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)
