"""Bot API methods about the bot itself, chats, members, files and command menus."""

from __future__ import annotations

import json
import re
from typing import Any

from fake_bot_api import payloads
from fake_bot_api.errors import bad_request
from fake_bot_api.models import JsonDict
from fake_bot_api.params import Params
from fake_bot_api.state import BotState
from fake_bot_api.validation import check_commands

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # getFile refuses bigger files for bots
_LANGUAGE_CODE = re.compile(r"[a-z]{2}")
_NO_GIFTS = {
    "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
    "premium_subscription": False, "gifts_from_channels": False,
}  # fmt: skip


def get_me(state: BotState, params: Params) -> JsonDict:
    return state.bot_json(full=True)


def get_chat(state: BotState, params: Params) -> JsonDict:
    chat = state.chat(state.resolve_chat(params.chat_id()))
    return {
        **chat.to_json(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": dict(_NO_GIFTS),
    }


def get_chat_member(state: BotState, params: Params) -> JsonDict:
    chat_id = state.resolve_chat(params.chat_id())
    user_id = params.required_integer("user_id")
    return payloads.chat_member(state.user_json(user_id), _member_status(state, chat_id, user_id))


def get_chat_administrators(state: BotState, params: Params) -> list[JsonDict]:
    chat_id = state.resolve_chat(params.chat_id())
    if state.chat(chat_id).type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [
        payloads.chat_member(state.user_json(user_id), "administrator")
        for user_id in state.admins.get(chat_id, [])
    ]


def get_file(state: BotState, params: Params) -> JsonDict:
    stored = state.files.get(params.string("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.content) > MAX_DOWNLOAD_BYTES:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.unique_id,
        "file_size": len(stored.content),
        "file_path": stored.path,
    }


def set_my_commands(state: BotState, params: Params) -> bool:
    commands = check_commands(params.json_list("commands"))
    state.commands[_command_key(params)] = commands
    return True


def get_my_commands(state: BotState, params: Params) -> list[JsonDict]:
    return list(state.commands.get(_command_key(params), []))


def delete_my_commands(state: BotState, params: Params) -> bool:
    state.commands.pop(_command_key(params), None)
    return True


def accept(state: BotState, params: Params) -> bool:
    """Methods whose effect no test observes (close, logOut, setMyDescription…)."""
    return True


def command_key(scope: JsonDict | None, language_code: str | None) -> tuple[str, str]:
    """The (scope, language) a command list is stored under; scope JSON in canonical form."""
    return json.dumps(scope or {"type": "default"}, sort_keys=True), language_code or ""


def _command_key(params: Params) -> tuple[str, str]:
    language = params.string("language_code") or ""
    if language and not _LANGUAGE_CODE.fullmatch(language):
        raise bad_request("invalid language code specified")
    scope: Any = params.json_dict("scope")
    return command_key(scope, language)


def _member_status(state: BotState, chat_id: int, user_id: int) -> str:
    if user_id == state.bot_id and state.membership.get(chat_id, "member") != "member":
        return state.membership[chat_id]
    if user_id in state.admins.get(chat_id, []):
        return "administrator"
    return "member"
