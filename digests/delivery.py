"""Sending messages to subscribers: one path for digests, broadcasts and on-demand digests.

The digest side does not speak Telegram. It sends through a :class:`Sender`, which the bot
implements and which translates Telegram's answers into the exceptions below; this module decides
what each means for the subscriber (deactivate, follow the migrated chat, retry, give up).

Exactly-once: a delivery row exists before its first message leaves; after each message Telegram
confirms, the row is advanced and committed at once, so a crash can only repeat the messages
that were in flight at that instant (at most ``concurrency`` of them), never a confirmed one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, fields, replace
from enum import StrEnum
from typing import Protocol

from core.clock import Clock
from digests.ledger import Claimant, Delivery, Status
from digests.stores import DeliveryStore, SubscriberStore

logger = logging.getLogger(__name__)


class ChatUnreachable(Exception):
    """Telegram will never deliver to this chat (blocked, deactivated, kicked, not found)."""


class ChatMoved(Exception):
    """The group became a supergroup with a new id; resend there."""

    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class RetryLater(Exception):
    """A temporary failure (timeout, 5xx, flood wait beyond the limiter's retries)."""


class MessageRejected(Exception):
    """Telegram refused this message itself (a bug on our side); retrying cannot help."""


class Sender(Protocol):
    async def send_html(self, chat_id: int, html: str) -> None:
        """Send one HTML message; return once Telegram confirmed it, or raise one of the above."""


class Outcome(StrEnum):
    SENT = "sent"
    UNREACHABLE = "unreachable"
    REJECTED = "rejected"
    DEFERRED = "deferred"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Backoff for temporary failures inside one run; beyond it the delivery waits for the next
    tick (a minute later) and, at worst, the next restart."""

    attempts: int = 3
    first_delay: float = 0.5
    factor: float = 2.0

    def delays(self) -> list[float]:
        return [self.first_delay * self.factor**n for n in range(self.attempts - 1)]


@dataclass(frozen=True, slots=True)
class FanOutReport:
    sent: int = 0
    unreachable: int = 0
    rejected: int = 0
    deferred: int = 0
    expired: int = 0
    """Digests closed unsent because their reader's day was over."""

    def add(self, outcome: Outcome) -> FanOutReport:
        return replace(self, **{outcome.value: getattr(self, outcome.value) + 1})

    def plus(self, other: FanOutReport) -> FanOutReport:
        return FanOutReport(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(FanOutReport))
        )


MessagesFor = Callable[[Delivery], Awaitable[Sequence[str]]]
"""Produces the messages of a delivery (composing the digest or loading the broadcast)."""
KeepGoing = Callable[[], bool]
"""False once the process is stopping: a fan-out then ends after the messages in flight."""


def always() -> bool:
    return True


class Courier:
    """Sends messages to chats with retries, and applies Telegram's verdicts to subscribers."""

    def __init__(
        self,
        subscribers: SubscriberStore,
        sender: Sender,
        clock: Clock,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self._subscribers = subscribers
        self.sender = sender
        self.clock = clock
        self._retry = retry

    async def send(self, chat_id: int, html: str) -> int:
        """Send one message, retrying temporary failures and following a migrated chat.

        Returns the chat id the message finally went to. Raises ChatUnreachable, MessageRejected
        or RetryLater.
        """
        delays = self._retry.delays()
        while True:
            try:
                await self.sender.send_html(chat_id, html)
                return chat_id
            except ChatMoved as moved:
                logger.info("Chat %d moved to %d; following it", chat_id, moved.new_chat_id)
                await self._subscribers.move_chat(chat_id, moved.new_chat_id, self.clock())
                chat_id = moved.new_chat_id
            except RetryLater:
                if not delays:
                    raise
                await asyncio.sleep(delays.pop(0))

    async def send_all(self, chat_id: int, messages: Sequence[str]) -> Outcome:
        """Send messages outside the ledger (replies such as /digest); apply Telegram's verdict."""
        try:
            for message in messages:
                chat_id = await self.send(chat_id, message)
        except ChatUnreachable as error:
            await self.mark_unreachable(chat_id, str(error))
            return Outcome.UNREACHABLE
        except MessageRejected as error:
            logger.error("Telegram rejected a message to chat %d: %s", chat_id, error)
            return Outcome.REJECTED
        except RetryLater as error:
            logger.warning("Could not reach chat %d for now: %s", chat_id, error)
            return Outcome.DEFERRED
        return Outcome.SENT

    async def mark_unreachable(self, chat_id: int, reason: str) -> None:
        logger.info("Chat %d is unreachable (%s); marking it inactive", chat_id, reason)
        await self._subscribers.set_reachable(
            chat_id, reachable=False, reason=reason, now=self.clock()
        )


class FanOut:
    """Delivers pending ledger rows with bounded concurrency, confirming each message at once."""

    def __init__(
        self, courier: Courier, ledger: DeliveryStore, claimant: Claimant, *, concurrency: int
    ) -> None:
        self._courier = courier
        self._ledger = ledger
        self._claimant = claimant
        self._concurrency = concurrency

    async def deliver(
        self,
        deliveries: Sequence[Delivery],
        messages_for: MessagesFor,
        keep_going: KeepGoing = always,
    ) -> FanOutReport:
        """Deliver ``deliveries`` with at most ``concurrency`` in flight; one bad row never stops
        the others. The rows must be claimed by this fan-out's claimant (``digests.claims``):
        no other run, in this process or another, sends them meanwhile.

        Once ``keep_going`` says no, each sender finishes the message it has in flight and
        stops: a stopping process neither waits for the whole fan-out nor cuts a message whose
        fate it would not know; the rows left stay pending for the next run."""
        queue: asyncio.Queue[Delivery] = asyncio.Queue()
        for delivery in deliveries:
            queue.put_nowait(delivery)
        report = FanOutReport()

        async def worker() -> None:
            nonlocal report
            while keep_going() and not queue.empty():
                delivery = queue.get_nowait()
                try:
                    # Await first: ``report.add(await …)`` would bind the report before the
                    # await and lose the other workers' counts.
                    outcome = await self._deliver_one(delivery, messages_for, keep_going)
                    report = report.add(outcome)
                except Exception:
                    logger.exception(
                        "Delivery %d failed unexpectedly; it stays pending", delivery.id
                    )
                    report = report.add(Outcome.DEFERRED)

        workers = min(self._concurrency, queue.qsize())
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(worker())
        return report

    async def _deliver_one(
        self, delivery: Delivery, messages_for: MessagesFor, keep_going: KeepGoing
    ) -> Outcome:
        clock = self._courier.clock
        messages = await messages_for(delivery)
        if not messages:
            # Nothing left to say (articles deleted, broadcast gone): close without sending.
            await self._close(delivery, Status.EMPTY)
            return Outcome.SENT
        chat_id = delivery.chat_id
        for number in range(delivery.parts_sent + 1, len(messages) + 1):
            if number > delivery.parts_sent + 1 and not keep_going():
                return Outcome.DEFERRED  # the next run sends the remaining parts
            try:
                chat_id = await self._courier.send(chat_id, messages[number - 1])
            except ChatUnreachable as error:
                await self._close(delivery, Status.FAILED, error=f"unreachable: {error}")
                await self._courier.mark_unreachable(chat_id, str(error))
                return Outcome.UNREACHABLE
            except MessageRejected as error:
                logger.error("Telegram rejected delivery %d: %s", delivery.id, error)
                await self._close(delivery, Status.FAILED, error=f"rejected: {error}")
                return Outcome.REJECTED
            except RetryLater as error:
                await self._ledger.note_attempt(delivery.id, str(error), clock(), self._claimant)
                return Outcome.DEFERRED
            if number < len(messages) and not await self._ledger.confirm_part(
                delivery.id, number, clock(), self._claimant
            ):
                # Our lease ran out (the process stalled) and another claimer took the row:
                # it resumes from the ledger; sending on would repeat its parts.
                logger.warning("Delivery %d was taken over by another process", delivery.id)
                return Outcome.DEFERRED
        await self._close(delivery, Status.SENT, parts_sent=len(messages))
        return Outcome.SENT

    async def _close(
        self,
        delivery: Delivery,
        status: Status,
        *,
        parts_sent: int | None = None,
        error: str | None = None,
    ) -> None:
        # One statement, one commit: a trigger moves the reader's watermark with it.
        await self._ledger.close(
            delivery.id,
            status,
            self._courier.clock(),
            self._claimant,
            parts_sent=parts_sent,
            error=error,
        )
