"""Faults the bot must survive without losing anything: a database that refuses writes, a broken
configuration file, and the Bot API server going away for a while.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.cli import main as cli_main
from fake_bot_api import LocalBotApi
from storage.errors import StorageError
from tests.support.factories import ARTICLE, FakeClock
from tests.support.harness import ADMIN, OTHER_READER, READER, BotHarness, bot_config
from tests.support.observing import digest_attempts, digests_received, store_snapshot
from ui import french

ROOT = Path(__file__).resolve().parents[2]
# --- the database refuses writes ------------------------------------------------------------


async def test_read_only_database_apologises_keeps_reading_and_recovers(bot: BotHarness) -> None:
    """Tests run as root, which ignores file modes: SQLite's query_only switch on the writer
    connection gives the same SQLITE_READONLY error a read-only file or volume gives."""
    await bot.send(READER, "/abonner mali")
    keyboard = (await bot.send(OTHER_READER, "/abonner")).last
    path = bot.config.database.path
    assert bot.database is not None
    writer = bot.database._writer
    await writer.execute("PRAGMA query_only = ON")
    try:
        before = store_snapshot(path)
        writes = [
            (READER, "/abonner niger"),
            (READER, "/heure 9h"),
            (READER, "/fuseau Paris"),
            (READER, "/desabonner"),
            (OTHER_READER, "/abonner tout"),
            (ADMIN, f"/ajouter {ARTICLE}"),
        ]
        for user, text in writes:
            assert (await bot.send(user, text)).texts == [french.STORAGE_DOWN], text
        toggled, alert = await bot.press(OTHER_READER, keyboard, "t:mali")
        assert alert == french.STORAGE_DOWN and toggled.messages == []
        # Reads still work.
        assert "Mali" in (await bot.send(READER, "/statut")).text
        assert "Assimi Goïta" in (await bot.send(READER, "/mali")).text
        assert "Assimi Goïta" in (await bot.send(READER, "/recherche Goïta")).text
        assert "Assimi Goïta" in (await bot.send(READER, "/article 1")).text
        assert "Abonnés actifs\u202f: 1" in (await bot.send(ADMIN, "/stats")).text
        # A digest falling due cannot be recorded: the tick fails, nothing is sent.
        bot.clock.set(datetime(2025, 6, 23, 7, 5, tzinfo=UTC))
        with pytest.raises(StorageError):
            await bot.services.digests.tick()
        assert digests_received(bot.api, READER.id) == 0
        assert store_snapshot(path) == before  # nothing half-written
    finally:
        await writer.execute("PRAGMA query_only = OFF")
    assert "Niger" in (await bot.send(READER, "/abonner niger")).text
    assert "Article n°\u202f2 enregistré" in (await bot.send(ADMIN, f"/ajouter {ARTICLE}")).text
    await bot.services.digests.tick()
    await bot.api.wait_for(
        lambda api: digests_received(api, READER.id) >= 1, what="the digest after the fault"
    )
    await bot.services.digests.tick()
    assert digests_received(bot.api, READER.id) == 1


async def test_write_failing_halfway_is_rolled_back_whole(bot: BotHarness) -> None:
    """The first statements of a transaction succeed, a later one fails (a temporary trigger on
    the writer connection plays a disk error): nothing of the transaction may remain."""
    path = bot.config.database.path
    assert bot.database is not None
    writer = bot.database._writer
    failing = ("article_topics", "subscriber_topics")
    for table in failing:
        await writer.execute(
            f"CREATE TEMP TRIGGER fail_{table} BEFORE INSERT ON main.{table} "
            "BEGIN SELECT RAISE(ABORT, 'injected write failure'); END"
        )
    before = store_snapshot(path)
    try:
        # The article row and its index entry are written before its topics fail.
        assert (await bot.send(ADMIN, f"/ajouter {ARTICLE}")).texts == [french.STORAGE_DOWN]
        # The subscriber row is created before its topics fail.
        assert (await bot.send(OTHER_READER, "/abonner mali")).texts == [french.STORAGE_DOWN]
        assert store_snapshot(path) == before
        assert await bot.services.subscriptions.subscriber(OTHER_READER.id) is None
        assert (
            "Aucun article ne correspond" in (await bot.send(READER, "/recherche Ouagadougou")).text
        )
    finally:
        for table in failing:
            await writer.execute(f"DROP TRIGGER temp.fail_{table}")
    assert "Article n°\u202f2 enregistré" in (await bot.send(ADMIN, f"/ajouter {ARTICLE}")).text
    assert "Mali" in (await bot.send(OTHER_READER, "/abonner mali")).text
    assert "Niamey" in (await bot.send(READER, "/recherche Ouagadougou")).text


# --- a broken configuration -----------------------------------------------------------------

BAD_CONFIGS = [
    ('[digest]\nconcurrency = "many"\n', "digest.concurrency"),
    ('[telegram]\nadmins = "1001"\n', "telegram.admins"),
    ("[telegram]\nadmins = [1001, true]\n", "telegram.admins[1]"),
    ("[telegram]\nrate_limit_per_second = true\n", "telegram.rate_limit_per_second"),
    ('[telegram]\ntoken_envv = "BOT_TOKEN"\n', "telegram.token_envv"),
    ('[telegram]\nbase_url = "http://127.0.0.1:8081/bot/"\n', "telegram.base_url"),
    ('[telegram]\nmode = "webhook"\n', "telegram.webhook_url"),
    ('[digest]\ndefault_timezone = "Mars/Olympus"\n', "digest.default_timezone"),
    ('[digest]\ndefault_time = "25:00"\n', "digest.default_time"),
    ("[database]\npath = 42\n", "database.path"),
    ('[logging]\nlevel = "LOUD"\n', "logging.level"),
    ("[content]\nfetch_max_bytes = 0\n", "content.fetch_max_bytes"),
    ("[content]\nsummary_min_words = 50\nsummary_max_words = 10\n", "content.summary_max_words"),
    ("telegram = 3\n", "[telegram]"),
    ("[digests]\nconcurrency = 3\n", "[digests]"),
    ("[digest\nconcurrency = 3\n", "not valid TOML"),
]
SUBCOMMANDS = [
    ["run"],
    ["chat"],
    ["ingest", "article.txt"],
    ["summarize", "-"],
    ["digest", "--preview"],
    ["articles"],
]


@pytest.mark.parametrize(("toml", "named"), BAD_CONFIGS)
def test_bad_config_stops_every_subcommand_with_one_line(
    toml: str, named: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(toml, encoding="utf-8")
    for subcommand in SUBCOMMANDS:
        with pytest.raises(SystemExit) as stopped:
            cli_main([*subcommand, "--config", str(path)])
        assert stopped.value.code == 2, subcommand
        out, err = capsys.readouterr()
        assert out == ""
        assert err.count("\n") == 1 and err.startswith("error: "), err
        assert named in err, (subcommand, err)
    assert not (tmp_path / "sahel-digest.db").exists()  # nothing was opened


def test_unreadable_config_files_stop_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00[telegram]\x00\x9c")
    (tmp_path / "folder.toml").mkdir()
    for name in ("binary.toml", "folder.toml", "missing.toml"):
        with pytest.raises(SystemExit) as stopped:
            cli_main(["run", "--config", str(tmp_path / name)])
        assert stopped.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("error: ") and name in err, err


def test_bad_config_in_real_processes_exits_2_with_one_line(tmp_path: Path) -> None:
    """The same through ``python -m bot`` processes (run side by side to save time)."""
    files = {
        "wrong-type.toml": '[digest]\nconcurrency = "many"\n',
        "unknown-key.toml": "[database]\npaht = 'x.db'\n",
        "bad-zone.toml": '[digest]\ndefault_timezone = "Mars/Olympus"\n',
        "no-token.toml": '[telegram]\ntoken_env = "SAHEL_TEST_NO_TOKEN"\n',
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    runs = [
        (["run", "--config", "wrong-type.toml"], "digest.concurrency"),
        (["ingest", "a.txt", "--config", "unknown-key.toml"], "database.paht"),
        (["chat", "--config", "bad-zone.toml"], "digest.default_timezone"),
        (["run", "--config", "no-token.toml"], "SAHEL_TEST_NO_TOKEN"),
    ]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    environment.pop("SAHEL_TEST_NO_TOKEN", None)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", *arguments],
            cwd=tmp_path,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for arguments, _named in runs
    ]
    for process, (arguments, named) in zip(processes, runs, strict=True):
        out, err = process.communicate(timeout=60)
        assert process.returncode == 2, (arguments, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (arguments, err)
        assert "Traceback" not in err and named in lines[0], (arguments, err)
        assert out == ""
    assert not list(tmp_path.glob("*.db"))  # no database was created on the way


# --- the Bot API server goes away ------------------------------------------------------------


async def outage_round_trip(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock, seconds: float
) -> None:
    """The server goes down just before a digest falls due; readers write during the outage.

    Afterwards the bot has reconnected by itself (PTB's polling backs off up to 30 s between
    attempts), answered every message sent during the outage, and delivered the digest that
    fell due meanwhile exactly once. Nothing here calls tick(): the real JobQueue does.
    """
    config = bot_config(api, tmp_path / "outage.db", check_interval_seconds=1)
    clock.set(datetime(2025, 6, 23, 6, 50, tzinfo=UTC))
    bot = BotHarness(api, config, clock)
    await bot.start()
    try:
        await bot.send(READER, "/abonner tout")
        await api.go_down()
        clock.set(datetime(2025, 6, 23, 7, 0, 30, tzinfo=UTC))  # due while nobody can send
        api.push_message(OTHER_READER, "/statut")
        api.push_message(ADMIN, "/mali")
        api.push_message(OTHER_READER, "/abonner niger")
        await asyncio.sleep(seconds)
        assert digests_received(api, READER.id) == 0
        await api.come_back()

        def caught_up(server: LocalBotApi) -> bool:
            return (
                digests_received(server, READER.id) == 1
                and len(server.sent_messages(OTHER_READER.id)) == 2
                and len(server.sent_messages(ADMIN.id)) == 1
            )

        await api.wait_for(caught_up, timeout=45, what="the bot to catch up after the outage")
        assert "Niger" in api.last_message(OTHER_READER.id).text
        assert "Assimi Goïta" in api.last_message(ADMIN.id).text
        subscriber = await bot.services.subscriptions.subscriber(OTHER_READER.id)
        assert subscriber is not None and subscriber.topics == ("niger",)
        if seconds > 5:  # longer than the courier's own retries (0.5 s, then 1 s)
            # The job tried during the outage and left the digest pending for a later tick.
            assert digest_attempts(config.database.path, READER.id) >= 1
        # More ticks (the job's and ours) send nothing more.
        await asyncio.sleep(1.1)
        await bot.services.digests.tick()
        assert digests_received(api, READER.id) == 1
        assert len(api.sent_messages(READER.id)) == 2  # the confirmation and the digest
    finally:
        await bot.stop()


async def test_short_outage_loses_no_update_and_no_digest(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    await outage_round_trip(api, tmp_path, clock, seconds=2.0)


@pytest.mark.slow
async def test_thirty_second_outage_loses_no_update_and_no_digest(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock
) -> None:
    await outage_round_trip(api, tmp_path, clock, seconds=30.0)
