"""Fetching feeds the way outlets would welcome, and behind the same guard as pasted links.

A feed address comes from an admin, the seed file or an OPML import, and a redirect can send
it anywhere: the SSRF rules, size cap and overall deadline of ``content.fetch`` apply to every
request (the vetted transport, ``send_following_redirects``, ``read_capped``). On top of them,
politeness towards the outlets polled every few minutes:

* conditional GET (If-None-Match / If-Modified-Since), so an unchanged feed costs a 304;
* a stable User-Agent naming the bot and a contact URL, and an Accept header for feeds;
* at most ``per_host_concurrency`` requests at once to one host (an outlet's several feeds
  share its server), counted on the host of the address asked for, feeds and pages together;
* the server's wishes handed back to the scheduler: Retry-After, Cache-Control max-age, and
  the permanent redirects (301/308) that should replace the stored address;
* a 403 is retried once with a browser-like User-Agent: some sites' firewalls refuse any agent
  they do not know, and feed readers commonly fall back like this. The retry is logged.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TypeVar

import httpx

from content.fetch import (
    PAGE_ACCEPT,
    FetchedPage,
    FetchPolicy,
    Redirect,
    Resolver,
    VettedFetcher,
    check_url,
    read_capped,
    read_page,
    resolve_host,
    send_following_redirects,
    vetted_client,
)
from content.rejections import ContentRejected, RejectReason
from feeds.settings import FeedSettings

logger = logging.getLogger(__name__)

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, "
    "application/json;q=0.9, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
BROWSER_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
"""Sent only on the one retry after a 403 to our own agent."""
PERMANENT_REDIRECTS = frozenset({301, 308})
PERMANENT_STATUSES = frozenset({401, 403, 404, 410})
"""Answers that retrying unchanged will not turn into a feed: an admin has to look."""
LONGEST_SERVER_WAIT = timedelta(days=366)
"""Retry-After and max-age beyond this are read as this (timedelta overflows near 2.7 million
years; the scheduler caps waits far lower anyway)."""
_MAX_AGE = re.compile(r'(?:^|,)\s*max-age\s*=\s*"?(\d+)"?\s*(?:,|$)', re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*no-(?:cache|store)\s*(?:[=,]|$)", re.I)

T = TypeVar("T")
Reader = Callable[[httpx.Response, tuple[Redirect, ...]], Awaitable[T]]


@dataclass(frozen=True, slots=True)
class FeedResponse:
    """A feed's answer: a new document (200) or « nothing new » (304)."""

    status: int
    """200, or 304 (also for a 200 with an empty body: some servers answer that for 304)."""
    url: str
    """The address to keep polling: the one asked for, or the end of a chain of 301/308 (any
    302, 303 or 307 in the chain keeps the one asked for: the move is temporary)."""
    base_url: str
    """Where the body came from: relative links resolve against it."""
    body: bytes
    """The document, decompressed; b"" for 304."""
    content_type: str | None
    """The Content-Type header as sent: the parser needs its charset."""
    etag: str | None
    last_modified: str | None
    max_age: timedelta | None
    """Cache-Control max-age (s-maxage is for shared caches); None with no-cache or no-store."""
    retry_after: timedelta | None


class FeedFetchError(Exception):
    """A feed that could not be fetched; ``str()`` is one English line for logs and admins."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: timedelta | None = None,
        reason: RejectReason | None = None,
    ) -> None:
        super().__init__(" ".join(message.split()))
        self.status = status
        """The HTTP status; None when no HTTP answer came (timeout, refused host, too large…)."""
        self.retry_after = retry_after
        self.reason = reason
        """Why the guard or the network refused, when no HTTP status says it."""
        self.gone = status == 410
        self.permanent = status in PERMANENT_STATUSES or reason is RejectReason.BAD_URL
        """Retrying unchanged will not help (401, 403 even as a browser, 404, 410, bad URL)."""

    @classmethod
    def from_rejection(cls, rejection: ContentRejected) -> FeedFetchError:
        return cls(str(rejection), reason=rejection.reason)

    @classmethod
    def from_status(cls, status: int, retry_after: timedelta | None) -> FeedFetchError:
        phrase = httpx.codes.get_reason_phrase(status)
        message = f"HTTP {status} {phrase}".rstrip()
        if status == 410:
            message += ": the feed was removed"
        if retry_after is not None:
            message += f", retry after {retry_after.total_seconds():.0f} s"
        return cls(message, status=status, retry_after=retry_after)


class _RefusedOurAgent(Exception):
    """A 403 to our User-Agent: worth one retry as a browser."""


def policy_for(settings: FeedSettings) -> FetchPolicy:
    """The page fetcher's policy with the feed section's limits and trusted hosts."""
    return FetchPolicy(
        timeout_seconds=settings.timeout_seconds,
        max_bytes=settings.max_bytes,
        max_redirects=settings.max_redirects,
        user_agent=settings.user_agent,
        allow_private_hosts=settings.allow_private_hosts,
        allowed_hosts=frozenset(_host_key(host) for host in settings.trusted_hosts),
    )


def _host_key(host: str) -> str:
    """A host as ``check_url`` compares it: lower case, ASCII (punycode), no final dot."""
    try:
        return httpx.URL(f"http://{host.strip()}/").raw_host.decode("ascii").lower().rstrip(".")
    except (httpx.InvalidURL, ValueError):
        return host.strip().lower().rstrip(".")


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as a wait from ``now``: delay-seconds or an HTTP date; a past date is zero."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return min(timedelta(seconds=min(int(text), 10**10)), LONGEST_SERVER_WAIT)
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000" means UTC with no claim about local time (RFC 5322)
        moment = moment.replace(tzinfo=UTC)
    return min(max(moment - now, timedelta(0)), LONGEST_SERVER_WAIT)


def parse_max_age(cache_control: str | None) -> timedelta | None:
    """Cache-Control max-age; None when absent, or when no-cache/no-store asks to re-check."""
    if not cache_control or _NO_CACHE.search(cache_control):
        return None
    found = _MAX_AGE.search(cache_control)
    if found is None:
        return None
    return min(timedelta(seconds=min(int(found.group(1)), 10**10)), LONGEST_SERVER_WAIT)


class FeedFetcher(VettedFetcher):
    """Fetches feeds, and the pages of teaser items, for the whole process: reuse one instance
    (it pools connections and holds the per-host limits).

    ``resolver`` is the name lookup used at connection time; tests inject one to give
    invented names a loopback address.
    """

    def __init__(self, settings: FeedSettings, *, resolver: Resolver = resolve_host) -> None:
        policy = policy_for(settings)
        super().__init__(policy, vetted_client(policy, resolver=resolver, accept=FEED_ACCEPT))
        self._settings = settings
        self._host_slots: dict[str, asyncio.Semaphore] = {}

    async def fetch_feed(
        self, url: str, *, etag: str | None, last_modified: str | None, now: datetime
    ) -> FeedResponse:
        """Fetch a feed, conditionally when validators are given; raise ``FeedFetchError``."""
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        read = partial(self._read_feed, asked=url, etag=etag, last_modified=last_modified, now=now)
        try:
            return await self._request(url, headers, read)
        except ContentRejected as rejection:
            raise FeedFetchError.from_rejection(rejection) from rejection

    async def fetch_page(self, url: str) -> FetchedPage:
        """Fetch an item's article page (HTML or text) under the page rules of ``UrlFetcher``;
        raise ``ContentRejected``."""
        return await self._request(url, {"Accept": PAGE_ACCEPT}, self._read_page)

    async def _request(self, url: str, headers: Mapping[str, str], read: Reader[T]) -> T:
        """One fetch under its host's limit: our agent first, a browser's once after a 403."""
        host = check_url(url, self._policy).raw_host.decode("ascii").lower().rstrip(".")
        async with self._host_slot(host):
            try:
                return await self._attempt(url, headers, read, as_browser=False)
            except _RefusedOurAgent:
                logger.info("%s refused our User-Agent (403): retrying once as a browser", url)
            browser = {**headers, "User-Agent": BROWSER_USER_AGENT}
            return await self._attempt(url, browser, read, as_browser=True)

    @asynccontextmanager
    async def _host_slot(self, host: str) -> AsyncIterator[None]:
        slot = self._host_slots.get(host)
        if slot is None:
            slot = self._host_slots[host] = asyncio.Semaphore(self._settings.per_host_concurrency)
        async with slot:
            yield

    async def _attempt(
        self, url: str, headers: Mapping[str, str], read: Reader[T], *, as_browser: bool
    ) -> T:
        """One request with its redirects and body, within one deadline (started once the host
        slot is held: waiting for the outlet's other feeds is not the outlet being slow)."""
        try:
            async with asyncio.timeout(self._policy.timeout_seconds):
                response, hops = await send_following_redirects(
                    self._client, url, self._policy, headers
                )
                try:
                    if response.status_code == 403 and not as_browser:
                        raise _RefusedOurAgent
                    return await read(response, hops)
                finally:
                    await response.aclose()
        except TimeoutError as error:
            detail = f"no complete answer within {self._policy.timeout_seconds:g} s"
            raise ContentRejected(RejectReason.TIMEOUT, detail) from error

    async def _read_page(self, response: httpx.Response, hops: tuple[Redirect, ...]) -> FetchedPage:
        return await read_page(response, self._policy.max_bytes)

    async def _read_feed(
        self,
        response: httpx.Response,
        hops: tuple[Redirect, ...],
        *,
        asked: str,
        etag: str | None,
        last_modified: str | None,
        now: datetime,
    ) -> FeedResponse:
        headers = response.headers
        status = response.status_code
        retry_after = parse_retry_after(headers.get("retry-after"), now)
        if status != 304 and not response.is_success:
            raise FeedFetchError.from_status(status, retry_after)
        body = b"" if status == 304 else await read_capped(response, self._policy.max_bytes)
        unchanged = status == 304 or not body.strip()
        if unchanged and status != 304:
            logger.info("%s answered %d with an empty body: read as 304", asked, status)
        moved = bool(hops) and all(hop.status in PERMANENT_REDIRECTS for hop in hops)
        if status == 304:  # a 304 carries the validators a 200 would have (RFC 9110 15.4.5)
            etag = headers.get("etag", etag)
            last_modified = headers.get("last-modified", last_modified)
        elif not unchanged:
            etag, last_modified = headers.get("etag"), headers.get("last-modified")
        # else an empty 200: its validators describe no document; keep the ones sent
        return FeedResponse(
            status=304 if unchanged else 200,
            url=str(response.url) if moved else asked,
            base_url=str(response.url),
            body=b"" if unchanged else body,
            content_type=headers.get("content-type"),
            etag=etag,
            last_modified=last_modified,
            max_age=parse_max_age(headers.get("cache-control")),
            retry_after=retry_after,
        )
