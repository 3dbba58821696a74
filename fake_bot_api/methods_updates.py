"""Receiving updates: getUpdates long polling and the webhook settings."""

from __future__ import annotations

import re
import time
from typing import Protocol

from fake_bot_api import errors
from fake_bot_api.errors import ApiError, bad_request
from fake_bot_api.models import JsonDict
from fake_bot_api.params import Params
from fake_bot_api.state import BotState, WebhookConfig

# A long poll re-checks its client this often, so a vanished poller is noticed quickly.
_POLL_SLICE_SECONDS = 0.5
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ClientLink(Protocol):
    """The HTTP connection behind a request, as far as a handler needs to know it."""

    def gone(self) -> bool:
        """True once the client hung up (or the server is going down)."""
        ...


async def get_updates(state: BotState, params: Params, link: ClientLink) -> list[JsonDict]:
    """Answers at once when updates are pending, else waits up to ``timeout`` seconds for one.

    A newer getUpdates supersedes a waiting one, which gets Telegram's 409 Conflict.
    """
    if state.webhook is not None:
        raise ApiError(409, errors.WEBHOOK_CONFLICT)
    queue = state.updates
    offset = params.integer("offset")
    if offset:
        queue.confirm(offset)
    limit = min(max(params.integer("limit") or 100, 1), 100)
    deadline = time.monotonic() + max(params.integer("timeout") or 0, 0)
    queue.set_allowed(params.json_list("allowed_updates"))
    ticket = queue.open_poll()
    try:
        while True:
            if ticket.superseded and not link.gone():
                raise ApiError(409, errors.POLL_CONFLICT)
            updates = queue.peek(limit)
            remaining = deadline - time.monotonic()
            if updates or remaining <= 0 or link.gone() or ticket.superseded:
                return updates
            await queue.wait(min(remaining, _POLL_SLICE_SECONDS))
    finally:
        queue.close_poll(ticket)


def set_webhook(state: BotState, params: Params) -> bool:
    url = params.string("url") or ""
    if not url:
        return delete_webhook(state, params)
    if not url.startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.string("secret_token")
    if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.flag("drop_pending_updates"):
        state.updates.clear()
    state.updates.set_allowed(params.json_list("allowed_updates"))
    state.webhook = WebhookConfig(url, secret, params.integer("max_connections") or 40)
    state.webhook_error = None
    state.updates.wake()
    return True


def delete_webhook(state: BotState, params: Params) -> bool:
    if params.flag("drop_pending_updates"):
        state.updates.clear()
    state.webhook = None
    state.updates.wake()
    return True


def get_webhook_info(state: BotState, params: Params) -> JsonDict:
    webhook = state.webhook
    info: JsonDict = {
        "url": webhook.url if webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if webhook is not None:
        info["max_connections"] = webhook.max_connections
    if state.updates.allowed is not None:
        info["allowed_updates"] = state.updates.allowed
    if state.webhook_error is not None:
        info["last_error_date"], info["last_error_message"] = state.webhook_error
    return info
