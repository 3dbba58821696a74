"""What the stores ask of a database, whichever its backend.

``SqliteDatabase`` and ``PostgresDatabase`` both answer these verbs, and both accept SQL written
with SQLite's ``?`` placeholders (PostgreSQL's numbers them as it runs them), so a statement
that reads the same in both dialects is written once, in the row modules
(``storage.ledger_rows``, ``storage.feed_rows``, ...), and a fix to it reaches both backends.
What differs (claims, locks, upserts, search, triggers) stays in each backend's store, and so
does any block of several statements on a transaction's connection, whose API is each driver's.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

ConnectionT = TypeVar("ConnectionT")


class Row(Protocol):
    """A row of either driver (``aiosqlite.Row``, ``asyncpg.Record``): read by name or place."""

    def __getitem__(self, key: int | str, /) -> Any: ...


class Database(Protocol[ConnectionT]):
    """Either backend's database, with ``ConnectionT`` its driver's connection."""

    async def rows(
        self,
        sql: str,
        params: Sequence[object] = (),
        *,
        connection: ConnectionT | None = None,
    ) -> Sequence[Row]:
        """Run one statement and return its rows (none for a write without RETURNING); inside a
        transaction, on its ``connection``: the shape shared code writes a transaction in."""
        ...

    async def write(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one write statement as its own transaction; the number of rows it changed."""
        ...

    def transaction(self) -> AbstractAsyncContextManager[ConnectionT]:
        """A block committed whole or rolled back; its connection goes to ``rows``."""
        ...


DatabaseT = TypeVar("DatabaseT", bound=Database[Any])
"""A store's own database class: a shared base keeps it, so each backend's store still sees
its whole API (``PostgresDatabase.session``, ...)."""
