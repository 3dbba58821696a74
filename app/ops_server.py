"""``/healthz`` and ``/metrics``: a small HTTP server beside the bot, on ``[ops] metrics_port``.

``/healthz`` answers 200 only after a round trip to the database: a replica whose database is
gone cannot send anything, and its orchestrator should know (Docker's HEALTHCHECK, a load
balancer). ``/metrics`` gives Prometheus the replica's counters and the ledger's backlog, read
at that instant. Both are cheap enough to be asked every few seconds.

Nothing here tells why the database failed to whoever asks (the port may be reachable from
outside the host): the reason is logged, where the secrets are masked, and the answer only says
which way it failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from app.metrics import EXPOSITION_TYPE, ReplicaMetrics
from app.ops import OpsSettings
from bot.errors import StartFailure
from core.clock import Clock
from digests.ledger import Backlog
from digests.stores import DeliveryStore

logger = logging.getLogger(__name__)

DATABASE_TIMEOUT_SECONDS = 5.0
"""How long a probe waits for the database: under Docker's default health check timeout (30 s),
and long enough for a busy pool."""
_SHUTDOWN_GRACE_SECONDS = 2.0


class DatabaseUnavailable(Exception):
    """The database did not answer the probe; the message is safe to show to anyone."""


class OpsEndpoints:
    """The two routes, on the replica's metrics and the ledger."""

    def __init__(self, metrics: ReplicaMetrics, deliveries: DeliveryStore, clock: Clock) -> None:
        self._metrics = metrics
        self._deliveries = deliveries
        self._clock = clock

    def application(self) -> web.Application:
        application = web.Application()
        application.router.add_get("/healthz", self.healthz)
        application.router.add_get("/metrics", self.metrics)
        return application

    async def healthz(self, request: web.Request) -> web.Response:
        replica = self._metrics.replica
        try:
            await self._backlog()
        except DatabaseUnavailable as error:
            return web.json_response(
                {"status": "unavailable", "replica": replica, "database": str(error)},
                status=503,
            )
        return web.json_response({"status": "ok", "replica": replica, "database": "ok"})

    async def metrics(self, request: web.Request) -> web.Response:
        try:
            self._metrics.backlog_read(await self._backlog(), self._clock())
        except DatabaseUnavailable:
            self._metrics.backlog_unknown()
        return web.Response(
            body=self._metrics.exposition(), headers={"Content-Type": EXPOSITION_TYPE}
        )

    async def _backlog(self) -> Backlog:
        """The ledger's backlog: the database round trip both routes make."""
        try:
            async with asyncio.timeout(DATABASE_TIMEOUT_SECONDS):
                return await self._deliveries.backlog(self._clock())
        except TimeoutError:
            logger.warning(
                "Health probe: the database did not answer in %g s", DATABASE_TIMEOUT_SECONDS
            )
            raise DatabaseUnavailable(f"no answer in {DATABASE_TIMEOUT_SECONDS:g} s") from None
        except Exception as error:  # whatever broke, the probe's answer is « not healthy »
            logger.warning("Health probe: the database failed: %s: %s", type(error).__name__, error)
            raise DatabaseUnavailable(f"error ({type(error).__name__})") from None


@asynccontextmanager
async def serving_ops(
    settings: OpsSettings, metrics: ReplicaMetrics, deliveries: DeliveryStore, clock: Clock
) -> AsyncIterator[None]:
    """Serve ``/healthz`` and ``/metrics`` on ``settings``' address while the block runs; a
    port that cannot be bound stops the start with one line (``StartFailure``)."""
    endpoints = OpsEndpoints(metrics, deliveries, clock)
    runner = web.AppRunner(
        endpoints.application(), access_log=None, shutdown_timeout=_SHUTDOWN_GRACE_SECONDS
    )
    await runner.setup()
    host, port = settings.metrics_listen, settings.metrics_port
    try:
        await web.TCPSite(runner, host, port, reuse_address=True).start()
    except OSError as error:
        await runner.cleanup()
        raise StartFailure(
            f"cannot serve /metrics on {host}:{port}: {error.strerror} "
            "(ops.metrics_listen, ops.metrics_port)"
        ) from None
    logger.info("Serving /healthz and /metrics on %s:%d as replica %s", host, port, metrics.replica)
    try:
        yield
    finally:
        await runner.cleanup()
