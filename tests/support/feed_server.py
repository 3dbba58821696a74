"""A local HTTP server playing the outlets: routes set per test, every request recorded.

    async with FeedServer() as server:
        server.route("/rss", Response(body=RSS, headers={"ETag": '"v1"'}))
        server.route("/old", redirect("/rss", status=301))
        server.route("/flaky", [Response(status=503), Response(body=RSS)])  # then repeats
        server.route("/custom", handler)  # any aiohttp handler
        url = server.url("/rss")  # http://127.0.0.1:<port>/rss
        url = server.url("/rss", host="lemonde.example")  # with a resolver mapping it here
        ...
        assert server.count("/rss") == 1 and server.requests[0].headers["If-None-Match"]
        assert server.max_concurrent_per_host["lemonde.example"] <= 2

It listens on 127.0.0.1 at a free port. Invented host names reach it through a resolver that
maps them to 127.0.0.1 (``loopback_resolver``); the Host header tells them apart, so the
concurrency is recorded per host as the client saw it. Unknown paths answer 404.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

from aiohttp import web
from aiohttp.test_utils import TestServer

from content.fetch import IPAddress, Resolver, resolve_host

RSS_TYPE = "application/rss+xml; charset=utf-8"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Response:
    """One canned answer."""

    status: int = 200
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    content_type: str | None = RSS_TYPE
    """Sent as Content-Type unless ``headers`` has one; None sends none."""
    delay: float = 0.0
    """Seconds before the status line is sent (a slow server)."""
    gzip: bool = False
    """Send the body gzip-compressed (Content-Encoding: gzip)."""
    chunked: bool = False
    """Stream the body in chunks, without Content-Length."""
    chunk_size: int = 16_384
    chunk_delay: float = 0.0
    """Seconds between chunks (a trickling server); implies ``chunked``."""

    @property
    def body_bytes(self) -> bytes:
        return self.body.encode() if isinstance(self.body, str) else self.body


def redirect(location: str, status: int = 301) -> Response:
    return Response(status=status, headers={"Location": location}, content_type=None)


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    """Path and query string."""
    host: str
    """The Host header without the port, lower case."""
    headers: Mapping[str, str]
    """The request's headers (case-insensitive lookups; repeated headers keep the first)."""
    at: float
    """``time.monotonic()`` when it arrived."""


Answer = Response | Sequence[Response] | Handler


class FeedServer:
    """An aiohttp server on 127.0.0.1; an async context manager (one per test)."""

    def __init__(self) -> None:
        self._routes: dict[str, Answer] = {}
        self._served: defaultdict[str, int] = defaultdict(int)
        self._in_flight: defaultdict[str, int] = defaultdict(int)
        self._total_in_flight = 0
        self.requests: list[RecordedRequest] = []
        self.max_concurrent = 0
        """The most requests in progress at once, all hosts together."""
        self.max_concurrent_per_host: defaultdict[str, int] = defaultdict(int)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._server = TestServer(app, host="127.0.0.1")

    async def __aenter__(self) -> Self:
        await self._server.start_server()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._server.close()

    @property
    def port(self) -> int:
        assert self._server.port is not None, "the server is not started"
        return self._server.port

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, answer: Answer) -> None:
        """What ``path`` (with its query string, if the request has one and this route names
        it; otherwise the bare path) answers: one response, a sequence of responses given in
        turn (the last one repeating), or an aiohttp handler."""
        self._routes[path] = answer

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def count(self, path: str) -> int:
        return len(self.requests_to(path))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        host = (request.url.host or "").lower()
        self.requests.append(
            RecordedRequest(
                request.method, request.path_qs, host, request.headers, time.monotonic()
            )
        )
        self._in_flight[host] += 1
        self._total_in_flight += 1
        self.max_concurrent_per_host[host] = max(
            self.max_concurrent_per_host[host], self._in_flight[host]
        )
        self.max_concurrent = max(self.max_concurrent, self._total_in_flight)
        try:
            return await self._answer(request)
        finally:
            self._in_flight[host] -= 1
            self._total_in_flight -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        key = request.path_qs if request.path_qs in self._routes else request.path
        answer = self._routes.get(key)
        if answer is None:
            return web.Response(status=404, text="no such route")
        if callable(answer):
            return await answer(request)
        if isinstance(answer, Response):
            return await _send(request, answer)
        served = self._served[key]
        self._served[key] += 1
        return await _send(request, answer[min(served, len(answer) - 1)])


async def _send(request: web.Request, answer: Response) -> web.StreamResponse:
    if answer.delay:
        await asyncio.sleep(answer.delay)
    headers = dict(answer.headers)
    if answer.content_type is not None and not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = answer.content_type
    body = answer.body_bytes
    if answer.gzip:
        body = gzip.compress(body)
        headers["Content-Encoding"] = "gzip"
    if not (answer.chunked or answer.chunk_delay):
        return web.Response(status=answer.status, body=body, headers=headers)
    response = web.StreamResponse(status=answer.status, headers=headers)
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        for start in range(0, len(body), answer.chunk_size):
            await response.write(body[start : start + answer.chunk_size])
            if answer.chunk_delay:
                await asyncio.sleep(answer.chunk_delay)
        await response.write_eof()
    except ConnectionResetError:
        pass  # the client gave up (a size cap, a deadline): what the test is about
    return response


def loopback_resolver(*names: str) -> Resolver:
    """A resolver mapping ``names`` (and loopback names) to 127.0.0.1, and refusing anything
    else: a test never reaches past this machine, even if the checks under test were broken."""
    invented = {name.lower().rstrip(".") for name in names}

    async def resolve(host: str, port: int) -> Sequence[IPAddress]:
        if host.lower().rstrip(".") in invented:
            return [ipaddress.ip_address("127.0.0.1")]
        addresses = await resolve_host(host, port)
        if not all(address.is_loopback for address in addresses):
            raise OSError(f"test guard: {host} is not a loopback address")
        return addresses

    return resolve
