"""How the bot says it cannot start, without importing python-telegram-bot: the command line
catches this before it has loaded the bot's modules."""

from __future__ import annotations


class StartFailure(Exception):
    """The bot cannot start: the token is malformed or refused, the Bot API is out of reach or
    is no Bot API, the webhook's port is taken. The message is one line for the operator and
    never contains the token."""
