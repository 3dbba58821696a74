"""Safe URL fetching: refusals without network, then real HTTP against a local aiohttp server.

No test may open a connection to anything but loopback, even if the checks under test were
broken: every fetcher here resolves through ``loopback_only``, which refuses (before any
connection) to hand out any other address. « Public » names are played by injected resolvers.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import socket
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Sequence

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from content.fetch import (
    FetchPolicy,
    IPAddress,
    Resolver,
    UrlFetcher,
    check_url,
    decode_body,
    is_public_address,
    literal_address,
    refuse_non_public,
    resolve_host,
)
from content.rejections import ContentRejected, RejectReason

LOCAL_ONLY = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}))
PAGE = "<html><head><title>Bamako</title></head><body><p>Été à Ségou</p></body></html>"


async def _page(_: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


async def _echo_host(request: web.Request) -> web.Response:
    return web.Response(text=f"host={request.host}", content_type="text/plain")


async def _redirect(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.query["to"])


async def _chain(request: web.Request) -> web.Response:
    remaining = int(request.match_info["n"])
    if remaining == 0:
        return await _page(request)
    raise web.HTTPFound(f"/chain/{remaining - 1}")


async def _big(request: web.Request) -> web.StreamResponse:
    body = b"<p>" + b"x" * 300_000 + b"</p>"
    if "chunked" not in request.query:
        return web.Response(body=body, content_type="text/html")
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(body), 16_384):
        await response.write(body[start : start + 16_384])
    await response.write_eof()
    return response


async def _gzip_bomb(_: web.Request) -> web.Response:
    compressed = gzip.compress(b"<p>" + b"a" * 500_000 + b"</p>")
    headers = {"Content-Encoding": "gzip", "Content-Type": "text/html"}
    return web.Response(body=compressed, headers=headers)


async def _slow(request: web.Request) -> web.StreamResponse:
    """Sends a little every 0.1 s: no single read ever waits long, only the total is too long."""
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    try:
        for _ in range(100):
            await response.write(b"<p>encore</p>")
            await asyncio.sleep(0.1)
    except ConnectionResetError:
        pass
    return response


async def _typed(request: web.Request) -> web.Response:
    return web.Response(body=b"%PDF-1.7 ...", content_type=request.query["type"])


async def _status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]), text="nope")


async def _latin1(_: web.Request) -> web.Response:
    body = "<html><body><p>Kidal, été</p></body></html>".encode("latin-1")
    return web.Response(body=body, headers={"Content-Type": "text/html; charset=ISO-8859-1"})


async def _meta_charset(_: web.Request) -> web.Response:
    html = '<html><head><meta charset="windows-1252"></head><body><p>L’État</p></body></html>'
    return web.Response(body=html.encode("cp1252"), headers={"Content-Type": "text/html"})


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/page", _page)
    app.router.add_get("/echo-host", _echo_host)
    app.router.add_get("/redirect", _redirect)
    app.router.add_get("/chain/{n}", _chain)
    app.router.add_get("/big", _big)
    app.router.add_get("/gzip", _gzip_bomb)
    app.router.add_get("/slow", _slow)
    app.router.add_get("/typed", _typed)
    app.router.add_get("/status/{code}", _status)
    app.router.add_get("/latin1", _latin1)
    app.router.add_get("/meta-charset", _meta_charset)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


def url_of(server: TestServer, path: str) -> str:
    return str(server.make_url(path))


async def loopback_only(host: str, port: int) -> Sequence[IPAddress]:
    """The system resolver, restricted to loopback answers: the test suite's own safety net."""
    addresses = await resolve_host(host, port)
    if not all(address.is_loopback for address in addresses):
        raise OSError(f"test guard: {host} is not a loopback address")
    return addresses


async def rejection(
    url: str, policy: FetchPolicy = LOCAL_ONLY, resolver: Resolver = loopback_only
) -> ContentRejected:
    async with UrlFetcher(policy, resolver=resolver) as fetcher:
        with pytest.raises(ContentRejected) as caught:
            await fetcher.fetch(url)
    return caught.value


# --- refusals that need no network ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/article.txt",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "data:text/html,<h1>x</h1>",
        "gopher://example.com/",
        "example.com/article",
        "http:///no-host",
        "http://user:secret@example.com/",
        "",
        "http://example.com/" + "a" * 3000,
        # Host names DNS cannot carry: the resolver's IDNA codec raised UnicodeError, a
        # traceback in ingest, past every network error handler.
        "http://" + "a" * 300 + ".org/",
        "http://a..b/",
        "http://xn--ls8h.la/",
    ],
)
async def test_non_http_or_malformed_urls_are_bad_urls(url: str) -> None:
    assert (await rejection(url, FetchPolicy())).reason is RejectReason.BAD_URL


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.2:8080/admin",
        "http://[::1]/",
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://017700000001/",
        "http://0.0.0.0/",
        "http://10.0.0.5/",
        "http://172.16.3.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://224.0.0.1/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[2002:7f00:1::]/",
        "http://[64:ff9b::a00:1]/",
        "http://localhost/",
        "http://LOCALHOST./",
        "http://admin.localhost:8000/",
    ],
)
async def test_local_and_private_hosts_are_forbidden(url: str) -> None:
    assert (await rejection(url, FetchPolicy())).reason is RejectReason.FORBIDDEN_HOST


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0251.0376.0251.0376", "169.254.169.254"),
        ("example.com", None),
        ("1e100.net", None),
    ],
)
def test_legacy_numeric_hosts_are_read_as_the_address_they_reach(
    host: str, expected: str | None
) -> None:
    address = literal_address(host)
    assert (str(address) if address else None) == expected


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2001:4860:4860::8888", True),
        ("::ffff:8.8.8.8", True),
        ("198.51.100.7", False),
        ("240.0.0.1", False),
        ("255.255.255.255", False),
        ("ff02::1", False),
        ("fec0::1", False),
        ("::127.0.0.1", False),
    ],
)
def test_public_address_classification(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_check_url_drops_the_fragment_and_keeps_idn_hosts() -> None:
    checked = check_url("https://actualité.example/a?x=1#commentaires", FetchPolicy())
    assert checked.fragment == ""
    assert checked.raw_host.startswith(b"xn--")
    assert checked.host == "actualité.example"


# --- real HTTP on 127.0.0.1 -----------------------------------------------------------------


async def test_allowed_local_server_is_fetched_and_decoded(server: TestServer) -> None:
    async with UrlFetcher(LOCAL_ONLY, resolver=loopback_only) as fetcher:
        page = await fetcher.fetch(url_of(server, "/page"))
    assert page.status == 200
    assert page.content_type == "text/html"
    assert page.text == PAGE
    assert page.url == url_of(server, "/page")


async def test_local_server_is_refused_without_permission(server: TestServer) -> None:
    found = await rejection(url_of(server, "/page"), FetchPolicy())
    assert found.reason is RejectReason.FORBIDDEN_HOST


async def test_allow_private_hosts_admits_localhost(server: TestServer) -> None:
    url = f"http://localhost:{server.port}/page"
    async with UrlFetcher(FetchPolicy(allow_private_hosts=True), resolver=loopback_only) as fetcher:
        page = await fetcher.fetch(url)
    assert page.text == PAGE


async def test_a_name_resolving_to_a_private_address_is_refused(server: TestServer) -> None:
    """A public-looking name whose DNS answer is 127.0.0.1 (the DNS-rebinding trick)."""

    async def hostile_dns(host: str, port: int) -> Sequence[IPAddress]:
        return [ipaddress.ip_address("127.0.0.1")]

    found = await rejection(
        f"http://actualites.example:{server.port}/page", FetchPolicy(), resolver=hostile_dns
    )
    assert found.reason is RejectReason.FORBIDDEN_HOST
    assert found.detail == "actualites.example resolves to 127.0.0.1"


@pytest.mark.parametrize(
    "addresses",
    [["93.184.216.34", "10.1.2.3"], ["2001:4860:4860::8888", "::1"], ["127.0.0.1"]],
)
def test_one_non_public_address_among_public_ones_is_enough_to_refuse(
    addresses: list[str],
) -> None:
    resolved = [ipaddress.ip_address(address) for address in addresses]
    with pytest.raises(ContentRejected) as caught:
        refuse_non_public("mixed.example", resolved, FetchPolicy())
    assert caught.value.reason is RejectReason.FORBIDDEN_HOST
    assert caught.value.detail == f"mixed.example resolves to {addresses[-1]}"


def test_public_addresses_and_trusted_hosts_pass_the_address_check() -> None:
    public = [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("2606:4700::1111")]
    refuse_non_public("public.example", public, FetchPolicy())
    trusted = FetchPolicy(allowed_hosts=frozenset({"intranet.example"}))
    refuse_non_public("intranet.example", [ipaddress.ip_address("10.0.0.2")], trusted)
    with pytest.raises(ContentRejected):
        refuse_non_public("other.example", [ipaddress.ip_address("10.0.0.2")], trusted)


async def test_connection_goes_to_the_vetted_address_with_the_original_host(
    server: TestServer,
) -> None:
    lookups: list[str] = []

    async def local_dns(host: str, port: int) -> Sequence[IPAddress]:
        lookups.append(host)
        return [ipaddress.ip_address("127.0.0.1")]

    policy = FetchPolicy(allowed_hosts=frozenset({"journal.example"}))
    async with UrlFetcher(policy, resolver=local_dns) as fetcher:
        page = await fetcher.fetch(f"http://journal.example:{server.port}/echo-host")
    assert lookups == ["journal.example"]
    assert page.text == f"host=journal.example:{server.port}"


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", RejectReason.FORBIDDEN_HOST),
        ("http://[::1]/", RejectReason.FORBIDDEN_HOST),
        ("http://2130706433/", RejectReason.FORBIDDEN_HOST),
        ("file:///etc/passwd", RejectReason.BAD_URL),
    ],
)
async def test_redirect_to_a_refused_target_is_refused(
    server: TestServer, target: str, reason: RejectReason
) -> None:
    found = await rejection(url_of(server, "/redirect") + f"?to={target}")
    assert found.reason is reason


async def test_every_hop_is_checked_even_towards_the_same_server(server: TestServer) -> None:
    to_localhost = f"http://localhost:{server.port}/page"
    found = await rejection(url_of(server, "/redirect") + f"?to={to_localhost}")
    assert found.reason is RejectReason.FORBIDDEN_HOST


async def test_redirects_within_the_limit_are_followed(server: TestServer) -> None:
    async with UrlFetcher(
        FetchPolicy(max_redirects=3, allowed_hosts=LOCAL_ONLY.allowed_hosts)
    ) as f:
        page = await f.fetch(url_of(server, "/chain/3"))
    assert page.text == PAGE
    assert page.url == url_of(server, "/chain/0")


async def test_too_many_redirects(server: TestServer) -> None:
    policy = FetchPolicy(max_redirects=3, allowed_hosts=LOCAL_ONLY.allowed_hosts)
    found = await rejection(url_of(server, "/chain/4"), policy)
    assert found.reason is RejectReason.TOO_MANY_REDIRECTS


@pytest.mark.parametrize("query", ["", "?chunked=1"])
async def test_oversize_body_is_cut(server: TestServer, query: str) -> None:
    policy = FetchPolicy(max_bytes=100_000, allowed_hosts=LOCAL_ONLY.allowed_hosts)
    found = await rejection(url_of(server, "/big") + query, policy)
    assert found.reason is RejectReason.TOO_LARGE


async def test_size_limit_applies_after_decompression(server: TestServer) -> None:
    policy = FetchPolicy(max_bytes=100_000, allowed_hosts=LOCAL_ONLY.allowed_hosts)
    found = await rejection(url_of(server, "/gzip"), policy)
    assert found.reason is RejectReason.TOO_LARGE
    assert found.detail == "more than 100000 bytes"


def _compressed(wbits: int, parts: int, part: bytes) -> bytes:
    """``parts`` copies of ``part`` compressed (gzip 31, zlib 15, raw deflate -15), built
    without ever holding the whole uncompressed text."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    body = b"".join(compressor.compress(part) for _ in range(parts))
    return body + compressor.flush()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """200 MB of HTML in 200 kB of gzip."""
    return _compressed(31, 200, b"<p>" + b"a" * 999_993 + b"</p>")


@pytest.fixture
async def encoded_server(bomb: bytes) -> AsyncIterator[TestServer]:
    page = PAGE.encode() * 50
    bodies = {
        "gzip": _compressed(31, 1, page),
        "deflate": _compressed(15, 1, page),
        "raw-deflate": _compressed(-15, 1, page),
        "two-members": _compressed(31, 1, page[:5000]) + _compressed(31, 1, page[5000:]),
    }

    async def encoded(request: web.Request) -> web.Response:
        kind = request.match_info["kind"]
        if kind == "bomb":
            body, encoding = bomb, "gzip"
        elif kind == "brotli":
            body, encoding = b"\x8b\x02\x80", "br"
        else:
            body = bodies[kind]
            encoding = "gzip" if kind in ("gzip", "two-members") else "deflate"
        headers = {"Content-Encoding": encoding, "Content-Type": "text/html; charset=utf-8"}
        return web.Response(body=body, headers=headers)

    app = web.Application()
    app.router.add_get("/{kind}", encoded)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


async def test_a_compression_bomb_is_refused_within_bounded_memory(
    encoded_server: TestServer,
) -> None:
    """200 kB of gzip that would inflate to 200 MB: refused at the limit, and never more than
    a few times the limit in memory (httpx's own decoder inflated whole network reads at once:
    150 MB at the peak for this page)."""
    policy = FetchPolicy(max_bytes=2_000_000, allowed_hosts=LOCAL_ONLY.allowed_hosts)
    tracemalloc.start()
    try:
        found = await rejection(url_of(encoded_server, "/bomb"), policy)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found.reason is RejectReason.TOO_LARGE
    assert peak < 12_000_000, f"{peak / 1e6:.0f} MB"


@pytest.mark.parametrize("kind", ["gzip", "deflate", "raw-deflate", "two-members"])
async def test_compressed_pages_are_decoded(encoded_server: TestServer, kind: str) -> None:
    async with UrlFetcher(LOCAL_ONLY, resolver=loopback_only) as fetcher:
        page = await fetcher.fetch(url_of(encoded_server, f"/{kind}"))
    assert page.text == PAGE * 50


async def test_an_encoding_we_did_not_ask_for_is_refused(encoded_server: TestServer) -> None:
    found = await rejection(url_of(encoded_server, "/brotli"))
    assert found.reason is RejectReason.FETCH_FAILED
    assert found.detail == "unsupported content encoding 'br'"


async def test_trickling_server_hits_the_overall_deadline(server: TestServer) -> None:
    policy = FetchPolicy(timeout_seconds=0.8, allowed_hosts=LOCAL_ONLY.allowed_hosts)
    found = await rejection(url_of(server, "/slow"), policy)
    assert found.reason is RejectReason.TIMEOUT


@pytest.mark.parametrize("content_type", ["application/pdf", "application/json", "image/png"])
async def test_non_html_content_is_refused(server: TestServer, content_type: str) -> None:
    found = await rejection(url_of(server, f"/typed?type={content_type}"))
    assert found.reason is RejectReason.NOT_HTML
    assert found.detail == content_type


@pytest.mark.parametrize("code", [404, 410, 500, 503])
async def test_http_errors_carry_their_status(server: TestServer, code: int) -> None:
    found = await rejection(url_of(server, f"/status/{code}"))
    assert found.reason is RejectReason.FETCH_FAILED
    assert found.detail == f"HTTP {code}"


async def test_closed_port_is_a_failed_fetch() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    found = await rejection(f"http://127.0.0.1:{port}/")
    assert found.reason is RejectReason.FETCH_FAILED


async def test_declared_latin1_is_decoded(server: TestServer) -> None:
    async with UrlFetcher(LOCAL_ONLY, resolver=loopback_only) as fetcher:
        page = await fetcher.fetch(url_of(server, "/latin1"))
    assert "Kidal, été" in page.text


async def test_meta_charset_is_honoured_without_http_charset(server: TestServer) -> None:
    async with UrlFetcher(LOCAL_ONLY, resolver=loopback_only) as fetcher:
        page = await fetcher.fetch(url_of(server, "/meta-charset"))
    assert "L’État" in page.text


@pytest.mark.parametrize(
    ("body", "charset", "expected"),
    [
        ("Ségou".encode(), None, "Ségou"),
        (b"\xef\xbb\xbf" + "Ségou".encode(), "iso-8859-1", "Ségou"),
        ("Ségou ’".encode("cp1252"), None, "Ségou ’"),
        ("Ségou ’".encode("cp1252"), "iso-8859-1", "Ségou ’"),
        ("Ségou".encode(), "no-such-charset", "Ségou"),
    ],
)
def test_decode_body(body: bytes, charset: str | None, expected: str) -> None:
    assert decode_body(body, charset) == expected
