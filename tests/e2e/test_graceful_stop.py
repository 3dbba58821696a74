"""Stopping the bot in the middle of a digest fan-out, then starting it again at once.

Before: ``Application.stop()`` waited for the running digest job, that is for the whole fan-out
(minutes for thousands of readers at 25 messages a second), so a service manager's stop timeout
(``docker stop``: 10 s) killed the process in the middle of sends. Now the fan-out ends after the
messages in flight, gives its claims back, and the next start sends the rest: every reader gets
exactly one digest, with no lease to wait out.
"""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

from fake_bot_api import LocalBotApi
from tests.support.factories import FakeClock, readers, seed_subscribers
from tests.support.harness import BotHarness, bot_config
from tests.support.observing import digests_by_chat

READERS = 120


async def test_a_stop_mid_fan_out_ends_it_and_the_next_start_sends_the_rest_once(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    config = bot_config(api, tmp_path / "bot.db", check_interval_seconds=1, concurrency=4)
    chats = list(range(70_000, 70_000 + READERS))
    since = clock() - timedelta(days=1)
    await seed_subscribers(
        config.database.path,
        readers(chats, delivery_time=time(0, 0), timezone="UTC", since=since),
    )
    first = BotHarness(api, config, clock)
    await first.start()
    api.set_latency(0.02)  # the rate limiter paces the fan-out to about 5 s
    await api.wait_for(
        lambda server: len(digests_by_chat(server)) >= 20, timeout=30, what="the fan-out begun"
    )
    await first.stop()
    stopped_at = digests_by_chat(api)
    assert len(stopped_at) < READERS, "the stop waited for the whole fan-out"
    second = BotHarness(api, config, clock)  # same instant: a lease would still be running
    await second.start()
    try:
        await api.wait_for(
            lambda server: len(digests_by_chat(server)) == READERS,
            timeout=30,
            what="the rest of the fan-out",
        )
        await second.services.digests.tick()  # nothing more may leave
    finally:
        await second.stop()
    assert digests_by_chat(api) == dict.fromkeys(chats, 1)
