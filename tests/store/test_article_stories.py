"""Stories in the article store, on both backends: which article leads, what topic pages,
topic counts and digests list, the other outlets, edits, the story index, the upgrade of a
database stored before stories, and Library.add telling copies from other events.

Lead flags and counts are also read back through a connection of their own (``_leads``,
``_recounted``): what the database holds, not what the store says it holds.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from content.library import Library
from content.models import Article, ArticleDraft, PreparedArticle, TopicMention
from content.pipeline import ArticlePipeline, fingerprint
from content.search import search_terms
from content.store import ArticleStore
from content.stories import story_keys, story_print
from content.topics import TopicCatalog
from core.clock import utc_now
from storage.backends import open_stores
from storage.postgres import articles_schema as postgres_articles_schema
from storage.postgres import schema as postgres_schema
from storage.postgres.database import PostgresDatabase
from storage.postgres.search import document_values
from storage.records import stamp
from storage.schema import StoreSchema
from storage.settings import DatabaseSettings
from storage.sqlite import articles_schema as sqlite_articles_schema
from storage.sqlite import schema as sqlite_schema
from storage.sqlite.database import SqliteDatabase
from storage.stores import Stores
from tests.support.factories import FakeClock

ADDED = datetime(2025, 6, 23, 8, 0, tzinfo=UTC)
AES = (("aes", 2),)


def prepared(
    title: str,
    words: int,
    *,
    source: str | None = "APA News",
    topics: tuple[tuple[str, int], ...] = AES,
    url: str | None = None,
    keys: tuple[int, ...] = (),
) -> PreparedArticle:
    """An article whose body has exactly ``words`` words (the lead is the longest)."""
    body = " ".join(f"{title.split()[0].lower()}{n}" for n in range(words)) + "."
    return PreparedArticle(
        draft=ArticleDraft(title=title, body=body, source=source, url=url),
        summary=f"Résumé de {title}.",
        topics=tuple(TopicMention(key, count) for key, count in topics),
        fingerprint=fingerprint(title, body),
        story_keys=keys,
    )


async def add(
    store: ArticleStore,
    item: PreparedArticle,
    story_id: int | None = None,
    *,
    at: datetime = ADDED,
) -> Article:
    added = await store.add(item, added_at=at, added_by="test", story_id=story_id)
    assert not added.duplicate
    return added.article


async def _committed(database: DatabaseSettings, sql: str) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` as committed, read through a connection of its own."""
    if database.backend == "sqlite":
        uri = f"file:{database.path}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            return connection.execute(sql).fetchall()
    connection = await asyncpg.connect(database.url)
    try:
        return [tuple(row) for row in await connection.fetch(sql)]
    finally:
        await connection.close()


async def _leads(database: DatabaseSettings) -> dict[tuple[int, str], int]:
    """(article id, topic) -> the lead flag of ``article_topics``, as committed; checks on the
    way that each story has one lead, and each topic of a story one lead among the members
    tagged with it: the story's lead whenever it is tagged with that topic."""
    topic_rows = await _committed(database, "SELECT article_id, topic, lead FROM article_topics")
    by_topic = {(int(a), str(t)): int(lead) for a, t, lead in topic_rows}
    article_rows = await _committed(database, "SELECT id, story_id, lead FROM articles")
    articles = {int(a): (int(story), int(lead)) for a, story, lead in article_rows}
    for story in {story for story, _lead in articles.values()}:
        leads = [a for a, (s, lead) in articles.items() if s == story and lead]
        assert len(leads) == 1, f"story {story} has leads {leads}"
        members = {a for a, (s, _lead) in articles.items() if s == story}
        for topic in {t for (a, t) in by_topic if a in members}:
            tagged = [a for a in members if (a, topic) in by_topic]
            topic_leads = [a for a in tagged if by_topic[(a, topic)]]
            assert len(topic_leads) == 1, f"story {story} on {topic}: leads {topic_leads}"
            if leads[0] in tagged:
                assert topic_leads == leads, f"story {story} on {topic}: not its lead"
    return by_topic


async def _recounted(database: DatabaseSettings) -> dict[str, int]:
    """The topic counts as they should be: the leads' topics, counted from the rows."""
    counts: dict[str, int] = {}
    for (_article, topic), lead in (await _leads(database)).items():
        counts[topic] = counts.get(topic, 0) + lead
    return {topic: count for topic, count in counts.items() if count}


async def _counts(stores: Stores, database: DatabaseSettings) -> dict[str, int]:
    counts = await stores.articles.topic_counts()
    assert counts == await _recounted(database), "the kept counts drifted from the rows"
    return counts


async def _ids(store: ArticleStore, topic: str | None, *, every: bool = False) -> list[int]:
    """The ids of a page: one article per story, or ``every`` article."""
    found = await store.latest(topic=topic, limit=50, one_per_story=not every)
    return [article.id for article in found]


# --- Joining a story, and its lead --------------------------------------------------------------


async def test_a_member_joins_the_story_and_the_longest_leads(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    first = await add(store, prepared("Dépêche courte", 40))
    longer = await add(store, prepared("Reprise longue", 90, source="RFI Afrique"), first.id)
    shorter = await add(store, prepared("Brève reprise", 20, source="Studio Tamani"), first.id)
    other = await add(store, prepared("Autre événement", 30))
    assert (first.story_id, longer.story_id, shorter.story_id) == (first.id,) * 3
    assert other.story_id == other.id  # no story given: a story of its own
    assert (await _leads(database)) == {
        (first.id, "aes"): 0,
        (longer.id, "aes"): 1,
        (shorter.id, "aes"): 0,
        (other.id, "aes"): 1,
    }
    # Pages list the story once, by its lead; asked for every article, they list them all.
    assert await _ids(store, "aes") == [other.id, longer.id]
    assert await _ids(store, None) == [other.id, longer.id]
    every = [other.id, shorter.id, longer.id, first.id]
    assert await _ids(store, None, every=True) == every
    assert await _ids(store, "aes", every=True) == every
    assert (await store.count(), await store.count(one_per_story=True)) == (4, 2)


async def test_equal_lengths_the_earliest_leads_and_a_link_wins_first(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    first = await add(store, prepared("Première", 50))
    second = await add(store, prepared("Seconde", 50, source="RFI Afrique"), first.id)
    assert await _ids(store, "aes") == [first.id]
    linked = await add(
        store, prepared("Liée", 50, source="Le Sahel", url="https://lesahel.example/a"), first.id
    )
    assert await _ids(store, "aes") == [linked.id]
    assert (await _leads(database))[(second.id, "aes")] == 0


async def test_a_story_that_is_gone_is_not_joined(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    first = await add(store, prepared("Disparue", 40))
    assert await store.delete(first.id)
    orphan = await add(store, prepared("Orpheline", 40), first.id)
    assert orphan.story_id == orphan.id
    assert await _counts(stores, database) == {"aes": 1}


async def test_the_lead_s_topics_decide_where_the_story_is_listed(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    first = await add(store, prepared("Mali seul", 40, topics=(("mali", 2),)))
    lead = await add(store, prepared("Mali et AES", 80, topics=(("mali", 3), ("aes", 1))), first.id)
    assert await _ids(store, "mali") == [lead.id]
    assert await _ids(store, "aes") == [lead.id]
    assert await _counts(stores, database) == {"mali": 1, "aes": 1}


# --- Topic counts count stories ------------------------------------------------------------------


async def test_topic_counts_follow_stories_through_every_change(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    solo = await add(store, prepared("Seule", 30, topics=(("aes", 1), ("niger", 1))))
    first = await add(store, prepared("Première", 40))
    assert await _counts(stores, database) == {"aes": 2, "niger": 1}
    # A longer member takes the lead: still one story.
    lead = await add(store, prepared("Plus longue", 80, source="RFI Afrique"), first.id)
    member = await add(store, prepared("Courte", 20, source="Le Sahel"), first.id)
    assert await _counts(stores, database) == {"aes": 2, "niger": 1}
    # A member that is not the lead goes: nothing changes.
    assert await store.delete(member.id)
    assert await _counts(stores, database) == {"aes": 2, "niger": 1}
    # The lead goes: the other member leads, still one story.
    assert await store.delete(lead.id)
    assert await _counts(stores, database) == {"aes": 2, "niger": 1}
    assert await _ids(store, "aes") == [first.id, solo.id]
    assert await _ids(store, None) == [first.id, solo.id]
    # The last member goes: one story fewer.
    assert await store.delete(first.id)
    assert await _counts(stores, database) == {"aes": 1, "niger": 1}
    assert await store.delete(solo.id)
    assert await _counts(stores, database) == {}


async def test_an_edit_that_changes_the_lead_keeps_the_counts(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    first = await add(store, prepared("Première", 60))
    member = await add(store, prepared("Seconde", 30, source="RFI Afrique"), first.id)
    assert await _ids(store, "aes") == [first.id]
    edited = await store.update(member.id, prepared("Seconde complétée", 120))
    assert edited is not None
    assert await _ids(store, "aes") == [member.id]
    assert await _counts(stores, database) == {"aes": 1}


# --- The other outlets ---------------------------------------------------------------------------


async def test_also_names_the_other_outlets_once_in_arrival_order(stores: Stores) -> None:
    store = stores.articles
    first = await add(store, prepared("Tamani", 40, source="Studio Tamani"))
    members = [first]
    for title, source in (
        ("Apa", "APA News"),
        ("Rfi", "RFI Afrique"),
        ("Apa2", "APA News"),
        ("Anonyme", None),
        ("Agence", "Agence Anadolu"),
    ):
        members.append(await add(store, prepared(title, 30, source=source), first.id))
    by_title = {a.title: a for a in await store.get_many([a.id for a in members])}
    assert by_title["Tamani"].also == ("APA News", "RFI Afrique", "Agence Anadolu")
    assert by_title["Rfi"].also == ("Studio Tamani", "APA News", "Agence Anadolu")
    assert by_title["Apa2"].also == ("Studio Tamani", "RFI Afrique", "Agence Anadolu")
    assert by_title["Anonyme"].also == (
        "Studio Tamani",
        "APA News",
        "RFI Afrique",
        "Agence Anadolu",
    )
    alone = await add(store, prepared("Isolé", 30))
    assert alone.also == ()
    # Topic pages carry them too (they are read in the same row).
    (page_lead,) = await store.latest(topic="aes", limit=1, offset=1)
    assert page_lead.id == first.id and page_lead.also == by_title["Tamani"].also


# --- Digest selection: each event once -----------------------------------------------------------


async def _digest(store: ArticleStore, after_id: int, up_to_id: int) -> list[int]:
    return await store.newest_on_topic(
        "aes", after_id=after_id, up_to_id=up_to_id, added_since=None, limit=20
    )


async def test_each_event_is_selected_once_across_digests(stores: Stores) -> None:
    store = stores.articles
    old = await add(store, prepared("Ancienne", 40))
    first_watermark = await store.newest_id()
    assert await _digest(store, 0, first_watermark) == [old.id]
    # Another outlet covers the old event, at length (it leads now); a new event arrives.
    old_copy = await add(store, prepared("Reprise", 90, source="RFI Afrique"), old.id)
    new = await add(store, prepared("Nouvelle", 30))
    solo = await add(store, prepared("Seule", 30))
    second_watermark = await store.newest_id()
    # Between the selection's newest id and the next digest, the new event gains a fuller
    # copy: the story is new, so it is selected, by its lead, above the watermark.
    new_copy = await add(store, prepared("Complète", 100, source="RFI Afrique"), new.id)
    second = await _digest(store, first_watermark, second_watermark)
    assert second == [new_copy.id, solo.id]
    assert old_copy.id not in second and old.id not in second
    third = await _digest(store, second_watermark, await store.newest_id())
    assert third == []  # the new story was in the second digest, though its lead came later
    later = await add(store, prepared("Plus tard", 30))
    assert await _digest(store, second_watermark, await store.newest_id()) == [later.id]


async def test_selection_respects_added_since_on_the_lead(stores: Stores) -> None:
    store = stores.articles
    yesterday = await add(store, prepared("Hier", 40), at=ADDED - timedelta(days=1))
    today = await add(store, prepared("Aujourd'hui", 40), at=ADDED)
    found = await store.newest_on_topic(
        "aes",
        after_id=0,
        up_to_id=await store.newest_id(),
        added_since=ADDED - timedelta(hours=1),
        limit=10,
    )
    assert found == [today.id] and yesterday.id not in found


# --- Edits -----------------------------------------------------------------------------------


async def test_update_replaces_text_summary_and_topics(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    first = await add(store, prepared("Brève", 80, topics=(("aes", 2), ("niger", 1))))
    member = await add(store, prepared("Dépêche", 40, source="RFI Afrique"), first.id)
    body = (
        "Les ministres de la Défense de la Confédération se sont réunis à Niamey ce lundi. "
        + " ".join(f"mot{n}" for n in range(100))
    )
    edit = PreparedArticle(
        draft=ArticleDraft(
            title="Dépêche corrigée",
            body=body,
            source="RFI Afrique",
            published_on=date(2025, 6, 23),
        ),
        summary="Réunion des ministres à Niamey.",
        topics=(TopicMention("aes", 3), TopicMention("mali", 1)),
        fingerprint=fingerprint("Dépêche corrigée", body),
    )
    updated = await store.update(member.id, edit)
    assert updated is not None
    assert (updated.id, updated.story_id) == (member.id, first.id)
    assert (updated.title, updated.body, updated.summary) == (
        "Dépêche corrigée",
        body,
        "Réunion des ministres à Niamey.",
    )
    assert updated.topics == (TopicMention("aes", 3), TopicMention("mali", 1))
    assert updated.published_on == date(2025, 6, 23)
    assert updated.also == ("APA News",)
    # Longer now, it leads: the story is listed by it under its topics, and by the first
    # article under Niger, which only the first is tagged with.
    assert await _ids(store, "aes") == [member.id]
    assert await _ids(store, "mali") == [member.id]
    assert await _ids(store, "niger") == [first.id]
    assert await _counts(stores, database) == {"aes": 1, "mali": 1, "niger": 1}
    # Search reads the new text, not the old one.
    assert [a.id for a in await store.search(search_terms("niamey"), limit=5)] == [member.id]
    assert await store.search(search_terms("dépêche42"), limit=5) == []


async def test_update_refuses_a_missing_article_and_another_s_text(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    first = await add(store, prepared("Première", 40))
    second = await add(store, prepared("Seconde", 50))
    assert await store.update(9999, prepared("Absente", 10)) is None
    assert await store.update(second.id, prepared("Première", 40)) is None  # first's text
    (unchanged,) = await store.get_many([second.id])
    assert unchanged.title == "Seconde" and unchanged.fingerprint == second.fingerprint
    # Its own text again (the outlet changed the summary only) is an edit like any other.
    same_text = prepared("Première", 40)
    assert first.fingerprint == same_text.fingerprint
    resummarised = await store.update(first.id, same_text)
    assert resummarised is not None and resummarised.id == first.id
    assert await _counts(stores, database) == {"aes": 2}


async def test_an_edit_that_drops_a_topic_takes_the_story_off_its_page(
    stores: Stores, database: DatabaseSettings
) -> None:
    store = stores.articles
    first = await add(store, prepared("Première", 60, topics=(("aes", 2), ("niger", 1))))
    member = await add(store, prepared("Seconde", 30, source="RFI Afrique"), first.id)
    assert await _ids(store, "niger") == [first.id]
    edited = await store.update(first.id, prepared("Première", 60, topics=(("mali", 1),)))
    assert edited is not None and edited.topics == (TopicMention("mali", 1),)
    assert await _ids(store, "niger") == []
    assert await _ids(store, "aes") == [member.id]  # the only member still tagged AES
    assert await _ids(store, "mali") == [first.id]
    assert await _counts(stores, database) == {"aes": 1, "mali": 1}


# --- The story index -------------------------------------------------------------------------


async def test_story_candidates_share_keys_and_are_recent(stores: Stores) -> None:
    store = stores.articles
    early = await add(store, prepared("Tôt", 40, keys=(1, 3, 4)), at=ADDED)
    late = await add(store, prepared("Tard", 40, keys=(3, 4, -5)), at=ADDED + timedelta(hours=1))
    await add(store, prepared("Ailleurs", 40, keys=(9,)), at=ADDED)
    await add(store, prepared("Sans clé", 40), at=ADDED)
    found = await store.story_candidates((3, 4, -5), since=ADDED)
    assert [a.id for a in found] == [late.id, early.id]  # the most shared keys first
    assert found[0].title == "Tard"  # whole articles, to compare
    recent = await store.story_candidates((3, 4, -5), since=ADDED + timedelta(minutes=30))
    assert [a.id for a in recent] == [late.id]
    assert await store.story_candidates((1, 3), since=ADDED + timedelta(minutes=30)) == []
    assert await store.story_candidates((77,), since=ADDED) == []
    assert await store.story_candidates((), since=ADDED) == []
    # One key in common is a common phrase, not a candidate.
    assert await store.story_candidates((1, 77, 78), since=ADDED) == []
    assert await store.delete(late.id)
    assert [a.id for a in await store.story_candidates((3, 4), since=ADDED)] == [early.id]


# --- A database stored before stories ------------------------------------------------------------


OLD_ARTICLES = (
    ("Niamey accueille les ministres de l'AES", ("aes", "niger")),
    ("Bamako sous la pluie", ("mali",)),
    ("Le passeport de l'AES à Bamako", ("aes", "mali")),
)
"""Three articles stored before stories, with their topics."""


def _old_rows() -> list[tuple[tuple[str, str, str, str, str], list[tuple[int, str]]]]:
    """Each old article's (title, body, summary, fingerprint, added_at) and topic rows."""
    return [
        (
            (title, f"{title}. Texte {number}.", f"{title}.", f"fp{number}", stamp(ADDED)),
            [(number, topic) for topic in topics],
        )
        for number, (title, topics) in enumerate(OLD_ARTICLES, start=1)
    ]


async def _sqlite_at_articles_version_2(database: DatabaseSettings) -> None:
    """The articles store at version 2, written by its own upgrades 1-2."""
    opened = await SqliteDatabase.open(database.path)
    try:
        old = StoreSchema("articles", sqlite_articles_schema.SCHEMA.upgrades[:2])
        assert await sqlite_schema.upgrade(opened, [old], ADDED) == {"articles": 2}
        async with opened.transaction() as tx:
            for article, topics in _old_rows():
                await tx.execute(
                    "INSERT INTO articles (title, body, summary, source, fingerprint, "
                    "added_at, added_by) VALUES (?, ?, ?, 'APA News', ?, ?, 'test')",
                    article,
                )
                await tx.executemany(
                    "INSERT INTO article_topics (article_id, topic, mentions, sort_day) "
                    "VALUES (?, ?, 1, '2025-06-23')",
                    topics,
                )
    finally:
        await opened.close()


async def _postgres_at_articles_version_2(database: DatabaseSettings) -> None:
    """The articles store at version 2 on PostgreSQL, its rows written as the store of that
    version wrote them (search documents included)."""
    opened = await PostgresDatabase.open(database.url)
    try:
        old = StoreSchema("articles", postgres_articles_schema.SCHEMA.upgrades[:2])
        assert await postgres_schema.upgrade(opened, [old], ADDED) == {"articles": 2}
        async with opened.transaction() as tx:
            for article, topics in _old_rows():
                await tx.execute(
                    "INSERT INTO articles (title, body, summary, source, fingerprint, "
                    "added_at, added_by) VALUES ($1, $2, $3, 'APA News', $4, $5, 'test')",
                    *article,
                )
                await tx.executemany(
                    "INSERT INTO article_topics (article_id, topic, mentions, sort_day) "
                    "VALUES ($1, $2, 1, '2025-06-23')",
                    topics,
                )
                await tx.execute(
                    "INSERT INTO article_search (article_id, document) "
                    "VALUES ($1, article_document($2, $3, $4))",
                    topics[0][0],
                    *document_values(article[0], article[2], article[1]),
                )
    finally:
        await opened.close()


async def test_upgrade_makes_each_stored_article_its_own_story(database: DatabaseSettings) -> None:
    if database.backend == "sqlite":
        await _sqlite_at_articles_version_2(database)
    else:
        await _postgres_at_articles_version_2(database)
    stores = await open_stores(database, utc_now)
    try:
        store = stores.articles
        articles = await store.get_many([1, 2, 3])
        assert [(a.id, a.story_id, a.also) for a in articles] == [
            (1, 1, ()),
            (2, 2, ()),
            (3, 3, ()),
        ]
        assert set((await _leads(database)).values()) == {1}
        assert await store.count(one_per_story=True) == 3
        assert await _counts(stores, database) == {"aes": 2, "niger": 1, "mali": 2}
        assert await _ids(store, "aes") == [3, 1]
        found = await store.search(search_terms("passeport bamako"), limit=5)
        assert [a.id for a in found] == [3]
        assert await store.newest_on_topic(
            "mali", after_id=0, up_to_id=3, added_since=None, limit=5
        ) == [3, 2]
        # Stories work on the old rows: a copy joins the first article's story.
        copy = await add(store, prepared("Reprise", 60, source="RFI Afrique"), 1)
        assert copy.story_id == 1 and copy.also == ("APA News",)
        assert copy.id == 4 == await store.newest_id()
        assert await _ids(store, "aes") == [copy.id, 3]
        # The copy leads the story, but is not tagged Niger: Niger's readers still see the
        # story, by the first article, the one tagged with it.
        assert await _counts(stores, database) == {"aes": 2, "niger": 1, "mali": 2}
        assert await _ids(store, "niger") == [1]
        assert (await store.count(), await store.count(one_per_story=True)) == (4, 3)
        assert await _ids(store, None) == [copy.id, 3, 2]
    finally:
        await stores.close()
    versions = dict(await _committed(database, "SELECT store, version FROM schema_versions"))
    assert versions["articles"] == 3


# --- Library.add: copies join, other events do not ----------------------------------------------


FORCE_TITLE = "Niamey accueille la réunion des ministres de la Défense de l'AES"
FORCE = (
    "Les ministres de la Défense du Mali, du Burkina Faso et du Niger se sont réunis lundi à "
    "Niamey pour finaliser la mise en place de la force unifiée de la Confédération des États "
    "du Sahel (AES). Selon le communiqué final, cette force comptera 5 000 hommes et son "
    "quartier général sera installé dans la capitale nigérienne. Le général Salifou Mody, "
    "ministre nigérien de la Défense, a salué « une étape décisive pour la souveraineté de nos "
    "peuples ».\n\n"
    "Les trois pays, dirigés par des militaires, ont quitté la Cédéao en janvier et renforcent "
    "depuis leur coopération face aux groupes jihadistes actifs dans la zone dite des trois "
    "frontières. Les ministres ont également adopté un plan commun d'achat d'équipements et de "
    "formation des unités, qui sera soumis aux chefs d'État de l'AES lors de leur prochain "
    "sommet, prévu à Bamako avant la fin de l'année."
)
"""An agency dispatch."""
COPY_TITLE = "AES : une force unifiée de 5 000 hommes, avec son état-major à Niamey"
COPY = "La Confédération AES franchit un nouveau cap dans sa coopération militaire. " + FORCE
"""Another outlet's copy: its own title and a first sentence of its own."""
PASSPORT_TITLE = "Les premiers passeports de l'AES remis à Bamako"
PASSPORT = (
    "Les premiers passeports biométriques de la Confédération des États du Sahel (AES) ont été "
    "remis dimanche à Bamako, lors d'une cérémonie présidée par le ministre malien de la "
    "Sécurité. Ce document, commun au Mali, au Burkina Faso et au Niger, remplace "
    "progressivement le passeport de la Cédéao, que les trois pays ont quittée en janvier. "
    "Les services d'état civil de Niamey et de Ouagadougou commenceront à le délivrer dans les "
    "prochaines semaines, selon les autorités.\n\n"
    "Les titulaires de l'ancien passeport pourront l'utiliser jusqu'à sa date d'expiration. "
    "Le nouveau document, de couleur bleue, porte le logo de l'Alliance des États du Sahel et "
    "les armoiries des trois pays membres. Il doit faciliter la libre circulation des "
    "personnes et des biens dans l'espace confédéral, ont rappelé les responsables présents."
)
"""Another event, with the same countries, capitals and alliance."""
BACKGROUND = (
    "La région de Ménaka, frontalière du Niger, est le théâtre depuis plusieurs années "
    "d'affrontements entre l'armée malienne, appuyée par ses partenaires russes, et les "
    "combattants de l'État islamique au Sahel. Ces violences ont contraint des dizaines de "
    "milliers d'habitants à fuir vers Ménaka ville ou vers le Niger voisin, où les camps de "
    "déplacés manquent d'eau et de vivres, selon les organisations humanitaires présentes."
)
MONDAY_TITLE = "Mali : un convoi militaire attaqué près de Ménaka"
MONDAY = (
    "Un convoi de l'armée malienne a été visé lundi par une embuscade à une trentaine de "
    "kilomètres de Ménaka, dans l'est du Mali, a indiqué l'état-major dans un communiqué. "
    "Quatre soldats ont été tués et deux véhicules détruits, selon la même source.\n\n" + BACKGROUND
)
FRIDAY_TITLE = "Mali : un marché attaqué dans la région de Ménaka"
FRIDAY = (
    "Des hommes armés ont attaqué vendredi le marché hebdomadaire d'Anderamboukane, dans la "
    "région de Ménaka, tuant neuf civils, ont rapporté des élus locaux. Les assaillants ont "
    "emporté du bétail avant de repartir vers la frontière nigérienne.\n\n" + BACKGROUND
)
"""Monday's and Friday's attacks share their background paragraph (and so index keys)."""


def _library(stores: Stores, catalog: TopicCatalog, clock: FakeClock) -> Library:
    return Library(stores.articles, ArticlePipeline(catalog), clock)


async def test_library_puts_an_agency_copy_in_the_dispatch_s_story(
    stores: Stores, catalog: TopicCatalog, clock: FakeClock
) -> None:
    library = _library(stores, catalog, clock)
    dispatch = (
        await library.add(ArticleDraft(FORCE_TITLE, FORCE, source="APA News"), added_by="test")
    ).article
    assert dispatch.story_id == dispatch.id
    # Read once, so the digest cache holds it without the copy.
    assert (await library.get_many([dispatch.id]))[0].also == ()
    clock.advance(hours=2)
    copy = (
        await library.add(ArticleDraft(COPY_TITLE, COPY, source="RFI Afrique"), added_by="test")
    ).article
    assert copy.story_id == dispatch.id and copy.also == ("APA News",)
    # The cached dispatch learns of the copy too.
    assert (await library.get_many([dispatch.id]))[0].also == ("RFI Afrique",)
    page = await library.latest(topic="aes", limit=10)
    assert [a.id for a in page] == [copy.id]  # the longer copy leads
    assert (await library.topic_counts())["aes"] == 1
    assert (await library.count(), await library.count(one_per_story=True)) == (2, 1)


async def test_library_keeps_two_events_sharing_names_apart(
    stores: Stores, catalog: TopicCatalog, clock: FakeClock
) -> None:
    library = _library(stores, catalog, clock)
    added = []
    for title, body in (
        (FORCE_TITLE, FORCE),
        (PASSPORT_TITLE, PASSPORT),
        (MONDAY_TITLE, MONDAY),
        (FRIDAY_TITLE, FRIDAY),
    ):
        clock.advance(hours=1)
        draft = ArticleDraft(title, body, source="APA News")
        added.append((await library.add(draft, added_by="test")).article)
    assert [a.story_id for a in added] == [a.id for a in added]
    # Friday's attack was compared with Monday's (their background gives them shared index
    # keys) and still told apart.
    friday, monday = added[3], added[2]
    friday_keys = story_keys(story_print(FRIDAY_TITLE, FRIDAY))
    candidates = await stores.articles.story_candidates(friday_keys, since=ADDED)
    assert monday.id in [a.id for a in candidates]
    aes_page = await library.latest(topic="aes", limit=10)
    assert {a.id for a in aes_page} == {added[0].id, added[1].id}
    mali_page = await library.latest(topic="mali", limit=10)
    assert {monday.id, friday.id} <= {a.id for a in mali_page}


async def test_a_copy_after_the_story_window_starts_a_story_of_its_own(
    stores: Stores, catalog: TopicCatalog, clock: FakeClock
) -> None:
    library = _library(stores, catalog, clock)
    dispatch = await library.add(ArticleDraft(FORCE_TITLE, FORCE, source="APA News"), added_by="t")
    clock.advance(hours=73)
    late = await library.add(ArticleDraft(COPY_TITLE, COPY, source="RFI Afrique"), added_by="t")
    assert late.article.story_id == late.article.id != dispatch.article.id


async def test_an_edited_article_is_found_by_its_new_text(
    stores: Stores, catalog: TopicCatalog, clock: FakeClock
) -> None:
    """A feed item stored as its teaser (its page could not be fetched), then edited into the
    full dispatch: another outlet's copy of the dispatch joins its story. (The story index kept
    the teaser's keys, and the copy started a story of its own.)"""
    library = _library(stores, catalog, clock)
    teaser = (
        "Les trois pays sahéliens ont réuni leurs responsables militaires dans la capitale "
        "nigérienne, Niamey, ce lundi."
    )
    stored = await library.add(ArticleDraft(FORCE_TITLE, teaser, source="APA News"), added_by="t")
    dispatch = stored.article
    clock.advance(minutes=30)
    edited = await library.update(dispatch.id, ArticleDraft(FORCE_TITLE, FORCE, source="APA News"))
    assert edited is not None and edited.body == FORCE
    new_keys = story_keys(story_print(FORCE_TITLE, FORCE))
    old_keys = story_keys(story_print(FORCE_TITLE, teaser))
    since = ADDED - timedelta(days=1)
    assert [a.id for a in await stores.articles.story_candidates(new_keys, since=since)] == [
        dispatch.id
    ]
    assert set(old_keys) - set(new_keys)  # the teaser had keys of its own...
    stale = tuple(set(old_keys) - set(new_keys))
    assert await stores.articles.story_candidates(stale, since=since) == []  # ...now forgotten
    # The index keeps the article's arrival time: an edit does not stretch the story window.
    later = dispatch.added_at + timedelta(hours=1)
    assert await stores.articles.story_candidates(new_keys, since=later) == []
    clock.advance(minutes=30)
    copy = await library.add(ArticleDraft(COPY_TITLE, COPY, source="RFI Afrique"), added_by="t")
    assert copy.article.story_id == dispatch.id
    assert copy.article.also == ("APA News",)


async def test_a_deleted_copy_leaves_the_others_outlets_at_once(
    stores: Stores, catalog: TopicCatalog, clock: FakeClock
) -> None:
    """Articles kept in memory for a digest fan-out name the story's other outlets: deleting
    one of them (an admin's /supprimer) must not leave its name on the others."""
    library = _library(stores, catalog, clock)
    dispatch = await library.add(ArticleDraft(FORCE_TITLE, FORCE, source="APA News"), added_by="t")
    copy = await library.add(ArticleDraft(COPY_TITLE, COPY, source="RFI Afrique"), added_by="t")
    (cached,) = await library.get_many([dispatch.article.id])
    assert cached.also == ("RFI Afrique",)
    assert await library.delete(copy.article.id)
    (after,) = await library.get_many([dispatch.article.id])
    assert after.also == ()
    assert [a.id for a in await library.latest(topic="aes", limit=5)] == [dispatch.article.id]
