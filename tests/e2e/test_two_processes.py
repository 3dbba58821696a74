"""Two real bot processes on one database file: each digest leaves once, and a second poller
refuses to start with one line.

Before claims, two processes each read the same pending rows and sent them: one digest part went
out twice in one try out of four. Here both processes run as replicas (webhook mode, one port
each) beside each other over a fan-out large enough for several claimed batches, four times.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fake_bot_api import DEFAULT_TOKEN, LocalBotApi
from tests.support.processes import (
    ROOT,
    bot_process,
    confirmed,
    delivered,
    prepare_store,
    quiet_zone,
    write_config,
)

SUBSCRIBERS = 700  # three claimed batches: both processes find work to share
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("attempt", range(4))
async def test_two_processes_on_one_database_send_each_digest_once(
    api: LocalBotApi, tmp_path: Path, attempt: int
) -> None:
    database = tmp_path / "shared.db"
    chats = await prepare_store(database, quiet_zone(datetime.now(UTC)), SUBSCRIBERS)
    configs = []
    for name in ("first", "second"):
        config = tmp_path / f"{name}.toml"
        write_config(config, api, database, concurrency=8, webhook_port=free_port())
        configs.append(config)
    api.set_latency(0.002)
    with (
        bot_process(configs[0], tmp_path / "first.log"),
        bot_process(configs[1], tmp_path / "second.log"),
    ):
        await api.wait_for(
            lambda server: set(delivered(server)) >= set(chats),
            timeout=90,
            what="every subscriber's digest",
        )
        await asyncio.sleep(2.0)  # two more ticks each: nothing else may leave
    counts = delivered(api)
    twice = sorted(chat for chat in chats if counts.get(chat, 0) != 1)
    assert twice == [], f"attempt {attempt}: {len(twice)} readers got a number of digests != 1"
    assert confirmed(database) == set(chats)


async def test_a_second_poller_refuses_to_start_until_the_first_is_gone(
    api: LocalBotApi, tmp_path: Path
) -> None:
    database = tmp_path / "shared.db"
    config = tmp_path / "config.toml"
    write_config(config, api, database, concurrency=4)
    with bot_process(config, tmp_path / "first.log") as first:
        await api.wait_for(
            lambda server: bool(server.commands(language_code="fr")),
            timeout=30,
            what="the first process ready",
        )
        # Asynchronously: the local Bot API runs in this event loop and must keep answering.
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            cwd=ROOT,
            env={**os.environ, "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await asyncio.wait_for(second.communicate(), timeout=60)
        stderr = err.decode()
        assert second.returncode == 2, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        line = lines[0]
        assert line.startswith("error: ") and f"pid {first.pid}" in line, line
        assert "already polling" in line and "Traceback" not in stderr
        # A process killed outright leaves no stale lock behind: the next one starts at once.
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    log = tmp_path / "second.log"
    with bot_process(config, log) as restarted:
        for _ in range(300):
            if "Bot ready" in log.read_text(encoding="utf-8") or restarted.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert restarted.poll() is None, log.read_text(encoding="utf-8")[-2000:]
        assert "Bot ready" in log.read_text(encoding="utf-8")
