"""End to end, over real HTTP: admins follow news feeds from Telegram (/sources, /source_ajouter,
/source_pause, /source_reprendre, /source_retirer), and the feed clock tells them, once, when a
feed breaks, comes back or is gone.

The outlets are a local ``FeedServer``. The feed clock is off in these bots (``enabled=False``):
each test runs ``feeds_tick`` itself, as the JobQueue would, with the harness's stopped clock;
one test lets the real JobQueue drive it.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from email.utils import format_datetime
from functools import partial
from pathlib import Path

import pytest

import app.services
from bot.context import BotContext
from bot.handlers.sources import feeds_tick
from fake_bot_api import FakeUser, LocalBotApi
from feeds.fetching import FeedFetcher
from feeds.models import Feed
from feeds.settings import FeedSettings
from tests.support.factories import FakeClock
from tests.support.feed_server import FeedServer, Response, loopback_resolver
from tests.support.harness import ADMIN, READER, BotHarness, bot_config
from tests.support.sahel_texts import FOOTBALL, GOITA, URANIUM
from tests.support.typography import problems, space_insensitive
from ui import french

pytestmark = pytest.mark.both_backends

SECOND_ADMIN = FakeUser(1002, "Ibrahim", username="ibrahim_admin")
QUIET_FEEDS = FeedSettings(enabled=False, load_sources=False, allow_private_hosts=True)
"""No feed clock: the tests tick it themselves."""


def rss(title: str, items: Iterable[tuple[str, str, str, datetime]], base: str = "") -> str:
    """An RSS 2.0 document; items are (guid, title, text, published)."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{guid}</guid><title>{headline}</title>"
        f"<link>{base}/articles/{guid}</link><description>{text}</description>"
        f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate></item>"
        for guid, headline, text, published in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>{base}/</link>{entries}</channel></rss>"
    )


def sahel_matin(server: FeedServer, clock: FakeClock, path: str = "/rss") -> str:
    """Route ``path`` to « Sahel Matin », three items from this morning; its URL."""
    recent = clock() - timedelta(hours=2)
    items = [
        ("goita", "Goïta reçoit les ministres de l’AES", GOITA, recent),
        ("finale", "Le Stade malien remporte la coupe", FOOTBALL, recent),
        ("uranium", "Le Niger négocie avec le Bénin", URANIUM, recent),
    ]
    server.route(path, Response(body=rss("Sahel Matin", items, server.url(""))))
    return server.url(path)


def small_feed(server: FeedServer, path: str, title: str) -> str:
    """Route ``path`` to a feed with no item (nothing becomes an article); its URL."""
    server.route(path, Response(body=rss(title, [])))
    return server.url(path)


@asynccontextmanager
async def running_bot(
    api: LocalBotApi,
    database: Path | str,
    clock: FakeClock,
    *,
    feeds: FeedSettings = QUIET_FEEDS,
    admins: tuple[int, ...] = (ADMIN.id,),
) -> AsyncIterator[BotHarness]:
    base = bot_config(api, database)
    config = replace(base, feeds=feeds, telegram=replace(base.telegram, admins=admins))
    harness = BotHarness(api, config, clock)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
async def bot(
    api: LocalBotApi, bot_database: Path | str, clock: FakeClock
) -> AsyncIterator[BotHarness]:
    async with running_bot(api, bot_database, clock) as harness:
        yield harness


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as feed_server:
        yield feed_server


async def tick(bot: BotHarness) -> None:
    """One run of the feed clock, as the JobQueue runs it."""
    assert bot.application is not None
    await feeds_tick(BotContext(bot.application))


async def followed(bot: BotHarness) -> list[Feed]:
    return await bot.services.feeds.feeds()


async def feed_number(bot: BotHarness, feed_id: int) -> Feed:
    feed = await bot.services.feeds.get(feed_id)
    assert feed is not None, feed_id
    return feed


def said(bot: BotHarness, user: FakeUser, start: str) -> list[str]:
    """Messages to ``user`` starting with ``start``."""
    return [m.text for m in bot.api.sent_messages(user.id) if m.text.startswith(start)]


def assert_french(bot: BotHarness, ignore: Iterable[str] = ()) -> None:
    """Every version of every message the bot sent passes the typography checker; ``ignore``:
    what outlets and admins wrote (feed titles, typed words)."""
    texts = [
        version.raw_text
        for message in bot.api.sent_messages()
        for version in (*message.history, message)
    ]
    assert texts
    found = {text[:60]: problems(text, ignore) for text in texts}
    assert {start: bad for start, bad in found.items() if bad} == {}


# --- /sources ---------------------------------------------------------------------------------


async def test_sources_lists_each_feed_with_its_state(
    bot: BotHarness, server: FeedServer, clock: FakeClock
) -> None:
    empty = await bot.send(ADMIN, "/sources")
    assert "Aucune source suivie" in empty.text and "/source_ajouter" in empty.text
    first = sahel_matin(server, clock)
    second = small_feed(server, "/pause.xml", "Niamey Soir")
    third = small_feed(server, "/down.xml", "Le Faso Matin")
    for url in (f"{first} #mali", second, third):
        assert "Source ajoutée" in (await bot.send(ADMIN, f"/source_ajouter {url}")).text
    fresh = space_insensitive((await bot.send(ADMIN, "/sources")).text)
    assert "Sources suivies (3)" in fresh
    for number, name in ((1, "Sahel Matin (#mali)"), (2, "Niamey Soir"), (3, "Le Faso Matin")):
        assert f"n° {number} · {name}" in fresh
    assert fresh.count("pas encore relevée · 0 article") == 3
    assert fresh.count("prochain relevé dans la minute") == 3  # due since they were added

    await bot.send(ADMIN, "/source_pause 2")
    server.route("/down.xml", Response(status=500, body="oops", content_type="text/plain"))
    await tick(bot)
    clock.advance(hours=2)
    listed = space_insensitive((await bot.send(ADMIN, "/sources")).text)
    entries = dict(zip(("header", "first", "second", "third"), listed.split("\n\n"), strict=True))
    assert "relevée il y a 2 heures · 3 articles" in entries["first"]
    # Due for 1 h 50 (the clock is off in these tests): never « prochain relevé il y a … ».
    assert "prochain relevé dans la minute" in entries["first"]
    assert "il y a" not in entries["third"]
    assert "en pause · 0 article" in entries["second"]
    assert "prochain relevé" not in entries["second"]
    assert "en échec depuis 2 heures (erreur HTTP 500)" in entries["third"]
    assert server.count("/pause.xml") == 1  # the check before following it; never polled
    assert_french(bot, ["Sahel Matin", "Niamey Soir", "Le Faso Matin"])


async def test_sources_show_the_words_of_a_filtered_feed(
    bot: BotHarness, server: FeedServer, clock: FakeClock
) -> None:
    url = sahel_matin(server, clock)
    added = await bot.send(ADMIN, f"/source_ajouter {url} #mali +Goïta +Bamako −football")
    assert "Source ajoutée" in added.text
    [feed] = await followed(bot)
    assert (feed.include, feed.exclude, feed.topic) == (("Goïta", "Bamako"), ("football",), "mali")
    await tick(bot)
    # The football final names Bamako but is excluded; uranium names neither word.
    [article] = [a for a in await bot.services.library.latest(limit=10) if a.added_by != "seed"]
    assert article.title.startswith("Goïta reçoit les ministres")
    assert "mali" in article.topic_keys
    clock.advance(minutes=3)
    listed = space_insensitive((await bot.send(ADMIN, "/sources")).text)
    assert "mots : +Goïta +Bamako -football" in listed
    assert "relevée il y a 3 minutes · 1 article\nprochain relevé dans 7 minutes" in listed
    assert_french(bot, ["Sahel Matin", "+Goïta +Bamako -football", "+Goïta +Bamako −football"])


# --- /source_ajouter --------------------------------------------------------------------------


async def test_add_names_the_feed_its_number_topic_and_items_once(
    bot: BotHarness, server: FeedServer, clock: FakeClock
) -> None:
    url = sahel_matin(server, clock)
    added = space_insensitive((await bot.send(ADMIN, f"/source_ajouter {url} #mali")).text)
    assert "Source ajoutée : Sahel Matin (n° 1) (#mali). 3 articles dans le flux" in added
    actions = bot.api.requests("sendChatAction")
    assert actions and actions[-1].params["action"] == "typing"
    [feed] = await followed(bot)
    assert (feed.url, feed.title, feed.topic) == (url, "Sahel Matin", "mali")
    assert feed.added_by == f"telegram:{ADMIN.id}"
    assert not feed.paused and feed.state.first_poll
    # Followed, not polled: nothing became an article before the first poll.
    assert await bot.services.library.count() == 1

    again = space_insensitive((await bot.send(ADMIN, f"/source_ajouter {url} #niger")).text)
    assert "déjà suivie : n° 1, Sahel Matin" in again
    assert await followed(bot) == [feed]
    assert_french(bot, ["Sahel Matin"])


async def test_add_follows_the_feed_a_page_announces(
    bot: BotHarness, server: FeedServer, clock: FakeClock
) -> None:
    feed_url = sahel_matin(server, clock, "/feed/")
    page = (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Sahel Matin</title>'
        '<link rel="alternate" type="application/rss+xml" title="Tous les articles" '
        'href="/feed/"></head><body><h1>Sahel Matin</h1><p>Les nouvelles du Sahel.</p>'
        "</body></html>"
    )
    server.route("/", Response(body=page, content_type="text/html; charset=utf-8"))
    server.route("/vide", Response(body="<html><body>Rien</body></html>", content_type="text/html"))
    answer = space_insensitive((await bot.send(ADMIN, f"/source_ajouter {server.url('/')}")).text)
    assert f"J’ai trouvé le flux annoncé par cette page : {feed_url}" in answer
    assert "Source ajoutée : Sahel Matin (n° 1)" in answer
    [feed] = await followed(bot)
    assert feed.url == feed_url

    none = await bot.send(ADMIN, f"/source_ajouter {server.url('/vide')}")
    assert "Je ne trouve pas de flux RSS, Atom ou JSON à cette adresse." in none.text
    server.route("/data.json", Response(body='{"a": 1}', content_type="application/json"))
    not_feed = await bot.send(ADMIN, f"/source_ajouter {server.url('/data.json')}")
    assert "Je ne trouve pas de flux" in not_feed.text
    assert await followed(bot) == [feed]
    assert_french(bot, ["Sahel Matin"])


async def test_add_refusals_change_nothing(bot: BotHarness, server: FeedServer) -> None:
    url = small_feed(server, "/rss", "Sahel Matin")
    usage = "Indiquez l’adresse du flux"
    assert usage in (await bot.send(ADMIN, "/source_ajouter")).text
    assert usage in (await bot.send(ADMIN, "/source_ajouter bonjour à tous #mali")).text
    unknown = space_insensitive((await bot.send(ADMIN, f"/source_ajouter {url} #licorne")).text)
    assert "Sujet inconnu : #licorne. Les sujets : #aes, #mali, #burkina" in unknown
    assert server.count("/rss") == 0  # the topic is checked before anything is fetched
    bad = await bot.send(ADMIN, "/source_ajouter ftp://example.org/rss")
    assert "Ce n’est pas une adresse web valable" in bad.text
    closed = await bot.send(ADMIN, "/source_ajouter http://127.0.0.1:9/rss")
    assert "Je n’arrive pas à joindre cette adresse (site injoignable)" in closed.text
    server.route("/broken", Response(status=500, body="oops", content_type="text/plain"))
    broken = await bot.send(ADMIN, f"/source_ajouter {server.url('/broken')}")
    assert "Je n’arrive pas à joindre cette adresse (erreur HTTP 500)" in broken.text
    assert await followed(bot) == []
    assert_french(bot, ["bonjour à tous"])


async def test_a_bare_address_is_read_as_https(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """« www.sahel-matin.example/rss » is an address (not a usage error): the bot tries it over
    https. The name resolves to 127.0.0.1 here, where nothing answers on 443."""
    fetcher = partial(FeedFetcher, resolver=loopback_resolver("www.sahel-matin.example"))
    monkeypatch.setattr(app.services, "FeedFetcher", fetcher)
    async with running_bot(api, tmp_path / "bot.db", clock) as bot:
        answer = await bot.send(ADMIN, "/source_ajouter www.sahel-matin.example/rss #mali")
        assert "Je n’arrive pas à joindre cette adresse" in answer.text
        assert "Indiquez l’adresse" not in answer.text
        assert await followed(bot) == []
        assert_french(bot)


async def test_private_addresses_are_refused_unless_trusted(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock, server: FeedServer
) -> None:
    strict = FeedSettings(
        enabled=False, load_sources=False, allow_private_hosts=False, trusted_hosts=("localhost",)
    )
    small_feed(server, "/rss", "Intranet")
    async with running_bot(api, tmp_path / "bot.db", clock, feeds=strict) as bot:
        for url in (server.url("/rss"), "http://10.1.2.3/rss", "http://[::1]/rss"):
            refused = await bot.send(ADMIN, f"/source_ajouter {url}")
            assert "Je ne relève pas les adresses locales ou privées." in refused.text, url
        assert server.count("/rss") == 0
        assert await followed(bot) == []
        trusted = await bot.send(ADMIN, f"/source_ajouter {server.url('/rss', host='localhost')}")
        assert "Source ajoutée : Intranet (n° 1)" in space_insensitive(trusted.text)
        assert_french(bot, ["Intranet"])


# --- /source_pause, /source_reprendre, /source_retirer ----------------------------------------


async def test_pause_resume_remove(bot: BotHarness, server: FeedServer, clock: FakeClock) -> None:
    url = sahel_matin(server, clock)
    await bot.send(ADMIN, f"/source_ajouter {url}")
    paused = space_insensitive((await bot.send(ADMIN, "/source_pause 1")).text)
    assert "Source n° 1 en pause : Sahel Matin" in paused
    assert (await feed_number(bot, 1)).paused
    await tick(bot)
    assert server.count("/rss") == 1  # a paused feed is not polled
    twice = space_insensitive((await bot.send(ADMIN, "/source_pause n°1")).text)
    assert "déjà en pause" in twice and "/source_reprendre 1" in twice
    resumed = space_insensitive((await bot.send(ADMIN, "/source_reprendre 1")).text)
    assert "Source n° 1 reprise : Sahel Matin" in resumed
    assert not (await feed_number(bot, 1)).paused
    await tick(bot)
    assert server.count("/rss") == 2
    stored = await bot.services.library.count()
    assert stored == 4  # the seed and the three items
    removed = space_insensitive((await bot.send(ADMIN, "/source_retirer 1")).text)
    assert "Source n° 1 retirée : Sahel Matin. Ses articles déjà publiés restent." in removed
    assert await followed(bot) == []
    assert await bot.services.library.count() == stored
    gone = space_insensitive((await bot.send(ADMIN, "/source_reprendre 1")).text)
    assert "Il n’y a pas de source n° 1" in gone
    assert_french(bot, ["Sahel Matin"])


@pytest.mark.parametrize("command", ["source_pause", "source_reprendre", "source_retirer"])
async def test_bad_numbers_change_nothing(
    command: str, bot: BotHarness, server: FeedServer, clock: FakeClock
) -> None:
    await bot.send(ADMIN, f"/source_ajouter {sahel_matin(server, clock)}")
    before = await followed(bot)
    for argument in ("", "abc", "0", "-1", "1.5", "99999999999999999999"):
        answer = space_insensitive((await bot.send(ADMIN, f"/{command} {argument}")).text)
        assert f"Indiquez le numéro de la source : /{command} 3" in answer, argument
    for argument in ("2", "404"):
        answer = space_insensitive((await bot.send(ADMIN, f"/{command} {argument}")).text)
        assert f"Il n’y a pas de source n° {argument} (voir /sources)." in answer
    assert await followed(bot) == before
    assert_french(bot, ["Sahel Matin"])


async def test_readers_are_refused_and_nothing_changes(
    bot: BotHarness, server: FeedServer, clock: FakeClock
) -> None:
    url = sahel_matin(server, clock)
    await bot.send(ADMIN, f"/source_ajouter {url}")
    before = await followed(bot)
    requests = server.count("/rss")
    other = small_feed(server, "/other.xml", "Autre")
    for command in (
        "/sources",
        f"/source_ajouter {other} #mali",
        "/source_pause 1",
        "/source_reprendre 1",
        "/source_retirer 1",
    ):
        answer = await bot.send(READER, command)
        assert answer.text == "Désolé, cette commande est réservée aux administrateurs du bot."
    assert await followed(bot) == before
    assert server.count("/rss") == requests and server.count("/other.xml") == 0
    await bot.send(ADMIN, "/source_pause 1")
    paused = await followed(bot)
    await bot.send(READER, "/source_reprendre 1")
    assert await followed(bot) == paused
    assert_french(bot, ["Sahel Matin"])


async def test_help_lists_the_source_commands_for_admins_only(bot: BotHarness) -> None:
    commands = ("/sources", "/source_ajouter URL", "/source_retirer N", "/source_pause N")
    admin_help = (await bot.send(ADMIN, "/aide")).text
    for command in (*commands, "/source_reprendre N"):
        assert command in admin_help
    reader_help = (await bot.send(READER, "/aide")).text
    assert not any(command in reader_help for command in commands)
    assert_french(bot)


# --- The feed clock's alerts --------------------------------------------------------------------


async def poll_when_due(bot: BotHarness, clock: FakeClock) -> None:
    """Move the clock to the feed's next poll and tick."""
    [feed] = await followed(bot)
    clock.set(max(clock(), feed.next_poll_at))
    await tick(bot)


async def eventually(condition: Callable[[], object], what: str) -> None:
    """Wait (10 s at most) until ``condition()`` (or the awaitable it returns) is true."""
    for _ in range(200):
        outcome = condition()
        if await outcome if inspect.isawaitable(outcome) else outcome:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still waiting for {what}")


async def test_admins_hear_once_of_a_failure_a_recovery_and_a_removal(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock, server: FeedServer
) -> None:
    blocked_admin = FakeUser(1003, "Aminata")
    admins = (ADMIN.id, SECOND_ADMIN.id, blocked_admin.id)
    async with running_bot(api, tmp_path / "bot.db", clock, admins=admins) as bot:
        await bot.send(SECOND_ADMIN, "/start")
        await bot.send(blocked_admin, "/start")
        api.block_chat(blocked_admin.id)  # told nothing, and the others are told all the same
        url = sahel_matin(server, clock)
        await bot.send(ADMIN, f"/source_ajouter {url}")
        await tick(bot)  # works
        server.route("/rss", Response(status=500, body="oops", content_type="text/plain"))
        await poll_when_due(bot, clock)
        failing_since = clock()
        while True:  # polled less and less often: nobody is told within the first day
            [feed] = await followed(bot)
            if feed.next_poll_at - failing_since >= timedelta(days=1):
                break
            await poll_when_due(bot, clock)
            assert said(bot, ADMIN, "⚠️") == []
        assert feed.state.errors_in_row >= 5
        await poll_when_due(bot, clock)
        failing = said(bot, ADMIN, "⚠️")
        assert len(failing) == 1
        since = space_insensitive(french.duration(clock() - failing_since))
        assert since == "2 jours"  # not « 24 heures »: the backoff made it later than that
        assert space_insensitive(failing[0]).startswith(
            f"⚠️ La source n° 1 « Sahel Matin » est en échec depuis {since} (erreur HTTP 500)."
        )
        assert said(bot, SECOND_ADMIN, "⚠️") == failing
        for _ in range(3):  # still failing: not told again
            await poll_when_due(bot, clock)
        assert len(said(bot, ADMIN, "⚠️")) == 1

        sahel_matin(server, clock)
        await poll_when_due(bot, clock)
        await poll_when_due(bot, clock)
        for admin in (ADMIN, SECOND_ADMIN):
            [recovered] = said(bot, admin, "✅")
            assert space_insensitive(recovered) == (
                "✅ La source n° 1 « Sahel Matin » fonctionne de nouveau."
            )

        server.route("/rss", Response(status=410, body="gone", content_type="text/plain"))
        await poll_when_due(bot, clock)
        polls = server.count("/rss")
        for _ in range(3):  # paused: not polled again, nobody told again
            clock.advance(days=1)
            await tick(bot)
        assert server.count("/rss") == polls
        for admin in (ADMIN, SECOND_ADMIN):
            [gone] = said(bot, admin, "⛔")
            assert "source n° 1 « Sahel Matin » indique que le flux n’existe plus (410)" in (
                space_insensitive(gone)
            )
            assert "/source_retirer 1" in gone
            assert len(said(bot, admin, "⚠️")) == len(said(bot, admin, "✅")) == 1
        assert len(api.sent_messages(blocked_admin.id)) == 1  # the welcome only
        [feed] = await followed(bot)
        assert feed.paused
        assert "en pause" in (await bot.send(ADMIN, "/sources")).text
        assert_french(bot, ["Sahel Matin"])


async def test_the_job_queue_polls_and_alerts_by_itself(
    api: LocalBotApi, tmp_path: Path, clock: FakeClock, server: FeedServer
) -> None:
    """Nothing here calls feeds_tick: the real JobQueue does, every 0.2 s."""
    feeds = replace(QUIET_FEEDS, enabled=True, check_interval_seconds=0.2)
    async with running_bot(api, tmp_path / "bot.db", clock, feeds=feeds) as bot:
        url = sahel_matin(server, clock)
        await bot.send(ADMIN, f"/source_ajouter {url}")

        async def articles_stored() -> bool:
            return await bot.services.library.count() == 4

        await eventually(articles_stored, "the first poll's articles")
        server.route("/rss", Response(status=503, body="busy", content_type="text/plain"))
        clock.advance(minutes=11)
        await eventually(lambda: server.count("/rss") >= 3, "the failing poll")
        clock.advance(days=1, minutes=1)
        await api.wait_for(
            lambda server_api: any(
                m.text.startswith("⚠️") for m in server_api.sent_messages(ADMIN.id)
            ),
            what="the failure alert",
        )
        await asyncio.sleep(1.0)  # five more ticks
        [alert] = said(bot, ADMIN, "⚠️")
        assert "erreur HTTP 503" in alert
