"""Fetch a web page for ingestion without letting a pasted link reach inside our network.

Anyone who can talk to the bot can make it fetch a URL, so the URL is hostile until proven
otherwise (SSRF): ``http://169.254.169.254/`` (cloud metadata), ``http://127.0.0.1:8080/admin``,
an intranet name, or a public page that redirects there. Hence:

* only ``http``/``https``, a host, no credentials; ``localhost`` and literal IPs in every spelling
  the C resolver accepts (``2130706433``, ``0x7f.1``, ``127.1``) are judged before any connection;
* redirects are followed by hand, and every hop goes through the same checks;
* the host is resolved *inside the connection* by our own network backend: if ANY resolved
  address is not public the fetch is refused, otherwise the socket is opened to one of those
  very addresses. There is no second lookup that a hostile DNS server could answer differently
  (DNS rebinding), and TLS still verifies the certificate against the host name;
* environment proxies are ignored (``trust_env=False``): a proxy would resolve names itself,
  out of reach of the checks. The residual risk is a public address that forwards traffic inward
  (an open proxy of someone else's), which no client-side check can see;
* the body is streamed and cut at ``max_bytes`` (after decompression), and one overall deadline
  covers resolution, connection, every redirect and the body, so a server trickling one byte a
  second cannot hold a worker for ever.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import ipaddress
import logging
import re
import socket
import zlib
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import httpcore
import httpx

from content.rejections import ContentRejected, RejectReason

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "SahelDigestBot/0.1 (+https://github.com/sahel-digest/sahel-digest)"
ACCEPTED_CONTENT_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
PAGE_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CONTENT_ENCODINGS = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})
"""What ``CappedInflater`` decodes; only gzip and deflate are asked for (Accept-Encoding)."""
_MAX_URL_CHARS = 2048
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([a-z0-9_.:-]+)""", re.I)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_WINDOWS_1252_ALIASES = frozenset({"ascii", "latin-1", "iso8859-1", "cp1252"})
"""Browsers decode these labels as windows-1252 (WHATWG Encoding): so do we."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """Limits of one fetch; the defaults suit a chat bot fetching news pages on demand.

    ``allowed_hosts`` (lower-case, ASCII/punycode form) skip the address checks: tests use it for
    their 127.0.0.1 server, a deployment could for one intranet site. ``allow_private_hosts``
    turns the address checks off altogether (local development only).
    """

    timeout_seconds: float = 10.0
    max_bytes: int = 2_000_000
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_hosts: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def trusts(self, host: str) -> bool:
        return self.allow_private_hosts or host.lower().rstrip(".") in self.allowed_hosts


@dataclass(frozen=True, slots=True)
class FetchedPage:
    """A fetched page: final URL after redirects, media type without parameters, decoded text."""

    url: str
    status: int
    content_type: str
    text: str


@dataclass(frozen=True, slots=True)
class Redirect:
    """One hop of a redirect chain: feeds keep polling the target only after 301/308."""

    status: int
    source: str
    target: str


# --- pure checks ------------------------------------------------------------------------------


def check_url(url: str, policy: FetchPolicy) -> httpx.URL:
    """Parse ``url`` and refuse what must never be fetched, before any network activity.

    Raises ``ContentRejected`` with BAD_URL or FORBIDDEN_HOST.
    """
    candidate = url.strip()
    if not candidate or len(candidate) > _MAX_URL_CHARS:
        raise ContentRejected(RejectReason.BAD_URL, f"length {len(candidate)}")
    try:
        parsed = httpx.URL(candidate)
        _ = parsed.host  # decodes an international name: refuses invalid punycode
    except (httpx.InvalidURL, ValueError) as error:
        raise ContentRejected(RejectReason.BAD_URL, str(error)) from error
    if parsed.scheme not in ("http", "https"):
        raise ContentRejected(RejectReason.BAD_URL, f"scheme {parsed.scheme or 'missing'!r}")
    if not parsed.host:
        raise ContentRejected(RejectReason.BAD_URL, "no host")
    if parsed.userinfo:
        raise ContentRejected(RejectReason.BAD_URL, "credentials in URL")
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        # httpx parses any number; the socket would raise OverflowError past every handler.
        raise ContentRejected(RejectReason.BAD_URL, f"port {parsed.port} out of range")
    host = parsed.raw_host.decode("ascii")
    if not _well_formed_host(host):
        raise ContentRejected(RejectReason.BAD_URL, f"malformed host name {host[:80]}")
    _check_host(host, policy)
    return parsed.copy_with(fragment=None)


def _well_formed_host(host: str) -> bool:
    """DNS's limits (RFC 1035): labels of 1 to 63 characters, 253 in all. The resolver's own
    IDNA codec raises UnicodeError on anything else, past every network error handler."""
    if ":" in host:  # an IPv6 literal
        return True
    labels = host.removesuffix(".").split(".")
    return len(host) <= 253 and all(1 <= len(label) <= 63 for label in labels)


def _check_host(host: str, policy: FetchPolicy) -> None:
    if policy.trusts(host):
        return
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        raise ContentRejected(RejectReason.FORBIDDEN_HOST, name)
    address = literal_address(name)
    if address is not None and not is_public_address(address):
        raise ContentRejected(RejectReason.FORBIDDEN_HOST, f"{name} is {address}")


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as an IP stands for, including inet_aton's legacy forms.

    httpx passes ``2130706433`` or ``0x7f.1`` through as host names, and the system resolver
    turns them into 127.0.0.1: they must be judged as the address they are.
    """
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    if not _NUMERIC_HOST.fullmatch(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError as error:
        raise ContentRejected(RejectReason.BAD_URL, f"malformed numeric host {host}") from error


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses, looking inside IPv6 wrappers of IPv4."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public_address(address.ipv4_mapped)
    if not all(is_public_address(inner) for inner in _tunnelled_ipv4(address)):
        return False
    site_local = isinstance(address, ipaddress.IPv6Address) and address.is_site_local
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or site_local
    )


def refuse_non_public(host: str, addresses: Sequence[IPAddress], policy: FetchPolicy) -> None:
    """Refuse ``host`` if ANY of its addresses is not public: a connection may use any of them."""
    if policy.trusts(host):
        return
    for address in addresses:
        if not is_public_address(address):
            raise ContentRejected(RejectReason.FORBIDDEN_HOST, f"{host} resolves to {address}")


def _tunnelled_ipv4(address: IPAddress) -> Iterator[ipaddress.IPv4Address]:
    """IPv4 addresses reachable through an IPv6 one (6to4, Teredo client, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return
    if address.sixtofour is not None:
        yield address.sixtofour
    if address.teredo is not None:
        yield address.teredo[1]
    if address in _NAT64:
        yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def decode_body(body: bytes, declared_charset: str | None) -> str:
    """Decode a page: BOM, then the HTTP charset, then ``<meta charset>``, then UTF-8/cp1252."""
    if body.startswith(codecs.BOM_UTF8):
        return body[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    meta_charset = meta.group(1).decode("ascii") if meta else None
    for label in (declared_charset, meta_charset):
        codec = _codec_for(label)
        if codec is not None:
            return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _codec_for(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return "cp1252" if name in _WINDOWS_1252_ALIASES else name


def _media_type(header: str | None) -> str:
    return (header or "").split(";", 1)[0].strip().lower()


# --- network ----------------------------------------------------------------------------------


async def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address the system resolver gives for ``host`` (in its order, without repeats)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


class _VettingBackend(httpcore.AsyncNetworkBackend):
    """Resolves, vets and connects in one step, so the checked address is the connected one."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        last_error = httpcore.ConnectError(f"no address for {host}")
        for address in await self._vetted_addresses(host, port):
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except httpcore.ConnectError as error:
                last_error = error
        raise last_error

    async def _vetted_addresses(self, host: str, port: int) -> Sequence[IPAddress]:
        try:
            addresses = await self._resolver(host, port)
        except (OSError, UnicodeError) as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        refuse_non_public(host, addresses, self._policy)
        return addresses

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _VettedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool rebuilt around our network backend.

    httpx has no public parameter for the network backend; the pool it builds is replaced by an
    identical one (same TLS defaults, no proxy) that has it.
    """

    def __init__(self, backend: httpcore.AsyncNetworkBackend) -> None:
        ssl_context = httpx.create_ssl_context(trust_env=False)
        super().__init__(verify=ssl_context, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=100,  # httpx's default limits
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=backend,
        )


@contextlib.contextmanager
def transport_errors_rejected() -> Iterator[None]:
    """Turn httpx's transport errors into the rejection the bot can explain."""
    try:
        yield
    except httpx.TimeoutException as error:
        raise ContentRejected(RejectReason.TIMEOUT, type(error).__name__) from error
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
        raise ContentRejected(RejectReason.BAD_URL, str(error)) from error
    except httpx.HTTPError as error:
        detail = f"{type(error).__name__}: {error}"
        raise ContentRejected(RejectReason.FETCH_FAILED, detail) from error


def vetted_client(
    policy: FetchPolicy, *, resolver: Resolver = resolve_host, accept: str = PAGE_ACCEPT
) -> httpx.AsyncClient:
    """An httpx client whose every connection goes through the address checks, that follows no
    redirect by itself (``send_following_redirects`` checks each hop) and ignores proxies."""
    return httpx.AsyncClient(
        transport=_VettedTransport(_VettingBackend(policy, resolver)),
        timeout=policy.timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        headers={
            "User-Agent": policy.user_agent,
            "Accept": accept,
            "Accept-Encoding": "gzip, deflate",
            "Accept-Language": "fr,en;q=0.5",
        },
    )


async def send_following_redirects(
    client: httpx.AsyncClient,
    url: str,
    policy: FetchPolicy,
    headers: Mapping[str, str] | None = None,
) -> tuple[httpx.Response, tuple[Redirect, ...]]:
    """GET ``url``, following redirects by hand and checking every hop with ``check_url``.

    Returns the final response *open* (streamed: the caller reads it with ``read_capped`` and
    closes it) and the hops that led to it. The deadline is the caller's: wrap the call and the
    reading of the body in one ``asyncio.timeout``. Raises ``ContentRejected``.
    """
    target = check_url(url, policy)
    hops: list[Redirect] = []
    with transport_errors_rejected():
        while True:
            request = client.build_request("GET", target, headers=headers)
            response = await client.send(request, stream=True)
            location = response.headers.get("location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response, tuple(hops)
            await response.aclose()
            if len(hops) == policy.max_redirects:
                detail = f"more than {policy.max_redirects}"
                raise ContentRejected(RejectReason.TOO_MANY_REDIRECTS, detail)
            following = response.url.join(location)
            logger.info("Redirected from %s to %s", target, following)
            hops.append(Redirect(response.status_code, str(target), str(following)))
            target = check_url(str(following), policy)


async def read_capped(response: httpx.Response, limit: int) -> bytes:
    """The body, decompressed by us (``CappedInflater``) rather than by httpx, whose decoder
    inflates each network read whole: 200 kB of gzip would become 200 MB in memory before
    any size check could run."""
    declared = response.headers.get("content-length", "")
    inflater = CappedInflater(response.headers.get("content-encoding", ""), limit)
    if inflater.identity and declared.isdigit() and int(declared) > limit:
        raise ContentRejected(RejectReason.TOO_LARGE, f"{declared} bytes (limit {limit})")
    with transport_errors_rejected():
        async for chunk in response.aiter_raw():
            inflater.feed(chunk)
    return inflater.finish()


async def read_page(response: httpx.Response, max_bytes: int) -> FetchedPage:
    """A successful HTML or text answer as a ``FetchedPage``; anything else is refused."""
    if not response.is_success:
        raise ContentRejected(RejectReason.FETCH_FAILED, f"HTTP {response.status_code}")
    content_type = _media_type(response.headers.get("content-type"))
    if content_type not in ACCEPTED_CONTENT_TYPES:
        raise ContentRejected(RejectReason.NOT_HTML, content_type or "no content type")
    body = await read_capped(response, max_bytes)
    return FetchedPage(
        url=str(response.url),
        status=response.status_code,
        content_type=content_type,
        text=decode_body(body, response.charset_encoding),
    )


class VettedFetcher:
    """What every fetcher shares: its policy and one pooled, vetted HTTP client, closed on the
    way out (``async with``)."""

    def __init__(self, policy: FetchPolicy, client: httpx.AsyncClient) -> None:
        self._policy = policy
        self._client = client

    @property
    def policy(self) -> FetchPolicy:
        return self._policy

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()


class UrlFetcher(VettedFetcher):
    """Fetches pages under a ``FetchPolicy``; reuse one instance (it pools connections).

    ``resolver`` is the name lookup used at connection time; tests inject one to play a hostile
    DNS server without touching the network.
    """

    def __init__(
        self, policy: FetchPolicy | None = None, *, resolver: Resolver = resolve_host
    ) -> None:
        policy = policy or FetchPolicy()
        super().__init__(policy, vetted_client(policy, resolver=resolver))

    async def fetch(self, url: str) -> FetchedPage:
        """Fetch ``url`` within the policy's limits or raise ``ContentRejected``."""
        try:
            async with asyncio.timeout(self._policy.timeout_seconds):
                response, _ = await send_following_redirects(self._client, url, self._policy)
                try:
                    return await read_page(response, self._policy.max_bytes)
                finally:
                    await response.aclose()
        except TimeoutError as error:
            detail = f"no complete answer within {self._policy.timeout_seconds:g} s"
            raise ContentRejected(RejectReason.TIMEOUT, detail) from error


class CappedInflater:
    """Decompresses a body (identity, gzip or deflate) into at most ``limit`` bytes.

    zlib is asked for no more than the room left at each step (``max_length``), so memory stays
    within the limit whatever the compression ratio; one byte over it refuses the page.
    """

    def __init__(self, content_encoding: str, limit: int) -> None:
        encoding = content_encoding.strip().lower()
        if encoding not in _CONTENT_ENCODINGS:
            detail = f"unsupported content encoding {encoding!r}"
            raise ContentRejected(RejectReason.FETCH_FAILED, detail)
        self.identity = encoding in ("", "identity")
        # 47 reads a gzip or a zlib header; « deflate » is zlib-wrapped by the standard, raw
        # deflate by some servers (tried when the zlib header is missing, as browsers do).
        self._wbits = zlib.MAX_WBITS | 32
        self._raw_deflate_allowed = encoding == "deflate"
        self._inflater: zlib._Decompress | None = None
        self._limit = limit
        self._body = bytearray()

    def feed(self, data: bytes) -> None:
        if self.identity:
            self._keep(data)
            return
        while data:
            if self._inflater is None:
                self._inflater = zlib.decompressobj(self._wbits)
            try:
                out = self._inflater.decompress(data, self._limit - len(self._body) + 1)
            except zlib.error as error:
                if self._raw_deflate_allowed and not self._body and self._wbits > 0:
                    self._wbits = -zlib.MAX_WBITS
                    self._inflater = None
                    continue
                detail = f"bad compression: {error}"
                raise ContentRejected(RejectReason.FETCH_FAILED, detail) from error
            self._raw_deflate_allowed = False
            self._keep(out)
            if self._inflater.unconsumed_tail:
                data = self._inflater.unconsumed_tail
            elif self._inflater.eof:  # another gzip member may follow (concatenated files)
                data = self._inflater.unused_data
                self._inflater = None
            else:
                data = b""

    def _keep(self, data: bytes) -> None:
        self._body += data
        if len(self._body) > self._limit:
            raise ContentRejected(RejectReason.TOO_LARGE, f"more than {self._limit} bytes")

    def finish(self) -> bytes:
        if self._inflater is not None:
            self._keep(self._inflater.flush())
        return bytes(self._body)
