"""Everything the fake Telegram remembers: chats, users, messages, files, commands, callbacks.

Lookups are by key (dicts), never list scans, so a 5,000-message fan-out stays linear.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

from fake_bot_api import errors, payloads
from fake_bot_api.errors import ApiError
from fake_bot_api.models import (
    CallbackAnswer,
    FakeChat,
    FakeUser,
    JsonDict,
    MemberStatus,
    SentMessage,
)
from fake_bot_api.update_queue import UpdateQueue
from fake_bot_api.validation import RenderCache

MessageKey = tuple[int, int]


@dataclass(frozen=True, slots=True)
class StoredFile:
    file_id: str
    unique_id: str
    path: str
    name: str | None
    mime_type: str | None
    content: bytes


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    url: str
    secret_token: str | None
    max_connections: int


class BotState:
    """The server-side world; method handlers read and change it."""

    def __init__(self, token: str, bot_username: str, bot_name: str, *, strict_html: bool) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_name = bot_name
        self.strict_html = strict_html
        self.updates = UpdateQueue()
        self.texts = RenderCache()
        self.sent_listeners: list[Callable[[SentMessage], None]] = []
        self.reset()

    def reset(self) -> None:
        """Forgets every chat, message, file and update (settings and listeners stay)."""
        self.updates.clear()
        self.webhook: WebhookConfig | None = None
        self.webhook_error: tuple[int, str] | None = None
        self.users: dict[int, FakeUser] = {}
        self.chats: dict[int, FakeChat] = {}
        self.usernames: dict[str, int] = {}
        self.messages: dict[MessageKey, JsonDict] = {}
        self.sent: dict[MessageKey, SentMessage] = {}
        self.sent_order: list[MessageKey] = []
        self.sent_by_chat: dict[int, list[int]] = {}
        self.delivered: Counter[int] = Counter()
        self.files: dict[str, StoredFile] = {}
        self.file_ids_by_path: dict[str, str] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.pending_callbacks: set[str] = set()
        self.callback_answers: dict[str, CallbackAnswer] = {}
        self.admins: dict[int, list[int]] = {}
        self.membership: dict[int, MemberStatus] = {}
        self._last_message_id: dict[int, int] = {}
        self._serial = itertools.count(1)

    # --- identities -------------------------------------------------------------------------

    def bot_json(self, *, full: bool = False) -> JsonDict:
        return payloads.bot_user_json(self.bot_id, self.bot_name, self.bot_username, full=full)

    def serial(self) -> int:
        """A process-unique number for query ids, file ids and group ids."""
        return next(self._serial)

    def register_user(self, user: FakeUser) -> None:
        self.users[user.id] = user
        self.register_chat(FakeChat.private(user))

    def register_chat(self, chat: FakeChat) -> None:
        self.chats[chat.id] = chat
        if chat.username:
            self.usernames[chat.username.lower()] = chat.id

    def chat(self, chat_id: int) -> FakeChat:
        """The chat as registered, or as Telegram would describe an id it was given."""
        known = self.chats.get(chat_id)
        if known is not None:
            return known
        if chat_id > 0:
            return FakeChat(chat_id, "private", first_name=f"User {chat_id}")
        if chat_id <= -1_000_000_000_000:
            return FakeChat(chat_id, "supergroup", title=f"Supergroup {chat_id}")
        return FakeChat(chat_id, "group", title=f"Group {chat_id}")

    def user_json(self, user_id: int) -> JsonDict:
        if user_id == self.bot_id:
            return self.bot_json()
        user = self.users.get(user_id)
        return user.to_json() if user else {"id": user_id, "is_bot": False, "first_name": "?"}

    def is_known(self, chat_id: int | str) -> bool:
        if isinstance(chat_id, str):
            return chat_id.lstrip("@").lower() in self.usernames
        return chat_id in self.chats

    def resolve_chat(self, chat_id: int | str) -> int:
        """An integer chat id, resolving '@username'; unknown usernames are "chat not found"."""
        if isinstance(chat_id, int):
            return chat_id
        try:
            return int(chat_id)
        except ValueError:
            resolved = self.usernames.get(chat_id.lstrip("@").lower())
        if resolved is None:
            raise ApiError(400, errors.CHAT_NOT_FOUND)
        return resolved

    def membership_error(self, chat_id: int) -> ApiError | None:
        """403 when the bot was blocked by the user, or kicked from / left the group."""
        status = self.membership.get(chat_id)
        if status not in ("kicked", "left"):
            return None
        chat = self.chat(chat_id)
        if chat.type == "private":
            return ApiError(403, errors.BOT_BLOCKED)
        kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
        if status == "kicked":
            return ApiError(403, f"Forbidden: bot was kicked from the {kind}")
        return ApiError(403, f"Forbidden: bot is not a member of the {kind}")

    # --- messages ---------------------------------------------------------------------------

    def next_message_id(self, chat_id: int) -> int:
        """Message ids grow per chat, shared by the user's and the bot's messages."""
        message_id = self._last_message_id.get(chat_id, 0) + 1
        self._last_message_id[chat_id] = message_id
        return message_id

    def store_user_message(self, chat_id: int, message: JsonDict) -> None:
        self.messages[(chat_id, message["message_id"])] = message

    def store_sent(self, sent: SentMessage, message: JsonDict) -> None:
        key = (sent.chat_id, sent.message_id)
        self.messages[key] = message
        self.sent[key] = sent
        self.sent_order.append(key)
        self.sent_by_chat.setdefault(sent.chat_id, []).append(sent.message_id)
        self.delivered[sent.chat_id] += 1
        self._announce(sent)

    def replace_sent(self, sent: SentMessage, message: JsonDict | None) -> None:
        """An edit or a deletion: the newest version replaces the old one in place."""
        key = (sent.chat_id, sent.message_id)
        self.sent[key] = sent
        if message is not None:
            self.messages[key] = message
        self._announce(sent)

    def delete_message(self, chat_id: int, message_id: int) -> bool:
        key = (chat_id, message_id)
        if key not in self.messages:
            return False
        del self.messages[key]
        sent = self.sent.get(key)
        if sent is not None:
            self.replace_sent(replace(sent, deleted=True), None)
        return True

    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        if chat_id is None:
            return [self.sent[key] for key in self.sent_order]
        return [self.sent[(chat_id, mid)] for mid in self.sent_by_chat.get(chat_id, [])]

    # --- files ------------------------------------------------------------------------------

    def add_file(
        self, content: bytes, name: str | None, mime_type: str | None, folder: str
    ) -> StoredFile:
        number = self.serial()
        suffix = name.rsplit(".", 1)[-1] if name and "." in name else "bin"
        stored = StoredFile(
            file_id=f"BQAC-local-{number:06d}",
            unique_id=f"AgAD{number:06d}",
            path=f"{folder}/file_{number}.{suffix}",
            name=name,
            mime_type=mime_type,
            content=content,
        )
        self.files[stored.file_id] = stored
        self.file_ids_by_path[stored.path] = stored.file_id
        return stored

    def file_by_path(self, path: str) -> StoredFile | None:
        file_id = self.file_ids_by_path.get(path)
        return self.files.get(file_id) if file_id else None

    def _announce(self, sent: SentMessage) -> None:
        for listener in self.sent_listeners:
            listener(sent)


def unix_now() -> int:
    return int(time.time())
