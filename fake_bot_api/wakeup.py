"""A broadcast wake-up for coroutines that re-check a condition whenever something changed."""

from __future__ import annotations

import asyncio
import contextlib


class Wakeup:
    """``notify`` wakes every current waiter; cheap when nobody waits (one Event per change)."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, seconds: float) -> None:
        """Returns on the next ``notify`` or after ``seconds``, whichever comes first.

        ``asyncio.timeout`` rather than ``wait_for``: on Python 3.11, ``wait_for`` swallows a
        cancellation that lands as the event fires, and a cancelled waiter would loop on.
        """
        event = self._event
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(seconds, 0.0)):
                await event.wait()
