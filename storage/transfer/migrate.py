"""``python -m bot db migrate-to URL``: copy a SQLite file into a PostgreSQL database.

Both are opened through their stores' openers first, which bring each schema up to this bot's
version as the bot itself would at start; the copy then checks that both record the same
versions, tables and columns. Every table is copied, rows with their ids, in one PostgreSQL
transaction: the target gets all of it or nothing. A row already there under the same key and
identical is skipped, so a second run adds only what is missing; a row that differs, or a row
the file does not have, belongs to another database and the copy is refused. The file is read
inside a write transaction, so the bot cannot change it during the copy (stop the bot first:
what it would write to the file afterwards is not in PostgreSQL).

Afterwards the identity sequences continue from the file's counters (``sqlite_sequence``, not
the highest id left: ids of deleted rows are never handed out again), and the search index is
rebuilt from the copied articles.
"""

from __future__ import annotations

from contextlib import aclosing
from pathlib import Path

from core.clock import Clock
from storage.postgres import open_postgres
from storage.postgres.database import PostgresDatabase
from storage.postgres.search import rebuild_search_index
from storage.postgres.transfer import PostgresSide, copy_rows, set_id_counter
from storage.sqlite import open_sqlite
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.transfer import SqliteSide
from storage.transfer.files import refuse_missing_database
from storage.transfer.plan import TABLES, NoProgress, Progress, TableCount, TransferReport
from storage.transfer.reading import (
    agreed_layout,
    check_derived,
    count_all,
    count_rows,
    last_id,
    refuse_foreign_rows,
    select_batches,
)

POOL_SIZE = 2


async def migrate_to(
    source_path: Path, url: str, clock: Clock, progress: Progress | None = None
) -> TransferReport:
    """Copy the SQLite file at ``source_path`` into the PostgreSQL database at ``url``; return
    each table's rows on both sides and how many this run added."""
    refuse_missing_database(source_path, "nothing to copy")
    await (await open_sqlite(source_path, clock)).close()
    await (await open_postgres(url, clock, pool_size=POOL_SIZE)).close()
    source = await SqliteDatabase.open(source_path)
    try:
        target = await PostgresDatabase.open(url, pool_size=POOL_SIZE)
        try:
            report = await _copy(source, target, progress or NoProgress())
            await rebuild_search_index(target)
        finally:
            await target.close()
    finally:
        await source.close()
    return report


async def _copy(
    source: SqliteDatabase, target: PostgresDatabase, progress: Progress
) -> TransferReport:
    locations = (str(source.path), target.location)
    async with source.transaction() as reading, target.transaction() as writing:
        # One statement may copy a large batch behind triggers: the bot's one-minute limit is
        # for its own queries.
        await writing.execute("SET LOCAL statement_timeout = 0")
        file, server = SqliteSide(reading, locations[0]), PostgresSide(writing, locations[1])
        columns = await agreed_layout(file, server)
        totals = await count_all(file)
        progress.start(sum(totals.values()))
        counts = []
        for table in TABLES:
            async with aclosing(select_batches(file, table, columns[table.name])) as batches:
                added = await copy_rows(
                    writing, table, columns[table.name], batches, progress, locations
                )
            count = TableCount(
                table.name, totals[table.name], await count_rows(server, table.name), added
            )
            refuse_foreign_rows(count, locations)
            counts.append(count)
        await check_derived(file, server)
        for table in TABLES:
            if table.counted_ids:
                highest = max(await last_id(file, table.name), await last_id(server, table.name))
                await set_id_counter(writing, table.name, highest)
    return TransferReport(locations[0], locations[1], tuple(counts))
