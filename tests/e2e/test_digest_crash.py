"""A real bot process killed with SIGKILL in the middle of a digest fan-out, then restarted.

No subscriber whose digest was confirmed before the kill gets a second one, and every subscriber
ends with one. The only possible duplicates are messages in flight at the instant of the kill
(delivered by Telegram, not yet recorded): the first test closes that window on purpose to check
the guarantee exactly; the second kills at a random instant and checks duplicates stay inside it.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fake_bot_api import LocalBotApi
from tests.support.processes import (
    bot_process,
    confirmed,
    delivered,
    prepare_store,
    quiet_zone,
    write_config,
)

SUBSCRIBERS = 300
CONCURRENCY = 16
LEASE_SECONDS = 2
pytestmark = pytest.mark.slow


async def run_to_kill(
    api: LocalBotApi, tmp_path: Path, *, close_window: bool
) -> tuple[list[int], set[int], dict[int, int], Path]:
    database = tmp_path / "crash.db"
    config = tmp_path / "config.toml"
    # A short lease: the restarted process resumes the killed one's claims two seconds later.
    write_config(config, api, database, concurrency=CONCURRENCY, lease_seconds=LEASE_SECONDS)
    chats = await prepare_store(database, quiet_zone(datetime.now(UTC)), SUBSCRIBERS)
    api.set_latency(0.01)  # a fan-out of a few seconds, so the kill lands in the middle
    with bot_process(config, tmp_path / "bot.log") as process:
        await api.wait_for(
            lambda server: len(delivered(server)) >= SUBSCRIBERS // 3,
            timeout=60,
            what="a third of the fan-out",
        )
        if close_window:
            # From now on Telegram "loses" every send before processing it; the bot confirms
            # what it already got answers for, then dies.
            api.fail_randomly(1.0, kind="timeout_before", methods=["sendMessage"])
            await asyncio.sleep(1.0)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    # Requests already on the wire still land (as they would at Telegram): let them settle.
    await asyncio.sleep(0.5)
    api.clear_faults()
    return chats, confirmed(database), delivered(api), config


async def restart_and_finish(
    api: LocalBotApi, tmp_path: Path, config: Path, chats: list[int]
) -> None:
    with bot_process(config, tmp_path / "bot.log"):
        await api.wait_for(
            lambda server: set(delivered(server)) >= set(chats),
            timeout=60,
            what="every subscriber's digest after the restart",
        )
        await asyncio.sleep(2.0)  # two more ticks: nothing else may leave


async def test_kill_mid_fan_out_then_restart_sends_each_digest_once(
    api: LocalBotApi, tmp_path: Path
) -> None:
    chats, before_confirmed, before_delivered, config = await run_to_kill(
        api, tmp_path, close_window=True
    )
    assert 0 < len(before_confirmed) < SUBSCRIBERS, "the kill must land mid fan-out"
    assert set(before_delivered) == before_confirmed  # window closed: delivered == confirmed
    await restart_and_finish(api, tmp_path, config, chats)
    after = delivered(api)
    assert {chat: after.get(chat, 0) for chat in chats} == dict.fromkeys(chats, 1), (
        tmp_path / "bot.log"
    ).read_text()[-3000:]


async def test_kill_at_a_random_instant_duplicates_only_in_flight_messages(
    api: LocalBotApi, tmp_path: Path
) -> None:
    chats, before_confirmed, before_delivered, config = await run_to_kill(
        api, tmp_path, close_window=False
    )
    in_flight = set(before_delivered) - before_confirmed  # delivered, not yet recorded
    assert len(in_flight) <= CONCURRENCY
    await restart_and_finish(api, tmp_path, config, chats)
    after = delivered(api)
    assert all(after.get(chat, 0) >= 1 for chat in chats)
    duplicated = {chat for chat in chats if after.get(chat, 0) > 1}
    assert duplicated <= in_flight
    assert all(after[chat] == 1 for chat in before_confirmed)
