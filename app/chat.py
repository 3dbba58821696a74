"""``python -m bot chat``: try the bot in a terminal, without Telegram.

The same Application and handlers run against a local Bot API server started in this process
(real HTTP on 127.0.0.1). You type as a reader (or as an admin with ``--admin``); the bot's
replies print as they arrive, buttons numbered so that typing their number presses them. The
digest scheduler runs too: set /heure to the next minute to see one.

It never changes what real readers receive: it works on its own file beside the configured one
(``sahel-digest-chat.db``), and a ``--database`` that real readers depend on is only read, its
articles copied to a scratch file for the session.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from app.config import Config
from app.run import build_bot
from app.terminal import html_to_terminal
from bot.application import start_in_process, stop_in_process
from fake_bot_api import DEFAULT_TOKEN, FakeUser, LocalBotApi, SentMessage
from storage.sqlite.snapshot import copy_articles, has_readers
from ui import french

READER_ID = 100_001
QUIT_WORDS = frozenset({"/quitter", "/quit", ":q", "exit"})
DOCUMENT_PREFIX = ":fichier "
REPLY_WAIT_SECONDS = 10.0
QUIET_SECONDS = 0.3


class ChatSession:
    """One person talking to the bot through the local server."""

    def __init__(self, api: LocalBotApi, user: FakeUser, *, color: bool) -> None:
        self.api = api
        self.user = user
        self.color = color
        self.buttons: list[tuple[str, str]] = []
        self._button_message: SentMessage | None = None
        self._arrived = asyncio.Event()
        api.on_sent(self._show)

    def _show(self, message: SentMessage) -> None:
        if message.chat_id != self.user.id:
            return
        text = html_to_terminal(message.raw_text, color=self.color)
        edited = french.CHAT_EDITED if message.edit_count else ""
        print(french.CHAT_BOT_SAID.format(edited=edited, text=text))
        buttons = [(label, data) for label, data in message.buttons() if data]
        if buttons:
            self.buttons, self._button_message = buttons, message
            for number, (label, _data) in enumerate(buttons, start=1):
                print(f"   [{number}] {label}")
        self._arrived.set()

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to leave."""
        text = line.strip()
        if not text:
            return True
        if text in QUIT_WORDS:
            return False
        self._arrived.clear()
        if text.isdigit() and self._button_message is not None:
            index = int(text) - 1
            if not 0 <= index < len(self.buttons):
                print(french.CHAT_NO_BUTTON.format(number=text))
                return True
            self.api.push_callback(
                self.user, self._button_message.message_id, self.buttons[index][1]
            )
        elif text.startswith(DOCUMENT_PREFIX):
            path = text.removeprefix(DOCUMENT_PREFIX).strip()
            try:
                name, content = await asyncio.to_thread(_read_document, path)
            except OSError as error:
                print(french.CHAT_UNREADABLE_FILE.format(reason=error.strerror))
                return True
            self.api.push_document(self.user, name, content, caption="/ajouter")
        else:
            self.api.push_message(self.user, text)
        await self._wait_for_replies()
        return True

    async def _wait_for_replies(self) -> None:
        """Give the bot time to answer, then a short quiet period for multi-part replies."""
        try:
            await asyncio.wait_for(self._arrived.wait(), REPLY_WAIT_SECONDS)
        except TimeoutError:
            return
        while True:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), QUIET_SECONDS)
            except TimeoutError:
                return


def _read_document(path_text: str) -> tuple[str, bytes]:
    path = Path(path_text).expanduser()
    return path.name, path.read_bytes()


async def _read_message(prompt: str) -> str | None:
    """One message: a line, or several when each but the last ends with a backslash (to paste
    an article for /ajouter). None at the end of input."""
    lines: list[str] = []
    while True:
        try:
            line = await asyncio.to_thread(input, prompt if not lines else "... ")
        except EOFError:
            return "\n".join(lines) if lines else None
        if not line.endswith("\\"):
            return "\n".join([*lines, line])
        lines.append(line[:-1].rstrip())


@dataclass(frozen=True, slots=True)
class ChatDatabase:
    path: Path
    """The file the session opens (and may write)."""
    banner: str
    """Says which file that is, in the session's first lines."""


def own_database(configured: Path) -> Path:
    """The chat mode's own file, beside the configured one: ``sahel-digest-chat.db``."""
    return configured.with_name(f"{configured.stem}-chat{configured.suffix or '.db'}")


def chat_database(configured: Path, requested: Path | None, scratch: Path) -> ChatDatabase:
    """Where the session works: its own file, ``requested`` when only the chat mode uses it,
    or a copy of the articles of ``requested`` (into ``scratch``) when it is the configured
    database or has readers of its own."""
    if requested is None:
        path = own_database(configured)
        return ChatDatabase(path, french.CHAT_OWN_DATABASE.format(path=path))
    if requested.resolve() == configured.resolve() or has_readers(requested, {READER_ID}):
        copy_articles(requested, scratch)
        return ChatDatabase(scratch, french.CHAT_COPIED_DATABASE.format(path=requested))
    return ChatDatabase(requested, french.CHAT_OWN_DATABASE.format(path=requested))


async def chat(config: Config, *, admin: bool, database: Path | None, color: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="sahel-chat-") as scratch:
        where = await asyncio.to_thread(
            chat_database, config.database.path, database, Path(scratch) / "articles.db"
        )
        await _chat_on(config.with_database(where.path), where.banner, admin=admin, color=color)


async def _chat_on(config: Config, banner: str, *, admin: bool, color: bool) -> None:
    user = FakeUser(READER_ID, "Vous", username="vous")
    async with LocalBotApi() as api:
        telegram = replace(
            config.telegram,
            base_url=api.base_url,
            base_file_url=api.base_file_url,
            admins=(*config.telegram.admins, user.id) if admin else config.telegram.admins,
        )
        local = replace(config, telegram=telegram)
        application = build_bot(local, DEFAULT_TOKEN, private_chat_interval=0.0)
        session = ChatSession(api, user, color=color)
        await start_in_process(application)
        try:
            help_text = french.CHAT_HELP.format(document_prefix=DOCUMENT_PREFIX)
            print(help_text + (french.CHAT_ADMIN if admin else ""))
            print(banner)
            while (line := await _read_message("\nvous> ")) is not None:
                if not await session.handle(line):
                    break
        finally:
            await stop_in_process(application)


def run_chat(config: Config, *, admin: bool, database: Path | None) -> None:
    asyncio.run(chat(config, admin=admin, database=database, color=sys.stdout.isatty()))
