"""Pending updates, confirmed by getUpdates offsets, with long-poll wake-ups."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from fake_bot_api.models import JsonDict
from fake_bot_api.wakeup import Wakeup

# Telegram's default when allowed_updates was never set: everything but these three.
_OPT_IN_ONLY = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(slots=True)
class PollTicket:
    """One running getUpdates; a newer poll supersedes it (Telegram answers it 409)."""

    superseded: bool = False


class UpdateQueue:
    def __init__(self) -> None:
        self._pending: deque[JsonDict] = deque()
        # Telegram's ids grow for as long as a bot lives, across every restart of anything:
        # a server started again must not hand out ids a bot's database has already seen
        # (the bot drops an update whose id it recorded as handled).
        self._next_id = time.time_ns() // 1_000  # microseconds: below 2**53, as in JSON
        self._allowed: frozenset[str] | None = None
        self._changed = Wakeup()
        self._poll: PollTicket | None = None

    def __len__(self) -> int:
        return len(self._pending)

    def push(self, kind: str, payload: JsonDict) -> int:
        """Queues ``{"update_id": …, kind: payload}`` unless allowed_updates filters it out."""
        update_id = self._next_id
        self._next_id += 1
        if self._accepts(kind):
            self._pending.append({"update_id": update_id, kind: payload})
            self.wake()
        return update_id

    def set_allowed(self, kinds: list[str] | None) -> None:
        """allowed_updates: None keeps the previous setting, [] restores the default."""
        if kinds is not None:
            self._allowed = frozenset(kinds) if kinds else None

    @property
    def allowed(self) -> list[str] | None:
        return sorted(self._allowed) if self._allowed is not None else None

    def confirm(self, offset: int) -> None:
        """getUpdates offset: forget updates below it; a negative offset keeps the last -offset."""
        pending = self._pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popleft()
            return
        while pending and pending[0]["update_id"] < offset:
            pending.popleft()

    def peek(self, limit: int) -> list[JsonDict]:
        return [self._pending[index] for index in range(min(limit, len(self._pending)))]

    def first(self) -> JsonDict | None:
        return self._pending[0] if self._pending else None

    def drop_first(self, update_id: int) -> None:
        if self._pending and self._pending[0]["update_id"] == update_id:
            self._pending.popleft()

    def clear(self) -> None:
        self._pending.clear()

    @property
    def polling(self) -> bool:
        """True while a getUpdates call is waiting for updates."""
        return self._poll is not None

    def open_poll(self) -> PollTicket:
        if self._poll is not None:
            self._poll.superseded = True
        self._poll = PollTicket()
        self.wake()
        return self._poll

    def close_poll(self, ticket: PollTicket) -> None:
        if self._poll is ticket:
            self._poll = None

    def wake(self) -> None:
        """Wakes every waiter (new update, superseded poll, webhook change, shutdown)."""
        self._changed.notify()

    async def wait(self, seconds: float) -> None:
        """Returns on the next wake-up or after ``seconds``."""
        await self._changed.wait(seconds)

    def _accepts(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in _OPT_IN_ONLY
        return kind in self._allowed
