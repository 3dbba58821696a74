"""The delivery ledger's records: one row per (subscriber, edition).

A row is written *before* anything is sent (status ``pending``), advanced after every message
Telegram confirms (``parts_sent``), and closed as ``sent``, ``empty`` or ``failed``. The unique
key (subscriber, kind, edition) is what makes a second digest on the same local day impossible,
whatever the scheduler, a restart or a changed delivery hour do. The store that keeps them is
``digests.stores.DeliveryStore``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    DIGEST = "digest"
    BROADCAST = "broadcast"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    EMPTY = "empty"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Delivery:
    """A pending delivery, with the chat it goes to now (groups can move)."""

    id: int
    subscriber_id: int
    chat_id: int
    kind: Kind
    edition: str
    """digest: the subscriber's local date (ISO); broadcast: its id."""
    article_ids: tuple[int, ...]
    watermark: int | None
    parts_sent: int
    attempts: int


@dataclass(frozen=True, slots=True)
class Claimant:
    """One delivering process, as the ledger knows it while it holds claims.

    Every process that delivers (a ``run``, a replica, the chat mode) claims the pending rows it
    is about to send, in a transaction no other process can also win, and keeps its claims alive
    with a heartbeat. A process that dies stops beating: once its lease runs out, its rows are
    free for the next claimer, which resumes them where the ledger says they stand.
    """

    id: str
    """Unique per process and start (host, pid and a random part)."""
    host: str
    pid: int


@dataclass(frozen=True, slots=True)
class NewDelivery:
    subscriber_id: int
    kind: Kind
    edition: str
    status: Status
    article_ids: tuple[int, ...] = ()
    watermark: int | None = None
    """digest: the highest article id considered; closing the row moves the reader there."""


@dataclass(frozen=True, slots=True)
class DayFigures:
    """Digest figures for one UTC day (the admins' /stats)."""

    digests_sent: int
    digests_empty: int
    pending: int
    failed: int


@dataclass(frozen=True, slots=True)
class Backlog:
    """What the ledger still owes, for the /metrics gauges: how much is waiting, how much of it
    a live process is sending, and since when the oldest has waited (the claim lag)."""

    pending: int
    """Deliveries not yet closed."""
    claimed: int
    """Of those, the ones a claimant whose lease still runs holds."""
    oldest_pending_since: datetime | None
    """When the oldest pending delivery was recorded; None when nothing is pending."""
