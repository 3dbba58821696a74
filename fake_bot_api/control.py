"""``/_control/`` endpoints: drive and observe a server running in another process (benchmarks,
subprocess tests). JSON in, JSON out; loopback only, no authentication.

- ``GET  /_control/stats``: counters (see :func:`fake_bot_api.observing.stats`).
- ``POST /_control/reset``: forget chats, messages, updates, log and counters; faults stay.
- ``POST /_control/push_message`` ``{"user": {"id", "first_name", …}, "text", "chat"?}``
  → ``{"message_id"}``.
- ``GET  /_control/sent?chat_id=N``: the bot's messages (all chats without ``chat_id``).
- ``POST /_control/configure``: any of ``rate``, ``retry_after``, ``private_rate``,
  ``group_rate_per_minute`` (null: unlimited), ``latency``, ``blocked`` / ``unblocked`` /
  ``deactivated`` / ``unknown`` (lists of ids), ``migrated`` ({old: new}), ``known_chats_only``,
  ``fail_next`` ({method?, count?, kind?}), ``fail_randomly`` ({fraction, kind?, methods?,
  seed?}), ``record_requests``, ``clear_faults``; answers the stats.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from fake_bot_api.controls import BotApiControls
from fake_bot_api.models import FakeChat, FakeUser, JsonDict, SentMessage

PREFIX = "/_control"


def add_routes(app: web.Application, server: BotApiControls) -> None:
    async def stats(request: web.Request) -> web.Response:
        return web.json_response(server.stats())

    async def reset(request: web.Request) -> web.Response:
        server.reset()
        return web.json_response(server.stats())

    async def push_message(request: web.Request) -> web.Response:
        body = await _body(request)
        user = FakeUser(**body["user"])
        chat = FakeChat(**body["chat"]) if body.get("chat") else None
        message_id = server.push_message(user, body["text"], chat=chat)
        return web.json_response({"message_id": message_id})

    async def configure(request: web.Request) -> web.Response:
        try:
            apply_configuration(server, await _body(request))
        except (KeyError, TypeError, ValueError) as error:
            return web.json_response({"error": str(error)}, status=400)
        return web.json_response(server.stats())

    async def sent(request: web.Request) -> web.Response:
        chat = request.query.get("chat_id")
        messages = server.sent_messages(int(chat) if chat else None)
        return web.json_response({"messages": [sent_message_json(m) for m in messages]})

    app.router.add_get(f"{PREFIX}/stats", stats)
    app.router.add_post(f"{PREFIX}/reset", reset)
    app.router.add_post(f"{PREFIX}/push_message", push_message)
    app.router.add_post(f"{PREFIX}/configure", configure)
    app.router.add_get(f"{PREFIX}/sent", sent)


def apply_configuration(server: BotApiControls, settings: JsonDict) -> None:
    """Applies the keys present (listed in the module docstring); absent keys change nothing."""
    if settings.get("clear_faults"):
        server.clear_faults()
    _apply_limits(server, settings)
    if "latency" in settings:
        server.set_latency(float(settings["latency"]))
    for chat_id in settings.get("blocked", []):
        server.block_chat(int(chat_id))
    for chat_id in settings.get("unblocked", []):
        server.unblock_chat(int(chat_id))
    for chat_id in settings.get("deactivated", []):
        server.deactivate_user(int(chat_id))
    for chat_id in settings.get("unknown", []):
        server.mark_chat_unknown(int(chat_id))
    for old_id, new_id in settings.get("migrated", {}).items():
        server.migrate_group(int(old_id), int(new_id))
    if "known_chats_only" in settings:
        server.restrict_to_known_chats(bool(settings["known_chats_only"]))
    if "fail_next" in settings:
        spec = settings["fail_next"]
        server.fail_next(
            spec.get("method"), int(spec.get("count", 1)), kind=spec.get("kind", "502")
        )
    if "fail_randomly" in settings:
        spec = settings["fail_randomly"]
        server.fail_randomly(
            float(spec["fraction"]),
            kind=spec.get("kind", "502"),
            methods=spec.get("methods"),
            seed=int(spec.get("seed", 0)),
        )
    if "record_requests" in settings:
        server.core.record_requests = bool(settings["record_requests"])


def sent_message_json(message: SentMessage) -> JsonDict:
    return {
        "chat_id": message.chat_id,
        "message_id": message.message_id,
        "text": message.text,
        "raw_text": message.raw_text,
        "parse_mode": message.parse_mode,
        "reply_markup": message.reply_markup,
        "edits": message.edit_count,
        "deleted": message.deleted,
        "document": message.document.file_name if message.document else None,
    }


def _apply_limits(server: BotApiControls, settings: JsonDict) -> None:
    keys = ("rate", "retry_after", "private_rate", "group_rate_per_minute")
    if not any(key in settings for key in keys):
        return
    limits = server.core.limits
    server.set_rate_limit(
        _optional_int(settings.get("rate", limits.per_second)),
        retry_after=int(settings.get("retry_after", limits.retry_after)),
        private_per_second=_optional_int(settings.get("private_rate", limits.private_per_second)),
        group_per_minute=_optional_int(
            settings.get("group_rate_per_minute", limits.group_per_minute)
        ),
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


async def _body(request: web.Request) -> JsonDict:
    if not request.can_read_body:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object is expected")
    return body
