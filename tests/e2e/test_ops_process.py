"""``python -m bot run`` as an operator runs it in containers: each process named by the
environment, JSON log lines, ``/healthz`` and ``/metrics`` on the configured port, a clean stop;
and two replicas on one PostgreSQL database, as compose.yaml runs them."""

from __future__ import annotations

import asyncio
import json
import re
import signal
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Config
from app.services import open_services
from core.clock import utc_now
from fake_bot_api import LocalBotApi
from feeds.settings import FeedSettings
from storage.backends import open_stores
from storage.settings import DatabaseSettings
from tests.support.factories import NoSending, readers
from tests.support.ops import free_port, health, sample, scrape
from tests.support.postgres import PostgresServer
from tests.support.processes import bot_process, delivered, quiet_zone, write_config


async def due_readers(database: DatabaseSettings, count: int) -> list[int]:
    """The shipped article and ``count`` readers whose digest is due now, on either backend."""
    config = Config(database=database, feeds=FeedSettings(load_sources=False))
    async with open_services(config, NoSending(), utc_now):
        pass  # creates the schema and loads the seed article
    chats = list(range(60_000, 60_000 + count))
    zone = quiet_zone(datetime.now(UTC))
    yesterday = utc_now() - timedelta(days=1)
    stores = await open_stores(database, utc_now)
    try:
        await stores.subscribers.add_many(
            readers(chats, delivery_time=time(0, 0), timezone=zone, since=yesterday), utc_now()
        )
    finally:
        await stores.close()
    return chats


def replica_config(path: Path, api: LocalBotApi, database: DatabaseSettings, port: int) -> Path:
    """A ``run`` configuration with JSON logs and metrics on ``port``; the replica's name is
    left to the environment, as in compose.yaml."""
    write_config(path, api, database.path, concurrency=2)
    text = path.read_text(encoding="utf-8")
    if database.url:
        text = re.sub(r"(?m)^path = .*$", f'url = "{database.url}"\npool_size = 10', text)
    # write_config's file ends in the [logging] table.
    text += f'format = "json"\n\n[ops]\nmetrics_port = {port}\nmetrics_listen = "127.0.0.1"\n'
    path.write_text(text, encoding="utf-8")
    return path


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


async def sent(ports: dict[str, int]) -> float:
    """The digests the replicas (name → metrics port) count as sent, added up."""
    total = 0.0
    for name, port in ports.items():
        count = sample(await scrape(port), "sahel_deliveries_total", replica=name, outcome="sent")
        assert count is not None, f"{name} shows no sent counter"
        total += count
    return total


async def settled_count(ports: dict[str, int], expected: int) -> float:
    """The replicas' sent total once it reaches ``expected`` (a run is counted once it has
    closed its last row, a moment after the last message), or after 10 s."""
    for _ in range(50):
        total = await sent(ports)
        if total >= expected:
            return total
        await asyncio.sleep(0.2)
    return await sent(ports)


def json_log(path: Path) -> list[dict[str, Any]]:
    """Every line of a process's output, each one a JSON object."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines, f"{path.name} is empty"
    return lines


async def test_a_bot_process_logs_json_lines_and_serves_its_metrics(
    api: LocalBotApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = DatabaseSettings(path=tmp_path / "bot.db")
    chats = await due_readers(database, 3)
    port = free_port()
    config = replica_config(tmp_path / "config.toml", api, database, port)
    monkeypatch.setenv("SAHEL_REPLICA", "bot-json")
    log = tmp_path / "bot.log"
    with bot_process(config, log) as process:
        assert await wait_until_healthy(port) == {
            "status": "ok",
            "replica": "bot-json",
            "database": "ok",
        }
        await api.wait_for(
            lambda server: set(delivered(server)) >= set(chats),
            timeout=60,
            what="every reader's digest",
        )
        assert await settled_count({"bot-json": port}, len(chats)) == len(chats)
        assert sample(await scrape(port), "sahel_deliveries_pending", replica="bot-json") == 0
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
    lines = json_log(log)
    assert {line["replica"] for line in lines} == {"bot-json"}
    messages = [line["message"] for line in lines]
    assert any(message.startswith("Serving /healthz and /metrics") for message in messages)
    assert any(message.startswith("Bot ready") for message in messages)


async def test_two_replicas_on_postgresql_share_the_digests_and_each_names_itself(
    api: LocalBotApi,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    postgres_server: PostgresServer,
) -> None:
    database = DatabaseSettings(url=await postgres_server.new_database())
    chats = await due_readers(database, 40)
    api.set_latency(0.01)  # a fan-out long enough for both replicas to take part
    names = ("bot-1", "bot-2")
    ports = {name: free_port() for name in names}
    logs = {name: tmp_path / f"{name}.log" for name in names}
    configs = {
        name: replica_config(tmp_path / f"{name}.toml", api, database, ports[name])
        for name in names
    }
    monkeypatch.setenv("SAHEL_REPLICA", "bot-1")
    with bot_process(configs["bot-1"], logs["bot-1"]) as first:
        monkeypatch.setenv("SAHEL_REPLICA", "bot-2")
        with bot_process(configs["bot-2"], logs["bot-2"]) as second:
            for name in names:
                assert (await wait_until_healthy(ports[name]))["replica"] == name
            await api.wait_for(
                lambda server: set(delivered(server)) >= set(chats),
                timeout=30,
                what="every reader's digest",
            )
            # Each replica counts what it sent; the ledger's backlog is the same for both.
            assert await settled_count(ports, len(chats)) == len(chats)
            for name in names:
                samples = await scrape(ports[name])
                assert sample(samples, "sahel_deliveries_pending", replica=name) == 0
            for process in (first, second):
                process.send_signal(signal.SIGTERM)
                assert await asyncio.to_thread(process.wait, 30) == 0
    assert delivered(api) == dict.fromkeys(chats, 1)
    pollers = []
    for name in names:
        lines = json_log(logs[name])
        assert {line["replica"] for line in lines} == {name}
        if any(line["message"] == "This replica now polls Telegram" for line in lines):
            pollers.append(name)
    assert len(pollers) == 1, pollers  # one took the right to poll, and kept it
