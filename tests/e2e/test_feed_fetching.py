"""Fetching feeds over real HTTP from a local server playing the outlets.

Every fetcher resolves through ``loopback_resolver``: invented outlet names reach the local
server, and nothing else but loopback can be reached even if the checks under test were broken.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from aiohttp import web

from content.rejections import ContentRejected, RejectReason
from feeds.fetching import (
    BROWSER_USER_AGENT,
    FEED_ACCEPT,
    FeedFetcher,
    FeedFetchError,
    FeedResponse,
    parse_max_age,
    parse_retry_after,
)
from feeds.settings import FeedSettings
from tests.support.feed_server import FeedServer, Response, loopback_resolver, redirect

NOW = datetime(2025, 6, 23, 5, 0, tzinfo=UTC)
RSS = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Sahel Matin</title>'
    "<item><title>Niamey</title><link>/a/1</link></item></channel></rss>"
)
OUTLETS = ("lesahel.example", "aniamey.example", "intranet.example")
LOCAL = FeedSettings(trusted_hosts=("127.0.0.1", "lesahel.example", "aniamey.example"))
"""127.0.0.1 and two outlet names trusted at their loopback address; nothing else."""


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as feed_server:
        yield feed_server


def fetcher(settings: FeedSettings = LOCAL) -> FeedFetcher:
    return FeedFetcher(settings, resolver=loopback_resolver(*OUTLETS))


async def fetch(
    url: str,
    settings: FeedSettings = LOCAL,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FeedResponse:
    async with fetcher(settings) as feeds:
        return await feeds.fetch_feed(url, etag=etag, last_modified=last_modified, now=NOW)


async def failure(url: str, settings: FeedSettings = LOCAL) -> FeedFetchError:
    with pytest.raises(FeedFetchError) as caught:
        await fetch(url, settings)
    assert "\n" not in str(caught.value)
    return caught.value


# --- 200 and 304 ----------------------------------------------------------------------------


async def test_a_new_document_comes_with_its_validators(server: FeedServer) -> None:
    server.route(
        "/rss",
        Response(
            body=RSS,
            headers={
                "ETag": '"v1"',
                "Last-Modified": "Mon, 23 Jun 2025 04:00:00 GMT",
                "Cache-Control": "public, max-age=600, s-maxage=3600",
            },
        ),
    )
    answer = await fetch(server.url("/rss"))
    assert answer == FeedResponse(
        status=200,
        url=server.url("/rss"),
        base_url=server.url("/rss"),
        body=RSS.encode(),
        content_type="application/rss+xml; charset=utf-8",
        etag='"v1"',
        last_modified="Mon, 23 Jun 2025 04:00:00 GMT",
        max_age=timedelta(seconds=600),
        retry_after=None,
    )
    (request,) = server.requests
    assert request.headers["User-Agent"] == LOCAL.user_agent
    assert request.headers["Accept"] == FEED_ACCEPT
    assert "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers


async def test_conditional_get_sends_the_validators_and_reads_304(server: FeedServer) -> None:
    async def outlet(request: web.Request) -> web.Response:
        """Compares validators as a real server does."""
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"', "Cache-Control": "no-cache"})
        return web.Response(body=RSS.encode(), headers={"ETag": '"v1"'})

    server.route("/rss", outlet)
    stamp = "Mon, 23 Jun 2025 04:00:00 GMT"
    answer = await fetch(server.url("/rss"), etag='"v1"', last_modified=stamp)
    assert (answer.status, answer.body, answer.etag) == (304, b"", '"v1"')
    assert answer.last_modified == stamp  # the 304 sent none: the one we had still holds
    assert answer.max_age is None
    (request,) = server.requests
    assert request.headers["If-None-Match"] == '"v1"'
    assert request.headers["If-Modified-Since"] == stamp
    changed = await fetch(server.url("/rss"), etag='"v0"')
    assert (changed.status, changed.body) == (200, RSS.encode())


@pytest.mark.parametrize("body", ["", "  \n"])
async def test_a_200_with_an_empty_body_is_read_as_304(server: FeedServer, body: str) -> None:
    server.route("/rss", Response(body=body, headers={"ETag": '"empty"'}))
    answer = await fetch(server.url("/rss"), etag='"v1"', last_modified=None)
    assert (answer.status, answer.body) == (304, b"")
    assert answer.etag == '"v1"'  # validators of an empty body would hide the next document


async def test_a_gzipped_feed_is_decompressed(server: FeedServer) -> None:
    server.route("/rss", Response(body=RSS, gzip=True))
    answer = await fetch(server.url("/rss"))
    assert answer.body == RSS.encode()
    assert server.requests[0].headers["Accept-Encoding"] == "gzip, deflate"


# --- redirects ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 308])
async def test_a_permanent_redirect_moves_the_feed(server: FeedServer, status: int) -> None:
    server.route("/old", redirect("/rss", status))
    server.route("/rss", Response(body=RSS))
    answer = await fetch(server.url("/old"))
    assert answer.url == answer.base_url == server.url("/rss")
    assert answer.body == RSS.encode()


async def test_a_chain_of_permanent_redirects_moves_the_feed_to_its_end(
    server: FeedServer,
) -> None:
    server.route("/a", redirect("/b", 301))
    server.route("/b", redirect(server.url("/c", host="lesahel.example"), 308))
    server.route("/c", redirect("/rss", 301))
    server.route("/rss", Response(body=RSS))
    answer = await fetch(server.url("/a"))
    assert answer.url == server.url("/rss", host="lesahel.example")
    assert [request.path for request in server.requests] == ["/a", "/b", "/c", "/rss"]


@pytest.mark.parametrize("status", [302, 303, 307])
async def test_a_temporary_redirect_keeps_the_address(server: FeedServer, status: int) -> None:
    server.route("/feed", redirect("/today.xml", status))
    server.route("/today.xml", Response(body=RSS))
    answer = await fetch(server.url("/feed"))
    assert answer.url == server.url("/feed")
    assert answer.base_url == server.url("/today.xml")
    assert answer.body == RSS.encode()


async def test_one_temporary_hop_in_a_chain_keeps_the_address(server: FeedServer) -> None:
    server.route("/a", redirect("/b", 301))
    server.route("/b", redirect("/c", 302))
    server.route("/c", redirect("/rss", 308))
    server.route("/rss", Response(body=RSS))
    answer = await fetch(server.url("/a"))
    assert (answer.url, answer.base_url) == (server.url("/a"), server.url("/rss"))


async def test_too_many_redirects(server: FeedServer) -> None:
    for n in range(4):
        server.route(f"/r{n}", redirect(f"/r{n + 1}", 301))
    error = await failure(
        server.url("/r0"), FeedSettings(trusted_hosts=("127.0.0.1",), max_redirects=3)
    )
    assert (error.status, error.reason) == (None, RejectReason.TOO_MANY_REDIRECTS)
    assert server.count("/r4") == 0


# --- errors -----------------------------------------------------------------------------------


async def test_410_means_gone(server: FeedServer) -> None:
    server.route("/rss", Response(status=410, body="gone"))
    error = await failure(server.url("/rss"))
    assert (error.status, error.gone, error.permanent) == (410, True, True)
    assert str(error) == "HTTP 410 Gone: the feed was removed"


@pytest.mark.parametrize(("status", "permanent"), [(404, True), (401, True), (500, False)])
async def test_http_errors_carry_their_status(
    server: FeedServer, status: int, permanent: bool
) -> None:
    server.route("/rss", Response(status=status, body="nope"))
    error = await failure(server.url("/rss"))
    assert (error.status, error.gone, error.permanent) == (status, False, permanent)
    assert error.retry_after is None
    assert str(error).startswith(f"HTTP {status} ")


async def test_429_with_retry_after_in_seconds(server: FeedServer) -> None:
    server.route("/rss", Response(status=429, headers={"Retry-After": "120"}))
    error = await failure(server.url("/rss"))
    assert (error.status, error.retry_after) == (429, timedelta(minutes=2))
    assert str(error) == "HTTP 429 Too Many Requests, retry after 120 s"


async def test_429_with_retry_after_as_an_http_date(server: FeedServer) -> None:
    later = format_datetime(NOW + timedelta(minutes=45), usegmt=True)
    server.route("/rss", Response(status=429, headers={"Retry-After": later}))
    error = await failure(server.url("/rss"))
    assert error.retry_after == timedelta(minutes=45)


async def test_503_with_a_past_date_means_retry_now(server: FeedServer) -> None:
    earlier = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    server.route("/rss", Response(status=503, headers={"Retry-After": earlier}))
    error = await failure(server.url("/rss"))
    assert (error.status, error.retry_after) == (503, timedelta(0))


async def test_a_slow_server_hits_the_deadline(server: FeedServer) -> None:
    server.route("/rss", Response(body=RSS, delay=5))
    started = time.monotonic()
    error = await failure(
        server.url("/rss"), FeedSettings(trusted_hosts=("127.0.0.1",), timeout_seconds=0.5)
    )
    assert time.monotonic() - started < 2
    assert (error.status, error.reason) == (None, RejectReason.TIMEOUT)
    assert str(error) == "fetch timed out: no complete answer within 0.5 s"


async def test_a_trickling_body_hits_the_same_deadline(server: FeedServer) -> None:
    server.route("/rss", Response(body=RSS * 20, chunk_size=50, chunk_delay=0.1))
    error = await failure(
        server.url("/rss"), FeedSettings(trusted_hosts=("127.0.0.1",), timeout_seconds=0.5)
    )
    assert error.reason is RejectReason.TIMEOUT


async def test_a_closed_port_is_a_failure_without_status() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = await failure(f"http://127.0.0.1:{port}/rss")
    assert (error.status, error.reason, error.permanent) == (None, RejectReason.FETCH_FAILED, False)


SMALL = FeedSettings(trusted_hosts=("127.0.0.1",), max_bytes=100_000)
BIG = "<rss>" + "x" * 300_000 + "</rss>"


@pytest.mark.parametrize(
    "answer",
    [
        Response(body=BIG),  # with Content-Length: refused before reading
        Response(body=BIG, chunked=True),  # without: cut at the limit
        Response(body="<rss>" + "a" * 10_000_000 + "</rss>", gzip=True),  # 10 MB in 10 kB
    ],
    ids=["content-length", "chunked", "gzip-bomb"],
)
async def test_an_oversized_feed_is_refused(server: FeedServer, answer: Response) -> None:
    server.route("/rss", answer)
    error = await failure(server.url("/rss"), SMALL)
    assert (error.status, error.reason) == (None, RejectReason.TOO_LARGE)
    assert str(error).startswith("too large: ")


async def test_a_bad_url_is_permanent() -> None:
    error = await failure("ftp://lesahel.example/rss")
    assert (error.reason, error.permanent) == (RejectReason.BAD_URL, True)


# --- the SSRF guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "http://localhost:{port}/secret",
        "http://127.0.0.2:{port}/secret",
        "http://intranet.example:{port}/secret",  # resolves to 127.0.0.1, not trusted
        "http://169.254.169.254/latest/meta-data/",
    ],
)
async def test_a_redirect_to_a_private_address_is_refused(server: FeedServer, target: str) -> None:
    """127.0.0.1 is trusted (FetchPolicy.trusts compares the host as written), so the first hop
    is fetched; the redirect's host is not, and is refused before any connection."""
    server.route("/rss", redirect(target.format(port=server.port), 301))
    server.route("/secret", Response(body="secret"))
    error = await failure(server.url("/rss"), FeedSettings(trusted_hosts=("127.0.0.1",)))
    assert (error.status, error.reason) == (None, RejectReason.FORBIDDEN_HOST)
    assert str(error).startswith("host is not a public address: ")
    assert [request.path for request in server.requests] == ["/rss"]


async def test_a_name_resolving_to_a_private_address_is_refused(server: FeedServer) -> None:
    server.route("/rss", Response(body=RSS))
    error = await failure(server.url("/rss", host="intranet.example"), FeedSettings())
    assert error.reason is RejectReason.FORBIDDEN_HOST
    assert str(error) == "host is not a public address: intranet.example resolves to 127.0.0.1"
    assert server.requests == []


async def test_loopback_is_refused_unless_trusted(server: FeedServer) -> None:
    server.route("/rss", Response(body=RSS))
    error = await failure(server.url("/rss"), FeedSettings())
    assert error.reason is RejectReason.FORBIDDEN_HOST
    allowed = await fetch(server.url("/rss"), FeedSettings(allow_private_hosts=True))
    assert allowed.body == RSS.encode()
    assert len(server.requests) == 1


# --- politeness -------------------------------------------------------------------------------


async def test_a_403_to_our_agent_is_retried_once_as_a_browser(server: FeedServer) -> None:
    async def picky(request: web.Request) -> web.Response:
        if "Mozilla" not in request.headers.get("User-Agent", ""):
            return web.Response(status=403, text="bots go away")
        return web.Response(body=RSS.encode())

    server.route("/rss", picky)
    answer = await fetch(server.url("/rss"), etag='"v1"')
    assert answer.body == RSS.encode()
    agents = [request.headers["User-Agent"] for request in server.requests]
    assert agents == [LOCAL.user_agent, BROWSER_USER_AGENT]
    assert server.requests[1].headers["If-None-Match"] == '"v1"'


async def test_a_403_to_the_browser_too_is_a_permanent_error(server: FeedServer) -> None:
    server.route("/rss", Response(status=403, body="no"))
    error = await failure(server.url("/rss"))
    assert (error.status, error.permanent) == (403, True)
    assert server.count("/rss") == 2


async def test_requests_to_one_host_are_limited(server: FeedServer) -> None:
    server.route("/rss", Response(body=RSS, delay=0.2))
    async with fetcher() as feeds:
        answers = await asyncio.gather(
            *(
                feeds.fetch_feed(
                    server.url(f"/rss?n={n}", host="lesahel.example"),
                    etag=None,
                    last_modified=None,
                    now=NOW,
                )
                for n in range(10)
            )
        )
    assert [answer.status for answer in answers] == [200] * 10
    assert len(server.requests) == 10
    assert server.max_concurrent_per_host["lesahel.example"] == LOCAL.per_host_concurrency == 2


async def test_each_host_has_its_own_limit_shared_by_feeds_and_pages(server: FeedServer) -> None:
    server.route("/rss", Response(body=RSS, delay=0.2))
    server.route("/page", Response(body="<p>Niamey</p>", content_type="text/html", delay=0.2))
    async with fetcher() as feeds:
        work: list[Awaitable[object]] = []
        for host in ("lesahel.example", "aniamey.example"):
            for n in range(5):
                work.append(
                    feeds.fetch_feed(
                        server.url(f"/rss?n={n}", host=host), etag=None, last_modified=None, now=NOW
                    )
                )
                work.append(feeds.fetch_page(server.url(f"/page?n={n}", host=host)))
        await asyncio.gather(*work)
    assert len(server.requests) == 20
    assert dict(server.max_concurrent_per_host) == {"lesahel.example": 2, "aniamey.example": 2}
    assert server.max_concurrent == 4  # the two hosts were served at the same time


async def test_one_fetcher_per_process_does_not_limit_another(server: FeedServer) -> None:
    """The limit is held by the fetcher, not the module: two fetchers are two clients."""
    server.route("/rss", Response(body=RSS, delay=0.2))
    async with fetcher() as first, fetcher() as second:
        await asyncio.gather(
            *(
                feeds.fetch_feed(server.url(f"/rss?n={n}"), etag=None, last_modified=None, now=NOW)
                for feeds in (first, second)
                for n in range(3)
            )
        )
    assert server.max_concurrent_per_host["127.0.0.1"] == 4


# --- article pages --------------------------------------------------------------------------


async def test_a_page_is_fetched_like_a_pasted_link(server: FeedServer) -> None:
    html = "<html><body><p>Été à Ségou</p></body></html>"
    server.route("/old", redirect("/article", 301))
    server.route("/article", Response(body=html, content_type="text/html; charset=utf-8"))
    async with fetcher() as feeds:
        page = await feeds.fetch_page(server.url("/old"))
    assert (page.url, page.status, page.content_type) == (server.url("/article"), 200, "text/html")
    assert page.text == html
    assert server.requests[-1].headers["Accept"].startswith("text/html")


@pytest.mark.parametrize(
    ("path", "answer", "reason"),
    [
        (
            "/file.pdf",
            Response(body=b"%PDF-1.7", content_type="application/pdf"),
            RejectReason.NOT_HTML,
        ),
        ("/missing", Response(status=404, content_type="text/html"), RejectReason.FETCH_FAILED),
        ("/inside", redirect("http://localhost/"), RejectReason.FORBIDDEN_HOST),
    ],
)
async def test_pages_are_refused_like_pasted_links(
    server: FeedServer, path: str, answer: Response, reason: RejectReason
) -> None:
    server.route(path, answer)
    async with fetcher() as feeds:
        with pytest.raises(ContentRejected) as caught:
            await feeds.fetch_page(server.url(path))
    assert caught.value.reason is reason


async def test_a_slow_page_times_out_as_a_rejection(server: FeedServer) -> None:
    server.route("/article", Response(body="<p>x</p>", content_type="text/html", delay=5))
    settings = FeedSettings(trusted_hosts=("127.0.0.1",), timeout_seconds=0.5)
    async with fetcher(settings) as feeds:
        with pytest.raises(ContentRejected) as caught:
            await feeds.fetch_page(server.url("/article"))
    assert caught.value.reason is RejectReason.TIMEOUT


# --- header parsing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("0", timedelta(0)),
        (" 3600 ", timedelta(hours=1)),
        ("Mon, 23 Jun 2025 06:00:00 GMT", timedelta(hours=1)),
        ("Mon, 23 Jun 2025 04:00:00 GMT", timedelta(0)),
        ("Monday, 23-Jun-25 05:30:00 GMT", timedelta(minutes=30)),
        ("-5", None),
        ("soon", None),
        ("", None),
        ("9" * 40, timedelta(days=366)),
    ],
)
def test_parse_retry_after(value: str | None, expected: timedelta | None) -> None:
    assert parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("max-age=300", timedelta(minutes=5)),
        ('public, MAX-AGE="60", must-revalidate', timedelta(minutes=1)),
        ("s-maxage=600", None),
        ("s-maxage=600, max-age=30", timedelta(seconds=30)),
        ("no-cache, max-age=300", None),
        ("max-age=300, no-store", None),
        ('no-cache="Set-Cookie", max-age=300', None),
        ("max-age=-1", None),
        ("max-age=" + "9" * 40, timedelta(days=366)),
    ],
)
def test_parse_max_age(value: str | None, expected: timedelta | None) -> None:
    assert parse_max_age(value) == expected
