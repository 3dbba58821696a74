"""Running the real bot against the local Bot API server, and talking to it as readers do.

The Application is the one ``build_application`` makes, polling over real HTTP; the harness only
adds a last handler group that marks each update as fully processed, so a test can wait for the
bot to finish answering instead of sleeping.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from telegram import Update
from telegram.ext import TypeHandler

from app.config import Config
from app.run import build_bot
from bot.application import start_in_process, stop_in_process
from bot.context import BotApplication, BotContext
from bot.services import Services
from bot.settings import TelegramSettings
from content.settings import ContentSettings
from digests.settings import DigestSettings
from fake_bot_api import DEFAULT_TOKEN, FakeChat, FakeUser, LocalBotApi, SentMessage
from fake_bot_api.models import JsonDict
from feeds.settings import FeedSettings
from storage.backends import open_stores
from storage.settings import DatabaseSettings
from storage.sqlite import SCHEMAS, stores_on
from storage.sqlite.database import SqliteDatabase
from storage.sqlite.schema import upgrade
from tests.support.factories import FakeClock

ADMIN = FakeUser(1001, "Awa", username="awa_admin")
READER = FakeUser(2002, "Moussa", username="moussa")
OTHER_READER = FakeUser(3003, "Fatou")
WAIT_SECONDS = 15.0
_LAST_GROUP = 10**6


def bot_config(api: LocalBotApi, database: Path | str, **digest: object) -> Config:
    """The configuration the end-to-end tests run with: the local server, one admin, and a
    SQLite file (a path) or a PostgreSQL database (its URL)."""
    return Config(
        telegram=TelegramSettings(
            base_url=api.base_url,
            base_file_url=api.base_file_url,
            admins=(ADMIN.id,),
            request_timeout_seconds=5.0,
        ),
        database=(
            DatabaseSettings(url=database)
            if isinstance(database, str)
            else DatabaseSettings(path=database)
        ),
        digest=replace(DigestSettings(), **digest),  # type: ignore[arg-type]
        content=ContentSettings(allow_private_hosts=True),
        # Feeds come from the tests' own local servers, never from the shipped outlets.
        feeds=FeedSettings(load_sources=False, allow_private_hosts=True),
    )


@dataclass
class Exchange:
    """What the bot did in a chat while handling one update."""

    messages: list[SentMessage]
    """Messages sent or edited in the chat, as they now stand, oldest first."""

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self.messages]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def last(self) -> SentMessage:
        assert self.messages, "the bot sent nothing"
        return self.messages[-1]


class BotHarness:
    def __init__(
        self,
        api: LocalBotApi,
        config: Config,
        clock: FakeClock,
        *,
        private_chat_interval: float = 0.0,
        rate_limited: bool = True,
    ) -> None:
        self.api = api
        self.config = config
        self.clock = clock
        self._interval = private_chat_interval
        self._rate_limited = rate_limited
        self._processed: defaultdict[tuple[object, ...], asyncio.Event] = defaultdict(asyncio.Event)
        self.application: BotApplication | None = None
        self.database: SqliteDatabase | None = None
        """The SQLite file's connections (None on PostgreSQL)."""
        self._close_stores: Callable[[], Awaitable[None]] | None = None

    @property
    def services(self) -> Services:
        assert self.application is not None
        return self.application.bot_data.services

    async def start(self) -> None:
        if self.config.database.backend == "postgresql":
            stores = await open_stores(self.config.database, self.clock)
            self._close_stores = stores.close
        else:
            # The harness opens the file itself, so fault tests can reach its writer connection.
            database = await SqliteDatabase.open(self.config.database.path)
            await upgrade(database, SCHEMAS, self.clock())
            self.database = database
            stores = stores_on(database)
            self._close_stores = database.close
        application = build_bot(
            self.config,
            DEFAULT_TOKEN,
            clock=self.clock,
            stores=stores,
            rate_limited=self._rate_limited,
            private_chat_interval=self._interval,
        )
        application.add_handler(TypeHandler(Update, self._mark_processed), group=_LAST_GROUP)
        await start_in_process(application)
        self.application = application

    async def stop(self) -> None:
        application = self.application
        if application is None:
            return
        self.application = None
        await stop_in_process(application)
        if self._close_stores is not None:
            await self._close_stores()
            self._close_stores = None
            self.database = None

    async def _mark_processed(self, update: Update, context: BotContext) -> None:
        for key in _keys(update):
            self._processed[key].set()

    async def _wait(self, key: tuple[object, ...]) -> None:
        try:
            await asyncio.wait_for(self._processed[key].wait(), WAIT_SECONDS)
        except TimeoutError:
            raise AssertionError(
                f"the bot did not finish handling {key}\n{self.api.describe()}"
            ) from None

    def _snapshot(self, chat_id: int) -> dict[int, SentMessage]:
        return {m.message_id: m for m in self.api.sent_messages(chat_id)}

    def _changes(self, chat_id: int, before: dict[int, SentMessage]) -> Exchange:
        after = self.api.sent_messages(chat_id)
        return Exchange([m for m in after if before.get(m.message_id) != m])

    async def send(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to: int | None = None,
        forward_origin: JsonDict | None = None,
    ) -> Exchange:
        """Type ``text`` as ``user`` (or forward it, with ``forward_origin``) and return what
        the bot answered."""
        chat_id = chat.id if chat else user.id
        before = self._snapshot(chat_id)
        message_id = self.api.push_message(
            user, text, chat=chat, reply_to_message_id=reply_to, forward_origin=forward_origin
        )
        await self._wait(("message", chat_id, message_id))
        return self._changes(chat_id, before)

    async def send_document(
        self,
        user: FakeUser,
        filename: str,
        content: bytes,
        *,
        caption: str | None = None,
        chat: FakeChat | None = None,
    ) -> Exchange:
        chat_id = chat.id if chat else user.id
        before = self._snapshot(chat_id)
        message_id = self.api.push_document(user, filename, content, caption=caption, chat=chat)
        await self._wait(("message", chat_id, message_id))
        return self._changes(chat_id, before)

    async def press(
        self, user: FakeUser, message: SentMessage, data: str, *, chat: FakeChat | None = None
    ) -> tuple[Exchange, str | None]:
        """Press a button (any payload: tests forge some); return the chat's changes and the
        text of the callback answer."""
        chat_id = chat.id if chat else user.id
        before = self._snapshot(chat_id)
        query_id = self.api.push_callback(user, message.message_id, data, chat=chat)
        await self._wait(("callback", query_id))
        answer = self.api.callback_answer(query_id)
        assert answer is not None, f"the bot never answered the button {data!r}"
        return self._changes(chat_id, before), answer.text

    async def press_label(
        self, user: FakeUser, message: SentMessage, label: str, *, chat: FakeChat | None = None
    ) -> tuple[Exchange, str | None]:
        """Press the button whose label contains ``label``."""
        for text, data in message.buttons():
            if label in text and data is not None:
                return await self.press(user, message, data, chat=chat)
        raise AssertionError(f"no button {label!r} in {message.buttons()}")

    async def member_update(
        self, user: FakeUser, status: str, *, chat: FakeChat | None = None
    ) -> None:
        update_id = self.api.push_my_chat_member(user, status, chat=chat)  # type: ignore[arg-type]
        await self._wait(("update", update_id))


def _keys(update: Update) -> list[tuple[object, ...]]:
    keys: list[tuple[object, ...]] = [("update", update.update_id)]
    if update.message is not None:
        keys.append(("message", update.message.chat.id, update.message.message_id))
    if update.callback_query is not None:
        keys.append(("callback", update.callback_query.id))
    return keys
