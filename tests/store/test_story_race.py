"""Two processes storing articles at the same moment, on both backends: copies of one event
still make one story, one text is stored once, and a digest never counts an id as seen before
its article can be read.

Each "process" is a store opened on the same database again (``open_again``). The first race
is played in order: B looks for the story (nothing yet), A stores its copy, then B stores. The
others are run at once; on PostgreSQL, where replicas really write at the same time, they fail
without the store's write lock.
"""

from __future__ import annotations

import asyncio

import asyncpg

from content.library import Library
from content.models import Article, ArticleDraft
from content.pipeline import ArticlePipeline
from content.stories import StoryPrint
from content.topics import TopicCatalog
from core.clock import utc_now
from storage.backends import open_stores
from storage.postgres import locks
from storage.settings import DatabaseSettings
from tests.store.conftest import OpenAgain
from tests.store.test_article_stories import COPY, COPY_TITLE, FORCE, FORCE_TITLE
from tests.support.factories import FakeClock
from tests.support.postgres import PostgresServer


async def test_a_copy_stored_by_another_process_during_the_search_is_joined(
    open_again: OpenAgain, catalog: TopicCatalog, clock: FakeClock
) -> None:
    first, second = await open_again(), await open_again()
    process_a = Library(first.articles, ArticlePipeline(catalog), clock)
    process_b = Library(second.articles, ArticlePipeline(catalog), clock)
    stored_by_a: list[Article] = []
    search = process_b._story_of_event

    async def search_then_lose_the_race(
        story: StoryPrint, keys: tuple[int, ...], now: object
    ) -> int | None:
        found = await search(story, keys, now)  # type: ignore[arg-type]
        if not stored_by_a:  # A stores its copy right after B's first search
            draft = ArticleDraft(FORCE_TITLE, FORCE, source="APA News")
            stored_by_a.append((await process_a.add(draft, added_by="a")).article)
        return found

    process_b._story_of_event = search_then_lose_the_race  # type: ignore[method-assign]
    draft = ArticleDraft(COPY_TITLE, COPY, source="RFI Afrique")
    copy = (await process_b.add(draft, added_by="b")).article

    (dispatch,) = stored_by_a
    assert copy.story_id == dispatch.id
    assert copy.also == ("APA News",)
    assert await first.articles.count(one_per_story=True) == 1


async def test_copies_stored_at_once_by_two_processes_make_one_story(
    open_again: OpenAgain, catalog: TopicCatalog, clock: FakeClock
) -> None:
    first, second = await open_again(), await open_again()
    process_a = Library(first.articles, ArticlePipeline(catalog), clock)
    process_b = Library(second.articles, ArticlePipeline(catalog), clock)
    dispatch, copy = await asyncio.gather(
        process_a.add(ArticleDraft(FORCE_TITLE, FORCE, source="APA News"), added_by="a"),
        process_b.add(ArticleDraft(COPY_TITLE, COPY, source="RFI Afrique"), added_by="b"),
    )
    assert dispatch.article.story_id == copy.article.story_id
    assert await first.articles.count(one_per_story=True) == 1
    assert await second.articles.count() == 2


async def test_one_text_stored_at_once_by_two_processes_is_stored_once(
    open_again: OpenAgain, catalog: TopicCatalog, clock: FakeClock
) -> None:
    first, second = await open_again(), await open_again()
    libraries = [Library(s.articles, ArticlePipeline(catalog), clock) for s in (first, second)]
    for round_number in range(5):
        draft = ArticleDraft(f"{FORCE_TITLE} ({round_number})", FORCE, source="APA News")
        added = await asyncio.gather(*(library.add(draft, added_by="t") for library in libraries))
        assert sorted(each.duplicate for each in added) == [False, True]
        assert added[0].article.id == added[1].article.id
    assert await first.articles.count() == 5


async def test_an_id_given_to_a_write_under_way_is_not_newest_until_it_commits(
    postgres_server: PostgresServer,
) -> None:
    """PostgreSQL draws ids as rows are inserted, not as they commit: were the newest id read
    from the sequence while another process stores an article, a digest would record that id
    as seen before the article could be read, and never send it. (SQLite draws and commits an
    id under its one writer's lock.)"""
    url = await postgres_server.new_database()
    stores = await open_stores(DatabaseSettings(url=url, pool_size=2), utc_now)
    writer = await asyncpg.connect(url)
    try:
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute("SELECT pg_advisory_xact_lock($1)", locks.ARTICLE_WRITES)
        article_id = await writer.fetchval(
            "INSERT INTO articles (title, body, summary, fingerprint, added_at, added_by) "
            "VALUES ('Titre', 'Texte.', 'Texte.', 'fp', '2025-06-23T08:00:00+00:00', 't') "
            "RETURNING id"
        )
        newest = asyncio.create_task(stores.articles.newest_id())
        await asyncio.sleep(0.3)
        assert not newest.done()
        await transaction.commit()
        assert await asyncio.wait_for(newest, 10) == article_id
        (read,) = await stores.articles.get_many([article_id])
        assert read.title == "Titre"
    finally:
        await writer.close()
        await stores.close()
