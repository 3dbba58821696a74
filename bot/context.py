"""The typed context handlers receive: ``context.services`` instead of string keys.

Follows python-telegram-bot's contexttypesbot example: a CallbackContext subclass whose
``bot_data`` is a small class holding the services opened at start-up.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services


class BotData:
    """Application-wide state: only the services, attached by the start-up function."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("services are not open yet: start-up did not run")
        return self._services

    def attach(self, services: Services) -> None:
        self._services = services

    def detach(self) -> Services | None:
        services, self._services = self._services, None
        return services


ChatData = dict[Any, Any]
UserData = dict[Any, Any]


class BotContext(CallbackContext[ExtBot[None], UserData, ChatData, BotData]):
    @property
    def services(self) -> Services:
        return self.bot_data.services


BotApplication = Application[ExtBot[None], BotContext, UserData, ChatData, BotData, Any]
