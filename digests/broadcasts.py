"""Broadcasts: one message from the newsroom to every subscriber, through the digest ledger.

Queuing writes one pending ledger row per reader of the audience; the digest service's delivery
run sends them like digests, exactly once, within the flood limits.
"""

from __future__ import annotations

import logging

from core.clock import Clock
from digests.ledger import Kind, Status
from digests.stores import DeliveryStore

logger = logging.getLogger(__name__)


class Broadcasts:
    def __init__(self, ledger: DeliveryStore, clock: Clock) -> None:
        self._ledger = ledger
        self._clock = clock

    async def queue(self, html: str, created_by: str) -> tuple[int, int]:
        """Queue ``html`` for every reachable subscriber; the next delivery run sends it.
        Returns the broadcast's id and its audience."""
        broadcast_id, audience = await self._ledger.queue_broadcast(html, created_by, self._clock())
        logger.info("Broadcast %d queued for %d subscribers", broadcast_id, audience)
        return broadcast_id, audience

    async def figures(self, broadcast_id: int) -> dict[Status, int]:
        return await self._ledger.edition_figures(Kind.BROADCAST, str(broadcast_id))
