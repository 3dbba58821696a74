"""Flood limits enforced strictly: a sliding window, not a leaky bucket.

A client that opens with a burst of one second's worth and then keeps a steady N/s (what
PTB's AIORateLimiter does) must meet some 429s here, as it does on Telegram; only accepted
requests count, so a client that backs off is let through again.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

SEND_METHODS = frozenset(
    {
        "sendMessage", "sendDocument", "sendPhoto", "sendMediaGroup", "sendAudio", "sendVideo",
        "copyMessage", "forwardMessage", "editMessageText", "editMessageReplyMarkup",
        "editMessageCaption",
    }
)  # fmt: skip


class SlidingWindow:
    """At most ``limit`` acceptances in any window of ``seconds``."""

    __slots__ = ("_accepted", "limit", "seconds")

    def __init__(self, limit: int, seconds: float) -> None:
        if limit < 1 or seconds <= 0:
            raise ValueError("a window needs limit >= 1 and a positive duration")
        self.limit = limit
        self.seconds = seconds
        self._accepted: deque[float] = deque()

    def has_room(self, now: float) -> bool:
        horizon = now - self.seconds
        accepted = self._accepted
        while accepted and accepted[0] <= horizon:
            accepted.popleft()
        return len(accepted) < self.limit

    def take(self, now: float) -> None:
        self._accepted.append(now)


@dataclass(slots=True)
class RateLimits:
    """The global limit plus optional per-private-chat and per-group limits.

    ``check`` is all-or-nothing: a refused request is charged to no window.
    """

    per_second: int | None = None
    private_per_second: int | None = None
    group_per_minute: int | None = None
    retry_after: int = 1
    _global: SlidingWindow | None = None
    _chats: dict[int, SlidingWindow] = field(default_factory=dict)

    def configure(
        self,
        *,
        per_second: int | None,
        private_per_second: int | None,
        group_per_minute: int | None,
        retry_after: int,
    ) -> None:
        self.per_second = per_second
        self.private_per_second = private_per_second
        self.group_per_minute = group_per_minute
        self.retry_after = retry_after
        self._global = SlidingWindow(per_second, 1.0) if per_second else None
        self._chats.clear()

    def allows(self, chat_id: int | None, now: float) -> bool:
        """True (and the request charged) when every applicable window has room."""
        windows = [window for window in (self._global, self._chat_window(chat_id)) if window]
        if not all(window.has_room(now) for window in windows):
            return False
        for window in windows:
            window.take(now)
        return True

    def _chat_window(self, chat_id: int | None) -> SlidingWindow | None:
        if chat_id is None:
            return None
        window = self._chats.get(chat_id)
        if window is None:
            if chat_id > 0 and self.private_per_second:
                window = SlidingWindow(self.private_per_second, 1.0)
            elif chat_id < 0 and self.group_per_minute:
                window = SlidingWindow(self.group_per_minute, 60.0)
            else:
                return None
            self._chats[chat_id] = window
        return window
