"""What the feed polling tests share: outlets' documents (RSS 2.0, Atom, JSON Feed) built from
French Sahel news items, and the services opened on a real file with a stoppable clock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape as html_escape
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from app.config import Config
from app.services import open_services
from bot.services import Services
from content.models import Article
from content.settings import ContentSettings
from feeds.models import Feed
from feeds.poller import PollResult
from feeds.settings import FeedSettings
from storage.settings import DatabaseSettings
from tests.support.factories import FakeClock, NoSending
from tests.support.feed_server import RSS_TYPE, FeedServer

ATOM_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_TYPE = "application/feed+json"
POLL_INTERVAL = timedelta(minutes=10)
"""FeedSettings' default poll interval, which these tests keep."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One item as an outlet writes it in its feed."""

    title: str
    text: str
    """The description: a teaser, or the standfirst when ``content`` is given."""
    guid: str | None = None
    link: str | None = None
    published: datetime | None = None
    content: str | None = None
    """The full text (content:encoded, Atom content, JSON content_text); paragraphs split by
    blank lines."""


NEWS = (
    (
        "Niger : le corridor Niamey-Ouagadougou rouvert aux camions",
        "Les ministres des Transports du Niger et du Burkina Faso ont rouvert mardi le corridor "
        "routier entre Niamey et Ouagadougou. Les transporteurs attendaient cette décision depuis "
        "des mois.",
    ),
    (
        "Mali : la campagne agricole s'annonce bonne à Ségou",
        "Les pluies précoces ont permis aux cultivateurs de la région de Ségou de semer le mil et "
        "le sorgho dès la mi-juin. La direction régionale de l'agriculture prévoit une récolte "
        "supérieure à celle de l'an dernier.",
    ),
    (
        "Burkina Faso : les écoles de Kaya rouvrent leurs portes",
        "Plus de quarante écoles fermées depuis deux ans ont rouvert lundi dans la commune de "
        "Kaya. Les enseignants redéployés ont accueilli près de neuf mille élèves, selon la "
        "direction provinciale.",
    ),
    (
        "Tchad : des pluies diluviennes inondent N'Djamena",
        "Plusieurs quartiers du sud de N'Djamena sont sous les eaux après des pluies diluviennes "
        "tombées dans la nuit de dimanche. La mairie a ouvert deux sites d'accueil pour les "
        "familles sinistrées.",
    ),
    (
        "Niger : la Sonidep relève le prix du gasoil",
        "La Société nigérienne des produits pétroliers a relevé de quarante francs CFA le prix du "
        "litre de gasoil à la pompe. Les syndicats de transporteurs dénoncent une hausse qui "
        "pèsera sur le prix des denrées.",
    ),
    (
        "Mali : Bamako accueille les ministres de l'AES",
        "Les ministres des Affaires étrangères de l'Alliance des États du Sahel se réunissent "
        "jeudi à Bamako. Ils doivent examiner le projet de passeport commun et la création d'une "
        "banque confédérale.",
    ),
    (
        "Mauritanie : ouverture de la saison de pêche à Nouadhibou",
        "Les autorités mauritaniennes ont lancé la nouvelle saison de pêche artisanale au port de "
        "Nouadhibou. Plus de trois mille pirogues sont attendues dans les prochaines semaines.",
    ),
    (
        "Sénégal : le prix de l'arachide fixé à trois cents francs",
        "Le gouvernement sénégalais a fixé le prix au producteur de l'arachide à trois cents "
        "francs CFA le kilo pour la campagne à venir. Les producteurs du bassin arachidier "
        "réclamaient davantage.",
    ),
)
"""Teasers of distinct events (one or two sentences each, as most news feeds carry)."""


def news(
    n: int,
    server: FeedServer,
    *,
    published: datetime | None,
    guid: str | None = "",
    link: str | None = "",
) -> Entry:
    """The n-th item of ``NEWS``, with a guid and a link on the outlet's server by default (its
    page is not routed: the teaser is kept)."""
    title, text = NEWS[n]
    return Entry(
        title=title,
        text=text,
        guid=f"lesahel-{1000 + n}" if guid == "" else guid,
        link=server.url(f"/2025/06/article-{1000 + n}.html") if link == "" else link,
        published=published,
    )


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html_escape(part, quote=False)}</p>" for part in text.split("\n\n"))


def rss(entries: Sequence[Entry], *, title: str = "Le Sahel", channel_extra: str = "") -> str:
    items = "".join(_rss_item(entry) for entry in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>{escape(title)}</title><link>https://www.lesahel.example/</link>"
        f"<language>fr</language>{channel_extra}{items}</channel></rss>"
    )


def _rss_item(entry: Entry) -> str:
    parts = [f"<title>{escape(entry.title)}</title>"]
    if entry.link:
        parts.append(f"<link>{escape(entry.link)}</link>")
    if entry.guid:
        parts.append(f'<guid isPermaLink="false">{escape(entry.guid)}</guid>')
    if entry.published:
        parts.append(f"<pubDate>{format_datetime(entry.published, usegmt=True)}</pubDate>")
    parts.append(f"<description>{escape(entry.text)}</description>")
    if entry.content:
        parts.append(f"<content:encoded><![CDATA[{_paragraphs(entry.content)}]]></content:encoded>")
    return "<item>" + "".join(parts) + "</item>"


def atom(entries: Sequence[Entry], *, title: str = "Le Sahel") -> str:
    items = "".join(_atom_entry(entry) for entry in entries)
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="fr">'
        f"<title>{escape(title)}</title><id>urn:lesahel:fil</id>"
        "<updated>2025-06-23T04:00:00Z</updated>"
        f'<link rel="alternate" href="https://www.lesahel.example/"/>{items}</feed>'
    )


def _atom_entry(entry: Entry) -> str:
    parts = [f"<title>{escape(entry.title)}</title>"]
    if entry.guid:
        parts.append(f"<id>{escape(entry.guid)}</id>")
    if entry.link:
        parts.append(f'<link rel="alternate" href="{escape(entry.link)}"/>')
    if entry.published:
        stamp = entry.published.isoformat().replace("+00:00", "Z")
        parts.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
    parts.append(f'<summary type="text">{escape(entry.text)}</summary>')
    if entry.content:
        parts.append(f'<content type="html">{escape(_paragraphs(entry.content))}</content>')
    return "<entry>" + "".join(parts) + "</entry>"


def json_feed(entries: Sequence[Entry], *, title: str = "Le Sahel") -> str:
    items: list[dict[str, Any]] = []
    for entry in entries:
        item: dict[str, Any] = {"title": entry.title}
        if entry.guid:
            item["id"] = entry.guid
        if entry.link:
            item["url"] = entry.link
        if entry.published:
            item["date_published"] = entry.published.isoformat()
        if entry.content:
            item["content_html"] = _paragraphs(entry.content)
            item["summary"] = entry.text
        else:
            item["content_text"] = entry.text
        items.append(item)
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": "https://www.lesahel.example/",
        "items": items,
    }
    return json.dumps(document, ensure_ascii=False)


Builder = Callable[[Sequence[Entry]], str]
FORMATS: dict[str, tuple[Builder, str]] = {
    "rss": (rss, RSS_TYPE),
    "atom": (atom, ATOM_TYPE),
    "json": (json_feed, JSON_FEED_TYPE),
}


def feed_config(database: Path, **feeds: Any) -> Config:
    """Feeds from the tests' local server only: no shipped source, loopback allowed (unless a
    test says otherwise), no shipped article."""
    settings = replace(FeedSettings(load_sources=False, allow_private_hosts=True), **feeds)
    return Config(
        database=DatabaseSettings(path=database),
        content=ContentSettings(load_seed=False),
        feeds=settings,
    )


@asynccontextmanager
async def polling(database: Path, clock: FakeClock, **feeds: Any) -> AsyncIterator[Services]:
    """The services on ``database``, as the bot or ``feeds poll --once`` opens them."""
    config = feed_config(database, **feeds)
    async with open_services(config, NoSending(), clock, load_seed=False) as services:
        yield services


async def follow(services: Services, url: str, **options: Any) -> Feed:
    """Follow a feed the way an admin does (the service fetches and checks it first)."""
    added = await services.feeds.add(url, added_by="test", **options)
    assert added.created
    return added.feed


async def poll_once(services: Services) -> PollResult:
    """One round that must poll exactly one feed."""
    done = await services.feeds.poller.poll_due()
    assert len(done.results) == 1, done.results
    return done.results[0]


async def poll_later(services: Services, clock: FakeClock) -> PollResult:
    """The next round, once the poll interval has passed."""
    clock.advance(seconds=POLL_INTERVAL.total_seconds())
    return await poll_once(services)


async def current(services: Services, feed: Feed) -> Feed:
    stored = await services.feeds.get(feed.id)
    assert stored is not None
    return stored


async def every_article(services: Services) -> list[Article]:
    """Every stored article, oldest first, copies of one story included (topic pages and the
    latest list show each story once)."""
    newest = await services.library.store.newest_id()
    return await services.library.get_many(range(1, newest + 1))


async def stored_titles(services: Services) -> set[str]:
    return {article.title for article in await every_article(services)}
