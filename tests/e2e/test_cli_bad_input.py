"""Every command of ``python -m bot`` given bad input, in real processes: each ends with one
English line on stderr (``error: …``), exit status 2, no traceback, the token nowhere in the
output, and the working folder as it was (no database created, none half-written).

The cases cover the options, the configuration keys, the database file (missing folder, a
folder, garbage, newer, locked, read-only), the input files, the token and the Bot API.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app.config import Config
from app.services import open_services
from core.clock import utc_now
from fake_bot_api import LocalBotApi
from storage.settings import DatabaseSettings
from storage.sqlite import open_sqlite
from tests.support.factories import NoSending
from tests.support.limits import Preexec, file_modes_enforced

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "5550001:AAsecretPART-of_the_token"
ARTICLE = (
    "Niamey relance la route de l'uranium\n"
    "Le Niger veut exporter son uranium par le Bénin. Niamey négocie avec Cotonou."
)


@dataclass(frozen=True)
class Place:
    """Where a case runs: its folder and the servers it may point the bot at."""

    folder: Path
    api_url: str
    """A local Bot API server that knows the token ``TOKEN``."""
    closed_url: str
    """An address of 127.0.0.1 where nothing listens."""
    page_url: str
    """A web server that answers every request with an HTML page (not a Bot API)."""
    busy_port: int
    """A port of 127.0.0.1 something already listens on."""


Prepare = Callable[[Place], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]
    named: tuple[str, ...] = ()
    """Words the error line must contain."""
    config: str = ""
    """config.toml of the folder; ``{api}``, ``{closed}``, ``{page}``, ``{busy}`` are filled."""
    prepare: Prepare | None = None
    token: str = TOKEN
    unprivileged: bool = False
    """Run where file modes bind (as root: without the capabilities that override them)."""
    locked: bool = False
    """Another connection holds the write lock of store.db while the command runs."""
    stdin: bytes = b""
    env: dict[str, str] = field(default_factory=dict)


DB = '[database]\npath = "store.db"\n'
LOCAL_API = DB + '[telegram]\nbase_url = "{api}"\n'


async def store(place: Place) -> None:
    """A valid, current database file: store.db."""
    await (await open_sqlite(place.folder / "store.db", utc_now)).close()


async def newer_store(place: Place) -> None:
    await store(place)
    with closing(sqlite3.connect(place.folder / "store.db")) as connection:
        connection.execute("UPDATE schema_versions SET version = 99 WHERE store = 'articles'")
        connection.commit()


async def legacy_newer_store(place: Place) -> None:
    with closing(sqlite3.connect(place.folder / "store.db")) as connection:
        connection.execute("PRAGMA user_version = 7")


async def garbage_store(place: Place) -> None:
    (place.folder / "store.db").write_bytes(bytes(range(256)) * 40)


def damaged_store(table: str) -> Prepare:
    """A store (the shipped article loaded) whose schema reads fine but one table is garbage, as
    after a bad sector."""

    async def damage(place: Place) -> None:
        path = place.folder / "store.db"
        async with open_services(Config(database=DatabaseSettings(path)), NoSending(), utc_now):
            pass
        with closing(sqlite3.connect(path)) as connection:
            [(page,)] = connection.execute(
                "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
            ).fetchall()
            [(size,)] = connection.execute("PRAGMA page_size").fetchall()
        with path.open("r+b") as file:
            file.seek((page - 1) * size)
            file.write(b"\xa5" * size)
        await article_file(place)

    return damage


async def read_only_store(place: Place) -> None:
    await store(place)
    (place.folder / "store.db").chmod(0o444)


async def unreadable_store(place: Place) -> None:
    await store(place)
    (place.folder / "store.db").chmod(0o000)


async def read_only_folder(place: Place) -> None:
    (place.folder / "locked").mkdir(mode=0o555)


async def folder_named_store(place: Place) -> None:
    (place.folder / "store.db").mkdir()


async def article_file(place: Place) -> None:
    (place.folder / "a.txt").write_text(ARTICLE, encoding="utf-8")


async def read_only_store_and_article(place: Place) -> None:
    await read_only_store(place)
    await article_file(place)


async def store_and_article(place: Place) -> None:
    await store(place)
    await article_file(place)


def jsonl(*lines: bytes) -> Prepare:
    async def write(place: Place) -> None:
        (place.folder / "in.jsonl").write_bytes(b"\n".join(lines) + b"\n")

    return write


async def topics_taking_a_bot_command(place: Place) -> None:
    shipped = (ROOT / "content" / "topics.toml").read_text(encoding="utf-8")
    taken = shipped.replace('command = "aes"', 'command = "aide"', 1)
    (place.folder / "topics.toml").write_text(taken, encoding="utf-8")


async def folder(place: Place) -> None:
    (place.folder / "a-folder").mkdir()


CLOSED_SERVER = "postgresql://sahel:{password}@127.0.0.1:{closed_port}/sahel"
"""A PostgreSQL URL where nothing listens; its password is the token's secret part, which no
output may show."""
FEEDS_STORE = (
    DB + "[content]\nload_seed = false\n[feeds]\nload_sources = false\nallow_private_hosts = true\n"
)
"""With ``store``: a store that opening leaves as it is (no shipped article or feed to load);
feeds on 127.0.0.1 allowed."""


GOOD_LINE = json.dumps({"title": "Mali", "article": ARTICLE}).encode()
CASES: dict[str, Case] = {
    # --- the command line itself ---------------------------------------------------------
    "no command": Case((), ("COMMAND",)),
    "unknown command": Case(("frobnicate",), ("frobnicate",)),
    "unknown option": Case(("articles", "--frobnicate"), ("--frobnicate",)),
    "digest without --preview": Case(("digest",), ("--preview",)),
    "ingest without a source": Case(("ingest",), ("PATH_OR_URL",)),
    "limit not a number": Case(("articles", "--limit", "abc"), ("--limit", "abc")),
    "limit negative": Case(("articles", "--limit", "-1"), ("--limit", "-1")),
    "limit zero": Case(("articles", "--limit", "0"), ("--limit",)),
    "limit huge": Case(("articles", "--limit", "9" * 30), ("--limit",)),
    "days zero": Case(("digest", "--preview", "--days", "0"), ("--days",)),
    "days negative": Case(("digest", "--preview", "--days", "-3"), ("--days", "-3")),
    "days huge": Case(("digest", "--preview", "--days", "9" * 12), ("--days",)),
    "date malformed": Case(("digest", "--preview", "--date", "2026-13-45"), ("2026-13-45",)),
    "date out of range": Case(("digest", "--preview", "--date", "0001-01-01"), ("--date",)),
    "topics empty": Case(("digest", "--preview", "--topics", ""), ("--topics",)),
    "topics only commas": Case(("digest", "--preview", "--topics", " , "), ("--topics",)),
    "topics unknown": Case(("digest", "--preview", "--topics", "aes,licorne"), ("licorne",)),
    "topic unknown": Case(("articles", "--topic", "licorne"), ("licorne",)),
    "config path empty": Case(("articles", "--config", ""), ("--config",)),
    "database path empty": Case(("chat", "--database", ""), ("--database",)),
    # --- the configuration file -----------------------------------------------------------
    "config not TOML": Case(("chat", "--config", "config.toml"), ("TOML",), config="[digest\n"),
    "config is a folder": Case(("run", "--config", "a-folder"), ("a-folder",), prepare=folder),
    "config missing": Case(("summarize", "in.jsonl", "--config", "nope.toml"), ("nope.toml",)),
    "fetch timeout zero": Case(
        ("ingest", "a.txt", "--config", "config.toml"),
        ("content.fetch_timeout_seconds",),
        config=DB + "[content]\nfetch_timeout_seconds = 0\n",
        prepare=article_file,
    ),
    "fetch timeout not finite": Case(
        ("ingest", "a.txt", "--config", "config.toml"),
        ("content.fetch_timeout_seconds",),
        config=DB + "[content]\nfetch_timeout_seconds = inf\n",
        prepare=article_file,
    ),
    "negative redirects": Case(
        ("articles", "--config", "config.toml"),
        ("content.fetch_max_redirects",),
        config=DB + "[content]\nfetch_max_redirects = -1\n",
    ),
    "rate not a number": Case(
        ("run", "--config", "config.toml"),
        ("telegram.rate_limit_per_second",),
        config=LOCAL_API + "rate_limit_per_second = nan\n",
    ),
    "negative retries": Case(
        ("run", "--config", "config.toml"),
        ("telegram.rate_limit_retries",),
        config=LOCAL_API + "rate_limit_retries = -1\n",
    ),
    "port out of range": Case(
        ("run", "--config", "config.toml"),
        ("telegram.webhook_port",),
        config=LOCAL_API + 'mode = "webhook"\nwebhook_url = "https://x.org/t"\nwebhook_port = 0\n',
    ),
    "webhook url not http": Case(
        ("run", "--config", "config.toml"),
        ("telegram.webhook_url",),
        config=LOCAL_API + 'mode = "webhook"\nwebhook_url = "ftp://example.org/hook"\n',
    ),
    "token variable empty": Case(
        ("run", "--config", "config.toml"),
        ("telegram.token_env",),
        config=LOCAL_API + 'token_env = ""\n',
    ),
    "topic taking a bot command": Case(
        ("run", "--config", "config.toml"),
        ("/aide",),
        config=LOCAL_API + '[content]\ntopics_file = "topics.toml"\n',
        prepare=topics_taking_a_bot_command,
    ),
    # --- the database file ------------------------------------------------------------------
    "database folder missing (config)": Case(
        ("ingest", "a.txt", "--config", "config.toml"),
        ("nowhere", "does not exist"),
        config='[database]\npath = "nowhere/store.db"\n',
        prepare=article_file,
    ),
    "database folder missing (option)": Case(
        ("chat", "--database", "nowhere/chat.db"), ("nowhere", "does not exist")
    ),
    "database is a folder": Case(
        ("digest", "--preview", "--config", "config.toml"),
        ("store.db", "folder"),
        config=DB,
        prepare=folder_named_store,
    ),
    "database is garbage": Case(
        ("articles", "--config", "config.toml"),
        ("store.db", "not a SQLite database"),
        config=DB,
        prepare=garbage_store,
    ),
    "database damaged (articles)": Case(
        ("ingest", "a.txt", "--config", "config.toml"),
        ("store.db", "damaged"),
        config=DB,
        prepare=damaged_store("articles"),
    ),
    "database damaged (search index)": Case(
        ("articles", "--search", "goita", "--config", "config.toml"),
        ("store.db", "damaged"),
        config=DB,
        prepare=damaged_store("articles_fts_data"),
    ),
    "database from a newer bot": Case(
        ("digest", "--preview", "--config", "config.toml"),
        ("newer",),
        config=DB,
        prepare=newer_store,
    ),
    "database of a newer single-sequence layout": Case(
        ("articles", "--config", "config.toml"), ("newer",), config=DB, prepare=legacy_newer_store
    ),
    "database locked by another process": Case(
        ("ingest", "a.txt", "--config", "config.toml"),
        ("store.db", "locked"),
        config=DB,
        prepare=store_and_article,
        locked=True,
    ),
    "database file read-only (ingest)": Case(
        ("ingest", "a.txt", "--config", "config.toml"),
        ("store.db", "read-only"),
        config=DB,
        prepare=read_only_store_and_article,
        unprivileged=True,
    ),
    "database file read-only (run)": Case(
        ("run", "--config", "config.toml"),
        ("store.db", "read-only"),
        config=LOCAL_API,
        prepare=read_only_store,
        unprivileged=True,
    ),
    "database file unreadable": Case(
        ("articles", "--config", "config.toml"),
        ("store.db",),
        config=DB,
        prepare=unreadable_store,
        unprivileged=True,
    ),
    "database folder read-only": Case(
        ("chat", "--database", "locked/chat.db"),
        ("locked", "read-only"),
        prepare=read_only_folder,
        unprivileged=True,
    ),
    # --- summarize's input ----------------------------------------------------------------
    "summarize bad JSON": Case(
        ("summarize", "in.jsonl"), ("line 2",), prepare=jsonl(GOOD_LINE, b"{not json}")
    ),
    "summarize not UTF-8": Case(
        ("summarize", "in.jsonl"),
        ("line 3", "UTF-8"),
        prepare=jsonl(GOOD_LINE, GOOD_LINE, b'{"title": "caf\xe9", "article": "x"}'),
    ),
    "summarize stdin not UTF-8": Case(
        ("summarize", "-"), ("line 2", "UTF-8"), stdin=GOOD_LINE + b'\n{"title": "\xff"}\n'
    ),
    "summarize not an object": Case(
        ("summarize", "in.jsonl"), ("line 1", "object"), prepare=jsonl(b"[1, 2]")
    ),
    "summarize title not text": Case(
        ("summarize", "in.jsonl"),
        ("line 2", "title"),
        prepare=jsonl(GOOD_LINE, b'{"title": {"a": 1}, "article": "x"}'),
    ),
    "summarize NaN": Case(
        ("summarize", "in.jsonl"), ("line 1",), prepare=jsonl(b'{"title": "a", "id": NaN}')
    ),
    "summarize nested too deeply": Case(
        ("summarize", "in.jsonl"), ("line 1",), prepare=jsonl(b"[" * 100_000 + b"]" * 100_000)
    ),
    "summarize infinite id": Case(
        ("summarize", "in.jsonl"), ("line 2", "id"), prepare=jsonl(GOOD_LINE, b'{"id": 1e999}')
    ),
    "summarize a folder": Case(("summarize", "a-folder"), ("a-folder",), prepare=folder),
    "summarize missing file": Case(("summarize", "nope.jsonl"), ("nope.jsonl",)),
    # --- ingest's sources -------------------------------------------------------------------
    "ingest empty path": Case(("ingest", "", "--config", "config.toml"), ("empty",), config=DB),
    "ingest blank path": Case(
        ("ingest", "a.txt", "  ", "--config", "config.toml"),
        ("empty",),
        config=DB,
        prepare=article_file,
    ),
    "ingest missing path": Case(
        ("ingest", "a.txt", "nope.txt", "--config", "config.toml"),
        ("nope.txt",),
        config=DB,
        prepare=article_file,
    ),
    # --- the token and the Bot API ------------------------------------------------------------
    "token malformed": Case(
        ("run", "--config", "config.toml"),
        ("TELEGRAM_BOT_TOKEN",),
        config=LOCAL_API,
        token="abcSECRETdef",
    ),
    "token with a space": Case(
        ("run", "--config", "config.toml"),
        ("TELEGRAM_BOT_TOKEN",),
        config=LOCAL_API,
        token="5550001:AAsecret PART",
    ),
    "token with a newline": Case(
        ("run", "--config", "config.toml"),
        ("TELEGRAM_BOT_TOKEN",),
        config=LOCAL_API,
        token="5550001:AAsecret\nPART",
    ),
    "token rejected by the Bot API": Case(
        ("run", "--config", "config.toml"),
        ("rejected",),
        config=LOCAL_API,
        token="5550002:AAanother-SECRET",
    ),
    "Bot API unreachable": Case(
        ("run", "--config", "config.toml"),
        ("127.0.0.1",),
        config=DB + '[telegram]\nbase_url = "{closed}"\n',
    ),
    "Bot API address is a web site": Case(
        ("run", "--config", "config.toml"),
        ("Bot API",),
        config=DB + '[telegram]\nbase_url = "{page}"\n',
    ),
    "webhook port in use": Case(
        ("run", "--config", "config.toml"),
        ("{busy}",),
        config=LOCAL_API
        + 'mode = "webhook"\nwebhook_url = "http://127.0.0.1:{busy}/t"\nwebhook_port = {busy}\n',
    ),
    # --- feeds ------------------------------------------------------------------------------
    "feeds without an action": Case(("feeds",), ("ACTION",)),
    "feeds unknown action": Case(("feeds", "frobnicate"), ("frobnicate",)),
    "feeds remove not a number": Case(("feeds", "remove", "abc"), ("ID", "abc")),
    "feeds remove zero": Case(("feeds", "remove", "0"), ("ID",)),
    "feeds pause negative": Case(("feeds", "pause", "-2"), ("ID", "-2")),
    "feeds resume without an id": Case(("feeds", "resume"), ("ID",)),
    "feeds poll without --once": Case(("feeds", "poll"), ("--once",)),
    "feeds add without a URL": Case(("feeds", "add"), ("URL",)),
    "feeds add empty URL": Case(("feeds", "add", ""), ("URL",)),
    "feeds add blank URL": Case(("feeds", "add", "   "), ("URL",)),
    "feeds add ftp URL": Case(("feeds", "add", "ftp://x"), ("scheme", "ftp")),
    "feeds add no scheme": Case(("feeds", "add", "www.rfi.fr/afrique/rss"), ("scheme",)),
    "feeds add unknown topic": Case(
        ("feeds", "add", "https://www.rfi.fr/fr/afrique/rss", "--topic", "licorne"),
        ("licorne",),
    ),
    "feeds import missing file": Case(("feeds", "import", "missing.opml"), ("missing.opml",)),
    "feeds import a folder": Case(("feeds", "import", "a-folder"), ("a-folder",), prepare=folder),
    "feeds import empty path": Case(("feeds", "import", ""), ("empty path",)),
    "feeds export to a missing folder": Case(
        ("feeds", "export", "--output", "/nonexistent/dir/f.opml"), ("/nonexistent/dir",)
    ),
    "feeds export to a folder": Case(
        ("feeds", "export", "--output", "a-folder"), ("a-folder",), prepare=folder
    ),
    "feeds remove a feed not followed": Case(
        ("feeds", "remove", "7", "--config", "config.toml"),
        ("no feed 7",),
        config=FEEDS_STORE,
        prepare=store_and_article,
    ),
    "feeds add unreachable": Case(
        ("feeds", "add", "{closed}", "--config", "config.toml"),
        ("cannot fetch",),
        config=FEEDS_STORE,
        prepare=store_and_article,
    ),
    "feeds add a page without feed": Case(
        ("feeds", "add", "{page}", "--config", "config.toml"),
        ("no feed",),
        config=FEEDS_STORE,
        prepare=store_and_article,
    ),
    "feeds add a private address": Case(
        ("feeds", "add", "{page}", "--config", "config.toml"),
        ("not a public address",),
        config=FEEDS_STORE.replace("allow_private_hosts = true", "allow_private_hosts = false"),
        prepare=store_and_article,
    ),
    "feeds import not OPML": Case(
        ("feeds", "import", "a.txt", "--config", "config.toml"),
        ("a.txt", "OPML"),
        config=FEEDS_STORE,
        prepare=store_and_article,
    ),
    # --- db ---------------------------------------------------------------------------------
    "db without an action": Case(("db",), ("ACTION",)),
    "db migrate-to without a URL": Case(("db", "migrate-to"), ("URL",)),
    "db migrate-to not a PostgreSQL URL": Case(
        ("db", "migrate-to", "mysql://sahel:{password}@db.example/sahel"),
        ("postgresql://", "sahel:***@db.example"),
        config=DB,
        prepare=store,
    ),
    "db migrate-to a URL naming no database": Case(
        ("db", "migrate-to", "postgresql://sahel:{password}@db.example:5432/"),
        ("name a database",),
        config=DB,
        prepare=store,
    ),
    "db migrate-to an unreachable server": Case(
        ("db", "migrate-to", CLOSED_SERVER, "--config", "config.toml"),
        ("sahel:***@127.0.0.1", "connection refused"),
        config=DB,
        prepare=store,
    ),
    "db migrate-to without a SQLite database": Case(
        ("db", "migrate-to", CLOSED_SERVER, "--config", "config.toml"),
        ("store.db", "nothing to copy"),
        config=DB,
    ),
    "db backup onto an existing file": Case(
        ("db", "backup", "store.db", "--config", "config.toml"),
        ("store.db", "already exists"),
        config=DB,
        prepare=store,
    ),
    "db backup into a missing folder": Case(
        ("db", "backup", "nowhere/backup.db", "--config", "config.toml"),
        ("nowhere", "no such folder"),
        config=DB,
        prepare=store,
    ),
    "db backup without a database": Case(
        ("db", "backup", "backup.db", "--config", "config.toml"),
        ("store.db", "nothing to back up"),
        config=DB,
    ),
    "db backup of an unreachable server": Case(
        ("db", "backup", "backup.db", "--config", "config.toml"),
        ("sahel:***@127.0.0.1", "connection refused"),
        config=f'[database]\nurl = "{CLOSED_SERVER}"\n',
    ),
}


@pytest.fixture
async def place(tmp_path: Path) -> AsyncIterator[Place]:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html><body>Bienvenue</body></html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", page)
    with socket.socket() as closed, socket.socket() as busy:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        async with LocalBotApi(TOKEN) as api, TestServer(app, host="127.0.0.1") as web_site:
            folder = tmp_path / "work"
            folder.mkdir()
            folder.chmod(0o755)
            yield Place(
                folder=folder,
                api_url=api.base_url,
                closed_url=f"http://127.0.0.1:{closed.getsockname()[1]}/bot",
                page_url=str(web_site.make_url("/bot")),
                busy_port=int(busy.getsockname()[1]),
            )


def fill(text: str, place: Place) -> str:
    return (
        text.replace("{api}", place.api_url)
        .replace("{closed}", place.closed_url)
        .replace("{closed_port}", str(urlsplit(place.closed_url).port))
        .replace("{password}", TOKEN.split(":")[1])
        .replace("{page}", place.page_url)
        .replace("{busy}", str(place.busy_port))
    )


@contextmanager
def write_lock(path: Path) -> Iterator[None]:
    """Another process's point of view: a connection holding the write lock."""
    with closing(sqlite3.connect(path, isolation_level=None)) as connection:
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")


def files_of(folder: Path) -> dict[str, bytes]:
    """Every folder and regular file below ``folder`` with its bytes, by relative path; SQLite's
    own side files (-wal, -shm) are left out (they come and go with any connection)."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_dir():
            found[f"{path.relative_to(folder)}/"] = b""
        elif path.is_file() and not path.name.endswith(("-wal", "-shm")):
            try:
                found[str(path.relative_to(folder))] = path.read_bytes()
            except PermissionError:
                found[str(path.relative_to(folder))] = b"<unreadable>"
    return found


def run(case: Case, place: Place, preexec: Preexec | None) -> subprocess.CompletedProcess[bytes]:
    args = [fill(arg, place) for arg in case.args]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": case.token}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=place.folder,
        input=case.stdin,
        capture_output=True,
        timeout=120,
        env={**environment, **case.env},
        preexec_fn=preexec,
        check=False,
    )


def secret_forms(token: str) -> list[str]:
    """The token, its secret half, and the spellings a URL could give them."""
    forms = [token, token.replace(":", "%3A"), token.replace(":", "%3a")]
    parts = token.replace("\n", " ").replace(":", " ").split()
    return forms + [part for part in parts if len(part) > 6 and not part.isdigit()]


@pytest.mark.parametrize("name", list(CASES))
async def test_bad_input_ends_with_one_line(name: str, place: Place) -> None:
    case = CASES[name]
    preexec = None
    if case.unprivileged:
        try:
            preexec = file_modes_enforced()
        except OSError as error:
            pytest.skip(str(error))
    if case.config:
        (place.folder / "config.toml").write_text(fill(case.config, place), encoding="utf-8")
    if case.prepare is not None:
        await case.prepare(place)
    before = files_of(place.folder)
    lock: AbstractContextManager[None] = (
        write_lock(place.folder / "store.db") if case.locked else nullcontext()
    )
    with lock:
        result = await asyncio.to_thread(run, case, place, preexec)
    out = result.stdout.decode("utf-8", "replace")
    err = result.stderr.decode("utf-8", "replace")
    lines = err.strip().splitlines()
    assert result.returncode == 2, (result.returncode, err)
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err and "Traceback" not in out
    for word in case.named:
        assert fill(word, place) in lines[0], (word, lines[0])
    for form in secret_forms(case.token):
        assert form not in out + err, form
    assert files_of(place.folder) == before  # nothing created, nothing half-written
