"""``python -m bot db migrate-to`` and ``db backup`` in real processes, on a SQLite file filled
by the bot's own services and on the real PostgreSQL server the tests start.

What is checked is what the bot reads afterwards, through its stores, on both sides: articles
and their stories, topic counts, searches, readers and their watermarks, the ledger and its
claims, feeds, and the id counters (the next id continues after deleted ones).
"""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from app.config import Config
from app.services import open_services
from content.models import ArticleDraft, PreparedArticle
from content.pipeline import fingerprint
from core.clock import utc_now
from digests.ledger import Kind, NewDelivery, Status
from feeds.models import NewFeed
from feeds.settings import FeedSettings
from storage.backends import open_stores
from storage.settings import DatabaseSettings
from storage.stores import Stores
from storage.transfer.plan import TABLES
from tests.e2e.db_transfer_support import (
    START,
    ScriptedSender,
    assert_same_reads,
    fill,
    id_counters,
    settings_of,
    table_counts,
)
from tests.support.factories import FakeClock, make_article, readers, seed_subscribers
from tests.support.postgres import PostgresServer
from tests.support.processes import ROOT, run_cli

PASSWORD = "pgS3cretWord"
"""Given in every URL (the test server trusts local connections and ignores it): it must
never be printed."""


@pytest.fixture(scope="module")
def filled_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store filled once for the module (``fill``); each test works on a copy."""
    path = tmp_path_factory.mktemp("template") / "store.db"
    asyncio.run(fill(path))
    return path


@pytest.fixture
def folder(tmp_path: Path, filled_template: Path) -> Path:
    """A working folder: store.db (a copy of the filled store) and config.toml naming it."""
    shutil.copyfile(filled_template, tmp_path / "store.db")
    write_config(tmp_path / "config.toml", Path("store.db"))
    return tmp_path


def write_config(path: Path, database: Path | str) -> None:
    section = f'url = "{database}"' if isinstance(database, str) else f'path = "{database}"'
    path.write_text(f"[database]\n{section}\n", encoding="utf-8")


async def new_url(server: PostgresServer) -> str:
    """An empty database's URL, with a password in it."""
    url = await server.new_database()
    return url.replace("postgres:@", f"postgres:{PASSWORD}@", 1)


def cli(folder: Path, *args: str, config: str = "config.toml") -> subprocess.CompletedProcess[str]:
    result = run_cli("db", *args, "--config", config, cwd=folder)
    assert PASSWORD not in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result
    assert result.stderr == ""  # no progress bar but on a terminal, no log line
    return result.stdout


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def printed_counts(stdout: str) -> dict[str, tuple[int, ...]]:
    """The table of counts a command printed, by table."""
    names = {table.name for table in TABLES}
    rows = [line.split() for line in stdout.splitlines()]
    return {
        row[0]: tuple(int(cell.replace(",", "")) for cell in row[1:])
        for row in rows
        if row and row[0] in names
    }


async def server_counts(url: str) -> dict[str, int]:
    """Rows of every copied table and of the derived ones, read straight from the server."""
    connection = await asyncpg.connect(url)
    try:
        names = [table.name for table in TABLES] + ["topic_counts", "article_search"]
        return {
            name: await connection.fetchval(f"SELECT count(*) FROM {name}")  # noqa: S608
            for name in names
        }
    finally:
        await connection.close()


@asynccontextmanager
async def opened(database: Path | str) -> AsyncIterator[Stores]:
    stores = await open_stores(settings_of(database), utc_now)
    try:
        yield stores
    finally:
        await stores.close()


async def assert_same_data(left: Path | str, right: Path | str) -> None:
    async with opened(left) as one, opened(right) as other:
        await assert_same_reads(one, other)


# --- the plan, against both schemas ------------------------------------------------------------


async def test_the_copied_tables_match_both_schemas(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """Each table's key is its primary key on both backends (``ON CONFLICT`` needs it), the
    tables with an id counter are PostgreSQL's identity tables and include SQLite's
    AUTOINCREMENT ones, and every table comes after the tables it refers to."""
    async with opened(tmp_path / "plan.db"):
        pass
    url = await new_url(postgres_server)
    async with opened(url):
        pass
    order = [table.name for table in TABLES]
    with closing(sqlite3.connect(tmp_path / "plan.db")) as file:
        for table in TABLES:
            key = file.execute(
                "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", (table.name,)
            ).fetchall()
            assert tuple(name for (name,) in key) == table.key
            for (parent,) in file.execute(
                'SELECT "table" FROM pragma_foreign_key_list(?)', (table.name,)
            ):
                assert order.index(parent) < order.index(table.name), (table.name, parent)
        autoincrement = {
            name
            for (name,) in file.execute(
                "SELECT name FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%'"
            )
        }
    connection = await asyncpg.connect(url)
    try:
        identities = await connection.fetch(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND is_identity = 'YES'"
        )
        for table in TABLES:
            key = await connection.fetchval(
                "SELECT array_agg(a.attname::text ORDER BY k.position) FROM pg_index i "
                "CROSS JOIN unnest(i.indkey) WITH ORDINALITY AS k (number, position) "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.number "
                "WHERE i.indrelid = $1::regclass AND i.indisprimary",
                table.name,
            )
            assert tuple(key) == table.key
    finally:
        await connection.close()
    counted = {table.name for table in TABLES if table.counted_ids}
    assert counted == {record[0] for record in identities}
    assert autoincrement <= counted and autoincrement == {"articles", "feeds"}


# --- migrate-to ----------------------------------------------------------------------------------


async def test_migrate_copies_what_the_bot_reads_and_runs_again(
    folder: Path, postgres_server: PostgresServer
) -> None:
    url = await new_url(postgres_server)
    source = table_counts(folder / "store.db")
    stdout = ok(cli(folder, "migrate-to", url))
    assert printed_counts(stdout) == {name: (n, n, n) for name, n in source.items()}
    assert "postgres:***@" in stdout and "every count matches" in stdout
    copied = await server_counts(url)
    assert {name: copied[name] for name in source} == source
    assert copied["article_search"] == source["articles"]  # rebuilt, every article indexed
    await assert_same_data(folder / "store.db", url)

    again = ok(cli(folder, "migrate-to", url))
    assert printed_counts(again) == {name: (n, n, 0) for name, n in source.items()}
    assert "nothing to copy" in again
    assert await server_counts(url) == copied  # topic counts not doubled, nothing duplicated
    await assert_same_data(folder / "store.db", url)

    # The bot on PostgreSQL continues every counter where the file left it, deleted ids
    # included (the file's last article was deleted: its id is not handed out again).
    counters = id_counters(folder / "store.db")
    async with opened(folder / "store.db") as file:
        assert (await file.articles.newest_id()) == counters["articles"]
    clock = FakeClock(START.replace(hour=10))
    config = Config(database=settings_of(url), feeds=FeedSettings(load_sources=False))
    async with open_services(config, ScriptedSender(), clock) as services:
        shipped = await services.feeds.load_sources_if_new()
        assert shipped.added == []  # feeds were followed once: the shipped ones are not again
        draft = ArticleDraft("Nouvelle dépêche de Gao", "La ville de Gao accueille un forum.")
        article = (await services.library.add(draft, added_by="cli")).article
        assert article.id == counters["articles"] + 1
        broadcast_id, _ = await services.broadcasts.queue("<b>Suite</b>", "admin:9")
        assert broadcast_id == source["broadcasts"] + 1
    async with opened(url) as server:
        feed, _ = await server.feeds.add(NewFeed("https://example.org/d.xml"), now=utc_now())
        assert feed.id == counters["feeds"] + 1

    # Now PostgreSQL holds rows the file does not have: a third run refuses, changing nothing.
    before = await server_counts(url)
    line = refused(cli(folder, "migrate-to", url), "already holds other data", "does not have")
    assert "postgres:***@" in line
    assert await server_counts(url) == before


async def test_migrate_refuses_a_database_holding_another_files_data(
    folder: Path, tmp_path: Path, postgres_server: PostgresServer
) -> None:
    url = await new_url(postgres_server)
    other = tmp_path / "other"
    other.mkdir()
    write_config(other / "config.toml", Path("other.db"))
    async with open_services(
        Config(database=DatabaseSettings(other / "other.db")), ScriptedSender(), FakeClock()
    ) as services:
        await services.subscriptions.subscribe(4242, "private", ("mali",))
    ok(cli(other, "migrate-to", url))
    before = await server_counts(url)
    # Both files hold the shipped article, loaded at the same (fake) instant: that row is the
    # same, and accepted. Subscriber 1 is another chat in each: refused.
    line = refused(cli(folder, "migrate-to", url), "already holds other data", "differ")
    assert "row(s) of subscribers differ" in line
    assert await server_counts(url) == before


async def test_migrate_checks_what_triggers_do_to_copied_rows(
    folder: Path, postgres_server: PostgresServer
) -> None:
    """A digest recorded empty moves its reader's watermark by a trigger, on PostgreSQL as on
    SQLite: copied after its reader, it leaves the reader's copied watermark as it is. Were a
    file's watermark below one of its empty digests' (a damaged file), the trigger would move
    it: the copy sees the difference and keeps nothing."""
    with closing(sqlite3.connect(folder / "store.db")) as connection:
        connection.execute("UPDATE subscribers SET digest_watermark = 1 WHERE chat_id = 1005")
        connection.commit()
    url = await new_url(postgres_server)
    refused(cli(folder, "migrate-to", url), "digest watermarks", "nothing of the copy was kept")
    assert set((await server_counts(url)).values()) == {0}


# --- backup --------------------------------------------------------------------------------------


async def test_backup_of_a_sqlite_database(folder: Path) -> None:
    """A snapshot, taken while another process writes: its uncommitted row is not in it, and
    the backup does not wait for it."""
    source = table_counts(folder / "store.db")
    with closing(sqlite3.connect(folder / "store.db", isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO handled_updates (update_id, seen_at) VALUES (9, 'x')")
        stdout = ok(cli(folder, "backup", "backup.db"))
        writer.execute("ROLLBACK")
    assert printed_counts(stdout) == {name: (n,) for name, n in source.items()}
    assert table_counts(folder / "backup.db") == source
    assert id_counters(folder / "backup.db") == id_counters(folder / "store.db")
    await assert_same_data(folder / "store.db", folder / "backup.db")
    assert sorted(p.name for p in folder.iterdir() if "backup" in p.name) == ["backup.db"]
    refused(cli(folder, "backup", "backup.db"), "backup.db", "already exists")


async def test_backup_of_a_postgresql_database_restores_into_an_empty_one(
    folder: Path, postgres_server: PostgresServer
) -> None:
    url = await new_url(postgres_server)
    ok(cli(folder, "migrate-to", url))
    write_config(folder / "server.toml", url)
    stdout = ok(cli(folder, "backup", "backup.db", config="server.toml"))
    source = table_counts(folder / "store.db")
    assert printed_counts(stdout) == {name: (n,) for name, n in source.items()}
    assert "postgres:***@" in stdout
    assert table_counts(folder / "backup.db") == source
    assert id_counters(folder / "backup.db") == id_counters(folder / "store.db")
    await assert_same_data(url, folder / "backup.db")  # opened by open_sqlite: current schema

    # The backup restores into an empty database with the same command that migrates.
    write_config(folder / "restore.toml", Path("backup.db"))
    restored = await new_url(postgres_server)
    ok(cli(folder, "migrate-to", restored, config="restore.toml"))
    await assert_same_data(url, restored)
    assert await server_counts(restored) == await server_counts(url)


def test_a_progress_bar_on_a_terminal_only(folder: Path, postgres_server: PostgresServer) -> None:
    """On a terminal (a pseudo-terminal of 100 columns here), stderr shows the rows copied; the
    other tests check that nothing is written to stderr otherwise."""
    url = asyncio.run(new_url(postgres_server))
    total = sum(table_counts(folder / "store.db").values())
    terminal, child_side = os.openpty()
    fcntl.ioctl(child_side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
    with closing(os.fdopen(terminal, "rb", buffering=0)) as shown:
        process = subprocess.run(
            [sys.executable, "-m", "bot", "db", "migrate-to", url, "--config", "config.toml"],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=child_side,
            timeout=120,
            check=False,
        )
        os.close(child_side)
        bar = read_all(shown).decode("utf-8", "replace")
    assert process.returncode == 0, bar
    assert f"{total}/{total}" in bar and "copying: 100%" in bar
    assert PASSWORD not in bar


def read_all(terminal: io.RawIOBase) -> bytes:
    """What a pseudo-terminal received (reading its end raises once the other end is closed
    and drained)."""
    received = b""
    try:
        while chunk := terminal.read(65536):
            received += chunk
    except OSError:
        pass
    return received


# --- a larger store ----------------------------------------------------------------------------


async def test_two_thousand_articles_keep_their_counters(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    """Batches of rows, counters above the highest row left (the last articles deleted, the
    only feed removed: the shipped feeds must not be followed again), and no progress bar when
    the output is not a terminal."""
    path = tmp_path / "store.db"
    write_config(tmp_path / "config.toml", Path("store.db"))
    added = datetime(2025, 6, 23, 8, 0, tzinfo=UTC)
    async with opened(path) as stores:
        for number in range(1, 2001):
            article = make_article(
                number, title=f"Dépêche numéro {number}", body=f"Texte {number}."
            )
            draft = ArticleDraft(article.title, article.body, article.source, article.url)
            prepared = PreparedArticle(
                draft, article.summary, article.topics, fingerprint(draft.title, draft.body)
            )
            await stores.articles.add(prepared, added_at=added, added_by="test")
        for number in range(1996, 2001):
            assert await stores.articles.delete(number)
        feed, _ = await stores.feeds.add(NewFeed("https://example.org/rss"), now=added)
        await stores.feeds.remove(feed.id)
    await seed_subscribers(path, readers(range(70_000, 70_300), topics=("mali",)))
    async with opened(path) as stores:
        await stores.deliveries.insert(
            [
                NewDelivery(s.id, Kind.DIGEST, "2025-06-23", Status.EMPTY, (), 2000)
                for s in await stores.subscribers.subscribed()
            ],
            added,
        )
    url = await new_url(postgres_server)
    stdout = ok(cli(tmp_path, "migrate-to", url))
    assert printed_counts(stdout)["articles"] == (1995, 1995, 1995)
    assert printed_counts(stdout)["deliveries"] == (300, 300, 300)
    async with opened(url) as server:
        assert await server.articles.count() == 1995
        assert await server.articles.newest_id() == 2000
        assert await server.feeds.count() == 0 and await server.feeds.ever_followed()
        assert {s.digest_watermark for s in await server.subscribers.subscribed()} == {2000}
        draft = ArticleDraft("Après la migration", "Un texte nouveau.")
        prepared = PreparedArticle(draft, "Un texte.", (), fingerprint(draft.title, draft.body))
        stored = await server.articles.add(prepared, added_at=added, added_by="test")
        assert stored.article.id == 2001
    write_config(tmp_path / "server.toml", url)
    ok(cli(tmp_path, "backup", "backup.db", config="server.toml"))
    assert id_counters(tmp_path / "backup.db") == {"articles": 2001, "feeds": 1}
