"""What a test does with the fake Telegram besides HTTP: play users, switch faults on, observe.

:class:`LocalBotApi` inherits all of this; it adds only the listening socket.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Self

from fake_bot_api import driving, observing
from fake_bot_api.core import BotApiCore
from fake_bot_api.methods_chat import command_key
from fake_bot_api.models import (
    CallbackAnswer,
    FakeChat,
    FakeUser,
    FaultKind,
    JsonDict,
    MemberStatus,
    RequestRecord,
    SentMessage,
)
from fake_bot_api.state import BotState

# The waits below take ``timeout=`` (ASYNC109 silenced): it is an assertion deadline that
# reports what was received, which ``asyncio.timeout`` around the call could not do.
DEFAULT_WAIT_SECONDS = 10.0
# Requests wake waiters at once; pushes and polls opening are caught by this periodic re-check.
_RECHECK_SECONDS = 0.05


class BotApiControls:
    def __init__(
        self,
        token: str,
        *,
        bot_username: str,
        bot_name: str,
        strict_html: bool,
        record_requests: bool,
        hang_seconds: float,
    ) -> None:
        self.token = token
        self.state = BotState(token, bot_username, bot_name, strict_html=strict_html)
        self.core = BotApiCore(
            self.state, record_requests=record_requests, hang_seconds=hang_seconds
        )

    @property
    def bot_id(self) -> int:
        return self.state.bot_id

    # --- playing the users ------------------------------------------------------------------

    def push_message(
        self,
        user: FakeUser,
        text: str,
        *,
        chat: FakeChat | None = None,
        reply_to_message_id: int | None = None,
        forward_origin: JsonDict | None = None,
    ) -> int:
        """Queues a user's text message (private chat by default); returns its message_id.
        ``forward_origin`` (``fake_bot_api.payloads.channel_origin``…) makes it forwarded."""
        return driving.push_message(
            self.state,
            user,
            text,
            chat=chat,
            reply_to_message_id=reply_to_message_id,
            forward_origin=forward_origin,
        )

    def push_callback(
        self, user: FakeUser, message_id: int, data: str, *, chat: FakeChat | None = None
    ) -> str:
        """Presses a button of a bot message; returns the callback query id."""
        return driving.push_callback(self.state, user, message_id, data, chat=chat)

    def push_document(
        self,
        user: FakeUser,
        filename: str,
        content: bytes,
        *,
        caption: str | None = None,
        mime_type: str | None = "text/plain",
        chat: FakeChat | None = None,
    ) -> int:
        return driving.push_document(
            self.state, user, filename, content, caption=caption, mime_type=mime_type, chat=chat
        )

    def push_my_chat_member(
        self, user: FakeUser, new_status: MemberStatus = "kicked", *, chat: FakeChat | None = None
    ) -> int:
        return driving.push_my_chat_member(self.state, user, new_status, chat=chat)

    def push_update(self, kind: str, payload: JsonDict) -> int:
        """Queues any other update type as raw Bot API JSON; returns the update_id."""
        return self.state.updates.push(kind, payload)

    def new_group(self, title: str = "Groupe de test", *, supergroup: bool = False) -> FakeChat:
        """A fresh group (negative id) or supergroup (-100… id), registered as known."""
        number = self.state.serial()
        chat = (
            FakeChat.supergroup(-1_001_000_000_000 - number, title)
            if supergroup
            else FakeChat.group(-1_000 - number, title)
        )
        self.state.register_chat(chat)
        return chat

    def set_chat_admins(self, chat_id: int, user_ids: Iterable[int]) -> None:
        """getChatAdministrators / getChatMember answer "administrator" for these users."""
        self.state.admins[chat_id] = list(user_ids)

    # --- faults -----------------------------------------------------------------------------

    def block_chat(self, chat_id: int) -> None:
        """The user blocked the bot (403); for a group: the bot was kicked."""
        self.state.membership[chat_id] = "kicked"

    def unblock_chat(self, chat_id: int) -> None:
        self.state.membership[chat_id] = "member"

    def deactivate_user(self, user_id: int) -> None:
        """403 "Forbidden: user is deactivated" (deleted account)."""
        self.core.faults.deactivated.add(user_id)

    def mark_chat_unknown(self, chat_id: int) -> None:
        """400 "Bad Request: chat not found" for this id."""
        self.core.faults.unknown.add(chat_id)

    def restrict_to_known_chats(self, enabled: bool = True) -> None:
        """Only chats seen through push_* (or new_group) are reachable; others: chat not found."""
        self.core.faults.known_chats_only = enabled

    def migrate_group(self, chat_id: int, new_chat_id: int | None = None) -> int:
        """The group became a supergroup: requests to ``chat_id`` get 400 with
        ``migrate_to_chat_id``. Returns the new id (known and reachable)."""
        new_id = new_chat_id if new_chat_id is not None else -1_000_000_000_000 + chat_id
        self.core.faults.migrated[chat_id] = new_id
        title = self.state.chat(chat_id).title or "Supergroupe"
        self.state.register_chat(FakeChat(new_id, "supergroup", title=title))
        return new_id

    def set_rate_limit(
        self,
        per_second: int | None,
        *,
        retry_after: int = 1,
        private_per_second: int | None = None,
        group_per_minute: int | None = None,
    ) -> None:
        """Strict sliding-window flood limits on sending methods (None: unlimited); excess
        requests get 429 "Too Many Requests: retry after N"."""
        self.core.limits.configure(
            per_second=per_second,
            private_per_second=private_per_second,
            group_per_minute=group_per_minute,
            retry_after=retry_after,
        )

    def fail_next(self, method: str | None, count: int = 1, *, kind: FaultKind = "502") -> None:
        """The next ``count`` calls of ``method`` (None: any method but getUpdates) fail."""
        self.core.faults.fail_next(method, count, kind)

    def fail_randomly(
        self,
        fraction: float,
        *,
        kind: FaultKind = "502",
        methods: Iterable[str] | None = None,
        seed: int = 0,
    ) -> None:
        """A seeded random ``fraction`` of calls fail (``methods`` None: all but getUpdates)."""
        chosen = frozenset(methods) if methods is not None else None
        self.core.faults.fail_randomly(fraction, kind, chosen, seed)

    def set_latency(self, seconds: float) -> None:
        """Added before answering every request."""
        self.core.latency = max(0.0, seconds)

    def clear_faults(self) -> None:
        """Removes chat faults, injected failures, latency and flood limits (not blocks)."""
        self.core.faults.clear()
        self.core.latency = 0.0
        self.set_rate_limit(None)

    def reset(self) -> None:
        """Forgets chats, messages, updates, the request log and counters; keeps faults."""
        self.state.reset()
        self.core.reset()

    # --- observing --------------------------------------------------------------------------

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        return [r for r in self.core.log if method is None or r.method == method]

    def sent_messages(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot sent (latest version, deleted ones flagged), in sending order."""
        return self.state.sent_messages(chat_id)

    def last_message(self, chat_id: int) -> SentMessage:
        sent = self.state.sent_by_chat.get(chat_id)
        if not sent:
            raise LookupError(f"the bot sent nothing to chat {chat_id}")
        return self.state.sent[(chat_id, sent[-1])]

    def delivered_count(self, chat_id: int | None = None) -> int:
        if chat_id is None:
            return sum(self.state.delivered.values())
        return self.state.delivered[chat_id]

    @property
    def rate_limited_count(self) -> int:
        """How many 429 answers the server gave."""
        return self.core.counters.rate_limited

    @property
    def injected_failure_count(self) -> int:
        return self.core.counters.injected_failures

    def callback_answer(self, query_id: str) -> CallbackAnswer | None:
        return self.state.callback_answers.get(query_id)

    def commands(self, *, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        return list(self.state.commands.get(command_key(scope, language_code), []))

    @property
    def is_polling(self) -> bool:
        """True while a getUpdates long poll is waiting (the bot is ready for updates)."""
        return self.state.updates.polling

    @property
    def webhook_url(self) -> str | None:
        return self.state.webhook.url if self.state.webhook else None

    def on_sent(self, listener: Callable[[SentMessage], None]) -> None:
        """Calls ``listener`` with every message the bot sends, edits or deletes."""
        self.state.sent_listeners.append(listener)

    def stats(self) -> JsonDict:
        return observing.stats(self.core)

    def describe(self) -> str:
        """What the server received lately (what failing waits print)."""
        return observing.account(self.core)

    async def wait_for(
        self,
        predicate: Callable[[Self], object],
        timeout: float = DEFAULT_WAIT_SECONDS,  # noqa: ASYNC109
        *,
        what: str = "the condition",
    ) -> None:
        """Returns once ``predicate(server)`` holds, re-checked after every request and push;
        raises AssertionError describing what was received if ``timeout`` passes first."""
        deadline = time.monotonic() + timeout
        while not predicate(self):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"Timed out after {timeout:g} s waiting for {what}.\n{self.describe()}"
                )
            await self.core.changes.wait(min(remaining, _RECHECK_SECONDS))

    async def wait_for_messages(
        self,
        chat_id: int,
        count: int = 1,
        timeout: float = DEFAULT_WAIT_SECONDS,  # noqa: ASYNC109
    ) -> list[SentMessage]:
        """Waits until the bot has sent ``count`` messages to ``chat_id``; returns them all."""
        await self.wait_for(
            lambda server: server.state.delivered[chat_id] >= count,
            timeout,
            what=f"{count} message(s) to chat {chat_id}",
        )
        return self.sent_messages(chat_id)

    async def wait_for_requests(
        self,
        method: str,
        count: int = 1,
        timeout: float = DEFAULT_WAIT_SECONDS,  # noqa: ASYNC109
    ) -> list[RequestRecord]:
        """Waits until ``count`` calls of ``method`` were answered; returns them."""
        await self.wait_for(
            lambda server: server.core.counters.by_method[method] >= count,
            timeout,
            what=f"{count} {method} request(s)",
        )
        return self.requests(method)
