"""``python -m bot db …``: move the data to PostgreSQL, and back it up, from the shell.

The copying is the storage layer's (``storage.transfer``); this module checks what can be
checked before a database is opened, shows a progress bar on a terminal, and prints each
table's counts. Every refusal is one ``error: …`` line with status 2, and a database URL is
only ever printed without its password.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Never

from tqdm import tqdm

from app.cli_common import CommandError, printable
from app.config import Config
from core.clock import utc_now
from storage.errors import StorageError
from storage.settings import url_problems
from storage.transfer.files import refuse_backup_target, refuse_missing_database
from storage.transfer.plan import TransferReport

MIGRATE_HELP = "Copy the SQLite database ([database] path) into the PostgreSQL database at URL."
MIGRATE_DESCRIPTION = (
    MIGRATE_HELP + " URL: postgresql://user:password@host:5432/name. Stop the bot first. All or "
    "nothing: every table, rows with their ids, in one transaction; the id counters continue "
    "where the file's stopped; the search index is rebuilt; row counts are compared table by "
    "table. Running it again adds only what is missing. A database holding rows of its own (a "
    "row the file does not have, or one that differs under the same id) is refused, unchanged. "
    "It also restores a backup (db backup) into an empty PostgreSQL database: give a --config "
    "whose [database] path is the backup file."
)
BACKUP_HELP = "Write a consistent backup of the database (SQLite or PostgreSQL) to FILE."
BACKUP_DESCRIPTION = (
    BACKUP_HELP + " FILE is a new SQLite database (never an existing file), written while the "
    "bot may keep running: one snapshot, visible under its name only once complete. The bot "
    "can run on it ([database] path = FILE), and db migrate-to restores it into an empty "
    "PostgreSQL database."
)


def add_db_parsers(db: argparse.ArgumentParser, path: Callable[[str], Path]) -> None:
    """The ``db`` subcommands, on the parser of ``db``."""
    actions = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    migrate = actions.add_parser("migrate-to", help=MIGRATE_HELP, description=MIGRATE_DESCRIPTION)
    migrate.add_argument("url", metavar="URL", help="the PostgreSQL database to copy into")
    backup = actions.add_parser("backup", help=BACKUP_HELP, description=BACKUP_DESCRIPTION)
    backup.add_argument("file", type=path, metavar="FILE", help="the backup to write (new)")
    for sub in (migrate, backup):
        # Accepted after the action too (« db backup x.db --config x.toml »); SUPPRESS keeps
        # the value given before it.
        sub.add_argument("--config", type=path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def check_db_arguments(config: Config, args: argparse.Namespace) -> None:
    """What can be refused before any database is opened (or created)."""
    try:
        if args.action == "migrate-to":
            problems = url_problems(args.url)
            if problems:
                raise CommandError(f"URL {problems[0]}")
            refuse_missing_database(config.database.path, "nothing to copy")
        else:
            refuse_backup_target(args.file)
            if config.database.backend == "sqlite":
                refuse_missing_database(config.database.path, "nothing to back up")
    except StorageError as refused:
        raise CommandError(printable(str(refused))) from None


async def run_db(config: Config, args: argparse.Namespace) -> None:
    bar = ProgressBar("copying" if args.action == "migrate-to" else "backing up")
    try:
        if args.action == "migrate-to":
            from storage.transfer.migrate import migrate_to  # loads PostgreSQL's driver

            report = await migrate_to(config.database.path, args.url, utc_now, bar)
        else:
            from storage.transfer.backup import backup

            report = await backup(config.database, args.file, utc_now, bar)
    finally:
        bar.close()
    print_report(report, migrating=args.action == "migrate-to")


class ProgressBar:
    """Rows copied, on stderr, on a terminal only (``disable=None``): nothing in a log. Shown
    once the copy knows how many rows it reads (a SQLite file's backup copies pages: none)."""

    def __init__(self, description: str) -> None:
        self._description = description
        self._bar: tqdm[Never] | None = None

    def start(self, total_rows: int) -> None:
        self._bar = tqdm(
            total=total_rows, unit="row", desc=self._description, file=sys.stderr, disable=None
        )

    def advance(self, rows: int) -> None:
        if self._bar is not None:
            self._bar.update(rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def print_report(report: TransferReport, *, migrating: bool) -> None:
    """Each table's rows on both sides (and, for a copy, how many this run added), then one
    line saying what happened."""
    source, target = printable(report.source), printable(report.target)  # no password
    headings = ("table", "source", "target", "added") if migrating else ("table", "rows")
    lines: list[tuple[str, ...]] = [headings]
    for count in report.tables:
        figures = (count.source, count.target, count.added) if migrating else (count.target,)
        lines.append((count.table, *(f"{figure:,}" for figure in figures)))
    width = max(len(line[0]) for line in lines)
    for line in lines:
        print(line[0].ljust(width) + "".join(cell.rjust(10) for cell in line[1:]))
    total = sum(count.target for count in report.tables)
    if not migrating:
        print(f"wrote {target}: a SQLite database of {total:,} rows backed up from {source}")
    elif report.added:
        print(f"copied {report.added:,} rows from {source} into {target}; every count matches")
    else:
        print(f"nothing to copy: {target} already holds every row of {source}")
