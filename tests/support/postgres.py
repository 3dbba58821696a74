"""A real PostgreSQL server for the tests, started by the tests themselves.

``pgserver`` (a test dependency) ships PostgreSQL 16 in a wheel; run as root, as CI does, it
starts the server as an unprivileged user of its own. The server listens on a Unix socket in a
short temporary folder (socket paths are limited to about 100 bytes) and is deleted at the end
of the session. Each test gets a database of its own, created in about 30 ms.
"""

from __future__ import annotations

import itertools
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg


class PostgresServer:
    """One running server; ``new_database()`` gives each test an empty database's URL."""

    def __init__(self, server: Any, folder: str) -> None:
        self._server = server
        self._folder = folder
        self._numbers = itertools.count(1)
        self.admin_url: str = server.get_uri()

    def url_of(self, name: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    async def new_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"test_{next(self._numbers)}"
        connection = await asyncpg.connect(self.admin_url)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()
        return self.url_of(name)

    def stop(self) -> None:
        self._server.cleanup()
        shutil.rmtree(self._folder, ignore_errors=True)


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a server for the block, stopped and deleted at its end."""
    import pgserver

    folder = tempfile.mkdtemp(prefix="sahel-pg-", dir="/tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns that XDG_RUNTIME_DIR is not set
        server = PostgresServer(pgserver.get_server(folder, cleanup_mode="stop"), folder)
    try:
        yield server
    finally:
        server.stop()
