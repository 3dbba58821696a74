"""Polling feeds that fail, move or misbehave, end to end: a local server plays the outlets, the
services run on a real SQLite file with a stoppable clock, and the tests read the feed's state,
its next poll and the admins' alerts afterwards.

Nothing here sleeps: a day of failures is the clock moved from one scheduled poll to the next.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from feeds.poller import PollOutcome
from feeds.service import FeedRefusal, FeedRefused
from tests.e2e.feed_polling_support import (
    NEWS,
    POLL_INTERVAL,
    Entry,
    current,
    every_article,
    follow,
    news,
    poll_later,
    poll_once,
    polling,
    rss,
    stored_titles,
)
from tests.support.factories import FakeClock
from tests.support.feed_server import FeedServer, Response, redirect


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as outlet:
        yield outlet


# --- the feed moves -------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "moves"), [(301, True), (308, True), (302, False)])
async def test_only_a_permanent_redirect_moves_the_feed(
    server: FeedServer, clock: FakeClock, tmp_path: Path, status: int, moves: bool
) -> None:
    first = rss([news(0, server, published=clock.now)])
    server.route("/rss", Response(body=first))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1
        # The outlet moves its feed (a new CMS), keeping the old address as a redirect.
        server.route("/rss", redirect("/feed/actualites.xml", status))
        server.route(
            "/feed/actualites.xml",
            Response(
                body=rss([news(1, server, published=clock.now), news(0, server, published=None)])
            ),
        )
        result = await poll_later(services, clock)
        assert (result.outcome, result.new_articles) == (PollOutcome.FETCHED, 1)
        moved = await current(services, feed)
        expected = server.url("/feed/actualites.xml") if moves else server.url("/rss")
        assert moved.url == expected
        await poll_later(services, clock)
    # The add and the first two polls asked /rss; the third asks the new address if moved.
    assert server.count("/rss") == (3 if moves else 4)
    assert server.count("/feed/actualites.xml") == 2


async def test_a_redirect_onto_a_feed_already_followed_keeps_both(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.route("/ancien/rss", Response(body=rss([news(0, server, published=clock.now)])))
    server.route("/rss", Response(body=rss([news(0, server, published=clock.now)])))
    async with polling(tmp_path / "feeds.db", clock) as services:
        old = await follow(services, server.url("/ancien/rss"))
        new = await follow(services, server.url("/rss"))
        await services.feeds.poller.poll_due()
        server.route("/ancien/rss", redirect("/rss", 301))
        clock.advance(minutes=10)
        done = await services.feeds.poller.poll_due()
        assert done.count(PollOutcome.FETCHED) == 2
        assert [feed.url for feed in await services.feeds.feeds()] == [old.url, new.url]
        assert await services.library.count() == 1


# --- the outlet says stop or wait -----------------------------------------------------------


async def test_410_gone_pauses_the_feed_and_tells_admins_once(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.route("/rss", Response(body=rss([news(0, server, published=clock.now)])))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/rss"), topic="niger")
        await poll_once(services)
        server.route("/rss", Response(status=410, body="Ce flux n'existe plus."))
        result = await poll_later(services, clock)
        assert result.outcome is PollOutcome.GONE
        assert result.error == "HTTP 410 Gone: the feed was removed"
        gone = await current(services, feed)
        assert gone.paused and gone.state.errors_in_row == 1
        (alert,) = await services.feeds.take_alerts()
        assert (alert.kind, alert.feed_id, alert.feed_name) == ("gone", feed.id, "Le Sahel")
        assert alert.detail == "HTTP 410 Gone: the feed was removed"
        clock.advance(days=3)
        later = await services.feeds.poller.poll_due()
        assert later.results == []  # paused: never polled again until an admin resumes it
        assert await services.feeds.take_alerts() == []
    assert server.count("/rss") == 3  # the add, the poll, the 410


async def test_429_retry_after_is_honoured(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.route("/rss", Response(body=rss([news(0, server, published=clock.now)])))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/rss"))
        server.route("/rss", Response(status=429, headers={"Retry-After": "3600"}))
        result = await poll_once(services)
        assert result.outcome is PollOutcome.FAILED
        assert result.error == "HTTP 429 Too Many Requests, retry after 3600 s"
        waiting = await current(services, feed)
        assert waiting.next_poll_at >= clock.now + timedelta(hours=1)
        assert waiting.state.errors_in_row == 1 and not waiting.paused
        clock.advance(minutes=59)
        assert (await services.feeds.poller.poll_due()).results == []  # not before the hour
        assert server.count("/rss") == 2
        assert await services.library.count() == 0


async def test_backoff_then_one_failing_alert_then_one_recovered_alert(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    entries = [news(0, server, published=clock.now)]
    server.route("/rss", Response(body=rss(entries)))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1
        server.route("/rss", Response(status=500, body="Internal Server Error"))
        clock.advance(minutes=10)
        started = clock.now
        waits: list[timedelta] = []
        alerts: list[tuple[int, str]] = []
        for poll in range(1, 13):
            result = await poll_once(services)
            assert result.outcome is PollOutcome.FAILED
            assert result.error == "HTTP 500 Internal Server Error"
            failing = await current(services, feed)
            assert failing.state.errors_in_row == poll
            assert failing.state.failing_since == started
            assert failing.state.last_error_at == clock.now
            alerts += [(poll, alert.kind) for alert in await services.feeds.take_alerts()]
            waits.append(failing.next_poll_at - clock.now)
            assert (await services.feeds.poller.poll_due()).results == []  # not due yet
            clock.set(failing.next_poll_at)
        minutes = [wait // timedelta(minutes=1) for wait in waits]
        assert minutes == [10, 20, 40, 80, 160, 320, 640, 1280, 1440, 1440, 1440, 1440]
        # The 9th failure is the first a day (1 day 18.5 h) after the first one: one alert.
        assert alerts == [(9, "failing")]
        assert (await current(services, feed)).state.alerted
        # The outlet comes back, with one more item.
        entries.append(news(1, server, published=clock.now))
        server.route("/rss", Response(body=rss(entries)))
        back = await poll_once(services)
        assert (back.outcome, back.new_articles) == (PollOutcome.FETCHED, 1)
        (alert,) = await services.feeds.take_alerts()
        assert (alert.kind, alert.feed_name, alert.detail) == ("recovered", "Le Sahel", None)
        recovered = await current(services, feed)
        state = recovered.state
        assert (state.errors_in_row, state.failing_since, state.alerted) == (0, None, False)
        assert (state.last_error, state.last_success_at) == (None, clock.now)
        assert recovered.next_poll_at == clock.now + POLL_INTERVAL
        # Working on, it alerts no more.
        await poll_later(services, clock)
        assert await services.feeds.take_alerts() == []


async def test_failures_shorter_than_a_day_alert_nobody(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    server.route("/rss", Response(body=rss([news(0, server, published=clock.now)])))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/rss"))
        server.route("/rss", [Response(status=503)] * 7 + [Response(body=rss([]))])
        for _ in range(8):
            await poll_once(services)
            clock.set((await current(services, feed)).next_poll_at)
        assert await services.feeds.take_alerts() == []  # 21 h of failures, then it worked
        assert (await current(services, feed)).state.errors_in_row == 0


# --- the SSRF guard ---------------------------------------------------------------------------


async def test_a_redirect_to_a_private_address_is_a_failure(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    """127.0.0.1 is trusted (the outlet's server in this test), localhost is not: the redirect
    is refused before any connection, and whatever is there is never stored."""
    server.route("/rss", Response(body=rss([news(0, server, published=clock.now)])))
    server.route("/admin/rss", Response(body=rss([news(1, server, published=clock.now)])))
    async with polling(
        tmp_path / "feeds.db", clock, allow_private_hosts=False, trusted_hosts=("127.0.0.1",)
    ) as services:
        feed = await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1
        server.route("/rss", redirect(f"http://localhost:{server.port}/admin/rss", 301))
        result = await poll_later(services, clock)
        assert result.outcome is PollOutcome.FAILED
        assert result.error is not None
        assert result.error.startswith("host is not a public address: ")
        refused = await current(services, feed)
        assert refused.url == server.url("/rss")
        assert (refused.state.errors_in_row, refused.state.last_error) == (1, result.error)
        assert await stored_titles(services) == {NEWS[0][0]}
    assert server.count("/admin/rss") == 0


async def test_a_feed_on_a_private_address_fails_once_private_hosts_are_refused(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    """Followed while the configuration allowed it; the operator then closed private hosts."""
    database = tmp_path / "feeds.db"
    server.route("/rss", Response(body=rss([news(0, server, published=clock.now)])))
    async with polling(database, clock) as services:
        feed = await follow(services, server.url("/rss"))
    async with polling(database, clock, allow_private_hosts=False) as services:
        result = await poll_once(services)
        assert result.outcome is PollOutcome.FAILED
        assert result.error is not None
        assert result.error.startswith("host is not a public address: 127.0.0.1")
        refused = await current(services, feed)
        assert refused.state.last_error == result.error
        assert refused.state.errors_in_row == 1 and refused.state.failing_since == clock.now
        assert await services.library.count() == 0
    assert server.count("/rss") == 1  # the add; the poll never connected


# --- feeds as outlets really write them -------------------------------------------------------


async def test_a_malformed_feed_still_yields_its_items(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    """An unclosed <b> and an item cut off before its end: feedparser's bozo, items kept."""
    stamp = "Mon, 23 Jun 2025 04:00:00 GMT"
    document = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>Kayes Infos</title><link>https://kayes-infos.example/</link>"
        "<item><title>Kayes : la saison des pluies a été bonne</title>"
        f"<link>{server.url('/pluies')}</link><guid>ki-1</guid><pubDate>{stamp}</pubDate>"
        "<description>Les récoltes de mil s'annoncent abondantes <b>dans la région."
        "</description></item>"
        "<item><title>Nioro : coupure du réseau mobile</title>"
        f"<link>{server.url('/nioro')}</link><guid>ki-2</guid><pubDate>{stamp}</pubDate>"
        "<description>Le réseau est coupé depuis dimanche dans le cercle de Nioro du Sahel."
        "\n</channel>"
    )
    server.route("/rss", Response(body=document))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/rss"))
        result = await poll_once(services)
        assert (result.outcome, result.new_articles) == (PollOutcome.FETCHED, 2)
        articles = {a.title: a for a in await every_article(services)}
        assert set(articles) == {
            "Kayes : la saison des pluies a été bonne",
            "Nioro : coupure du réseau mobile",
        }
        assert articles["Kayes : la saison des pluies a été bonne"].body == (
            "Les récoltes de mil s'annoncent abondantes dans la région."
        )
        polled = await current(services, feed)
        assert polled.state.last_error is None and polled.state.errors_in_row == 0


async def test_a_feed_declared_utf8_but_written_in_windows_1252(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    title = "Gao : l’électricité revient après trois jours de coupure"
    text = (
        "Énergie du Mali a rétabli le courant jeudi soir dans les quartiers de Château et "
        "Aljanabandia, après « trois jours » de coupure."
    )
    document = rss(
        [Entry(title, text, guid="gao-117", published=clock.now)], title="Journal de Gao"
    )
    server.route("/rss", Response(body=document.encode("cp1252")))  # says utf-8 twice
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1
        (article,) = await every_article(services)
    assert article.title == "Gao : l'électricité revient après trois jours de coupure"
    assert article.body == text
    assert article.source == "Journal de Gao"


async def test_html_entities_relative_links_and_incredible_dates(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    document = (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>L&eacute;gende du Sahel</title><link>https://legende-sahel.example/</link>"
        "<item><title>Mopti&nbsp;: la f&ecirc;te de l&rsquo;ind&eacute;pendance annul&eacute;e"
        "</title><link>/societe/mopti-fete</link><guid>ls-300</guid>"
        "<pubDate>Wed, 25 Jun 2025 12:00:00 GMT</pubDate>"  # two days ahead of the clock
        "<description>Les autorit&eacute;s de Mopti ont annul&eacute; les festivit&eacute;s "
        "pr&eacute;vues, &laquo;&nbsp;par prudence&nbsp;&raquo;.</description></item>"
        "<item><title>Tombouctou : les manuscrits num&eacute;ris&eacute;s en ligne</title>"
        "<link>culture/manuscrits?id=4</link><guid>ls-1970</guid>"
        "<pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate>"  # a CMS's zero
        "<description>Plus de 40 000 manuscrits sont d&eacute;sormais consultables."
        "</description></item></channel></rss>"
    )
    server.route("/flux/rss", Response(body=document))
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/flux/rss"))
        result = await poll_once(services)
        assert result.new_articles == 2  # both read as published now, within the first day
        articles = {a.url: a for a in await every_article(services)}
    mopti = articles[server.url("/societe/mopti-fete")]
    assert mopti.title == "Mopti : la fête de l'indépendance annulée"
    assert "« par prudence »" in mopti.body and "&" not in mopti.body
    assert mopti.source == "Légende du Sahel"
    manuscripts = articles[server.url("/flux/culture/manuscrits?id=4")]
    assert manuscripts.title == "Tombouctou : les manuscrits numérisés en ligne"
    assert mopti.published_on == manuscripts.published_on == clock.now.date()


async def test_a_broken_feed_does_not_stop_the_round(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    good = rss([news(0, server, published=clock.now)])
    for path in ("/bon/rss", "/panne/rss", "/page/rss"):
        server.route(path, Response(body=good))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feeds = [await follow(services, server.url(path)) for path in ("/panne/rss", "/page/rss")]
        feeds.append(await follow(services, server.url("/bon/rss")))
        server.route("/panne/rss", Response(status=500, body="Internal Server Error"))
        page = "<!doctype html><html><body><h1>Accueil</h1></body></html>"
        server.route("/page/rss", Response(body=page, content_type="text/html"))
        done = await services.feeds.poller.poll_due()
        assert (done.count(PollOutcome.FETCHED), done.count(PollOutcome.FAILED)) == (1, 2)
        assert done.new_articles == 1
        assert await stored_titles(services) == {NEWS[0][0]}
        states = [(await current(services, feed)).state for feed in feeds]
    assert [state.errors_in_row for state in states] == [1, 1, 0]
    assert states[0].last_error == "HTTP 500 Internal Server Error"
    assert states[1].last_error is not None and states[1].last_error.startswith("not a feed")


async def test_an_impossible_port_is_a_bad_url_not_a_crash(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    """httpx parses « :99999 »; the socket then raised OverflowError, which no handler expected:
    the whole round crashed and the feed, never saved, crashed every round after its lease."""
    odd = Entry(
        "Niger : le port de Cotonou reprend les livraisons",
        "Les camions nigériens chargent de nouveau au port de Cotonou depuis lundi.",
        guid="ls-8801",
        link="http://127.0.0.1:99999/2025/06/cotonou.html",
        published=clock.now,
    )
    server.route("/rss", Response(body=rss([odd, news(0, server, published=clock.now)])))
    server.route("/autre/rss", Response(body=rss([news(1, server, published=clock.now)])))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/rss"))
        other = await follow(services, server.url("/autre/rss"))
        done = await services.feeds.poller.poll_due()
        assert (done.count(PollOutcome.FETCHED), done.new_articles) == (2, 3)
        articles = {a.title: a for a in await every_article(services)}
        assert articles[odd.title].body == odd.text  # its page cannot be fetched: the teaser
        # A feed moved to such an address fails like any bad redirect; following one is refused.
        server.route("/rss", redirect(f"http://127.0.0.1:{70000 + server.port}/rss", 301))
        clock.advance(minutes=10)
        (result,) = [
            r for r in (await services.feeds.poller.poll_due()).results if r.feed.id == feed.id
        ]
        assert result.outcome is PollOutcome.FAILED
        assert result.error is not None and "out of range" in result.error
        with pytest.raises(FeedRefused) as refused:
            await services.feeds.add("http://127.0.0.1:99999/rss", added_by="test")
        assert refused.value.reason is FeedRefusal.BAD_URL
        assert [f.id for f in await services.feeds.feeds()] == [feed.id, other.id]
