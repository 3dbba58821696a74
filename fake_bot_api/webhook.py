"""Webhook delivery: while a webhook is set, pending updates are POSTed to it in order, one at a
time, and each is forgotten only once the receiver answered 2xx (Telegram retries otherwise)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import aiohttp

from fake_bot_api.models import JsonDict
from fake_bot_api.state import BotState, WebhookConfig, unix_now

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_IDLE_CHECK_SECONDS = 1.0


class WebhookPump:
    def __init__(
        self, state: BotState, on_attempt: Callable[[], None], *, retry_seconds: float = 0.2
    ) -> None:
        self._state = state
        self._on_attempt = on_attempt
        self._retry_seconds = retry_seconds
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="local-bot-api-webhook")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                webhook, update = self._state.webhook, self._state.updates.first()
                if webhook is None or update is None:
                    await self._state.updates.wait(_IDLE_CHECK_SECONDS)
                    continue
                if await self._deliver(session, webhook, update):
                    self._state.updates.drop_first(update["update_id"])
                    self.delivered += 1
                else:
                    await asyncio.sleep(self._retry_seconds)
                self._on_attempt()

    async def _deliver(
        self, session: aiohttp.ClientSession, webhook: WebhookConfig, update: JsonDict
    ) -> bool:
        headers = {SECRET_HEADER: webhook.secret_token} if webhook.secret_token else {}
        try:
            async with session.post(webhook.url, json=update, headers=headers) as response:
                if 200 <= response.status < 300:
                    return True
                message = f"Wrong response from the webhook: {response.status} {response.reason}"
        except TimeoutError:
            message = "Read timeout expired"
        except aiohttp.ClientError as error:
            message = (
                "Connection refused"
                if isinstance(error, aiohttp.ClientConnectorError)
                else str(error)
            )
        logger.info("Webhook delivery of update %s failed: %s", update["update_id"], message)
        self._state.webhook_error = (unix_now(), message)
        return False
