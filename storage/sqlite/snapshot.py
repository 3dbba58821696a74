"""Reading another database without writing to it: the chat mode on an operator's real file.

The chat mode runs a whole bot, scheduler included. On a real database it would subscribe its
make-believe reader, claim the real readers' digests and record them as sent into its local fake
API: those readers would never get that day's digest. So it never opens a real file for writing:
it reads the file through a read-only connection and works on a copy of its articles.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from contextlib import closing
from pathlib import Path

from storage.errors import StorageError


def _read_only(path: Path) -> sqlite3.Connection:
    # mode=ro: SQLite itself refuses any write through this connection.
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def has_readers(path: Path, except_chats: Collection[int] = ()) -> bool:
    """Whether the file at ``path`` holds subscribers other than ``except_chats`` (a database
    real readers depend on); False for a missing file or one without the subscribers table."""
    if not path.is_file():
        return False
    placeholders = ",".join("?" * len(except_chats))
    try:
        with closing(_read_only(path)) as connection:
            tables = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subscribers'"
            ).fetchall()
            if not tables:
                return False
            row = connection.execute(
                f"SELECT EXISTS (SELECT 1 FROM subscribers "  # noqa: S608
                f"WHERE chat_id NOT IN ({placeholders}))",
                tuple(except_chats),
            ).fetchone()
    except sqlite3.Error as error:
        raise StorageError(f"cannot read database {path}: {error}") from None
    return bool(row[0])


def copy_articles(source: Path, target: Path) -> None:
    """Copy ``source`` into ``target`` (replaced) through a read-only connection, then drop the
    copy's readers, ledger and broadcasts: only the articles are carried over."""
    target.unlink(missing_ok=True)
    try:
        with closing(_read_only(source)) as reading, closing(sqlite3.connect(target)) as copy:
            reading.backup(copy)
            copy.execute("PRAGMA foreign_keys = ON")
            for table in ("deliveries", "broadcasts", "subscribers"):
                if copy.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
                ).fetchall():
                    copy.execute(f"DELETE FROM {table}")  # noqa: S608
            copy.commit()
    except sqlite3.Error as error:
        raise StorageError(f"cannot copy the articles of {source}: {error}") from None
