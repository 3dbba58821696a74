"""``python -m bot run`` as an operator runs it in a container: its name from the environment,
JSON log lines, ``/healthz`` and ``/metrics`` on the configured port, and a clean stop."""

from __future__ import annotations

import asyncio
import json
import signal
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from fake_bot_api import LocalBotApi
from tests.support.ops import free_port, health, sample, scrape
from tests.support.processes import bot_process, delivered, prepare_store, quiet_zone, write_config

REPLICA = "bot-json"
READERS = 3


async def wait_until_healthy(port: int) -> dict[str, object]:
    """``/healthz``'s body once it answers 200 (the server starts with the bot)."""
    async with asyncio.timeout(60):
        while True:
            try:
                status, body = await health(port)
                if status == 200:
                    return body
            except httpx.TransportError:
                pass  # not listening yet
            await asyncio.sleep(0.2)


async def test_a_bot_process_logs_json_lines_and_serves_its_metrics(
    api: LocalBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "bot.db"
    chats = await prepare_store(database, quiet_zone(datetime.now(UTC)), READERS)
    port = free_port()
    config = tmp_path / "config.toml"
    write_config(config, api, database, concurrency=2)
    with config.open("a", encoding="utf-8") as more:  # the file ends in [logging]
        more.write(
            f'format = "json"\n\n[ops]\nmetrics_port = {port}\nmetrics_listen = "127.0.0.1"\n'
        )
    monkeypatch.setenv("SAHEL_REPLICA", REPLICA)
    log = tmp_path / "bot.log"
    with bot_process(config, log) as process:
        assert await wait_until_healthy(port) == {
            "status": "ok",
            "replica": REPLICA,
            "database": "ok",
        }
        await api.wait_for(
            lambda server: set(delivered(server)) >= set(chats),
            timeout=60,
            what="every reader's digest",
        )
        for _ in range(50):  # the run is counted once it has closed its last delivery
            samples = await scrape(port)
            if sample(samples, "sahel_deliveries_total", replica=REPLICA, outcome="sent"):
                break
            await asyncio.sleep(0.2)
        assert sample(samples, "sahel_deliveries_total", replica=REPLICA, outcome="sent") == READERS
        assert sample(samples, "sahel_deliveries_pending", replica=REPLICA) == 0
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
    lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert lines, "the bot logged nothing"
    assert {line["replica"] for line in lines} == {REPLICA}
    messages = [line["message"] for line in lines]
    assert any(message.startswith("Serving /healthz and /metrics") for message in messages)
    assert any(message.startswith("Bot ready") for message in messages)
