"""Playing the users: updates queued exactly as Telegram would send them to the bot."""

from __future__ import annotations

from fake_bot_api import payloads
from fake_bot_api.models import FakeChat, FakeUser, JsonDict, MemberStatus
from fake_bot_api.state import BotState, unix_now


def push_message(
    state: BotState,
    user: FakeUser,
    text: str,
    *,
    chat: FakeChat | None = None,
    reply_to_message_id: int | None = None,
    forward_origin: JsonDict | None = None,
) -> int:
    """Queues a text message (commands and links get their entities); returns its message_id.
    ``forward_origin`` (``payloads.channel_origin``…) makes it a forwarded message."""
    chat = _enter(state, user, chat)
    message = payloads.user_message(
        message_id=state.next_message_id(chat.id),
        sender=user,
        chat=chat,
        date=unix_now(),
        text=text,
        reply_to=_replied(state, chat.id, reply_to_message_id),
        forward_origin=forward_origin,
    )
    state.store_user_message(chat.id, message)
    state.updates.push("message", message)
    return int(message["message_id"])


def push_document(
    state: BotState,
    user: FakeUser,
    filename: str,
    content: bytes,
    *,
    caption: str | None = None,
    mime_type: str | None = "text/plain",
    chat: FakeChat | None = None,
) -> int:
    """Queues a document message; its file is then retrievable through getFile + download."""
    chat = _enter(state, user, chat)
    stored = state.add_file(content, filename, mime_type, "documents")
    message = payloads.user_message(
        message_id=state.next_message_id(chat.id),
        sender=user,
        chat=chat,
        date=unix_now(),
        document=payloads.document_json(
            stored.file_id, stored.unique_id, filename, mime_type, len(content)
        ),
        caption=caption,
    )
    state.store_user_message(chat.id, message)
    state.updates.push("message", message)
    return int(message["message_id"])


def push_callback(
    state: BotState, user: FakeUser, message_id: int, data: str, *, chat: FakeChat | None = None
) -> str:
    """Queues a button press on a message the bot sent; returns the callback query id."""
    chat_id = chat.id if chat else user.id
    message = state.messages.get((chat_id, message_id))
    if message is None:
        raise LookupError(f"no message {message_id} in chat {chat_id} to press a button on")
    state.users[user.id] = user
    query_id = f"{user.id}{state.serial():08d}"
    state.pending_callbacks.add(query_id)
    query = payloads.callback_query(query_id, user, message, data, chat_instance=f"ci{chat_id}")
    state.updates.push("callback_query", query)
    return query_id


def push_my_chat_member(
    state: BotState, user: FakeUser, new_status: MemberStatus, *, chat: FakeChat | None = None
) -> int:
    """The bot's membership changes: "kicked" in a private chat means the user blocked it;
    "member" means unblocked (or added to a group). Returns the update_id."""
    chat = _enter(state, user, chat)
    old_status = state.membership.get(chat.id, "member")
    state.membership[chat.id] = new_status
    update = payloads.member_update(
        chat, user, state.bot_json(), old_status, new_status, unix_now()
    )
    return state.updates.push("my_chat_member", update)


def _enter(state: BotState, user: FakeUser, chat: FakeChat | None) -> FakeChat:
    """Registers the sender and the chat; a private chat is the user's own by default."""
    state.users[user.id] = user
    chat = chat or FakeChat.private(user)
    state.register_chat(chat)
    return chat


def _replied(state: BotState, chat_id: int, message_id: int | None) -> JsonDict | None:
    if message_id is None:
        return None
    message = state.messages.get((chat_id, message_id))
    if message is None:
        raise LookupError(f"no message {message_id} in chat {chat_id} to reply to")
    return {key: value for key, value in message.items() if key != "reply_to_message"}
