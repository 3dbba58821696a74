"""Claims: how several processes share one ledger without sending a row twice.

A delivery run takes pending rows in batches with ``DeliveryStore.claim`` (one transaction that
no other process can also win), keeps its lease alive with a heartbeat while it sends, and gives
back what it could not finish when it ends, normally or not. A process that dies mid-run gives
nothing back: its rows wait for its lease to run out, then the next claimer resumes them from
``parts_sent``, as after any crash.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

from core.clock import Clock
from digests.ledger import Claimant, Delivery
from digests.stores import DeliveryStore

logger = logging.getLogger(__name__)

BATCH = 256
"""Rows claimed at a time: enough to keep ``concurrency`` senders busy for several seconds,
few enough that a second process finds work left to share."""


def this_process() -> Claimant:
    """A claimant id unique to this process and this start (a restarted process, even with the
    same pid in a container, is a new claimant)."""
    host = socket.gethostname()
    pid = os.getpid()
    return Claimant(id=f"{host}:{pid}:{uuid.uuid4().hex[:12]}", host=host, pid=pid)


class ClaimRun:
    """One delivery run's claims: batches in, a heartbeat while sending, release at the end."""

    def __init__(
        self,
        ledger: DeliveryStore,
        claimant: Claimant,
        clock: Clock,
        *,
        lease: timedelta,
        batch: int = BATCH,
    ) -> None:
        self._ledger = ledger
        self.claimant = claimant
        self._clock = clock
        self._lease = lease
        self._batch = batch

    async def next_batch(self) -> list[Delivery]:
        """The next pending rows this run now holds; empty when nothing is left to take."""
        return await self._ledger.claim(
            self.claimant, self._clock(), lease=self._lease, limit=self._batch
        )

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[ClaimRun]:
        """Keep the lease alive while the block sends; give back every unfinished claim after
        it (rows deferred by a flood wait or an outage go to the next run at once)."""
        heartbeat = asyncio.create_task(self._beat())
        try:
            yield self
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            await asyncio.shield(self._ledger.release(self.claimant))

    async def _beat(self) -> None:
        interval = self._lease.total_seconds() / 3
        while True:
            await asyncio.sleep(interval)
            try:
                await self._ledger.keep_alive(self.claimant, self._clock(), lease=self._lease)
            except Exception:
                # A missed beat only shortens the lease; the next one may succeed.
                logger.warning("Could not renew the delivery lease", exc_info=True)
