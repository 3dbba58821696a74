"""Polling feeds end to end: a local server plays the outlets, the services are opened on a real
SQLite file as the bot opens them, and the tests read what the store kept afterwards.

Failures (HTTP errors, backoff, alerts, redirects, the SSRF guard) are in
``test_feed_polling_failures.py``.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from app.services import open_services
from feeds.poller import PollOutcome
from tests.e2e.feed_polling_support import (
    FORMATS,
    NEWS,
    POLL_INTERVAL,
    Entry,
    current,
    every_article,
    feed_config,
    follow,
    news,
    poll_later,
    poll_once,
    polling,
    rss,
    stored_titles,
)
from tests.support.factories import FakeClock, NoSending
from tests.support.feed_server import FeedServer, Response
from tests.support.sahel_texts import BACKGROUND


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as outlet:
        yield outlet


# --- what becomes an article, and when ------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(FORMATS))
async def test_the_first_poll_announces_only_the_last_day(
    server: FeedServer, clock: FakeClock, tmp_path: Path, kind: str
) -> None:
    build, content_type = FORMATS[kind]
    now = clock.now
    entries = [
        news(0, server, published=now - timedelta(hours=1)),
        news(1, server, published=now - timedelta(hours=23)),
        news(2, server, published=now - timedelta(hours=25)),
        news(3, server, published=None),  # undated: no way to tell it is recent
        news(4, server, published=now - timedelta(days=3)),
    ]
    server.route("/fil", Response(body=build(entries), content_type=content_type))
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/fil"))
        result = await poll_once(services)
        assert (result.outcome, result.items, result.new_articles) == (PollOutcome.FETCHED, 5, 2)
        assert result.skipped == 3
        assert await stored_titles(services) == {entries[0].title, entries[1].title}
        articles = {a.title: a for a in await every_article(services)}
        newest = articles[entries[0].title]
        assert newest.body == entries[0].text  # its page is not found: the teaser is the text
        assert newest.source == "Le Sahel"  # the feed's title
        assert newest.url == entries[0].link
        assert newest.published_on == (now - timedelta(hours=1)).date()
        assert newest.added_by == f"feed:{feed.id}"
        assert "niger" in newest.topic_keys and newest.summary
        assert articles[entries[1].title].published_on == (now - timedelta(hours=23)).date()
        polled = await current(services, feed)
        assert (polled.state.items_seen, polled.state.articles_added) == (5, 2)
        assert polled.state.last_success_at == now and polled.state.last_error is None
        assert polled.next_poll_at == now + POLL_INTERVAL
        # Later polls still list the backlog: it was remembered, and is never announced.
        entries.append(news(5, server, published=clock.now + POLL_INTERVAL))
        server.route("/fil", Response(body=build(entries), content_type=content_type))
        later = await poll_later(services, clock)
        assert (later.items, later.new_articles, later.skipped) == (1, 1, 0)
        titles = await stored_titles(services)
        assert titles == {entries[0].title, entries[1].title, entries[5].title}
        assert await services.library.count() == 3


async def test_polls_of_the_same_items_add_nothing_and_a_new_one_adds_one(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    entries = [news(n, server, published=clock.now - timedelta(hours=n + 1)) for n in range(4)]
    server.route("/rss", Response(body=rss(entries)))
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 4
        same = await poll_later(services, clock)
        assert (same.outcome, same.items, same.new_articles) == (PollOutcome.FETCHED, 0, 0)
        assert await services.library.count() == 4
        fresh = news(4, server, published=clock.now)
        server.route("/rss", Response(body=rss([fresh, *entries])))
        added = await poll_later(services, clock)
        assert (added.items, added.new_articles) == (1, 1)
        assert (await services.library.latest(limit=1))[0].title == fresh.title
        shuffled = [fresh, *entries]
        random.Random(12).shuffle(shuffled)
        server.route("/rss", Response(body=rss(shuffled)))
        reordered = await poll_later(services, clock)
        assert (reordered.items, reordered.new_articles) == (0, 0)
        assert await services.library.count() == 5


async def test_conditional_get_and_validators_only_from_a_parsed_200(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    stamp = "Mon, 23 Jun 2025 04:30:00 GMT"
    document = rss([news(0, server, published=clock.now - timedelta(hours=1))])
    answers = {"etag": '"v1"', "body": document}

    async def outlet(request: web.Request) -> web.Response:
        """Compares the validators as a real server does."""
        if request.headers.get("If-None-Match") == answers["etag"]:
            return web.Response(status=304, headers={"ETag": answers["etag"]})
        headers = {"ETag": answers["etag"], "Last-Modified": stamp}
        return web.Response(body=answers["body"].encode(), headers=headers)

    server.route("/rss", outlet)
    async with polling(tmp_path / "feeds.db", clock) as services:
        feed = await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1
        first = await current(services, feed)
        assert (first.state.etag, first.state.last_modified) == ('"v1"', stamp)
        unchanged = await poll_later(services, clock)
        assert unchanged.outcome is PollOutcome.NOT_MODIFIED
        sent = server.requests_to("/rss")[-1].headers
        assert (sent["If-None-Match"], sent["If-Modified-Since"]) == ('"v1"', stamp)
        after_304 = await current(services, feed)
        assert after_304.next_poll_at == clock.now + POLL_INTERVAL
        assert after_304.state.last_success_at == clock.now
        assert after_304.state.etag == '"v1"' and await services.library.count() == 1
        # A 200 that is no feed (the CMS serves its error page): its validators are not kept,
        # or the next poll would be told « not modified » and miss the repaired feed.
        answers.update(etag='"erreur"', body="<!doctype html><html><body>Erreur</body></html>")
        broken = await poll_later(services, clock)
        assert broken.outcome is PollOutcome.FAILED
        assert broken.error is not None and broken.error.startswith("not a feed")
        after_error = await current(services, feed)
        assert after_error.state.etag == '"v1"'
        assert after_error.state.errors_in_row == 1
        answers.update(
            etag='"v2"',
            body=rss([news(1, server, published=clock.now), news(0, server, published=None)]),
        )
        clock.set(after_error.next_poll_at)
        repaired = await poll_once(services)
        assert server.requests_to("/rss")[-1].headers["If-None-Match"] == '"v1"'
        assert (repaired.outcome, repaired.new_articles) == (PollOutcome.FETCHED, 1)
        assert (await current(services, feed)).state.etag == '"v2"'


# --- identity: the same item under other guids and links ------------------------------------


async def test_an_item_without_guid_is_known_by_its_link_without_tracking(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    page = server.url("/2025/06/23/corridor-niamey-ouagadougou.html")
    item = news(0, server, published=clock.now, guid=None, link=f"{page}?utm_source=rss#haut")
    server.route("/rss", Response(body=rss([item])))
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1
        (article,) = await every_article(services)
        assert article.url == page
        relinked = Entry(
            item.title,
            item.text,
            link=f"{page}?utm_source=facebook&utm_medium=social&utm_campaign=juin",
            published=clock.now,
        )
        server.route("/rss", Response(body=rss([relinked])))
        again = await poll_later(services, clock)
        assert (again.items, again.new_articles, again.skipped) == (0, 0, 0)
        assert await services.library.count() == 1


async def test_a_cms_changing_guids_on_every_fetch_is_not_duplicated(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    fetches = 0
    items = [news(n, server, published=clock.now - timedelta(hours=n)) for n in range(3)]

    async def cms(request: web.Request) -> web.Response:
        nonlocal fetches
        fetches += 1
        moving = [
            Entry(i.title, i.text, guid=f"{i.guid}-{fetches}", link=i.link, published=i.published)
            for i in items
        ]
        return web.Response(body=rss(moving).encode(), content_type="application/rss+xml")

    server.route("/rss", cms)
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 3
        for _ in range(2):
            again = await poll_later(services, clock)
            assert (again.items, again.new_articles) == (0, 0)
        assert fetches == 4  # the add and three polls, each with other guids
        assert await services.library.count() == 3


async def test_an_edited_item_updates_its_article(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    first = Entry(
        "Tchad : des pluies diluviennes inondent N'Djamena",
        "Plusieurs quartiers du sud de N'Djamena sont sous les eaux après des pluies diluviennes "
        "tombées dans la nuit de dimanche. Le bilan provisoire fait état de trois morts.",
        guid="tchadinfos-8812",
        link=server.url("/societe/inondations-ndjamena"),
        published=clock.now - timedelta(hours=2),
    )
    other = news(2, server, published=clock.now - timedelta(hours=3))
    server.route("/rss", Response(body=rss([first, other])))
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/rss"))
        await poll_once(services)
        before = {a.title: a for a in await every_article(services)}[first.title]
        edited = Entry(
            first.title,
            "Plusieurs quartiers du sud de N'Djamena sont sous les eaux après des pluies "
            "diluviennes tombées dans la nuit de dimanche. Le bilan s'est alourdi à sept morts et "
            "plus de deux mille sinistrés, selon la protection civile.",
            guid=first.guid,
            link=first.link,
            published=first.published,
        )
        server.route("/rss", Response(body=rss([edited, other])))
        result = await poll_later(services, clock)
        assert (result.items, result.new_articles, result.edited) == (1, 0, 1)
        assert await services.library.count() == 2
        after = await services.library.get(before.id)
        assert after is not None
        assert "sept morts" in after.body and "trois morts" not in after.body
        assert "sept morts" in after.summary and after.summary != before.summary
        # Listed again unchanged, it is neither new nor edited.
        quiet = await poll_later(services, clock)
        assert (quiet.items, quiet.new_articles, quiet.edited) == (0, 0, 0)


async def test_an_item_in_two_feeds_of_one_outlet_is_one_article(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    """Outlets list an article in their front-page feed and in its section's feed: the second
    feed finds it stored, and neither its count nor the round's calls it new."""
    shared = news(0, server, published=clock.now - timedelta(hours=1))
    own = news(1, server, published=clock.now - timedelta(hours=2))
    server.route("/une/rss", Response(body=rss([shared], title="Le Sahel – À la une")))
    server.route("/niger/rss", Response(body=rss([shared, own], title="Le Sahel – Niger")))
    async with polling(tmp_path / "feeds.db", clock) as services:
        front = await follow(services, server.url("/une/rss"))
        section = await follow(services, server.url("/niger/rss"))
        done = await services.feeds.poller.poll_due()
        assert await services.library.count() == 2
        assert done.new_articles == 2
        counts = [(await current(services, f)).state.articles_added for f in (front, section)]
        assert sum(counts) == 2


# --- what admins asked of the feed ------------------------------------------------------------


async def test_include_and_exclude_words_filter_items_before_they_are_stored(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    moment = clock.now - timedelta(hours=1)
    kept = Entry(
        "TILLABERI : les cours reprennent dans quinze écoles",
        "Les élèves de la commune d'Ayorou ont retrouvé leurs classes lundi.",
        guid="t-1",
        published=moment,
    )
    also_kept = Entry(
        "Menaka : arrivée d'un convoi humanitaire",
        "Vingt camions de vivres sont arrivés dimanche à Ménaka après dix jours de route.",
        guid="t-2",
        published=moment,
    )
    excluded = Entry(
        "Football : victoire du Sahel SC à Tillabéri",
        "Le Sahel SC s'est imposé deux buts à zéro dimanche.",
        guid="t-3",
        published=moment,
    )
    unrelated = Entry(
        "Niamey : hausse du prix du pain",
        "Les boulangers de Niamey ont relevé le prix de la baguette de vingt-cinq francs.",
        guid="t-4",
        published=moment,
    )
    server.route("/rss", Response(body=rss([kept, also_kept, excluded, unrelated])))
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(
            services, server.url("/rss"), include=("Tillabéri", "MÉNAKA"), exclude=("FOOTBALL",)
        )
        result = await poll_once(services)
        assert (result.items, result.new_articles, result.skipped) == (4, 2, 2)
        assert await stored_titles(services) == {kept.title, also_kept.title}
        # The filtered items are remembered, not reconsidered at every poll.
        assert (await poll_later(services, clock)).items == 0


async def test_the_feed_topic_is_given_to_every_item(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    entries = [news(n, server, published=clock.now - timedelta(hours=n)) for n in (1, 6, 7)]
    server.route("/rss", Response(body=rss(entries)))
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/rss"), topic="cedeao")
        await poll_once(services)
        articles = await every_article(services)
        assert len(articles) == 3
        assert all("cedeao" in article.topic_keys for article in articles)
        assert "mali" in {key for a in articles for key in a.topic_keys}  # the tagger's stay
        on_topic = await services.library.latest(topic="cedeao", limit=10)
        assert {a.title for a in on_topic} == {e.title for e in entries}


# --- teasers and standfirsts -------------------------------------------------------------------

STANDFIRST = (
    "Fermé depuis dix-huit mois, le corridor routier entre Niamey et Ouagadougou a rouvert mardi "
    "sous escorte militaire, au grand soulagement des transporteurs."
)
PARAGRAPHS = (
    "Les ministres des Transports du Niger et du Burkina Faso ont rouvert mardi le corridor "
    "routier entre Niamey et Ouagadougou, fermé depuis dix-huit mois pour des raisons de "
    "sécurité. La cérémonie s'est tenue au poste frontière de Petelkolé, en présence des "
    "gouverneurs de Tillabéri et de la région de l'Est.",
    "Selon le ministère nigérien des Transports, près de quatre cents camions attendaient de part "
    "et d'autre de la frontière. Les convois circuleront désormais sous escorte militaire, deux "
    "fois par semaine, jusqu'à ce que la situation sécuritaire permette une circulation libre.",
    "Les transporteurs saluent une décision attendue depuis des mois. « Nos camions étaient "
    "bloqués à Kantchari, nous perdions de l'argent chaque jour », explique Moussa Hamani, "
    "président du syndicat des conducteurs routiers de Niamey.",
)
PAGE = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8">'
    "<title>Niger : le corridor Niamey-Ouagadougou rouvert | Le Sahel</title></head><body>"
    '<header><nav><a href="/">Accueil</a> <a href="/politique">Politique</a> '
    '<a href="/economie">Économie</a> <a href="/sport">Sport</a></nav></header>'
    "<main><article><h1>Niger : le corridor Niamey-Ouagadougou rouvert</h1>"
    '<p class="date">Publié le 24 juin 2025</p>'
    + "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS)
    + '</article><aside class="related"><h2>À lire aussi</h2><ul>'
    '<li><a href="/a/1">Mali : la campagne agricole s\'annonce bonne à Ségou</a></li>'
    '<li><a href="/a/2">Tchad : des pluies diluviennes inondent N\'Djamena</a></li>'
    "</ul></aside></main><footer>© Le Sahel 2025 – Tous droits réservés</footer></body></html>"
)


@pytest.mark.parametrize(
    ("teaser", "is_summary"),
    [(STANDFIRST, True), ("Vidéo. Le corridor rouvre.", False)],
    ids=["standfirst", "kicker"],
)
async def test_a_teaser_item_gets_the_text_of_its_page(
    server: FeedServer, clock: FakeClock, tmp_path: Path, teaser: str, is_summary: bool
) -> None:
    link = server.url("/2025/06/24/niger-corridor-rouvert.html")
    item = Entry(
        "Niger : le corridor Niamey-Ouagadougou rouvert",
        teaser,
        guid="ls-5501",
        link=link,
        published=clock.now,
    )
    server.route("/rss", Response(body=rss([item])))
    server.route(
        "/2025/06/24/niger-corridor-rouvert.html",
        Response(body=PAGE, content_type="text/html; charset=utf-8"),
    )
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1
        (article,) = await every_article(services)
    assert server.count("/2025/06/24/niger-corridor-rouvert.html") == 1
    assert all(paragraph[:60] in article.body for paragraph in PARAGRAPHS)
    assert "À lire aussi" not in article.body and "Tous droits" not in article.body
    assert (article.title, article.url, article.source) == (item.title, link, "Le Sahel")
    if is_summary:
        assert article.summary == STANDFIRST  # the journalist's own summary
    else:
        assert article.summary != teaser and "corridor" in article.summary


async def test_a_teaser_whose_page_fails_is_kept(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    item = Entry(
        "Niger : le corridor Niamey-Ouagadougou rouvert",
        STANDFIRST,
        guid="ls-5501",
        link=server.url("/2025/06/24/niger-corridor-rouvert.html"),
        published=clock.now,
    )
    server.route("/rss", Response(body=rss([item])))
    server.route(
        "/2025/06/24/niger-corridor-rouvert.html",
        Response(status=503, body="<h1>Maintenance</h1>", content_type="text/html"),
    )
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/rss"))
        assert (await poll_once(services)).new_articles == 1
        (article,) = await every_article(services)
    assert article.body == STANDFIRST
    assert server.count("/2025/06/24/niger-corridor-rouvert.html") == 1


@pytest.mark.parametrize("kind", sorted(FORMATS))
async def test_full_content_with_a_standfirst(
    server: FeedServer, clock: FakeClock, tmp_path: Path, kind: str
) -> None:
    build, content_type = FORMATS[kind]
    item = Entry(
        "Niger : le corridor Niamey-Ouagadougou rouvert",
        STANDFIRST,
        guid="ls-5501",
        link=server.url("/2025/06/24/niger-corridor-rouvert.html"),
        published=clock.now,
        content="\n\n".join(PARAGRAPHS),
    )
    server.route("/fil", Response(body=build([item]), content_type=content_type))
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/fil"))
        assert (await poll_once(services)).new_articles == 1
        (article,) = await every_article(services)
    assert article.body == "\n\n".join(PARAGRAPHS)
    assert article.summary == STANDFIRST
    assert server.count("/2025/06/24/niger-corridor-rouvert.html") == 0  # no page to fetch


# --- one event, several outlets -----------------------------------------------------------------

MONDAY_LEAD = (
    "Douze soldats nigériens ont été tués lundi dans une attaque contre un poste militaire près "
    "de Tillabéri, dans l'ouest du Niger, a annoncé le ministère de la Défense. Les assaillants, "
    "arrivés à moto, ont incendié trois véhicules avant de se replier vers la frontière malienne, "
    "selon la même source."
)
FRIDAY = (
    "Sept civils ont été tués vendredi dans l'attaque d'un marché près de Banibangou, dans la "
    "région de Tillabéri, dans l'ouest du Niger, a-t-on appris de sources locales. Des hommes "
    "armés ont ouvert le feu sur les commerçants avant d'emporter du bétail, selon un élu local."
)


async def test_two_outlets_telling_one_event_make_one_story(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    monday = clock.now - timedelta(hours=2)
    own = Entry(
        "Niger : douze soldats tués dans une attaque près de Tillabéri",
        MONDAY_LEAD[:120],
        guid="ls-7001",
        link=server.url("/securite/tillaberi-douze-soldats"),
        published=monday,
        content=f"{MONDAY_LEAD}\n\n{BACKGROUND}",
    )
    other_event = Entry(
        "Niger : sept civils tués au marché de Banibangou",
        FRIDAY[:100],
        guid="ls-7002",
        link=server.url("/securite/banibangou-marche"),
        published=monday,
        content=f"{FRIDAY}\n\n{BACKGROUND}",
    )
    agency = Entry(
        "Attaque meurtrière contre l'armée nigérienne dans l'Ouest",
        "Niamey (APA) – Une attaque a visé lundi un poste de l'armée nigérienne près de "
        f"Tillabéri. {MONDAY_LEAD}",
        guid="apa-20250623-118",
        link=server.url("/apa/fr/attaque-armee-nigerienne-ouest"),
        published=monday + timedelta(minutes=40),
    )
    server.route("/lesahel/rss", Response(body=rss([own, other_event], title="Le Sahel")))
    server.route("/apa/rss", Response(body=rss([agency], title="APA News")))
    async with polling(tmp_path / "feeds.db", clock) as services:
        await follow(services, server.url("/lesahel/rss"))
        await follow(services, server.url("/apa/rss"))
        done = await services.feeds.poller.poll_due()
        assert done.new_articles == 3 and await services.library.count() == 3
        on_topic = await services.library.latest(topic="niger", limit=10)
        everything = {a.title: a for a in await every_article(services)}
    assert sorted(a.title for a in on_topic) == sorted([own.title, other_event.title])
    lead = everything[own.title]  # the complete article, not the agency's short copy
    copy = everything[agency.title]
    assert lead.story_id == copy.story_id is not None
    assert (lead.also, copy.also) == (("APA News",), ("Le Sahel",))
    separate = everything[other_event.title]
    assert separate.story_id not in (None, lead.story_id) and separate.also == ()


# --- several feeds, several processes --------------------------------------------------------


async def test_two_processes_polling_one_database_fetch_each_feed_once(
    server: FeedServer, clock: FakeClock, tmp_path: Path
) -> None:
    database = tmp_path / "feeds.db"
    paths = [f"/outlet{n}/rss" for n in range(4)]
    for n, path in enumerate(paths):
        entries = [
            news(2 * n + k, server, published=clock.now - timedelta(hours=k)) for k in (0, 1)
        ]
        server.route(path, Response(body=rss(entries, title=f"Outlet {n}"), delay=0.1))
    config = feed_config(database)
    async with (
        open_services(config, NoSending(), clock, load_seed=False) as first,
        open_services(config, NoSending(), clock, load_seed=False) as second,
    ):
        for path in paths:
            await follow(first, server.url(path))
        rounds = await asyncio.gather(first.feeds.poller.poll_due(), second.feeds.poller.poll_due())
        assert sum(len(done.results) for done in rounds) == len(paths)
        # Whichever claimed a feed polled it; the other found it taken (or none left).
        assert await first.library.count() == await second.library.count() == 8
        titles = [a.title for a in await every_article(second)]
    assert [server.count(path) for path in paths] == [2, 2, 2, 2]  # the add, then one poll
    assert sorted(titles) == sorted(title for title, _ in NEWS)
