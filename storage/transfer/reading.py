"""Reading either backend the same way: the copy's checks and its ``SELECT`` statements.

A ``Side`` is one database inside the transaction the copy holds on it; each backend implements
it (``storage.sqlite.transfer``, ``storage.postgres.transfer``) over its own connection. What
is read through it (counts, counters, row batches, the checks of derived data) is written once,
here, in the SQL both dialects share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator, Collection, Sequence
from typing import Protocol

from storage.errors import StorageError
from storage.transfer.plan import (
    DERIVED_CHECKS,
    TABLES,
    CopiedTable,
    Row,
    TableCount,
    TransferRefused,
    agreed_columns,
    check_tables,
    check_versions,
)

BATCH_ROWS = 500
"""Rows read and written at a time: a few megabytes of articles, each statement well within the
databases' statement timeouts."""


class Side(Protocol):
    """One database, inside the transaction the copy holds on it."""

    @property
    def location(self) -> str:
        """The file, or the URL without its password."""
        ...

    async def rows(self, sql: str) -> list[Row]: ...

    def batches(self, sql: str, size: int) -> AsyncGenerator[list[Row], None]: ...

    async def tables(self) -> set[str]: ...

    async def columns(self, table: str) -> tuple[str, ...]:
        """The stored columns of ``table``, generated ones left out, in their order."""
        ...

    async def id_counter(self, table: str) -> int:
        """The last id the table's counter handed out (0 if none): deleted rows' ids count."""
        ...


async def agreed_layout(source: Side, target: Side) -> dict[str, tuple[str, ...]]:
    """The columns to copy, table by table, once both sides are found at the same schema
    versions with the same tables and columns; ``TransferRefused`` otherwise."""
    locations = (source.location, target.location)
    check_versions(await versions(source), await versions(target), locations)
    check_tables(source.location, await source.tables(), source=True)
    check_tables(target.location, await target.tables(), source=False)
    return {
        table.name: agreed_columns(
            table.name,
            await source.columns(table.name),
            await target.columns(table.name),
            locations,
        )
        for table in TABLES
    }


async def versions(side: Side) -> dict[str, int]:
    return {
        str(store): _integer(version)
        for store, version in await side.rows("SELECT store, version FROM schema_versions")
    }


async def count_rows(side: Side, table: str) -> int:
    return _integer((await side.rows(f"SELECT count(*) FROM {table}"))[0][0])  # noqa: S608


async def count_all(side: Side, present: Collection[str] | None = None) -> dict[str, int]:
    """The rows of every copied table (of those ``present``, when given)."""
    counts = {}
    for table in TABLES:
        if present is None or table.name in present:
            counts[table.name] = await count_rows(side, table.name)
    return counts


async def last_id(side: Side, table: str) -> int:
    """The highest id the table ever used: its counter, or its highest row (SQLite tables
    without AUTOINCREMENT keep no counter)."""
    highest = await side.rows(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608
    return max(await side.id_counter(table), _integer(highest[0][0]))


def select_batches(
    side: Side, table: CopiedTable, columns: Sequence[str]
) -> AsyncGenerator[list[Row], None]:
    """Every row of ``table`` (its ``columns``), in key order, ``BATCH_ROWS`` at a time."""
    names = ", ".join(columns)
    key = ", ".join(table.key)
    return side.batches(f"SELECT {names} FROM {table.name} ORDER BY {key}", BATCH_ROWS)  # noqa: S608


async def check_derived(source: Side, target: Side) -> None:
    """What triggers maintain must read the same on both sides after the copy (see
    ``DERIVED_CHECKS``); a difference fails the copy, which is then rolled back."""
    for check in DERIVED_CHECKS:
        if Counter(await source.rows(check.sql)) != Counter(await target.rows(check.sql)):
            raise StorageError(
                f"after copying, the {check.what} of {target.location} differ from those of "
                f"{source.location}; nothing of the copy was kept"
            )


def refuse_foreign_rows(count: TableCount, locations: tuple[str, str]) -> None:
    """Every source row is on the target now, identical: any row more is another database's."""
    if count.target > count.source:
        extra = count.target - count.source
        raise foreign_data(
            locations, f"{extra} row(s) of {count.table} that {locations[0]} does not have"
        )


def foreign_data(locations: tuple[str, str], detail: str) -> TransferRefused:
    """The refusal of a target that holds another database's rows."""
    return TransferRefused(
        f"{locations[1]} already holds other data: {detail}; nothing was copied (copy into an "
        "empty database, or into one an earlier copy of this same file filled)"
    )


def _integer(value: object) -> int:
    if not isinstance(value, int):
        raise StorageError(f"expected a whole number from the database, got {value!r}")
    return value
