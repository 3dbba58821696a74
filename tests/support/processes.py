"""Real bot processes on one database file: their config, their subscribers, what they sent."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Protocol

from app.config import Config
from app.services import open_services
from core.clock import utc_now
from fake_bot_api import DEFAULT_TOKEN, LocalBotApi
from feeds.settings import FeedSettings
from storage.settings import DatabaseSettings
from tests.support.factories import NoSending, readers, seed_subscribers

ROOT = Path(__file__).resolve().parents[2]
DIGEST_TITLE = "Votre revue du"


def quiet_zone(now: datetime) -> str:
    """A fixed-offset zone where it is early afternoon now: far from midnight, so the local
    date cannot change during the test."""
    offset = (14 - now.hour) % 24
    offset = offset - 24 if offset > 12 else offset
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def database_section(database: Path | str) -> str:
    """``[database]`` for a SQLite file, or for a PostgreSQL URL."""
    return f'url = "{database}"' if isinstance(database, str) else f'path = "{database}"'


class BotApiAddress(Protocol):
    """Where a local Bot API server listens: the tests' in-process one or the benchmarks'."""

    @property
    def base_url(self) -> str: ...

    @property
    def base_file_url(self) -> str: ...


def write_config(
    path: Path,
    api: BotApiAddress,
    database: Path | str,
    *,
    concurrency: int,
    lease_seconds: int = 60,
    webhook_port: int | None = None,
    rate: float = 300.0,
    extra: str = "",
) -> None:
    """A config for a real ``run`` process on a SQLite file or a PostgreSQL URL: polling, or a
    webhook on ``webhook_port``."""
    webhook = (
        ""
        if webhook_port is None
        else f'mode = "webhook"\nwebhook_url = "http://127.0.0.1:{webhook_port}/telegram"\n'
        f"webhook_port = {webhook_port}\n"
    )
    path.write_text(
        f"""
[telegram]
base_url = "{api.base_url}"
base_file_url = "{api.base_file_url}"
rate_limit_per_second = {rate}
request_timeout_seconds = 5.0
{webhook}
[database]
{database_section(database)}

[digest]
check_interval_seconds = 1
concurrency = {concurrency}
claim_lease_seconds = {lease_seconds}

[feeds]
load_sources = false

[logging]
level = "INFO"
{extra}""",
        encoding="utf-8",
    )


async def prepare_store(database: Path | str, zone: str, subscribers: int) -> list[int]:
    """The seed article and ``subscribers`` readers whose digest is due now, in a SQLite file
    or a PostgreSQL database (its URL)."""
    settings = (
        DatabaseSettings(url=database) if isinstance(database, str) else DatabaseSettings(database)
    )
    config = Config(database=settings, feeds=FeedSettings(load_sources=False))
    async with open_services(config, NoSending(), utc_now):
        pass  # creates the file and loads the seed article
    chat_ids = list(range(50_000, 50_000 + subscribers))
    yesterday = utc_now() - timedelta(days=1)
    await seed_subscribers(
        settings, readers(chat_ids, delivery_time=time(0, 0), timezone=zone, since=yesterday)
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
        if DIGEST_TITLE in message.text:
            counts[message.chat_id] = counts.get(message.chat_id, 0) + 1
    return counts


def run_cli(
    *args: str,
    cwd: Path,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    preexec: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` in ``cwd``; ``preexec`` runs in the child before it starts (the
    limits of ``tests.support.limits``)."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
        preexec_fn=preexec,
        check=False,
    )
