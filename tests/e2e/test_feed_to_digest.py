"""End to end, over real HTTP: a feed gains items → readers' /aes shows them once → the next
digest carries each story once (issue 12).

Two outlets (« RFI Afrique » and « APA News », a local ``FeedServer``) carry the same AES event,
RFI under its own title with a first sentence of its own; RFI also carries another AES event.
An admin follows both feeds in Telegram, the feed clock polls them, a reader reads /aes and
subscribes, and the digest clock delivers. Then APA publishes a fuller version of the event
already sent, RFI a new event: the next digest carries the new event only.

The feed clock is off in this bot (``enabled=False``): the test runs ``feeds_tick`` itself, as
the JobQueue would, with the harness's stopped clock; the digest clock is ticked as the digest
tests tick it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.context import BotContext
from bot.handlers.sources import feeds_tick
from content.models import Article
from content.text import normalize_text
from fake_bot_api import LocalBotApi
from feeds.settings import FeedSettings
from tests.support.factories import FakeClock
from tests.support.feed_server import FeedServer, Response
from tests.support.harness import ADMIN, READER, BotHarness, bot_config
from tests.support.observing import DIGEST_MARK, digests_received
from tests.support.typography import problems, space_insensitive

pytestmark = pytest.mark.both_backends

MONDAY_AFTERNOON = datetime(2025, 6, 23, 16, 0, tzinfo=UTC)
TUESDAY_DIGEST = datetime(2025, 6, 24, 7, 0, tzinfo=UTC)  # 07:00 in Bamako, the default hour
TUESDAY_NOON = datetime(2025, 6, 24, 12, 0, tzinfo=UTC)
WEDNESDAY_DIGEST = datetime(2025, 6, 25, 7, 0, tzinfo=UTC)

FORCE_TITLE = "Niamey accueille la réunion des ministres de la Défense de l’AES"
FORCE = (
    "Les ministres de la Défense du Mali, du Burkina Faso et du Niger se sont réunis lundi à "
    "Niamey pour finaliser la mise en place de la force unifiée de la Confédération des États "
    "du Sahel (AES). Selon le communiqué final, cette force comptera 5 000 hommes et son "
    "quartier général sera installé dans la capitale nigérienne. Le général Salifou Mody, "
    "ministre nigérien de la Défense, a salué « une étape décisive pour la souveraineté de nos "
    "peuples ».\n\n"
    "Les trois pays, dirigés par des militaires, ont quitté la Cédéao en janvier et renforcent "
    "depuis leur coopération face aux groupes jihadistes actifs dans la zone dite des trois "
    "frontières. Les ministres ont également adopté un plan commun d’achat d’équipements et de "
    "formation des unités, qui sera soumis aux chefs d’État de l’AES lors de leur prochain "
    "sommet, prévu à Bamako avant la fin de l’année."
)
"""APA's dispatch."""
COPY_TITLE = "AES : une force unifiée de 5 000 hommes, avec son état-major à Niamey"
COPY = "La Confédération AES franchit un nouveau cap dans sa coopération militaire. " + FORCE
"""RFI's copy of the dispatch: its own title and first sentence; longer, so it leads."""
FULLER_TITLE = "Force unifiée de l’AES : les détails du plan adopté lundi à Niamey"
FULLER = (
    FORCE + "\n\nSelon une source proche du dossier, les premiers bataillons seront déployés "
    "d’ici la fin de l’année dans la zone des trois frontières, où les attaques se sont "
    "multipliées ces derniers mois. Le financement de la force reste toutefois à préciser : les "
    "ministres ont évoqué une contribution de chaque État membre et la recherche de "
    "partenaires extérieurs."
)
"""APA's fuller version of its dispatch, the next day: a third copy of the event."""
PASSPORT_TITLE = "Les premiers passeports de l’AES remis à Bamako"
PASSPORT = (
    "Les premiers passeports biométriques de la Confédération des États du Sahel (AES) ont été "
    "remis dimanche à Bamako, lors d’une cérémonie présidée par le ministre malien de la "
    "Sécurité. Ce document, commun au Mali, au Burkina Faso et au Niger, remplace "
    "progressivement le passeport de la Cédéao, que les trois pays ont quittée en janvier. "
    "Les services d’état civil de Niamey et de Ouagadougou commenceront à le délivrer dans les "
    "prochaines semaines, selon les autorités.\n\n"
    "Les titulaires de l’ancien passeport pourront l’utiliser jusqu’à sa date d’expiration. "
    "Le nouveau document, de couleur bleue, porte le logo de l’Alliance des États du Sahel et "
    "les armoiries des trois pays membres. Il doit faciliter la libre circulation des "
    "personnes et des biens dans l’espace confédéral, ont rappelé les responsables présents."
)
"""Another AES event, in RFI's feed only: same countries, capitals and alliance."""
RADIO_TITLE = "La radio de la Confédération AES émet depuis Ouagadougou"
RADIO = (
    "La radio commune de la Confédération des États du Sahel (AES) a commencé à émettre mardi "
    "depuis Ouagadougou, a annoncé le ministre burkinabè de la Communication. Ses programmes, "
    "en français et dans plusieurs langues nationales, seront relayés par les radios publiques "
    "du Mali et du Niger, selon le ministère.\n\n"
    "Les trois États veulent ainsi « parler d’une seule voix » après le retrait des médias "
    "étrangers suspendus ces dernières années. Une télévision commune est également à "
    "l’étude : un comité technique doit rendre ses conclusions aux chefs d’État de l’Alliance "
    "des États du Sahel avant le prochain sommet de Bamako, a précisé le ministre devant la "
    "presse."
)
"""A new AES event on Tuesday, in RFI's feed."""
ARCHIVE_TITLE = "Archives : la charte du Liptako-Gourma fonde l’AES"
ARCHIVE = (
    "Le Mali, le Burkina Faso et le Niger ont signé la charte du Liptako-Gourma, acte de "
    "naissance de l’Alliance des États du Sahel (AES). " * 6
)
"""An old item in RFI's feed: a first poll records it without announcing it."""


@dataclass(frozen=True, slots=True)
class Item:
    guid: str
    title: str
    text: str
    published: datetime

    @property
    def standfirst(self) -> str:
        """The outlet's chapô: the text's first sentence (over twelve words, so a summary)."""
        return self.text.split(". ")[0] + "."


def rss(outlet: str, base: str, items: Iterable[Item]) -> str:
    """An RSS 2.0 document with full texts (content:encoded), so no page is fetched."""
    entries = "".join(
        f"<item><guid isPermaLink='false'>{item.guid}</guid>"
        f"<title>{escape(item.title)}</title><link>{base}/articles/{item.guid}</link>"
        f"<description>{escape(item.standfirst)}</description>"
        f"<content:encoded><![CDATA[{_html(item.text)}]]></content:encoded>"
        f"<pubDate>{format_datetime(item.published, usegmt=True)}</pubDate></item>"
        for item in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{outlet}</title><link>{base}/</link><language>fr</language>{entries}"
        "</channel></rss>"
    )


def _html(text: str) -> str:
    return "".join(f"<p>{escape(paragraph)}</p>" for paragraph in text.split("\n\n"))


APA_MONDAY = [Item("apa-force", FORCE_TITLE, FORCE, datetime(2025, 6, 23, 13, 0, tzinfo=UTC))]
RFI_MONDAY = [
    Item("rfi-force", COPY_TITLE, COPY, datetime(2025, 6, 23, 14, 30, tzinfo=UTC)),
    Item("rfi-passeport", PASSPORT_TITLE, PASSPORT, datetime(2025, 6, 22, 19, 0, tzinfo=UTC)),
    Item("rfi-archive", ARCHIVE_TITLE, ARCHIVE, datetime(2025, 6, 19, 9, 0, tzinfo=UTC)),
]
APA_TUESDAY = [
    Item("apa-force-plan", FULLER_TITLE, FULLER, datetime(2025, 6, 24, 11, 0, tzinfo=UTC)),
    *APA_MONDAY,
]
RFI_TUESDAY = [
    Item("rfi-radio", RADIO_TITLE, RADIO, datetime(2025, 6, 24, 10, 0, tzinfo=UTC)),
    *RFI_MONDAY,
]


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as feed_server:
        yield feed_server


@pytest.fixture
async def bot(
    api: LocalBotApi, bot_database: Path | str, clock: FakeClock
) -> AsyncIterator[BotHarness]:
    """The bot with its feed clock off (the test ticks it) and one digest clock run at start."""
    config = bot_config(api, bot_database, check_interval_seconds=86_400)
    feeds = FeedSettings(enabled=False, load_sources=False, allow_private_hosts=True)
    harness = BotHarness(api, replace(config, feeds=feeds), clock)
    await harness.start()
    yield harness
    await harness.stop()


def publish(server: FeedServer, rfi: list[Item], apa: list[Item]) -> tuple[str, str]:
    """The outlets' feeds as they stand; their URLs."""
    server.route("/rfi/afrique.xml", Response(body=rss("RFI Afrique", server.url("/rfi"), rfi)))
    server.route("/apa/rss.xml", Response(body=rss("APA News", server.url("/apa"), apa)))
    return server.url("/rfi/afrique.xml"), server.url("/apa/rss.xml")


async def poll_feeds(bot: BotHarness) -> None:
    """One run of the feed clock, as the JobQueue runs it."""
    assert bot.application is not None
    await feeds_tick(BotContext(bot.application))


async def digest_at(bot: BotHarness, moment: datetime, number: int) -> str:
    """Tick the digest clock at ``moment`` until the reader has ``number`` digests (the
    digest job's own run at start may hold a tick); the new digest's text, parts joined."""
    bot.clock.set(moment)
    before = len(bot.api.sent_messages(READER.id))
    for _ in range(50):
        await bot.services.digests.tick()
        if digests_received(bot.api, READER.id) >= number:
            break
        await asyncio.sleep(0.1)
    assert digests_received(bot.api, READER.id) == number
    parts = [message.text for message in bot.api.sent_messages(READER.id)[before:]]
    assert parts and DIGEST_MARK in parts[0]
    return space_insensitive("\n".join(parts))


async def stored(bot: BotHarness) -> dict[str, Article]:
    """Every stored article, by its title as written here (the store normalises apostrophes)."""
    library = bot.services.library
    every_id = range(1, await library.store.newest_id() + 1)
    by_title = {a.title: a for a in await library.get_many(every_id)}
    titles = (FORCE_TITLE, COPY_TITLE, FULLER_TITLE, PASSPORT_TITLE, RADIO_TITLE, ARCHIVE_TITLE)
    return {title: by_title[shown(title)] for title in titles if shown(title) in by_title}


def shown(title: str) -> str:
    """A title as stored and shown: outlets' apostrophes are made plain."""
    return space_insensitive(normalize_text(title))


def times(text: str, *titles: str) -> int:
    """How often the titles appear in ``text``, all together."""
    return sum(text.count(shown(title)) for title in titles)


async def test_a_story_from_two_feeds_is_shown_once_and_sent_once(
    bot: BotHarness, server: FeedServer
) -> None:
    bot.clock.set(MONDAY_AFTERNOON)
    rfi_url, apa_url = publish(server, RFI_MONDAY, APA_MONDAY)
    for url, outlet in ((rfi_url, "RFI Afrique"), (apa_url, "APA News")):
        added = space_insensitive((await bot.send(ADMIN, f"/source_ajouter {url}")).text)
        assert "Source ajoutée" in added and outlet in added
    refused = await bot.send(READER, f"/source_ajouter {rfi_url}")
    assert "Source ajoutée" not in refused.text
    assert len(await bot.services.feeds.feeds()) == 2

    await poll_feeds(bot)
    articles = await stored(bot)
    assert {COPY_TITLE, FORCE_TITLE, PASSPORT_TITLE} <= set(articles)
    assert ARCHIVE_TITLE not in articles  # the first poll announces no backlog
    copy, dispatch = articles[COPY_TITLE], articles[FORCE_TITLE]
    assert copy.story_id == dispatch.story_id
    assert articles[PASSPORT_TITLE].story_id != copy.story_id
    assert (copy.source, dispatch.source) == ("RFI Afrique", "APA News")

    # The reader's /aes: the event once, by RFI's fuller copy, naming APA; the other event once.
    page = space_insensitive((await bot.send(READER, "/aes")).text)
    assert times(page, COPY_TITLE) == 1 and times(page, FORCE_TITLE) == 0
    assert page.count("Aussi : APA News") == 1
    assert times(page, PASSPORT_TITLE) == 1
    assert "Aussi : RFI Afrique" not in page
    assert times(page, ARCHIVE_TITLE) == 0
    latest = space_insensitive((await bot.send(READER, "/dernieres 10")).text)
    assert times(latest, COPY_TITLE, FORCE_TITLE) == 1 and "Aussi : APA News" in latest

    subscribed = space_insensitive((await bot.send(READER, "/abonner aes")).text)
    assert "Alliance des États du Sahel" in subscribed

    first = await digest_at(bot, TUESDAY_DIGEST, 1)
    assert times(first, COPY_TITLE, FORCE_TITLE) == 1
    assert first.count("Aussi : APA News") == 1
    assert times(first, PASSPORT_TITLE) == 1

    # Tuesday: APA publishes a fuller version of the same event, RFI a new event.
    bot.clock.set(TUESDAY_NOON)
    publish(server, RFI_TUESDAY, APA_TUESDAY)
    await poll_feeds(bot)
    articles = await stored(bot)
    fuller, radio = articles[FULLER_TITLE], articles[RADIO_TITLE]
    assert fuller.story_id == dispatch.story_id and radio.story_id == radio.id
    page = space_insensitive((await bot.send(READER, "/aes")).text)
    assert times(page, FULLER_TITLE, COPY_TITLE, FORCE_TITLE) == 1
    assert times(page, FULLER_TITLE) == 1  # the fullest version leads now
    assert page.count("Aussi : RFI Afrique") == 1  # APA's own name is not repeated
    assert times(page, RADIO_TITLE) == 1 and times(page, PASSPORT_TITLE) == 1

    second = await digest_at(bot, WEDNESDAY_DIGEST, 2)
    assert times(second, RADIO_TITLE) == 1
    assert times(second, FULLER_TITLE, COPY_TITLE, FORCE_TITLE) == 0  # sent on Tuesday already
    assert times(second, PASSPORT_TITLE) == 0
    assert "Aussi :" not in second

    # Every reply (feeds added, topic pages, digests) is typeset as a French reader expects.
    everything = (await stored(bot)).values()
    ignore = [rfi_url, apa_url, "RFI Afrique", "APA News"]
    ignore += [part for a in everything for part in (a.title, a.summary, a.source or "")]
    ignore += [line for a in everything for line in a.body.split("\n")]
    texts = [
        version.raw_text
        for message in bot.api.sent_messages()
        for version in (*message.history, message)
    ]
    assert len(texts) >= 8
    found = {text[:60]: problems(text, ignore) for text in texts}
    assert {start: bad for start, bad in found.items() if bad} == {}
