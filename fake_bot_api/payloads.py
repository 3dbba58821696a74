"""Bot API JSON built the way Telegram builds it: messages typed by users, callback queries,
membership changes. Pure functions; the caller supplies ids and dates."""

from __future__ import annotations

import re
from typing import Any

from fake_bot_api.html_entities import utf16_length
from fake_bot_api.models import FakeChat, FakeUser, JsonDict

# Telegram marks commands, @mentions and links anywhere in a user's text.
_AUTO_ENTITIES = (
    ("bot_command", re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")),
    ("mention", re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?![\w@])")),
    ("url", re.compile(r"\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]]")),
)
_ADMIN_RIGHTS = {
    "can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
    "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
    "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
    "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False,
    "can_pin_messages": True,
}  # fmt: skip


def detect_entities(text: str) -> list[JsonDict]:
    """bot_command / mention / url entities of a user's text, UTF-16 offsets, in text order."""
    found: list[JsonDict] = []
    for kind, pattern in _AUTO_ENTITIES:
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_length(text[: match.start()]),
                    "length": utf16_length(match.group()),
                }
            )
    return sorted(found, key=lambda entity: entity["offset"])


def bot_user_json(bot_id: int, first_name: str, username: str, *, full: bool = False) -> JsonDict:
    """The bot as ``from`` of its messages; ``full`` adds the getMe-only capability fields."""
    data: JsonDict = {"id": bot_id, "is_bot": True, "first_name": first_name, "username": username}
    if full:
        data.update(
            can_join_groups=True,
            can_read_all_group_messages=False,
            supports_inline_queries=False,
            can_connect_to_business=False,
            has_main_web_app=False,
        )
    return data


def user_message(
    *,
    message_id: int,
    sender: FakeUser,
    chat: FakeChat,
    date: int,
    text: str | None = None,
    reply_to: JsonDict | None = None,
    document: JsonDict | None = None,
    caption: str | None = None,
    forward_origin: JsonDict | None = None,
) -> JsonDict:
    """A Message a user sent: text (with detected entities) or a document with its caption;
    ``forward_origin`` (see ``channel_origin``) makes it a forwarded message."""
    message: JsonDict = {
        "message_id": message_id,
        "from": sender.to_json(),
        "chat": chat.to_json(),
        "date": date,
    }
    if text is not None:
        message["text"] = text
        _attach_entities(message, "entities", text)
    if document is not None:
        message["document"] = document
    if caption is not None:
        message["caption"] = caption
        _attach_entities(message, "caption_entities", caption)
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    if forward_origin is not None:
        message["forward_origin"] = forward_origin
    return message


def channel_origin(channel: FakeChat, message_id: int, date: int) -> JsonDict:
    """A MessageOriginChannel: where a message forwarded from a channel post comes from."""
    return {"type": "channel", "chat": channel.to_json(), "message_id": message_id, "date": date}


def user_origin(sender: FakeUser, date: int) -> JsonDict:
    """A MessageOriginUser: a message forwarded from a person's chat."""
    return {"type": "user", "sender_user": sender.to_json(), "date": date}


def callback_query(
    query_id: str, sender: FakeUser, message: JsonDict, data: str, chat_instance: str
) -> JsonDict:
    return {
        "id": query_id,
        "from": sender.to_json(),
        "message": message,
        "chat_instance": chat_instance,
        "data": data,
    }


def chat_member(user: JsonDict, status: str) -> JsonDict:
    """A ChatMember object for ``status`` (member, administrator, creator, kicked, left)."""
    member: dict[str, Any] = {"user": user, "status": status}
    if status == "administrator":
        member.update(_ADMIN_RIGHTS)
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    return member


def member_update(
    chat: FakeChat, sender: FakeUser, bot_user: JsonDict, old: str, new: str, date: int
) -> JsonDict:
    """A ChatMemberUpdated about the bot itself (the my_chat_member update)."""
    return {
        "chat": chat.to_json(),
        "from": sender.to_json(),
        "date": date,
        "old_chat_member": chat_member(bot_user, old),
        "new_chat_member": chat_member(bot_user, new),
    }


def document_json(
    file_id: str, unique_id: str, name: str | None, mime: str | None, size: int
) -> JsonDict:
    data: JsonDict = {"file_id": file_id, "file_unique_id": unique_id, "file_size": size}
    if name is not None:
        data["file_name"] = name
    if mime is not None:
        data["mime_type"] = mime
    return data


def _attach_entities(message: JsonDict, key: str, text: str) -> None:
    entities = detect_entities(text)
    if entities:
        message[key] = entities


def bot_message(
    *,
    message_id: int,
    bot_user: JsonDict,
    chat: FakeChat,
    date: int,
    body: JsonDict,
    reply_markup: JsonDict | None,
    reply_to: JsonDict | None = None,
    edit_date: int | None = None,
) -> JsonDict:
    """A Message the bot sent; ``body`` holds text/entities or document/caption fields."""
    message: JsonDict = {
        "message_id": message_id,
        "from": bot_user,
        "chat": chat.to_json(),
        "date": date,
        **body,
    }
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    if edit_date is not None:
        message["edit_date"] = edit_date
    if reply_markup is not None:
        message["reply_markup"] = reply_markup
    return message
