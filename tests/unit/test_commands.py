"""The bot's commands are listed once, by the handler modules: the menu and the help only
describe them, in French, and a topic cannot take one of their names."""

from __future__ import annotations

import re

from telegram.ext import CallbackQueryHandler, CommandHandler

from bot import callbacks, handlers
from content.topics import TopicCatalog
from ui import french

HELP_LINES = (*french.HELP_READ_LINES, *french.HELP_DIGEST_LINES, *french.HELP_ADMIN_LINES)


def test_every_command_has_one_handler() -> None:
    names = [command.name for command in handlers.COMMANDS]
    assert len(names) == len(set(names))
    registered = {
        name
        for handler in handlers.handlers()
        if isinstance(handler, CommandHandler)
        for name in handler.commands
    }
    assert registered == set(names)
    assert set(names) <= handlers.COMMAND_NAMES


def test_the_menu_and_the_help_name_registered_commands_only() -> None:
    names = {command.name for command in handlers.COMMANDS}
    assert {name for name, _description in french.MENU} <= names
    mentioned = {re.match(r"/(\w+)", line).group(1) for line in HELP_LINES}  # type: ignore[union-attr]
    assert mentioned <= names
    # Every command a reader can use is in the help, apart from /start and /help's English alias.
    assert names - mentioned == {"start", "aide", "help"}


def test_no_topic_takes_a_command_of_the_bot(catalog: TopicCatalog) -> None:
    assert not {topic.command for topic in catalog} & handlers.COMMAND_NAMES


def test_every_button_family_has_a_pattern_handler_and_stale_ones_a_fallback() -> None:
    routed = [h for h in handlers.handlers() if isinstance(h, CallbackQueryHandler)]
    patterns = {handler.pattern for handler in routed if handler.pattern is not None}
    assert patterns == {family.PATTERN for family in callbacks.FAMILIES}
    assert routed[-1].pattern is None  # the last one answers buttons no family recognised
