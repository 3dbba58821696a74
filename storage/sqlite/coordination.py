"""The update log on SQLite: each Telegram update is handled once, even when redelivered.

On one machine the rest of the coordination needs no table: the process paces its own sends,
and ``storage.locks`` says who polls.
"""

from __future__ import annotations

from datetime import datetime

from storage.records import stamp
from storage.schema import StoreSchema, Upgrade
from storage.sqlite.database import SqliteDatabase

SCHEMA = StoreSchema(
    "coordination",
    (
        Upgrade(
            1,
            "the updates already handled, so that a redelivered one is dropped",
            """
CREATE TABLE handled_updates (
    update_id INTEGER PRIMARY KEY,   -- Telegram's, unique per bot
    seen_at   TEXT NOT NULL
);
""",
        ),
    ),
)


class SqliteUpdateLog:
    def __init__(self, database: SqliteDatabase) -> None:
        self._db = database

    async def first_sight(self, update_id: int, now: datetime) -> bool:
        return (
            await self._db.write(
                "INSERT INTO handled_updates (update_id, seen_at) VALUES (?, ?) "
                "ON CONFLICT (update_id) DO NOTHING",
                (update_id, stamp(now)),
            )
            == 1
        )

    async def forget_before(self, moment: datetime) -> int:
        return await self._db.write(
            "DELETE FROM handled_updates WHERE seen_at < ?", (stamp(moment),)
        )
