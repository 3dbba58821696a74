"""The update log on SQLite: each Telegram update is handled once, even when redelivered.

On one machine the rest of the coordination needs no table: the process paces its own sends,
and ``storage.locks`` says who polls.
"""

from __future__ import annotations

from storage.coordination import StoredUpdateLog
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


class SqliteUpdateLog(StoredUpdateLog[SqliteDatabase]):
    """The update log on SQLite: the table is this module's, the SQL ``StoredUpdateLog``'s."""
