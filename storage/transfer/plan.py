"""What ``db migrate-to`` and ``db backup`` copy between the backends, and what they leave out.

Both backends hold the same tables with the same columns, and write values alike
(``storage.records``), so a table is copied column for column, rows with their ids. Derived data
is not copied but rebuilt on the receiving side, which keeps one source of truth:

- ``topic_counts``: triggers on ``article_topics`` keep it on both backends; copying
  ``article_topics`` (with its ``lead`` values) rebuilds it, and copying it as well would count
  every article twice. The copy checks that the counts agree afterwards.
- SQLite's ``articles_fts`` (and its ``articles_fts_*`` shadow tables) and PostgreSQL's
  ``article_search``: the search index of each backend, filled by SQLite's triggers as articles
  are inserted, and rebuilt on PostgreSQL by ``storage.postgres.search.rebuild_search_index``.
- ``articles.sort_day``: a generated column on both; each side computes its own.
- ``schema_versions``: each side records its own upgrades (the copy only checks they agree);
  ``sqlite_sequence`` and PostgreSQL's identity sequences are set from each other instead.
- ``send_slots``: PostgreSQL's flood-limit slots, transient (seconds ahead of now).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from storage.errors import StorageError

Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class CopiedTable:
    name: str
    key: tuple[str, ...]
    """The primary key: a row already on the receiving side under it is not copied again."""
    counted_ids: bool = False
    """Its ``id`` comes from a counter (PostgreSQL's identity sequence; SQLite's rowid, and for
    AUTOINCREMENT tables ``sqlite_sequence``), which the copy carries over: ids of deleted rows
    must not be handed out again (digests remember the highest article id a reader saw, and
    ``FeedStore.ever_followed`` reads the feeds' counter)."""


TABLES: tuple[CopiedTable, ...] = (
    CopiedTable("articles", ("id",), counted_ids=True),
    CopiedTable("article_topics", ("article_id", "topic")),
    CopiedTable("story_keys", ("key", "article_id")),
    CopiedTable("subscribers", ("id",), counted_ids=True),
    CopiedTable("subscriber_topics", ("subscriber_id", "topic")),
    CopiedTable("broadcasts", ("id",), counted_ids=True),
    CopiedTable("delivery_claimants", ("id",)),
    CopiedTable("deliveries", ("id",), counted_ids=True),
    CopiedTable("feeds", ("id",), counted_ids=True),
    CopiedTable("feed_items", ("feed_id", "key")),
    CopiedTable("feed_alerts", ("id",), counted_ids=True),
    CopiedTable("handled_updates", ("update_id",)),
)
"""Every table copied, parents before the tables that refer to them. Subscribers come before
deliveries on purpose: a digest inserted ``empty`` moves its reader's watermark through a
trigger, which takes the higher of the two and so leaves the copied watermark as it is (checked
by ``DERIVED_CHECKS``)."""

LEFT_OUT = frozenset(
    {"topic_counts", "articles_fts", "article_search", "schema_versions", "send_slots"}
)
"""Tables of either backend that are not copied (see the module's docstring)."""
LEFT_OUT_PREFIXES = ("articles_fts_", "sqlite_")
"""FTS5's shadow tables, and SQLite's own (``sqlite_sequence``, ``sqlite_stat1``)."""


@dataclass(frozen=True, slots=True)
class DerivedCheck:
    what: str
    sql: str


DERIVED_CHECKS = (
    DerivedCheck("topic counts", "SELECT topic, articles FROM topic_counts WHERE articles <> 0"),
    DerivedCheck("digest watermarks", "SELECT id, digest_watermark FROM subscribers"),
)
"""What must read the same on both sides once the rows are copied, whatever the triggers did;
the same SQL on both backends. (A topic whose articles were all deleted keeps a row at 0 on
the side that had them.)"""

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")


class TransferRefused(StorageError):
    """The copy would mix two databases' data, or the two sides do not have the same layout;
    nothing was changed."""


class Progress(Protocol):
    """Told how many rows a copy will read, then as batches of them are written."""

    def start(self, total_rows: int) -> None: ...

    def advance(self, rows: int) -> None: ...


class NoProgress:
    def start(self, total_rows: int) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


@dataclass(frozen=True, slots=True)
class TableCount:
    table: str
    source: int
    target: int
    added: int
    """Rows this run wrote (fewer than ``source`` when a run before it copied some)."""


@dataclass(frozen=True, slots=True)
class TransferReport:
    source: str
    target: str
    """Where the rows went: a file, or a URL without its password."""
    tables: tuple[TableCount, ...]

    @property
    def added(self) -> int:
        return sum(count.added for count in self.tables)


def copied_table_names() -> tuple[str, ...]:
    return tuple(table.name for table in TABLES)


def check_tables(location: str, present: Collection[str], *, source: bool) -> None:
    """Refuse a side lacking a table the copy writes or reads, and a source holding a table the
    copy does not know (a bot of another version wrote it: its rows would be left behind
    without a word). A target may hold tables of its own."""
    unknown = sorted(
        name
        for name in present
        if name not in copied_table_names()
        and name not in LEFT_OUT
        and not name.startswith(LEFT_OUT_PREFIXES)
    )
    missing = [name for name in copied_table_names() if name not in present]
    if source and unknown:
        raise TransferRefused(
            f"{location} has table(s) this bot does not know how to copy: {', '.join(unknown)}"
        )
    if missing:
        raise TransferRefused(f"{location} lacks the table(s) {', '.join(missing)}")


def agreed_columns(
    table: str, source: Sequence[str], target: Sequence[str], locations: tuple[str, str]
) -> tuple[str, ...]:
    """The columns copied for ``table`` (in the source's order): both sides must have exactly
    the same, each a plain lower-case name (they are written into the copy's SQL)."""
    if set(source) != set(target):
        only = sorted(set(source) ^ set(target))
        raise TransferRefused(
            f"table {table} has different columns in {locations[0]} and {locations[1]} "
            f"({', '.join(only)}): they are not at the same schema version"
        )
    for name in (table, *source):
        if not _IDENTIFIER.fullmatch(name):
            raise TransferRefused(f"table {table}: unexpected name {name!r}")
    return tuple(source)


def check_versions(
    source: Mapping[str, int], target: Mapping[str, int], locations: tuple[str, str]
) -> None:
    """Both sides must record the same upgrades, store by store: same version, same tables."""
    if dict(source) != dict(target):

        def listed(versions: Mapping[str, int]) -> str:
            return ", ".join(f"{store} {version}" for store, version in sorted(versions.items()))

        raise TransferRefused(
            f"{locations[0]} ({listed(source)}) and {locations[1]} ({listed(target)}) are not at "
            "the same schema versions: open each with this version of the bot first"
        )
