"""Checks made before the bot starts, so that what is wrong is said in one line.

Left to python-telegram-bot, a refused token, an unreachable Bot API or a taken webhook port
surface in the middle of start-up as logged tracebacks (the refused token quoted in the last one)
and an exit status of 1. Asked first, the same problems stop the start with one line that names the
setting to look at and never shows the token.
"""

from __future__ import annotations

import re
import socket

import httpx

from bot.errors import StartFailure
from bot.settings import TelegramSettings

TOKEN_SHAPE = re.compile(r"[0-9]+:[A-Za-z0-9_-]+")
"""What @BotFather gives: the bot's numeric id, a colon, then letters, digits, - and _."""


def check_token_shape(token: str, env: str) -> None:
    """Refuse a value that cannot be a token (a space, a newline, a pasted quote) without
    showing it: a mistyped token is still most of a secret."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise StartFailure(
            f"the environment variable {env} does not hold a bot token: @BotFather's tokens "
            "are digits, a colon, then letters, digits, - and _ (the value is not shown here)"
        )


async def check_bot_api(settings: TelegramSettings, token: str) -> None:
    """Ask the Bot API who the bot is (getMe): it answers only to a token it knows.

    Asked with httpx directly rather than through python-telegram-bot, which logs an
    unparsable answer at ERROR with its traceback before raising: here the answer is judged
    once, in one line (a web page at ``base_url`` is told from a refused token, which the Bot
    API answers in JSON).
    """
    where = f"the Bot API at {settings.base_url}"
    try:
        async with httpx.AsyncClient(timeout=settings.request_timeout_seconds) as client:
            response = await client.post(f"{settings.base_url}{token}/getMe")
    except httpx.HTTPError as error:
        raise StartFailure(f"cannot reach {where}: {type(error).__name__} {error}") from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or "ok" not in answer:
        kind = response.headers.get("content-type", "no content type")
        raise StartFailure(
            f"{where} does not answer like a Bot API (HTTP {response.status_code}, {kind}): "
            "check telegram.base_url"
        )
    if answer.get("error_code") in (401, 404):
        raise StartFailure(
            f"{where} rejected the token in {settings.token_env}: check it with @BotFather"
        )
    if answer["ok"] is not True:
        raise StartFailure(f"{where} refused getMe: {answer.get('description')!r}")


def check_webhook_port(settings: TelegramSettings) -> None:
    """Bind the webhook's address for an instant, as the webhook server will."""
    host, port = settings.webhook_listen, settings.webhook_port
    try:
        family, kind, protocol, _name, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as error:
        raise StartFailure(
            f"cannot listen for webhook updates on {host}:{port}: {error.strerror} "
            "(telegram.webhook_listen, telegram.webhook_port)"
        ) from None
