"""The command line through real subprocesses: help, ingest, summarize, preview, run, chat."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from babel.dates import format_date

from fake_bot_api import DEFAULT_TOKEN, FakeUser, LocalBotApi
from tests.support.processes import ROOT, run_cli

SEED = ROOT / "content" / "seed" / "mali-russie-aes.txt"
SEED_TITLE = "Assimi Goïta est en visite officielle en Russie"
ARTICLE = (
    "Niamey relance la route de l'uranium\n"
    "Le Niger veut exporter son uranium par le Bénin. Niamey négocie avec Cotonou. "
    "Les autorités nigériennes espèrent un accord avant la fin de l'année."
)


def write_config(folder: Path, extra: str = "") -> Path:
    path = folder / "config.toml"
    path.write_text(f'[database]\npath = "store.db"\n{extra}', encoding="utf-8")
    return path


def assert_one_line_error(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def test_help_everywhere(tmp_path: Path) -> None:
    main = run_cli("--help", cwd=tmp_path)
    assert main.returncode == 0
    for command in ("run", "chat", "ingest", "summarize", "digest", "articles"):
        assert command in main.stdout
        sub = run_cli(command, "--help", cwd=tmp_path)
        assert sub.returncode == 0 and "usage:" in sub.stdout, command


def test_ingest_files_and_duplicates(tmp_path: Path) -> None:
    write_config(tmp_path)
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "uranium.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    first = run_cli("ingest", str(folder), "--config", "config.toml", cwd=tmp_path)
    assert "ADDED 2: Niamey relance la route de l'uranium" in first.stdout
    assert "topics: niger" in first.stdout
    assert "summary: " in first.stdout
    # One file could not be added: a warning as it comes, the count as the error line.
    assert first.returncode == 2
    assert first.stderr.splitlines() == [
        f"warning: skipped {folder / 'photo.png'}: unsupported file type: .png",
        "error: skipped 1 of 2 files: 1 unsupported file",
    ]
    again = run_cli("ingest", str(folder / "uranium.txt"), "--config", "config.toml", cwd=tmp_path)
    assert again.returncode == 0 and again.stderr == ""
    assert "DUPLICATE" in again.stdout and "article 2" in again.stdout
    missing = run_cli("ingest", "nope.txt", "--config", "config.toml", cwd=tmp_path)
    assert_one_line_error(missing, "no such file or folder: nope.txt")


@pytest.fixture
async def news_page() -> AsyncIterator[str]:
    page = (
        "<html><head><title>Bamako : la saison des pluies</title>"
        '<meta property="og:site_name" content="Sahel Matin"></head><body><article>'
        "<h1>Bamako : la saison des pluies</h1><p>"
        + "Il pleut sur Bamako, au Mali. " * 15
        + "</p><p>Les habitants de la capitale malienne s'organisent.</p></article></body></html>"
    )

    async def serve(request: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    app = web.Application()
    app.router.add_get("/pluies", serve)
    async with TestServer(app, host="127.0.0.1") as server:
        yield str(server.make_url("/pluies"))


async def test_ingest_url(tmp_path: Path, news_page: str) -> None:
    write_config(tmp_path, "[content]\nallow_private_hosts = true\n")
    result = await asyncio.to_thread(
        run_cli, "ingest", news_page, "--config", "config.toml", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "ADDED 2: Bamako : la saison des pluies" in result.stdout
    assert "mali" in result.stdout
    refused = await asyncio.to_thread(
        run_cli,
        "ingest",
        news_page,
        cwd=tmp_path / "..",  # default config: private hosts refused
    )
    assert "warning: skipped" in refused.stderr and "not a public address" in refused.stderr


def test_summarize_jsonl_keeps_order(tmp_path: Path) -> None:
    lines = [
        {"id": "a", "title": "Le Mali et la Russie", "article": SEED.read_text(encoding="utf-8")},
        {"id": "b", "title": "Vide", "article": ""},
        {"title": "Niger", "article": ARTICLE},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    result = run_cli("summarize", str(source), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row.get("id") for row in out] == ["a", "b", None]
    assert {"aes", "russie", "mali"} <= set(out[0]["topics"])
    assert out[0]["summary"] and out[0]["summary"].split(".")[0] in SEED.read_text("utf-8")
    assert out[1]["summary"] == "Vide" and out[1]["topics"] == []  # no text: the title
    via_stdin = run_cli("summarize", "-", cwd=tmp_path, stdin=json.dumps(lines[2]) + "\n")
    assert json.loads(via_stdin.stdout)["topics"] == out[2]["topics"]
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"title": "ok", "article": "x"}\n{not json}\n', encoding="utf-8")
    assert_one_line_error(run_cli("summarize", str(broken), cwd=tmp_path), "line 2")


def test_digest_preview_in_french(tmp_path: Path) -> None:
    write_config(tmp_path)
    # Tomorrow's digest over two days covers the seed article loaded now, whatever the hour.
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    result = run_cli(
        "digest",
        "--preview",
        "--date",
        tomorrow.isoformat(),
        "--days",
        "2",
        "--topics",
        "aes,russie",
        "--config",
        "config.toml",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert f"Votre revue du {format_date(tomorrow, 'EEEE', locale='fr')}" in result.stdout
    assert SEED_TITLE in result.stdout
    assert result.stdout.count(SEED_TITLE) == 1  # on both topics, shown once
    assert "Aussi" in result.stdout  # the second topic points to the first
    unknown = run_cli(
        "digest", "--preview", "--topics", "licorne", "--config", "config.toml", cwd=tmp_path
    )
    assert_one_line_error(unknown, "licorne")


def test_articles_listing_and_search(tmp_path: Path) -> None:
    write_config(tmp_path)
    listing = run_cli("articles", "--topic", "mali", "--config", "config.toml", cwd=tmp_path)
    assert SEED_TITLE in listing.stdout and "[" in listing.stdout
    found = run_cli("articles", "--search", "goita", "--config", "config.toml", cwd=tmp_path)
    assert SEED_TITLE in found.stdout
    none = run_cli("articles", "--search", "licorne", "--config", "config.toml", cwd=tmp_path)
    assert "no article" in none.stdout


def test_errors_are_one_line(tmp_path: Path) -> None:
    assert_one_line_error(
        run_cli("articles", "--config", "missing.toml", cwd=tmp_path), "not found"
    )
    bad = tmp_path / "bad.toml"
    bad.write_text('[digest]\ndefault_timezone = "Mars/Olympus"\n', encoding="utf-8")
    assert_one_line_error(
        run_cli("run", "--config", str(bad), cwd=tmp_path), "digest.default_timezone"
    )
    write_config(tmp_path)
    no_token = run_cli(
        "run", "--config", "config.toml", cwd=tmp_path, env={"TELEGRAM_BOT_TOKEN": ""}
    )
    assert_one_line_error(no_token, "TELEGRAM_BOT_TOKEN", "@BotFather", "python -m bot chat")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_bot_process(tmp_path: Path, config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--config", str(config)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "bot.log").open("wb"),
    )


async def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then wait without blocking the event loop: the local server runs on it, and the
    bot talks to it while shutting down."""
    process.terminate()
    for _ in range(200):
        if process.poll() is not None:
            return
        await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError("the bot did not stop within 20 s of SIGTERM")


async def test_run_polls_a_local_bot_api_server(api: LocalBotApi, tmp_path: Path) -> None:
    config = write_config(tmp_path, f'[telegram]\nbase_url = "{api.base_url}"\n')
    process = start_bot_process(tmp_path, config)
    try:
        api.push_message(FakeUser(77, "Aminata"), "/start")
        [welcome] = await api.wait_for_messages(77, 1, timeout=30)
        assert "Bonjour Aminata" in welcome.text
        assert api.commands(language_code="fr")
    finally:
        await stop_process(process)
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "Bot ready" in log
    assert DEFAULT_TOKEN not in log and DEFAULT_TOKEN.split(":")[1] not in log


async def test_run_in_webhook_mode(api: LocalBotApi, tmp_path: Path) -> None:
    port = free_port()
    config = write_config(
        tmp_path,
        f'[telegram]\nbase_url = "{api.base_url}"\nmode = "webhook"\n'
        f'webhook_url = "http://127.0.0.1:{port}/telegram"\nwebhook_port = {port}\n',
    )
    process = start_bot_process(tmp_path, config)
    try:
        await api.wait_for(
            lambda server: server.webhook_url is not None, timeout=30, what="setWebhook"
        )
        assert api.webhook_url == f"http://127.0.0.1:{port}/telegram"
        api.push_message(FakeUser(78, "Oumar"), "/mali")
        [answer] = await api.wait_for_messages(78, 1, timeout=30)
        assert SEED_TITLE in answer.text
    finally:
        await stop_process(process)


def test_chat_mode_in_a_terminal(tmp_path: Path) -> None:
    script = "/start\n/mali\n/abonner\n1\n/statut\n/ajouter Titre \\\nTexte\n/quitter\n"
    result = run_cli("chat", "--database", str(tmp_path / "chat.db"), cwd=tmp_path, stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Session de test de Sahel Digest" in out
    assert "Bonjour Vous" in out
    assert SEED_TITLE in out
    assert "[1]" in out and "(message modifié)" in out  # buttons numbered, pressing edits
    assert "Vos réglages" in out
    assert "réservée aux administrateurs" in out
    continued = ARTICLE.replace("\n", " \\\n", 1)  # a line ending in \ continues the message
    admin = run_cli(
        "chat",
        "--admin",
        "--database",
        str(tmp_path / "chat.db"),
        cwd=tmp_path,
        stdin=f"/ajouter {continued}\n/quitter\n",
    )
    assert "Article n° 2 enregistré" in admin.stdout, admin.stdout + admin.stderr


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path: Path) -> None:
    """``summarize big.jsonl | head -1``: once the reader stops, the command stops too, with the
    status of a Unix tool whose reader went away, and without a traceback."""
    source = tmp_path / "in.jsonl"
    line = json.dumps({"title": "Niger", "article": ARTICLE}) + "\n"
    source.write_text(line * 1000, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "summarize", str(source)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert b'"topics"' in process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read().decode("utf-8", "replace")
    process.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert process.returncode == 141


def test_a_terminal_that_is_not_utf8_gets_escapes_not_a_traceback(tmp_path: Path) -> None:
    """A legacy terminal (PYTHONIOENCODING=ascii, or latin-1 which lacks « ’ »): the French text
    prints with escapes for what the terminal cannot show."""
    write_config(tmp_path)
    result = run_cli(
        "articles", "--config", "config.toml", cwd=tmp_path, env={"PYTHONIOENCODING": "ascii"}
    )
    assert result.returncode == 0, result.stderr
    assert "Assimi Go\\xefta est en visite officielle en Russie" in result.stdout


def test_ingest_of_a_url_with_an_impossible_host_name_is_a_warning(tmp_path: Path) -> None:
    """A host label over 63 characters made the resolver's IDNA codec raise UnicodeError, a
    traceback past every network error handler."""
    write_config(tmp_path)
    result = run_cli(
        "ingest", "http://" + "a" * 300 + ".org/", "--config", "config.toml", cwd=tmp_path
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    warning, summary = result.stderr.strip().splitlines()
    assert warning.startswith("warning: skipped http://") and "malformed host name" in warning
    assert summary == "error: skipped 1 of 1 files or pages: 1 bad url"
