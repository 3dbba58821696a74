"""The token stays out of every output when starting goes wrong and when it is written oddly:
the start-up checks, python-telegram-bot's own errors (« The token `…` was rejected »), httpx's
request lines (``…/bot<token>/getMe``), all read through logging as ``python -m bot`` sets it up;
and a real bot process whose token variable carries spaces and a newline."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import signal
import socket
import subprocess
import sys
import traceback
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app.logs import MASK
from bot.errors import StartFailure
from bot.settings import TelegramSettings
from bot.startup import check_bot_api
from fake_bot_api import LocalBotApi
from tests.e2e.test_cli import write_config
from tests.support.logs import TOKEN, production_logging, secret_forms
from tests.support.processes import ROOT

WIRE_LOGGERS = ("httpx", "httpcore", "telegram", "bot", "app")


def production_logging_at_debug() -> AbstractContextManager[io.StringIO]:
    """Every wire logger at DEBUG: httpx logs each request's URL, the token in it."""
    return production_logging(debug_loggers=WIRE_LOGGERS)


async def test_failed_starts_never_show_the_token() -> None:
    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html>Accueil</html>", content_type="text/html")

    site = web.Application()
    site.router.add_route("*", "/{tail:.*}", page)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_url = f"http://127.0.0.1:{closed.getsockname()[1]}/bot"
        async with (
            LocalBotApi("5550002:another-TOKEN-entirely") as api,
            TestServer(site) as web_site,
        ):
            urls = [closed_url, api.base_url, str(web_site.make_url("/bot"))]
            with production_logging_at_debug() as logged:
                reports = []
                for url in urls:
                    with pytest.raises(StartFailure) as failed:
                        await check_bot_api(TelegramSettings(base_url=url), TOKEN)
                    reports.append(str(failed.value))
                    logging.getLogger("app.run").exception("the check failed")
                await ptb_start_failure(api.base_url)
    text = logged.getvalue() + "\n".join(reports)
    assert "cannot reach" in reports[0] and "rejected the token" in reports[1]
    assert "does not answer like a Bot API" in reports[2]
    assert f"/bot{MASK}/getMe" in text  # httpx's request lines, masked
    assert "InvalidToken" in text and "was rejected by the server" in text
    for form in secret_forms(TOKEN):
        assert form not in text, form


async def ptb_start_failure(base_url: str) -> None:
    """python-telegram-bot's own start with the refused token: its exception quotes the token;
    logged, and printed as an uncaught exception would be."""
    from telegram import Bot
    from telegram.error import InvalidToken

    bot = Bot(TOKEN, base_url=base_url)
    try:
        await bot.initialize()
    except InvalidToken as error:
        logging.getLogger("app.run").exception("PTB refused to start")
        stderr, sys.stderr = sys.stderr, io.StringIO()
        try:
            sys.excepthook(type(error), error, error.__traceback__)
            uncaught = sys.stderr.getvalue()
        finally:
            sys.stderr = stderr
        logging.getLogger("app.run").error("uncaught: %s", uncaught)
        assert "".join(traceback.format_exception(error)).count(TOKEN) >= 1  # it does quote it
    finally:
        await bot.shutdown()


async def test_token_written_with_spaces_and_newline_is_masked_in_a_real_process(
    tmp_path: Path,
) -> None:
    """An env file or a copy-paste leaves blanks around the token; the bot trims them and sends
    the bare token in every URL, which is what must be masked (at DEBUG, PTB logs its URLs)."""
    async with LocalBotApi(TOKEN) as api:
        write_config(
            tmp_path, f'[telegram]\nbase_url = "{api.base_url}"\n[logging]\nlevel = "DEBUG"\n'
        )
        log = tmp_path / "stderr.log"
        with log.open("w", encoding="utf-8") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run", "--config", "config.toml"],
                cwd=tmp_path,
                env={**os.environ, "PYTHONPATH": str(ROOT), "TELEGRAM_BOT_TOKEN": f" {TOKEN} \n"},
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
            try:
                await api.wait_for(lambda server: server.is_polling, timeout=30, what="polling")
            finally:
                process.send_signal(signal.SIGINT)
                await asyncio.to_thread(process.wait, 30)
    text = log.read_text(encoding="utf-8")
    assert "Bot ready" in text and f"/bot{MASK}" in text
    for form in secret_forms(TOKEN):
        assert form not in text, form
