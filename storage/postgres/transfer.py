"""The PostgreSQL side of ``db migrate-to`` and ``db backup`` (``storage.transfer``).

Rows arrive through a temporary staging table: ``COPY`` fills it a batch at a time, staged rows
are compared with the rows already stored under the same key (a difference means the target
holds another database's data, and the copy is refused), then inserted with ``ON CONFLICT DO
NOTHING`` on the primary key, so that a second run adds only what the first did not.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence

import asyncpg

from storage.postgres.database import changed_rows
from storage.transfer.plan import CopiedTable, Progress, Row
from storage.transfer.reading import foreign_data


class PostgresSide:
    """A PostgreSQL database inside the transaction the copy holds on it
    (``storage.transfer.reading``)."""

    def __init__(self, connection: asyncpg.Connection, location: str) -> None:
        self._connection = connection
        self.location = location

    async def rows(self, sql: str) -> list[Row]:
        return [tuple(record) for record in await self._connection.fetch(sql)]

    async def batches(self, sql: str, size: int) -> AsyncGenerator[list[Row], None]:
        batch: list[Row] = []
        async for record in self._connection.cursor(sql, prefetch=size):
            batch.append(tuple(record))
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    async def tables(self) -> set[str]:
        records = await self._connection.fetch(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        )
        return {str(record[0]) for record in records}

    async def columns(self, table: str) -> tuple[str, ...]:
        records = await self._connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = "
            "current_schema() AND table_name = $1 AND is_generated = 'NEVER' "
            "ORDER BY ordinal_position",
            table,
        )
        return tuple(str(record[0]) for record in records)

    async def id_counter(self, table: str) -> int:
        # NULL until the sequence hands out a first value (or after setval(…, false)).
        value = await self._connection.fetchval(
            "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, 'id')::regclass)"
            ", 0)",
            table,
        )
        return int(value)


async def copy_rows(
    tx: asyncpg.Connection,
    table: CopiedTable,
    columns: Sequence[str],
    batches: AsyncGenerator[list[Row], None],
    progress: Progress,
    locations: tuple[str, str],
) -> int:
    """Copy every batch into ``table``, ids included; return how many rows were added (rows
    already there, identical, are skipped). Refuse a row stored under the same key with other
    values, or clashing with another row on a unique column."""
    names = ", ".join(columns)
    keys = ", ".join(table.key)
    staged = ", ".join(f"s.{column}" for column in columns)
    stored = ", ".join(f"t.{column}" for column in columns)
    await tx.execute(
        "CREATE TEMPORARY TABLE transfer_staging ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {names} FROM {table.name} WITH NO DATA"
    )
    added = 0
    async for batch in batches:
        await tx.copy_records_to_table("transfer_staging", records=batch, columns=list(columns))
        differing = await tx.fetchval(
            f"SELECT count(*) FROM transfer_staging s JOIN {table.name} t USING ({keys}) "  # noqa: S608
            f"WHERE ({staged}) IS DISTINCT FROM ({stored})"
        )
        if differing:
            raise foreign_data(
                locations,
                f"{differing} row(s) of {table.name} differ from those of {locations[0]} "
                "under the same key",
            )
        try:
            status = await tx.execute(
                f"INSERT INTO {table.name} ({names}) SELECT {names} FROM transfer_staging "  # noqa: S608
                f"ON CONFLICT ({keys}) DO NOTHING"
            )
        except asyncpg.UniqueViolationError as error:
            raise foreign_data(
                locations,
                f"a row of {table.name} clashes with another one on {error.constraint_name}",
            ) from None
        added += changed_rows(status)
        await tx.execute("TRUNCATE transfer_staging")
        progress.advance(len(batch))
    await tx.execute("DROP TABLE transfer_staging")
    return added


async def set_id_counter(tx: asyncpg.Connection, table: str, last_id: int) -> None:
    """Make the table's identity hand out ``last_id + 1`` next (1 when ``last_id`` is 0, with
    no last value, as a new table: ``FeedStore.ever_followed`` tells the two apart)."""
    await tx.execute(
        "SELECT setval(pg_get_serial_sequence($1, 'id'), greatest($2::bigint, 1), $2::bigint > 0)",
        table,
        last_id,
    )
