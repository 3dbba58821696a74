"""Every handler of the bot, in the order python-telegram-bot tries them.

Each handler module exports its commands (``COMMANDS``) and its button families (``BUTTONS``,
one ``CallbackQueryHandler(pattern=…)`` per family); this is the one place that registers them.
To add a command, write its handler in the module of its kind and list it in that module's
``COMMANDS``: the command menu's entry and the help line are French text in ``ui.french``.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotApplication, BotContext
from bot.handlers import (
    admin,
    errors,
    membership,
    reading,
    settings,
    sources,
    subscriptions,
    updates,
)
from bot.handlers.common import Command, refuse_stale_button

COMMANDS: tuple[Command, ...] = (
    *reading.COMMANDS,
    *subscriptions.COMMANDS,
    *settings.COMMANDS,
    *admin.COMMANDS,
    *sources.COMMANDS,
)
RESERVED_WORDS = frozenset({"settings", "annuler"})
"""Names a topic command must not take although no handler answers them yet: /settings is
Telegram's conventional command, /annuler a reader's reflex."""
COMMAND_NAMES: frozenset[str] = frozenset(command.name for command in COMMANDS) | RESERVED_WORDS
"""The bot's own command names: a topic command (``content/topics.toml``) may not shadow one."""


def handlers() -> list[BaseHandler[Update, BotContext, Any]]:
    """Order matters within a kind of update: the first handler that matches takes it."""
    return [
        *(CommandHandler(command.name, command.callback) for command in COMMANDS),
        # Topic commands come from topics.toml, known only once services are open: one handler
        # checks any other command against the catalog at run time.
        MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, reading.topic_or_unknown),
        admin.DOCUMENTS,
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
            reading.plain_text,
        ),
        *reading.BUTTONS,
        *subscriptions.BUTTONS,
        *admin.BUTTONS,
        CallbackQueryHandler(refuse_stale_button),  # a button no family's pattern matched
        ChatMemberHandler(membership.my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER),
    ]


def register(application: BotApplication) -> None:
    application.add_handler(updates.FIRST_SIGHT, group=updates.GROUP)
    application.add_handlers(handlers())
    application.add_error_handler(errors.error_handler)
