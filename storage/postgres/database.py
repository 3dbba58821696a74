"""One PostgreSQL database: a pool of connections shared by the stores of one process.

Several processes (replicas) share the server; what makes them safe is in the stores' SQL (row
locks, ``FOR UPDATE SKIP LOCKED``, advisory locks), not here. This module gives the stores the
same three verbs as the SQLite backend: ``rows`` for a read, ``write`` for one statement that is
its own transaction, and ``transaction()`` for a block committed whole or rolled back. Errors of
the server or the network surface as :class:`StorageError`, with the URL's password masked.

``rows`` and ``write`` also take SQL written with SQLite's ``?`` placeholders and number them
(``numbered_placeholders``): a statement both dialects read alike is then written once for both
backends (``storage.database``). Statements run on a transaction's own connection are asyncpg's
and keep ``$1``.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache

import asyncpg

from storage.errors import StorageError
from storage.settings import redacted_url

Record = asyncpg.Record
Connection = asyncpg.Connection
CONNECT_TIMEOUT_SECONDS = 10.0
STATEMENT_TIMEOUT_MS = 60_000
"""No query of ours runs for a minute; one that does is stuck behind a lock: fail it, clearly."""

FAILURES: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    OSError,
    TimeoutError,
)
"""What the server or the network can answer instead of a result."""


def explain(error: BaseException) -> str:
    """The server's message, without a traceback, for one operator's line."""
    if isinstance(error, asyncpg.PostgresError):
        return f"{error.sqlstate}: {error}".strip()
    if isinstance(error, ConnectionRefusedError):
        return "connection refused: is the PostgreSQL server running and reachable?"
    if isinstance(error, TimeoutError):
        return "the server did not answer in time"
    return str(error) or type(error).__name__


_SQL_PIECES = re.compile(
    r"""
    (?P<quoted> '(?:[^']|'')*' | "(?:[^"]|"")*" )          # a string literal, a quoted name
    | (?P<comment> --[^\n]* | /\*.*?\*/ )
    | (?P<dollar_quoted> \$(?P<tag>[A-Za-z_][A-Za-z0-9_]*|)\$ .*? \$(?P=tag)\$ )
    | (?P<numbered> \$[0-9]+ )
    | (?P<mark> \? )
    | (?P<unclosed> ['"] | /\* )
    """,
    re.VERBOSE | re.DOTALL,
)
"""What a ``?`` can stand in, scanned left to right: only a bare one is a placeholder."""


def numbered_placeholders(sql: str) -> str:
    """``sql`` with SQLite's ``?`` placeholders numbered as PostgreSQL's ``$1, $2…``, in order
    (each ``?`` is a value of its own, as on SQLite); SQL without ``?`` is returned as it is.

    Raises ValueError, before anything runs, where a ``?`` is not plainly a placeholder: inside
    a quoted literal, name or comment, or beside ``$n`` placeholders (which of the two styles
    numbers the values?). PostgreSQL's own ``?`` operators (jsonb) and E'' strings are
    therefore written in ``$n`` style, never in this one.
    """
    return sql if "?" not in sql else _numbered(sql)


@lru_cache(maxsize=1024)
def _numbered(sql: str) -> str:
    """``numbered_placeholders`` of a statement that has a ``?``; the store's statements are
    fixed strings, so each is scanned once per process."""
    pieces: list[str] = []
    marks = 0
    numbered = False
    end = 0
    for piece in _SQL_PIECES.finditer(sql):
        if piece["mark"]:
            marks += 1
            pieces += [sql[end : piece.start()], f"${marks}"]
            end = piece.end()
        elif piece["numbered"]:
            numbered = True
        elif piece["unclosed"]:
            raise ValueError(f"SQL with an unclosed quote or comment: {sql!r}")
        elif "?" in piece[0]:
            raise ValueError(f"a '?' inside a quoted literal, name or comment: {sql!r}")
    if numbered:
        raise ValueError(f"SQL mixes '?' and '$n' placeholders: {sql!r}")
    return "".join([*pieces, sql[end:]])


def changed_rows(status: str) -> int:
    """Rows a statement changed, read from its status ("UPDATE 3", "INSERT 0 1", "DELETE 0")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class PostgresDatabase:
    """An opened PostgreSQL database: a pool, and the location to name in messages."""

    def __init__(self, url: str, pool: asyncpg.Pool) -> None:
        self.url = url
        self.location = redacted_url(url)
        self._pool = pool

    @classmethod
    async def open(cls, url: str, *, pool_size: int = 10) -> PostgresDatabase:
        """Connect to the server (``pool_size`` connections at most, two opened at once)."""
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=min(2, pool_size),
                max_size=pool_size,
                timeout=CONNECT_TIMEOUT_SECONDS,
                command_timeout=STATEMENT_TIMEOUT_MS / 1000,
                server_settings={
                    "application_name": "sahel-digest",
                    "statement_timeout": str(STATEMENT_TIMEOUT_MS),
                },
            )
        except FAILURES as error:
            raise StorageError(
                f"cannot open database {redacted_url(url)}: {explain(error)}"
            ) from None
        except ValueError as error:  # asyncpg's own reading of the URL
            raise StorageError(f"cannot open database {redacted_url(url)}: {error}") from None
        return cls(url, pool)

    async def close(self) -> None:
        await self._pool.close()

    async def rows(
        self,
        sql: str,
        params: Sequence[object] = (),
        *,
        connection: asyncpg.Connection | None = None,
    ) -> list[asyncpg.Record]:
        """Run one query and return its rows; inside a transaction, on its ``connection``."""
        sql = numbered_placeholders(sql)
        if connection is not None:
            return list(await connection.fetch(sql, *params))
        try:
            return list(await self._pool.fetch(sql, *params))
        except FAILURES as error:
            raise StorageError(f"cannot read database {self.location}: {explain(error)}") from error

    async def write(self, sql: str, params: Sequence[object] = ()) -> int:
        """Run one write statement as its own transaction; return the number of rows changed."""
        sql = numbered_placeholders(sql)
        try:
            status = await self._pool.execute(sql, *params)
        except FAILURES as error:
            raise StorageError(
                f"cannot write to database {self.location}: {explain(error)}; nothing was changed"
            ) from error
        return changed_rows(status)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        """Run a block as one transaction: committed on success, rolled back on any error."""
        try:
            async with self._pool.acquire() as connection, connection.transaction():
                yield connection
        except FAILURES as error:
            raise StorageError(
                f"cannot write to database {self.location}: {explain(error)}; "
                "nothing of this change was kept"
            ) from error

    @asynccontextmanager
    async def session(self) -> AsyncIterator[asyncpg.Connection]:
        """One connection of the pool for a while, outside any transaction: for session-level
        advisory locks, which last as long as the connection that took them."""
        try:
            async with self._pool.acquire() as connection:
                yield connection
        except FAILURES as error:
            raise StorageError(f"database {self.location}: {explain(error)}") from error
