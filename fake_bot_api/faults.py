"""Failures a test switches on at run time: unreachable chats and injected server faults."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass

from fake_bot_api import errors
from fake_bot_api.errors import ApiError
from fake_bot_api.models import FaultKind

FAULT_KINDS: tuple[FaultKind, ...] = ("500", "502", "timeout_before", "timeout_after")
# Long polling would eat "any method" faults meant for the sends under test.
_NEVER_WILDCARD = frozenset({"getUpdates"})


@dataclass(frozen=True, slots=True)
class RandomFailures:
    fraction: float
    kind: FaultKind
    methods: frozenset[str] | None


class FaultPlan:
    """Chat-level faults (deactivated users, unknown chats, migrated groups) and injected
    5xx/timeouts, consumed request by request."""

    def __init__(self) -> None:
        self.deactivated: set[int] = set()
        self.unknown: set[int] = set()
        self.known_chats_only = False
        self.migrated: dict[int, int] = {}
        self._next: dict[str | None, deque[FaultKind]] = {}
        self._random: RandomFailures | None = None
        self._rng = random.Random(0)

    def clear(self) -> None:
        self.deactivated.clear()
        self.unknown.clear()
        self.known_chats_only = False
        self.migrated.clear()
        self.clear_injected()

    def clear_injected(self) -> None:
        self._next.clear()
        self._random = None

    def chat_error(self, chat_id: int | str, *, known: bool) -> ApiError | None:
        """The error Telegram gives for this chat before looking at the request itself."""
        if isinstance(chat_id, str):
            return None if known else ApiError(400, errors.CHAT_NOT_FOUND)
        if chat_id in self.migrated:
            return errors.group_upgraded(self.migrated[chat_id])
        if chat_id in self.unknown or (self.known_chats_only and not known):
            return ApiError(400, errors.CHAT_NOT_FOUND)
        if chat_id in self.deactivated:
            return ApiError(403, errors.USER_DEACTIVATED)
        return None

    def fail_next(self, method: str | None, count: int, kind: FaultKind) -> None:
        _check_kind(kind)
        self._next.setdefault(method, deque()).extend([kind] * count)

    def fail_randomly(
        self, fraction: float, kind: FaultKind, methods: frozenset[str] | None, seed: int
    ) -> None:
        _check_kind(kind)
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be within [0, 1]")
        self._random = RandomFailures(fraction, kind, methods) if fraction else None
        self._rng = random.Random(seed)

    def take(self, method: str) -> FaultKind | None:
        """The fault this request must suffer, if any (consumes a queued one)."""
        queued = self._next.get(method)
        if queued:
            return queued.popleft()
        wildcard = self._next.get(None)
        if wildcard and method not in _NEVER_WILDCARD:
            return wildcard.popleft()
        plan = self._random
        if plan is None or not self._targets(plan, method):
            return None
        return plan.kind if self._rng.random() < plan.fraction else None

    @staticmethod
    def _targets(plan: RandomFailures, method: str) -> bool:
        if plan.methods is None:
            return method not in _NEVER_WILDCARD
        return method in plan.methods


def _check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
