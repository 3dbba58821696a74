"""An update Telegram delivers twice is handled once, whichever replica receives it.

Telegram retries a webhook delivery it did not see acknowledged; behind a load balancer the
retry may reach another replica. Here real bots run PTB's webhook server on 127.0.0.1 and the
same update is posted to them twice over HTTP: on one SQLite file, to the same process; on one
PostgreSQL database, to two replicas at once.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from app.run import build_bot
from bot.application import ALLOWED_UPDATES, stop_bot
from bot.context import BotApplication
from fake_bot_api import DEFAULT_TOKEN, LocalBotApi
from tests.support.harness import READER, bot_config
from tests.support.postgres import PostgresServer

Post = Callable[[dict[str, object]], Awaitable[int]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def command(update_id: int, text: str) -> dict[str, object]:
    """A reader's command, as Telegram posts it to a webhook."""
    person = {"id": READER.id, "is_bot": False, "first_name": READER.first_name}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": READER.id, "type": "private", "first_name": READER.first_name},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


@asynccontextmanager
async def webhook_replica(api: LocalBotApi, database: Path | str) -> AsyncIterator[Post]:
    """A real bot serving a webhook on a free port; yields a function posting an update to it."""
    port = free_port()
    application: BotApplication = build_bot(bot_config(api, database), DEFAULT_TOKEN)
    await application.initialize()
    assert application.post_init is not None and application.updater is not None
    await application.post_init(application)
    await application.updater.start_webhook(
        listen="127.0.0.1",
        port=port,
        url_path="telegram",
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        allowed_updates=ALLOWED_UPDATES,
    )
    await application.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def post(update: dict[str, object]) -> int:
                return (await client.post("/telegram", json=update)).status_code

            yield post
    finally:
        await application.updater.stop()
        await application.stop()
        await stop_bot(application)
        await application.shutdown()


def answers(api: LocalBotApi) -> int:
    return sum("/abonner" in message.text for message in api.sent_messages(READER.id))


async def settle(api: LocalBotApi, expected: int) -> None:
    await api.wait_for(lambda server: answers(server) >= expected, what=f"{expected} answers")
    # A second answer would have left by now: the bot spaces messages to one private chat by
    # a second.
    await asyncio.sleep(1.5)


async def test_a_redelivered_update_is_answered_once(api: LocalBotApi, tmp_path: Path) -> None:
    async with webhook_replica(api, tmp_path / "bot.db") as post:
        assert await post(command(5001, "/aide")) == 200
        assert await post(command(5001, "/aide")) == 200  # Telegram's retry
        await settle(api, 1)
        assert answers(api) == 1
        assert await post(command(5002, "/aide")) == 200  # a new update is answered
        await settle(api, 2)
        assert answers(api) == 2


async def test_two_replicas_receiving_one_update_answer_it_once(
    api: LocalBotApi, postgres_server: PostgresServer
) -> None:
    url = await postgres_server.new_database()
    async with webhook_replica(api, url) as first, webhook_replica(api, url) as second:
        updates = [command(6000 + n, "/aide") for n in range(4)]
        # Each update reaches both replicas at the same instant, as a retry racing the first
        # delivery would.
        codes = await asyncio.gather(*(post(u) for u in updates for post in (first, second)))
        assert set(codes) == {200}
        await settle(api, len(updates))
        assert answers(api) == len(updates)
