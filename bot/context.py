"""The typed context handlers receive: ``context.services`` instead of string keys.

Follows python-telegram-bot's contexttypesbot example: a CallbackContext subclass whose
``bot_data`` holds the services. The bot does not build them: the wiring (``app.services``) hands
the Application a factory, which start-up opens and shutdown closes.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services, ServicesFactory
from digests.delivery import Sender


class BotData:
    """Application-wide state: only the services, opened by the start-up function."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._resources = AsyncExitStack()

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not open yet: start-up did not run")
        return self._services

    async def open(self, factory: ServicesFactory, sender: Sender) -> Services:
        self._services = await self._resources.enter_async_context(factory(sender))
        return self._services

    async def close(self) -> None:
        self._services = None
        await self._resources.aclose()


ChatData = dict[Any, Any]
UserData = dict[Any, Any]


class BotContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services


BotApplication = Application[ExtBot[None], BotContext, UserData, ChatData, BotData, Any]
