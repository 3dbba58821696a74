"""Two processes storing copies of one event at the same moment: the second to store must
still join the first's story, although its search for the story ran before the first stored.

Each "process" is its own connection to one real file; the race is played in order: B looks
for the story (nothing yet), A stores its copy, then B stores.
"""

from __future__ import annotations

from pathlib import Path

from content.library import Library
from content.models import Article, ArticleDraft
from content.pipeline import ArticlePipeline
from content.stories import StoryPrint
from content.topics import TopicCatalog
from storage.sqlite import open_sqlite
from tests.store.test_article_stories import COPY, COPY_TITLE, FORCE, FORCE_TITLE
from tests.support.factories import FakeClock


async def test_a_copy_stored_by_another_process_during_the_search_is_joined(
    tmp_path: Path, catalog: TopicCatalog, clock: FakeClock
) -> None:
    path = tmp_path / "shared.db"
    first, second = await open_sqlite(path, clock), await open_sqlite(path, clock)
    try:
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
    finally:
        await first.close()
        await second.close()
