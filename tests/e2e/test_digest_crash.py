"""A real bot process killed with SIGKILL in the middle of a digest fan-out, then restarted.

No subscriber whose digest was confirmed before the kill gets a second one, and every subscriber
ends with one. The only possible duplicates are messages in flight at the instant of the kill
(delivered by Telegram, not yet recorded): the first test closes that window on purpose to check
the guarantee exactly; the second kills at a random instant and checks duplicates stay inside it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from app.config import Config
from app.services import open_services
from core.clock import utc_now
from fake_bot_api import DEFAULT_TOKEN, LocalBotApi
from storage.settings import DatabaseSettings
from tests.support.factories import NoSending, readers, seed_subscribers

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 300
CONCURRENCY = 16
pytestmark = pytest.mark.slow


def quiet_zone(now: datetime) -> str:
    """A fixed-offset zone where it is early afternoon now: far from midnight, so the local
    date cannot change during the test."""
    offset = (14 - now.hour) % 24
    offset = offset - 24 if offset > 12 else offset
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def write_config(path: Path, api: LocalBotApi, database: Path) -> None:
    path.write_text(
        f"""
[telegram]
base_url = "{api.base_url}"
base_file_url = "{api.base_file_url}"
rate_limit_per_second = 300.0
request_timeout_seconds = 5.0

[database]
path = "{database}"

[digest]
check_interval_seconds = 1
concurrency = {CONCURRENCY}

[logging]
level = "INFO"
""",
        encoding="utf-8",
    )


async def prepare_store(database: Path, zone: str) -> list[int]:
    """The seed article and 300 subscribers whose digest is due now."""
    config = Config(database=DatabaseSettings(path=database))
    async with open_services(config, NoSending(), utc_now):
        pass  # creates the file and loads the seed article
    chat_ids = list(range(50_000, 50_000 + SUBSCRIBERS))
    yesterday = utc_now() - timedelta(days=1)
    await seed_subscribers(
        database, readers(chat_ids, delivery_time=time(0, 0), timezone=zone, since=yesterday)
    )
    return chat_ids


@contextmanager
def bot_process(config: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN}
    with log.open("ab") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def confirmed(database: Path) -> set[int]:
    """Chats whose digest the ledger records as sent."""
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT s.chat_id FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id "
            "WHERE d.kind = 'digest' AND d.status = 'sent'"
        )
        return {int(row[0]) for row in rows}


def delivered(api: LocalBotApi) -> dict[int, int]:
    counts: dict[int, int] = {}
    for message in api.sent_messages():
        if "Votre revue du" in message.text:
            counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
    return counts


async def run_to_kill(
    api: LocalBotApi, tmp_path: Path, *, close_window: bool
) -> tuple[list[int], set[int], dict[int, int], Path]:
    database = tmp_path / "crash.db"
    config = tmp_path / "config.toml"
    write_config(config, api, database)
    chats = await prepare_store(database, quiet_zone(datetime.now(UTC)))
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
