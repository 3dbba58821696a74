"""Security, end to end: admin paths stay closed, the token stays secret, SQL stays bound, and
/ajouter never fetches from inside the network.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import get_args

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app.config import Config
from app.logs import MASK, setup_logging
from app.services import open_services
from bot import callbacks
from content.fetch import is_public_address, resolve_host
from content.settings import ContentSettings
from core.clock import utc_now
from fake_bot_api import DEFAULT_TOKEN, FakeUser, LocalBotApi
from storage.settings import DatabaseSettings
from tests.support.factories import ARTICLE, FakeClock, NoSending, readers, seed_subscribers
from tests.support.harness import ADMIN, OTHER_READER, READER, BotHarness, bot_config
from tests.support.observing import digests_received, store_snapshot
from ui import french

ROOT = Path(__file__).resolve().parents[2]
ADMIN_ONLY = "réservée aux administrateurs"

# --- admin paths ----------------------------------------------------------------------------


def example_actions() -> list[callbacks.Action]:
    """One payload of every shape bot/callbacks.py knows (admin ones included)."""
    return [
        callbacks.Page("mali", 0),
        callbacks.Page(callbacks.ALL, 5),
        callbacks.SearchPage(("goita",), 0, False),
        callbacks.SearchPage(("mali", "russie"), 5, True),
        callbacks.ShowTopic("russie"),
        callbacks.Toggle("mali"),
        callbacks.Toggle(callbacks.ALL),
        callbacks.KeyboardDone(),
        callbacks.OpenKeyboard(),
        callbacks.SubscribeAll(),
        callbacks.ConfirmDelete(1),
        callbacks.CancelDelete(),
    ]


FORGED = [
    "x:d:01", "x:d:1 ", "x:d:-1", "x:d:99999999999", "x:d:1;DELETE FROM articles", "x:n:1",
    "x", "x:", "x:d:", "p:mali:-1", "p:../etc:0", "t:mâli", "t:inconnu", "l:inconnu",
    "r:0:2:mali", "r:0:0:", "s:mali", "k:1", "é" * 40, "t:" + "a" * 62,
]  # fmt: skip


def test_examples_cover_every_payload_shape() -> None:
    """A new kind of button must be added to the forged payloads below."""
    shapes = {type(action) for action in example_actions()}
    assert shapes == set(get_args(callbacks.Action))
    assert set(callbacks.ADMIN_ACTIONS) <= shapes
    for action in example_actions():
        assert callbacks.decode(callbacks.encode(action)) == action


async def test_non_admins_reach_no_admin_command(bot: BotHarness) -> None:
    api = bot.api
    group = api.new_group("Rédaction")
    group_admin = FakeUser(7007, "Cheffe du groupe")  # admin of the group, not of the bot
    api.set_chat_admins(group.id, [group_admin.id])
    reader_text = api.push_message(READER, ARTICLE)
    await api.wait_for_messages(READER.id, 2)  # the plain-text search answer
    before = store_snapshot(bot.config.database.path)
    commands = [
        f"/ajouter {ARTICLE}",
        f"/AJOUTER {ARTICLE}",
        "/ajouter https://sahel.example/article",
        "/supprimer 1",
        "/stats",
        "/diffuser Bonjour à tous",
    ]
    for text in commands:
        assert ADMIN_ONLY in (await bot.send(READER, text)).text, text
        for user in (OTHER_READER, group_admin):
            in_group = text.replace(" ", "@sahel_digest_bot ", 1) if " " in text else text
            answer = await bot.send(user, in_group, chat=group)
            assert ADMIN_ONLY in answer.text, (user, in_group)
    assert ADMIN_ONLY in (await bot.send(READER, "/ajouter", reply_to=reader_text)).text
    for caption in ("/ajouter", "/ajouter@sahel_digest_bot #mali"):
        document = await bot.send_document(READER, "a.txt", ARTICLE.encode(), caption=caption)
        assert ADMIN_ONLY in document.text
    grouped = await bot.send_document(
        group_admin, "a.md", ARTICLE.encode(), caption="/ajouter", chat=group
    )
    assert ADMIN_ONLY in grouped.text
    assert "Administration" not in (await bot.send(READER, "/aide")).text
    assert store_snapshot(bot.config.database.path) == before
    assert not api.requests("getFile")  # the document was never even downloaded


async def test_forged_buttons_change_nothing_in_private_or_group(bot: BotHarness) -> None:
    api = bot.api
    group = api.new_group("Lecteurs")
    group_admin = FakeUser(7007, "Cheffe du groupe")
    api.set_chat_admins(group.id, [group_admin.id])
    member = OTHER_READER
    in_private = (await bot.send(READER, "/mali")).last
    in_group = (await bot.send(member, "/mali@sahel_digest_bot", chat=group)).last
    before = store_snapshot(bot.config.database.path)
    admin_payloads = [
        callbacks.encode(action)
        for action in example_actions()
        if isinstance(action, callbacks.ADMIN_ACTIONS)
    ]
    for data in admin_payloads:
        changes, answer = await bot.press(READER, in_private, data)
        assert answer == french.ADMIN_ONLY_BUTTON and changes.messages == [], data
        for user in (member, group_admin):
            changes, answer = await bot.press(user, in_group, data, chat=group)
            assert answer == french.ADMIN_ONLY_BUTTON and changes.messages == [], data
    # Every other shape, from a member who is no admin of the group: nothing in the store moves,
    # and the subscription keyboard's buttons are refused like /abonner is.
    keyboard = (
        callbacks.Toggle,
        callbacks.KeyboardDone,
        callbacks.OpenKeyboard,
        callbacks.SubscribeAll,
    )
    for action in example_actions():
        changes, answer = await bot.press(member, in_group, callbacks.encode(action), chat=group)
        if isinstance(action, keyboard):
            assert answer == french.GROUP_ADMINS_ONLY and changes.messages == [], action
    for data in FORGED:
        for user, message, chat in ((READER, in_private, None), (member, in_group, group)):
            changes, answer = await bot.press(user, message, data, chat=chat)
            assert answer == french.STALE_BUTTON and changes.messages == [], data
    assert store_snapshot(bot.config.database.path) == before
    assert await bot.services.library.get(1) is not None


async def test_real_delete_button_in_a_group_works_only_for_the_admin(bot: BotHarness) -> None:
    group = bot.api.new_group("Rédaction")
    member = FakeUser(8008, "Membre")
    question = await bot.send(ADMIN, "/supprimer@sahel_digest_bot 1", chat=group)
    assert "Supprimer l’article n° 1" in question.text
    for label in ("Supprimer", "Annuler"):
        changes, answer = await bot.press_label(member, question.last, label, chat=group)
        assert answer == french.ADMIN_ONLY_BUTTON and changes.messages == []
    assert await bot.services.library.get(1) is not None
    deleted, _ = await bot.press_label(ADMIN, question.last, "Supprimer", chat=group)
    assert "Article n° 1 supprimé" in deleted.last.text
    assert await bot.services.library.get(1) is None


# --- the token never reaches a log ------------------------------------------------------------


def secret_forms(token: str) -> list[str]:
    """The token, its secret half, and the spellings a URL or a repr could give them."""
    secret = token.partition(":")[2]
    return [token, secret, token.replace(":", "%3A"), token.replace(":", "%3a")]


@contextmanager
def production_logging(caplog: pytest.LogCaptureFixture, token: str) -> Iterator[None]:
    """Logging as ``python -m bot`` sets it up, at DEBUG; ``caplog`` sees every record *before*
    the secret filter could mask it, so a record carrying the token fails the test even if the
    filter would have hidden it."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    loggers = [
        obj for obj in logging.root.manager.loggerDict.values() if isinstance(obj, logging.Logger)
    ]
    saved_levels = {logger: logger.level for logger in loggers}
    saved_factory = logging.getLogRecordFactory()
    setup_logging("DEBUG", [token])
    root.handlers.insert(0, caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in saved_handlers:
                handler.close()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logging.setLogRecordFactory(saved_factory)
        for logger, level in saved_levels.items():
            logger.setLevel(level)


async def test_token_never_logged_in_a_full_session(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with production_logging(caplog, DEFAULT_TOKEN):
        config = bot_config(api, tmp_path / "session.db")
        bot = BotHarness(api, config, clock)
        await bot.start()
        try:
            await busy_session(bot)
        finally:
            await bot.stop()
    logged = caplog.text
    for form in secret_forms(DEFAULT_TOKEN):
        assert form not in logged, form
    assert f"/bot{MASK}" in logged  # PTB logs its base URL at DEBUG: masked at the source
    # The session really went through the error paths it claims to cover.
    assert "Error while handling update" in logged and "Traceback" in logged
    assert "Rate limit hit" in logged
    assert "Network Retry Loop" in logged
    assert "Digest tick" in logged


async def busy_session(bot: BotHarness) -> None:
    """Commands, an admin addition, a refused fetch, a failed request inside a handler, a 429
    storm, a digest tick with failures, and a network outage."""
    api = bot.api
    for text in (
        "/start", "/aide", "/abonner tout", "/mali", "/recherche Goïta", "/article 1",
        "/heure 7h", "/fuseau Paris", "/statut", "/inconnue", "Wagner", "/digest",
    ):  # fmt: skip
        await bot.send(READER, text)
    assert "Article n° 2" in (await bot.send(ADMIN, f"/ajouter {ARTICLE}")).text
    await bot.send(ADMIN, "/ajouter http://127.0.0.1:9/nothing-listens-here")
    api.fail_next("sendMessage", 1, kind="500")
    assert french.SORRY in (await bot.send(OTHER_READER, "/statut")).text
    api.set_rate_limit(2, retry_after=1)
    for _ in range(4):
        assert "Lire" in (await bot.send(OTHER_READER, "/aide")).text
    assert api.rate_limited_count > 0
    api.set_rate_limit(None)
    bot.clock.set(datetime(2025, 6, 23, 7, 5, tzinfo=UTC))
    api.fail_next("sendMessage", 2, kind="502")
    await bot.services.digests.tick()
    await api.go_down()
    api.push_message(READER, "/statut")
    await asyncio.sleep(0.5)
    await api.come_back()
    await api.wait_for(
        lambda server: "Vos réglages" in server.last_message(READER.id).text,
        timeout=20,
        what="the answer written during the outage",
    )


async def prepare_due_subscriber(database: Path, chat_id: int) -> None:
    """A subscriber whose digest is due now (before the bot process starts)."""
    config = Config(database=DatabaseSettings(path=database), content=ContentSettings())
    async with open_services(config, NoSending(), utc_now):
        pass  # creates the file and loads the seed article
    since = utc_now() - timedelta(days=2)
    await seed_subscribers(
        database,
        readers([chat_id], all_topics=True, delivery_time=time(0, 0), timezone="UTC", since=since),
    )


async def test_token_never_reaches_the_stderr_of_a_real_bot_process(tmp_path: Path) -> None:
    token = "7311408250:AAH3kxQv9-Zr2pL0wTqY8mN4bC6dE1fG7hJ"
    database = tmp_path / "process.db"
    await prepare_due_subscriber(database, READER.id)
    async with LocalBotApi(token) as api:
        (tmp_path / "config.toml").write_text(
            f'[telegram]\nbase_url = "{api.base_url}"\nrequest_timeout_seconds = 5.0\n'
            f'[database]\npath = "{database}"\n'
            "[digest]\ncheck_interval_seconds = 1\n"
            '[logging]\nlevel = "DEBUG"\n',
            encoding="utf-8",
        )
        log = tmp_path / "stderr.log"  # a file, not a pipe: a full pipe would block the bot
        with log.open("w", encoding="utf-8") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", "config.toml"],
                cwd=tmp_path,
                env={**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": token},
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
            try:
                await process_session(api)
            finally:
                process.send_signal(signal.SIGINT)
                await asyncio.to_thread(process.wait, 30)
    err = log.read_text(encoding="utf-8")
    for form in secret_forms(token):
        assert form not in err, form
    assert "Bot ready" in err and " DEBUG " in err and f"/bot{MASK}" in err
    assert "Error while handling update" in err and "Traceback" in err
    assert process.returncode == 0, err[-2000:]


async def process_session(api: LocalBotApi) -> None:
    """Every step uses new readers: the bot paces each private chat to one message a second."""
    readers = iter(FakeUser(40_000 + n, f"Lecteur {n}") for n in range(100))
    await api.wait_for(lambda server: server.is_polling, timeout=30, what="the bot to poll")
    await api.wait_for(
        lambda server: digests_received(server, READER.id) == 1, timeout=20, what="the digest"
    )
    await answered(api, [(next(readers), text) for text in ("/start", "/abonner tout", "/mali")])
    api.fail_next("sendMessage", 1, kind="500")
    unlucky = next(readers)
    api.push_message(unlucky, "/statut")  # the reply fails: a handler error, then an apology
    await api.wait_for(
        lambda server: any(french.SORRY in m.text for m in server.sent_messages(unlucky.id)),
        timeout=20,
        what="the apology",
    )
    api.set_rate_limit(2, retry_after=1)
    await answered(api, [(next(readers), "/aide") for _ in range(5)])
    assert api.rate_limited_count > 0
    api.set_rate_limit(None)


async def answered(api: LocalBotApi, messages: list[tuple[FakeUser, str]]) -> None:
    for user, text in messages:
        api.push_message(user, text)
    for user, _text in messages:
        await api.wait_for_messages(user.id, 1, timeout=20)


# --- SQL: bound parameters only -------------------------------------------------------------

SQL_CALLS = frozenset(
    {
        "execute",
        "executemany",
        "executescript",
        "execute_fetchall",
        "write",
        "rows",
        # asyncpg's (its "fetch" is left out: the URL fetchers share the name)
        "fetchrow",
        "fetchval",
    }
)
AUDITED_INTERPOLATIONS = frozenset(
    {
        # (module, function, what is pasted into the SQL text). Only placeholders lists
        # (",".join("?" * n)), fixed column lists and conditions, an integer constant, the WHERE
        # clauses of one private helper (its callers are scanned too) and the statements of the
        # shipped schema upgrades.
        ("storage/article_rows.py", "_latest", "columns"),
        ("storage/feed_rows.py", "add", "FEED_COLUMNS"),
        ("storage/feed_rows.py", "all", "FEED_COLUMNS"),
        ("storage/feed_rows.py", "get", "FEED_COLUMNS"),
        ("storage/feed_rows.py", "remove", "FEED_COLUMNS"),
        ("storage/feed_rows.py", "save_poll", "FEED_COLUMNS"),
        ("storage/feed_rows.py", "set_paused", "FEED_COLUMNS"),
        ("storage/ledger_rows.py", "pending", "DELIVERY_COLUMNS"),
        ("storage/ledger_rows.py", "pending", "DELIVERY_SOURCE"),
        ("storage/ledger_rows.py", "queue_broadcast", "AUDIENCE"),
        ("storage/postgres/articles.py", "_get_many", "_ARTICLE_COLUMNS"),
        ("storage/postgres/articles.py", "search", "_ARTICLE_COLUMNS"),
        ("storage/postgres/deliveries.py", "claim", "DELIVERY_COLUMNS"),
        ("storage/postgres/feeds.py", "claim_due", "FEED_COLUMNS"),
        ("storage/postgres/feeds.py", "take_alerts", "ALERT_COLUMNS"),
        ("storage/postgres/schema.py", "upgrade", "step.sql"),
        ("storage/postgres/subscribers.py", "_select", "SUBSCRIBER_COLUMNS"),
        ("storage/postgres/subscribers.py", "_select", "_TOPICS"),
        ("storage/postgres/subscribers.py", "_select", "where"),
        ("storage/postgres/subscribers.py", "subscribed", "AUDIENCE"),
        ("storage/postgres/transfer.py", "copy_rows", "keys"),
        ("storage/postgres/transfer.py", "copy_rows", "names"),
        ("storage/postgres/transfer.py", "copy_rows", "staged"),
        ("storage/postgres/transfer.py", "copy_rows", "stored"),
        ("storage/postgres/transfer.py", "copy_rows", "table.name"),
        ("storage/sqlite/articles.py", "_admission", "placeholders"),
        ("storage/sqlite/articles.py", "_get_many", "_ARTICLE_COLUMNS"),
        ("storage/sqlite/articles.py", "_get_many", "placeholders"),
        ("storage/sqlite/articles.py", "search", "_ARTICLE_COLUMNS"),
        ("storage/sqlite/database.py", "_configure", "BUSY_TIMEOUT_MS"),
        ("storage/sqlite/deliveries.py", "claim", "DELIVERY_COLUMNS"),
        ("storage/sqlite/deliveries.py", "claim", "DELIVERY_SOURCE"),
        ("storage/sqlite/deliveries.py", "recorded_digests", "placeholders"),
        ("storage/sqlite/feeds.py", "claim_due", "FEED_COLUMNS"),
        ("storage/sqlite/feeds.py", "seen_items", "placeholders"),
        ("storage/sqlite/feeds.py", "take_alerts", "ALERT_COLUMNS"),
        ("storage/sqlite/schema.py", "_adopt_legacy_layout", "USER_VERSION_MARK"),
        ("storage/sqlite/schema.py", "upgrade", "statement"),
        ("storage/sqlite/snapshot.py", "copy_articles", "table"),
        ("storage/sqlite/snapshot.py", "has_readers", "placeholders"),
        ("storage/sqlite/stories.py", "candidate_ids", "placeholders"),
        ("storage/sqlite/subscribers.py", "_select", "SUBSCRIBER_COLUMNS"),
        ("storage/sqlite/subscribers.py", "_select", "where"),
        ("storage/sqlite/subscribers.py", "_topics_of", "placeholders"),
        ("storage/sqlite/subscribers.py", "get_many", "placeholders"),
        ("storage/sqlite/subscribers.py", "subscribed", "AUDIENCE"),
        ("storage/sqlite/transfer.py", "insert_rows", "names"),
        ("storage/sqlite/transfer.py", "insert_rows", "placeholders"),
        ("storage/sqlite/transfer.py", "insert_rows", "table"),
        ("storage/transfer/backup.py", "_copy_snapshot", "table.name"),
        ("storage/transfer/migrate.py", "_copy", "table.name"),
        ("storage/transfer/reading.py", "check_derived", "check.sql"),
        ("storage/transfer/reading.py", "count_all", "table.name"),
        ("storage/transfer/reading.py", "count_rows", "table"),
        ("storage/transfer/reading.py", "last_id", "table"),
        ("storage/transfer/reading.py", "select_batches", "key"),
        ("storage/transfer/reading.py", "select_batches", "names"),
        ("storage/transfer/reading.py", "select_batches", "table.name"),
    }
)
PLACEHOLDERS_VALUE = re.compile(r"','\.join\('\?' \* len\(\w+\)\)")
Function = ast.FunctionDef | ast.AsyncFunctionDef
Sink = tuple[str, int]
"""A helper whose parameter at this position reaches SQL text: its callers are scanned."""


class SqlScanner:
    """Finds every SQL text given to the database and what is pasted into it.

    The SQL argument of ``execute``/``executemany``/``executescript``/``write`` is followed
    through local variables, concatenations, and parameters of helpers (their callers are then
    scanned); every f-string piece, ``+`` operand, ``%`` or ``.format`` is an interpolation.
    """

    def __init__(self, sources: dict[str, str]) -> None:
        self.trees = {name: ast.parse(text) for name, text in sources.items()}
        self.interpolations: set[tuple[str, str, str]] = set()
        self.unresolved: set[str] = set()
        self.functions: dict[tuple[str, str], Function] = {}
        self._calls_by_name: dict[str, list[tuple[str, Function, ast.Call]]] = {}
        for module, tree in self.trees.items():
            for function in ast.walk(tree):
                if isinstance(function, Function):
                    self.functions[(module, function.name)] = function
                    for node in ast.walk(function):
                        if isinstance(node, ast.Call) and (name := _called_name(node)):
                            calls = self._calls_by_name.setdefault(name, [])
                            calls.append((module, function, node))

    def scan(self) -> None:
        sinks = [
            sink
            for module, function, call in self._calls(SQL_CALLS)
            for sink in self._check(module, function, call.args[0] if call.args else None)
        ]
        followed: set[Sink] = set()
        while sinks:
            sink = sinks.pop()
            if sink in followed:
                continue
            followed.add(sink)
            name, position = sink
            for module, function, call in self._calls({name}):
                argument = call.args[position] if len(call.args) > position else None
                sinks += self._check(module, function, argument)

    def _calls(self, names: set[str] | frozenset[str]) -> Iterator[tuple[str, Function, ast.Call]]:
        for name in names:
            for found in self._calls_by_name.get(name, []):
                if not _writes_to_a_stream(found[2]):
                    yield found

    def _check(self, module: str, function: Function, sql: ast.expr | None) -> list[Sink]:
        """Record what one SQL expression pastes in; return the helper parameters to follow."""
        if sql is None or isinstance(sql, ast.Constant):
            return []
        if isinstance(sql, ast.JoinedStr):
            pieces = [p.value for p in sql.values if isinstance(p, ast.FormattedValue)]
            return [sink for p in pieces for sink in self._pasted(module, function, p)]
        if isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Add):
            sinks = []
            for operand in (sql.left, sql.right):
                if isinstance(operand, ast.Constant | ast.JoinedStr | ast.BinOp):
                    sinks += self._check(module, function, operand)
                else:
                    sinks += self._pasted(module, function, operand)
            return sinks
        if isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod):
            self.interpolations.add((module, function.name, f"% {ast.unparse(sql.right)}"))
            return []
        if isinstance(sql, ast.Call) and _called_name(sql) == "format":
            self.interpolations.add((module, function.name, f".format {ast.unparse(sql)}"))
            return []
        if isinstance(sql, ast.Name):
            if _parameter_position(function, sql.id) is not None:
                return self._follow(function, sql.id)
            assigned = _assignments(function, sql.id)
            if assigned:
                return [sink for value in assigned for sink in self._check(module, function, value)]
            if _loop_variable(function, sql.id):  # statements of a script: audited by name
                self.interpolations.add((module, function.name, sql.id))
                return []
            if _module_literal(self.trees[module], sql.id):
                return []
        if (  # a field of the loop's item (an upgrade's script): audited by name
            isinstance(sql, ast.Attribute)
            and isinstance(sql.value, ast.Name)
            and _loop_variable(function, sql.value.id)
        ):
            self.interpolations.add((module, function.name, ast.unparse(sql)))
            return []
        self.unresolved.add(f"{module}:{function.name}: {ast.unparse(sql)}")
        return []

    def _pasted(self, module: str, function: Function, value: ast.expr) -> list[Sink]:
        self.interpolations.add((module, function.name, ast.unparse(value)))
        if isinstance(value, ast.Name) and _parameter_position(function, value.id) is not None:
            return self._follow(function, value.id)
        return []

    def _follow(self, function: Function, parameter: str) -> list[Sink]:
        if function.name in SQL_CALLS:
            return []  # Database.write's own parameter: its callers are scanned already
        position = _parameter_position(function, parameter)
        return [] if position is None else [(function.name, position)]


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else None


def _parameter_position(function: Function, name: str) -> int | None:
    """Position in a call (methods are called without ``self``)."""
    names = [argument.arg for argument in function.args.args]
    if name not in names:
        return None
    skip = 1 if names and names[0] in ("self", "cls") else 0
    return names.index(name) - skip


def _assignments(function: Function, name: str) -> list[ast.expr]:
    return [
        node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
    ]


def _writes_to_a_stream(call: ast.Call) -> bool:
    """``sys.stderr.write(…)``: text for a terminal, not SQL."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    return (
        isinstance(receiver, ast.Attribute)
        and isinstance(receiver.value, ast.Name)
        and receiver.value.id == "sys"
        and receiver.attr in {"stdout", "stderr"}
    )


def _loop_variable(function: Function, name: str) -> bool:
    return any(
        isinstance(node, ast.For | ast.AsyncFor)
        and isinstance(node.target, ast.Name)
        and node.target.id == name
        for node in ast.walk(function)
    )


def _module_literal(tree: ast.Module, name: str) -> bool:
    """``name`` is assigned once at module level, to a string written in the source."""
    values = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == name for target in node.targets)
    ]
    return len(values) == 1 and _is_literal(values[0])


def _defining_tree(scanner: SqlScanner, module: str, name: str) -> ast.Module:
    """The module that assigns ``name``: this one, or the one it imports the name from."""
    tree = scanner.trees[module]
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and name in {alias.name for alias in node.names}
        ):
            return scanner.trees[node.module.replace(".", "/") + ".py"]
    return tree


def production_sources() -> dict[str, str]:
    return {
        path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for package in ("app", "bot", "content", "core", "digests", "storage", "ui")
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def test_sql_is_built_from_bound_parameters_only() -> None:
    scanner = SqlScanner(production_sources())
    scanner.scan()
    assert sorted(scanner.unresolved) == []
    unaudited = scanner.interpolations - AUDITED_INTERPOLATIONS
    assert unaudited == set(), sorted(unaudited)
    stale = AUDITED_INTERPOLATIONS - scanner.interpolations
    assert stale == set(), f"remove from the allow-list: {sorted(stale)}"
    for module, function_name, pasted in scanner.interpolations:
        function = scanner.functions[(module, function_name)]
        if pasted == "placeholders":  # only "?" marks, one per bound value
            values = [ast.unparse(value) for value in _assignments(function, pasted)]
            assert values and all(PLACEHOLDERS_VALUE.fullmatch(v) for v in values), values
        elif pasted.isupper() or pasted.startswith("_"):  # a module constant, never reassigned
            tree = _defining_tree(scanner, module, pasted)
            constants = [
                node.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == pasted for t in node.targets)
            ]
            assert len(constants) == 1 and _is_literal(constants[0]), (module, pasted)


def _is_literal(value: ast.expr) -> bool:
    """A string or number written in the source (implicit concatenation included)."""
    return isinstance(value, ast.Constant) and isinstance(value.value, str | int)


def test_sql_scanner_catches_interpolated_queries() -> None:
    """The scanner itself: each way of pasting a value into SQL is reported."""
    source = """
async def leaky(connection, name, chat_id):
    await connection.execute(f"SELECT * FROM t WHERE name = '{name}'")
    await connection.execute("SELECT * FROM t WHERE id = %d" % chat_id)
    await connection.execute("SELECT * FROM t WHERE name = '{}'".format(name))
    sql = "DELETE FROM t WHERE name = '" + name + "'"
    await connection.executescript(sql)
    await _helper(connection, f"WHERE id = {chat_id}")
    await connection.execute(build_query(name))

async def _helper(connection, where):
    await connection.execute("SELECT * FROM t " + where)

async def safe(database, chat_id):
    await database.write("UPDATE t SET x = 1 WHERE id = ?", (chat_id,))
"""
    scanner = SqlScanner({"leaky.py": source})
    scanner.scan()
    pasted = {(function, what) for _module, function, what in scanner.interpolations}
    assert ("leaky", "name") in pasted and ("leaky", "chat_id") in pasted
    assert ("leaky", "% chat_id") in pasted and ("_helper", "where") in pasted
    assert any(what.startswith(".format") for _function, what in pasted)
    assert scanner.unresolved == {"leaky.py:leaky: build_query(name)"}
    assert all(function != "safe" for function, _what in pasted)


# --- /ajouter never fetches inside the network -----------------------------------------------


@pytest.fixture
async def intranet() -> AsyncIterator[tuple[int, list[str], int]]:
    """A private web server (on loopback) that records every request it receives."""
    hits: list[str] = []
    page = "<html><head><title>Intranet</title></head><body><article><p>" + "Secret interne. " * 40
    page += "</p></article></body></html>"

    async def handle(request: web.Request) -> web.StreamResponse:
        hits.append(request.path)
        if request.path == "/big":
            return web.Response(
                text="<html><body>" + "x" * 300_000 + "</body></html>", content_type="text/html"
            )
        if request.path == "/stream":
            response = web.StreamResponse(headers={"Content-Type": "text/html"})
            await response.prepare(request)
            for _ in range(100):
                await response.write(b"<p>" + b"y" * 10_000 + b"</p>")
            return response
        if request.path == "/slow":
            response = web.StreamResponse(headers={"Content-Type": "text/html"})
            await response.prepare(request)
            for _ in range(100):
                await response.write(b"<p>lent</p>")
                await asyncio.sleep(0.1)
            return response
        if request.path.startswith("/loop/"):
            step = int(request.path.rsplit("/", 1)[1])
            raise web.HTTPFound(f"/loop/{step + 1}")
        if request.path == "/to-file":
            raise web.HTTPFound("file:///etc/passwd")
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server.port, hits, len(page)  # type: ignore[misc]


async def test_add_refuses_private_hosts_schemes_and_fetches_nothing(
    api: LocalBotApi,
    tmp_path: Path,
    clock: FakeClock,
    intranet: tuple[int, list[str], int],
) -> None:
    port, hits, _size = intranet
    config = bot_config(api, tmp_path / "ssrf.db")
    config = replace(config, content=replace(config.content, allow_private_hosts=False))
    bot = BotHarness(api, config, clock)
    await bot.start()
    try:
        forbidden = [
            f"http://127.0.0.1:{port}/admin",
            "http://169.254.169.254/latest/meta-data/",
            f"http://[::1]:{port}/",
            f"http://localhost:{port}/",
            f"http://LOCALHOST.:{port}/",
            f"http://2130706433:{port}/",
            f"http://0x7f.1:{port}/",
            f"http://127.1:{port}/",
            f"http://[::ffff:127.0.0.1]:{port}/",
            "http://10.0.0.1/",
            "http://192.168.1.1/",
            "http://0.0.0.0/",
        ]
        hostname = os.uname().nodename
        if not any(is_public_address(a) for a in await resolve_host(hostname, port)):
            forbidden.append(f"http://{hostname}:{port}/")  # a name for a private address
        for url in forbidden:
            answer = await bot.send(ADMIN, f"/ajouter {url}")
            assert answer.texts == [french.REJECTED["FORBIDDEN_HOST"]], url
        for url in (
            "file:///etc/passwd",
            "ftp://example.org/a",
            "gopher://127.0.0.1:70/",
            "javascript:alert(1)",
            "http://user:pw@example.org/",
        ):
            answer = await bot.send(ADMIN, f"/ajouter {url}")
            assert answer.texts == [french.REJECTED["BAD_URL"]], url
        assert hits == []  # not one request reached the private server
        assert await bot.services.library.count() == 1
    finally:
        await bot.stop()
    async with httpx.AsyncClient() as client:  # the server was there all along
        assert (await client.get(f"http://127.0.0.1:{port}/check")).status_code == 200
    assert hits == ["/check"]


async def test_add_caps_size_time_and_redirects(
    api: LocalBotApi,
    tmp_path: Path,
    clock: FakeClock,
    intranet: tuple[int, list[str], int],
) -> None:
    port, hits, size = intranet
    config = bot_config(api, tmp_path / "caps.db")
    content = replace(
        config.content,
        fetch_max_bytes=size + 1_000,
        fetch_timeout_seconds=1.0,
        fetch_max_redirects=3,
    )
    bot = BotHarness(api, replace(config, content=content), clock)
    await bot.start()
    try:
        base = f"http://127.0.0.1:{port}"
        assert "Article n° 2" in (await bot.send(ADMIN, f"/ajouter {base}/page")).text
        for path in ("/big", "/stream"):
            answer = await bot.send(ADMIN, f"/ajouter {base}{path}")
            assert answer.texts == [french.REJECTED["TOO_LARGE"]], path
        slow = await bot.send(ADMIN, f"/ajouter {base}/slow")
        assert slow.texts == [french.REJECTED["TIMEOUT"]]
        loop = await bot.send(ADMIN, f"/ajouter {base}/loop/0")
        assert loop.texts == [french.REJECTED["TOO_MANY_REDIRECTS"]]
        assert [hit for hit in hits if hit.startswith("/loop/")] == [f"/loop/{n}" for n in range(4)]
        to_file = await bot.send(ADMIN, f"/ajouter {base}/to-file")
        assert to_file.texts == [french.REJECTED["BAD_URL"]]
        assert await bot.services.library.count() == 2
    finally:
        await bot.stop()
