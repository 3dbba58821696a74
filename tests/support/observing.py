"""What the tests read back: the store file as committed, and the digests the fake API saw."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

import asyncpg

from fake_bot_api import LocalBotApi
from storage.settings import DatabaseSettings

DIGEST_MARK = "Votre revue du"
Snapshot = dict[str, list[tuple[object, ...]]]


def digests_by_chat(api: LocalBotApi) -> Counter[int]:
    """Digests each chat received (first parts only: a long digest counts once)."""
    counts: Counter[int] = Counter()
    for message in api.sent_messages():
        if DIGEST_MARK in message.text and "(suite" not in message.text:
            counts[message.chat_id] += 1
    return counts


def digests_received(api: LocalBotApi, chat_id: int) -> int:
    return digests_by_chat(api)[chat_id]


LOGS = frozenset({"handled_updates", "send_slots"})
"""Tables that record that something happened, not what the bot holds: every update a refused
reader sends is logged there, and every message sent on PostgreSQL moves a send slot; the
refusal, or the repeated digest, is what must change nothing else."""


def store_snapshot(path: Path) -> Snapshot:
    """Every row of every table (full-text index and id counters included) but the logs, read
    through a connection of its own, so it shows what is committed in the file."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        names = [
            str(row[0])
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            name: sorted(
                (tuple(row) for row in connection.execute(f'SELECT * FROM "{name}"')),  # noqa: S608
                key=repr,
            )
            for name in names
            if name not in LOGS
        }


async def database_snapshot(settings: DatabaseSettings) -> Snapshot:
    """``store_snapshot`` of either backend: every committed row of every table but the logs."""
    if settings.backend == "sqlite":
        return store_snapshot(settings.path)
    connection = await asyncpg.connect(settings.url)
    try:
        names = [
            str(row[0])
            for row in await connection.fetch(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' ORDER BY table_name"
            )
        ]
        return {
            name: sorted(
                (tuple(row) for row in await connection.fetch(f'SELECT * FROM "{name}"')),  # noqa: S608
                key=repr,
            )
            for name in names
            if name not in LOGS
        }
    finally:
        await connection.close()


def digest_attempts(database: Path, chat_id: int) -> int:
    """Failed tries recorded on the chat's digest (there is one digest row in these tests)."""
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        [(attempts, status)] = connection.execute(
            "SELECT d.attempts, d.status FROM deliveries d "
            "JOIN subscribers s ON s.id = d.subscriber_id "
            "WHERE s.chat_id = ? AND d.kind = 'digest'",
            (chat_id,),
        ).fetchall()
    assert status == "sent"
    return int(attempts)
