"""The shared flood limit's slots, with the database's send slots and the clock played by the
test: a process that wakes too late for its slot lets it go and takes another."""

from __future__ import annotations

from typing import Any

from bot.ratelimit import LATE_SLOT_SECONDS, PacedRateLimiter


class ScriptedSlots:
    """Send slots that answer each reservation with the next wait of ``waits``."""

    def __init__(self, waits: list[float]) -> None:
        self.waits = waits
        self.reserved = 0

    async def reserve(self, key: str, interval: float) -> float:
        self.reserved += 1
        return self.waits.pop(0)

    async def hold_off(self, key: str, seconds: float) -> None:
        raise AssertionError("no 429 in these tests")

    async def forget_idle(self) -> int:
        return 0


class StallingClock:
    """A monotonic clock that jumps by ``stalls[n]`` when read for the n-th time after a
    reservation's wait began: the event loop was busy elsewhere meanwhile."""

    def __init__(self, stalls: list[float]) -> None:
        self.now = 1_000.0
        self.stalls = stalls
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        if self.reads % 2 == 0 and self.stalls:  # the read after a wait
            self.now += self.stalls.pop(0)
        return self.now


class MissedSlots:
    """A flood watch that counts the slots let go."""

    def __init__(self) -> None:
        self.missed = 0

    def flood_wait(self, retry_after: float) -> None:
        raise AssertionError("no 429 in these tests")

    def missed_slot(self) -> None:
        self.missed += 1


async def send_one(waits: list[float], stalls: list[float]) -> tuple[int, int, int]:
    """Send one message through a limiter sharing ``ScriptedSlots(waits)``; return how many
    slots it reserved, how many it reported missed and how many times the message left."""
    slots = ScriptedSlots(waits)
    watch = MissedSlots()
    sent = 0

    async def send(*args: Any, **kwargs: Any) -> bool:
        nonlocal sent
        sent += 1
        return True

    limiter = PacedRateLimiter(
        per_second=100, max_retries=0, watch=watch, clock=StallingClock(stalls)
    )
    limiter.share(slots)
    await limiter.initialize()
    try:
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": -1001}, None)
    finally:
        await limiter.shutdown()
    return slots.reserved, watch.missed, sent


async def test_a_slot_woken_on_time_is_used() -> None:
    assert await send_one([0.001], [LATE_SLOT_SECONDS / 2]) == (1, 0, 1)


async def test_a_slot_woken_too_late_is_let_go_for_the_next() -> None:
    assert await send_one([0.001, 0.001], [LATE_SLOT_SECONDS * 3, 0.0]) == (2, 1, 1)


async def test_slots_missed_again_and_again_are_all_let_go() -> None:
    late = LATE_SLOT_SECONDS * 2
    assert await send_one([0.001] * 4, [late, late, late, 0.0]) == (4, 3, 1)


async def test_a_slot_that_is_now_leaves_at_once_whatever_the_clock() -> None:
    """No wait, so no lateness: a process that misses every slot still sends once the others'
    slots have all passed (the database then answers "now")."""
    assert await send_one([0.001, 0.0], [1.0, 1.0]) == (2, 1, 1)
