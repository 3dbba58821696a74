"""The request pipeline, independent of HTTP: latency, injected faults, flood limits, chat faults,
the method itself, then the request log. Kept lean: it runs for every one of a benchmark's
thousands of messages."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fake_bot_api import errors
from fake_bot_api.errors import ApiError
from fake_bot_api.faults import FaultPlan
from fake_bot_api.methods import HANDLERS, LONG_POLL, MEMBERSHIP_CHECKED, canonical_name
from fake_bot_api.methods_updates import ClientLink, get_updates
from fake_bot_api.models import FaultKind, JsonDict, RequestRecord
from fake_bot_api.params import Params
from fake_bot_api.ratelimit import SEND_METHODS, RateLimits
from fake_bot_api.state import BotState
from fake_bot_api.wakeup import Wakeup

_HANG_POLL_SECONDS = 0.01


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: JsonDict

    @classmethod
    def of_error(cls, error: ApiError) -> Reply:
        return cls(error.status, error.to_json())


@dataclass(slots=True)
class Counters:
    requests: int = 0
    rate_limited: int = 0
    injected_failures: int = 0
    rate_limited_by_chat: Counter[int] = field(default_factory=Counter)
    by_method: Counter[str] = field(default_factory=Counter)
    by_status: Counter[int] = field(default_factory=Counter)


class BotApiCore:
    """Answers one Bot API call at a time; knows nothing of sockets except ``ClientLink``."""

    def __init__(self, state: BotState, *, record_requests: bool, hang_seconds: float) -> None:
        self.state = state
        self.faults = FaultPlan()
        self.limits = RateLimits()
        self.counters = Counters()
        self.log: list[RequestRecord] = []
        self.record_requests = record_requests
        self.hang_seconds = hang_seconds
        self.latency = 0.0
        self.changes = Wakeup()
        self.stopping = False

    async def call(self, method_name: str, params: Params, link: ClientLink) -> Reply:
        received = time.monotonic()
        method = canonical_name(method_name) or method_name
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self.faults.take(method) if method in HANDLERS or method == LONG_POLL else None
        if fault is not None:
            self.counters.injected_failures += 1
        if fault == "timeout_before":
            await self.hang(link)
            reply = Reply.of_error(errors.server_error(504))
        elif fault in ("500", "502"):
            reply = Reply.of_error(errors.server_error(int(fault)))
        else:
            reply = await self._answer(method, params, link)
            if fault == "timeout_after":
                await self.hang(link)
        self.record(method, params, received, reply, fault, link.gone())
        return reply

    async def hang(self, link: ClientLink) -> None:
        """Sits on a request until its client gives up (or ``hang_seconds`` pass)."""
        deadline = time.monotonic() + self.hang_seconds
        # Polling is the only way: aiohttp signals a vanished client by no event.
        while not link.gone() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(_HANG_POLL_SECONDS)

    def record(
        self,
        method: str,
        params: Params | JsonDict,
        received: float,
        reply: Reply,
        fault: FaultKind | None = None,
        client_gone: bool = False,
    ) -> None:
        counters = self.counters
        counters.requests += 1
        counters.by_method[method] += 1
        counters.by_status[reply.status] += 1
        if self.record_requests:
            self.log.append(
                RequestRecord(
                    method=method,
                    params=params.for_record() if isinstance(params, Params) else params,
                    received_at=received,
                    status=reply.status,
                    description=reply.body.get("description"),
                    fault=fault,
                    client_gone=client_gone,
                    finished_at=time.monotonic(),
                )
            )
        self.changes.notify()

    def reset(self) -> None:
        """Forgets the log and counters (faults and limits stay as configured)."""
        self.log.clear()
        self.counters = Counters()
        self.changes.notify()

    async def _answer(self, method: str, params: Params, link: ClientLink) -> Reply:
        try:
            result = await self._execute(method, params, link)
        except ApiError as error:
            return Reply.of_error(error)
        return Reply(200, {"ok": True, "result": result})

    async def _execute(self, method: str, params: Params, link: ClientLink) -> Any:
        handler = HANDLERS.get(method)
        if handler is None and method != LONG_POLL:
            raise errors.not_found()
        chat_id = self.state.resolve_chat(params.chat_id()) if "chat_id" in params else None
        if method in SEND_METHODS and not self.limits.allows(chat_id, time.monotonic()):
            self.counters.rate_limited += 1
            if chat_id is not None:
                self.counters.rate_limited_by_chat[chat_id] += 1
            raise errors.too_many_requests(self.limits.retry_after)
        if chat_id is not None:
            self._check_chat(method, chat_id)
        if handler is None:
            return await get_updates(self.state, params, link)
        return handler(self.state, params)

    def _check_chat(self, method: str, chat_id: int) -> None:
        error = self.faults.chat_error(chat_id, known=self.state.is_known(chat_id))
        if error is None and method in MEMBERSHIP_CHECKED:
            error = self.state.membership_error(chat_id)
        if error is not None:
            raise error
