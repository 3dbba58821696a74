"""``python -m bot db backup FILE``: a consistent copy of the configured database, as a new
SQLite file.

A SQLite database is copied with SQLite's online backup API: one snapshot, taken while the bot
may keep writing. A PostgreSQL database is read inside one ``REPEATABLE READ READ ONLY``
transaction (one snapshot, which blocks no replica) into a new file created by the SQLite
stores' opener, at this bot's schema: its triggers fill the search index and the topic counts as
rows arrive, and ``sqlite_sequence`` takes the identity sequences' values. Either way the backup
is itself a database the bot can run on, and that ``db migrate-to`` copies into an empty
PostgreSQL database to restore it.

The file appears under its name only once complete (``files.written_in_place``).
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from pathlib import Path

from core.clock import Clock
from storage.errors import StorageError
from storage.postgres.database import PostgresDatabase
from storage.postgres.transfer import PostgresSide
from storage.settings import DatabaseSettings
from storage.sqlite import open_sqlite
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.transfer import SqliteSide, insert_rows, online_backup, raise_id_counter
from storage.transfer.files import refuse_backup_target, refuse_missing_database, written_in_place
from storage.transfer.plan import TABLES, NoProgress, Progress, TableCount, TransferReport
from storage.transfer.reading import (
    agreed_layout,
    check_derived,
    count_all,
    count_rows,
    last_id,
    select_batches,
)


async def backup(
    settings: DatabaseSettings, file: Path, clock: Clock, progress: Progress | None = None
) -> TransferReport:
    """Back the configured database up into the new SQLite file ``file``."""
    refuse_backup_target(file)
    if settings.backend == "postgresql":
        return await _backup_postgres(settings.url, file, clock, progress or NoProgress())
    return await _backup_sqlite(settings.path, file)


async def _backup_sqlite(path: Path, file: Path) -> TransferReport:
    refuse_missing_database(path, "nothing to back up")
    with written_in_place(file) as partial:
        await asyncio.to_thread(online_backup, path, partial)
        copy = await SqliteDatabase.open(partial)
        try:
            async with copy.transaction() as reading:
                side = SqliteSide(reading, str(file))
                rows = await count_all(side, present=await side.tables())
        finally:
            await copy.close()
    counts = tuple(TableCount(table, count, count, count) for table, count in rows.items())
    return TransferReport(str(path), str(file), counts)


async def _backup_postgres(
    url: str, file: Path, clock: Clock, progress: Progress
) -> TransferReport:
    source = await PostgresDatabase.open(url, pool_size=1)
    try:
        with written_in_place(file) as partial:
            await (await open_sqlite(partial, clock)).close()
            target = await SqliteDatabase.open(partial)
            try:
                counts = await _copy_snapshot(source, target, str(file), progress)
            finally:
                await target.close()
    finally:
        await source.close()
    return TransferReport(source.location, str(file), counts)


async def _copy_snapshot(
    source: PostgresDatabase, target: SqliteDatabase, name: str, progress: Progress
) -> tuple[TableCount, ...]:
    async with (
        source.session() as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        await connection.execute("SET LOCAL statement_timeout = 0")
        server = PostgresSide(connection, source.location)
        async with target.transaction() as writing:
            file = SqliteSide(writing, name)
            columns = await agreed_layout(server, file)
            totals = await count_all(server)
            progress.start(sum(totals.values()))
            counts = []
            for table in TABLES:
                async with aclosing(select_batches(server, table, columns[table.name])) as rows:
                    async for batch in rows:
                        await insert_rows(writing, table.name, columns[table.name], batch)
                        progress.advance(len(batch))
                copied = await count_rows(file, table.name)
                counts.append(TableCount(table.name, totals[table.name], copied, copied))
            if any(count.source != count.target for count in counts):
                raise StorageError(f"the backup of {source.location} is incomplete: not kept")
            await check_derived(server, file)
            for table in TABLES:
                if table.counted_ids:
                    await raise_id_counter(writing, table.name, await last_id(server, table.name))
    return tuple(counts)
