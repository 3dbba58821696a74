"""Records the local Bot API server hands to tests: fake users and chats, what the bot sent, what
it asked. All frozen: an edit replaces a :class:`SentMessage` by a new one carrying the history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JsonDict = dict[str, Any]
ChatType = Literal["private", "group", "supergroup", "channel"]
FaultKind = Literal["500", "502", "timeout_before", "timeout_after"]
MemberStatus = Literal["member", "kicked", "left", "administrator"]


@dataclass(frozen=True, slots=True)
class FakeUser:
    """A Telegram user played by a test or by the chat REPL."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = "fr"
    last_name: str | None = None

    def to_json(self) -> JsonDict:
        data: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data


@dataclass(frozen=True, slots=True)
class FakeChat:
    """A chat as Telegram describes it; groups have negative ids, supergroups -100…"""

    id: int
    type: ChatType
    title: str | None = None
    first_name: str | None = None
    username: str | None = None

    @classmethod
    def private(cls, user: FakeUser) -> FakeChat:
        return cls(user.id, "private", first_name=user.first_name, username=user.username)

    @classmethod
    def group(cls, chat_id: int, title: str = "Groupe de test") -> FakeChat:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        return cls(chat_id, "group", title=title)

    @classmethod
    def supergroup(cls, chat_id: int, title: str = "Supergroupe de test") -> FakeChat:
        if chat_id > -1_000_000_000_000:
            raise ValueError("supergroup chat ids look like -100xxxxxxxxxx")
        return cls(chat_id, "supergroup", title=title)

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")

    def to_json(self) -> JsonDict:
        data: JsonDict = {"id": self.id, "type": self.type}
        if self.title is not None:
            data["title"] = self.title
        if self.first_name is not None:
            data["first_name"] = self.first_name
        if self.username is not None:
            data["username"] = self.username
        return data


@dataclass(frozen=True, slots=True)
class SentDocument:
    """A file the bot uploaded (its bytes are kept) or re-sent by file_id (content is None)."""

    file_id: str
    file_name: str | None
    mime_type: str | None
    content: bytes | None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message as the bot last left it: ``text`` is what the user sees (entities parsed out),
    ``raw_text`` what the bot sent; ``history`` holds earlier versions, oldest first."""

    chat_id: int
    message_id: int
    text: str
    raw_text: str
    parse_mode: str | None
    entities: tuple[JsonDict, ...]
    reply_markup: JsonDict | None
    link_preview_options: JsonDict | None
    sent_at: float
    document: SentDocument | None = None
    history: tuple[SentMessage, ...] = ()
    deleted: bool = False

    @property
    def edit_count(self) -> int:
        return len(self.history)

    def buttons(self) -> list[tuple[str, str | None]]:
        """(label, callback_data or url) of every inline button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            (button.get("text", ""), button.get("callback_data", button.get("url")))
            for row in rows
            for button in row
        ]


@dataclass(frozen=True, slots=True)
class CallbackAnswer:
    """What the bot answered to a callback query."""

    query_id: str
    text: str | None
    show_alert: bool
    url: str | None


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the server saw it. ``status`` is the HTTP status it answered (or would have,
    when the client had gone: ``client_gone``); ``fault`` names an injected failure."""

    method: str
    params: JsonDict
    received_at: float
    status: int
    description: str | None = None
    fault: FaultKind | None = None
    client_gone: bool = False
    finished_at: float = field(default=0.0, compare=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and not self.client_gone
