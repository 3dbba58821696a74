"""A local Telegram Bot API server on 127.0.0.1 for tests, benchmarks and ``python -m bot chat``.

The bot talks to it through PTB's real HTTP stack::

    async with LocalBotApi() as server:
        app = (ApplicationBuilder().token(server.token).base_url(server.base_url)
               .base_file_url(server.base_file_url).build())

Requests arrive as ``POST /bot<token>/<method>``, file downloads as
``GET /file/bot<token>/<file_path>``; control endpoints live under ``/_control/``.
"""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import Self

from aiohttp import web

from fake_bot_api import control
from fake_bot_api.controls import BotApiControls
from fake_bot_api.core import Reply
from fake_bot_api.errors import ApiError, unauthorized
from fake_bot_api.httpio import HttpClientLink, error_response, json_response, read_params
from fake_bot_api.webhook import WebhookPump

logger = logging.getLogger(__name__)

DEFAULT_TOKEN = "123456:TEST-TOKEN"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for files a bot uploads
_SHUTDOWN_GRACE_SECONDS = 1.0


class LocalBotApi(BotApiControls):
    """The fake Telegram. ``start()`` binds ``port`` (0: a free one); ``go_down()`` /
    ``come_back()`` simulate an outage on the same port; all state survives outages."""

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_username: str = "sahel_digest_bot",
        bot_name: str = "Sahel Digest",
        strict_html: bool = True,
        record_requests: bool = True,
        hang_seconds: float = 30.0,
    ) -> None:
        super().__init__(
            token,
            bot_username=bot_username,
            bot_name=bot_name,
            strict_html=strict_html,
            record_requests=record_requests,
            hang_seconds=hang_seconds,
        )
        self.host = host
        self._port = port
        self._runner: web.AppRunner | None = None
        self._webhooks = WebhookPump(self.state, self.core.changes.notify)

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the server has not been started")
        return self._port

    @property
    def url(self) -> str:
        """The server root, e.g. http://127.0.0.1:8081."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def is_up(self) -> bool:
        return self._runner is not None

    @property
    def webhook_deliveries(self) -> int:
        """Updates the receiver acknowledged with a 2xx."""
        return self._webhooks.delivered

    async def start(self) -> None:
        if self._runner is not None:
            return
        self.core.stopping = False
        runner = web.AppRunner(
            self._application(), access_log=None, shutdown_timeout=_SHUTDOWN_GRACE_SECONDS
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port, reuse_address=True)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self._port = _bound_port(runner) or self._port
        self._webhooks.start()
        logger.debug("Local Bot API listening on %s", self.url)

    async def stop(self) -> None:
        """Closes the socket and every connection; hanging and long-polling requests end."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        self.core.stopping = True
        self.state.updates.wake()
        await self._webhooks.stop()
        await runner.cleanup()
        self.core.changes.notify()

    async def go_down(self) -> None:
        """An outage: connections are refused until :meth:`come_back`."""
        await self.stop()

    async def come_back(self) -> None:
        """Listens again on the same port, with the same state."""
        await self.start()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    def _application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_download)
        control.add_routes(app, self)
        return app

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            reply = Reply.of_error(unauthorized())
            self.core.record(method, {}, time.monotonic(), reply)
            return json_response(reply)
        try:
            params = await read_params(request)
        except ApiError as error:
            return error_response(error)
        reply = await self.core.call(method, params, HttpClientLink(request, self.core))
        return json_response(reply)

    async def _handle_download(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        received = time.monotonic()
        stored = self.state.file_by_path(path)
        if request.match_info["token"] != self.token or stored is None:
            reply = Reply.of_error(ApiError(404, "Not Found"))
            self.core.record("downloadFile", {"file_path": path}, received, reply)
            return json_response(reply)
        self.core.record("downloadFile", {"file_path": path}, received, Reply(200, {}))
        return web.Response(body=stored.content, content_type="application/octet-stream")


def _bound_port(runner: web.AppRunner) -> int | None:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return None
