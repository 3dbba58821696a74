"""The article store on both backends: insert, duplicates, topics, ordering, search."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from content.models import ArticleDraft, PreparedArticle, TopicMention
from content.pipeline import fingerprint
from content.search import search_terms
from content.store import ArticleStore
from storage.sqlite.articles import fts_query
from storage.stores import Stores

ADDED = datetime(2025, 6, 23, 8, 0, tzinfo=UTC)


def prepared(
    title: str,
    body: str,
    topics: tuple[tuple[str, int], ...] = (("mali", 2),),
    *,
    url: str | None = None,
    published_on: date | None = None,
) -> PreparedArticle:
    return PreparedArticle(
        draft=ArticleDraft(
            title=title, body=body, source="Sahel Matin", url=url, published_on=published_on
        ),
        summary=body.split(".")[0] + ".",
        topics=tuple(TopicMention(key, count) for key, count in topics),
        fingerprint=fingerprint(title, body),
    )


async def _add(store: ArticleStore, item: PreparedArticle) -> int:
    added = await store.add(item, added_at=ADDED, added_by="test")
    assert not added.duplicate
    return added.article.id


async def test_insert_and_read_back(stores: Stores) -> None:
    item = prepared(
        "Assimi Goïta au Kremlin",
        "Le président de la Transition a été reçu par Vladimir Poutine. Accords signés.",
        (("russie", 3), ("mali", 2)),
        url="https://example.org/a",
        published_on=date(2025, 6, 23),
    )
    article_id = await _add(stores.articles, item)
    (article,) = await stores.articles.get_many([article_id])
    assert article.title == "Assimi Goïta au Kremlin"
    assert article.summary == "Le président de la Transition a été reçu par Vladimir Poutine."
    assert article.topics == (TopicMention("russie", 3), TopicMention("mali", 2))
    assert article.published_on == date(2025, 6, 23)
    assert article.added_at == ADDED
    assert article.url == "https://example.org/a"


async def test_same_text_or_same_url_is_a_duplicate(stores: Stores) -> None:
    first = prepared("Titre", "Le texte de l'article.", url="https://example.org/x")
    await _add(stores.articles, first)
    respaced = prepared(
        "Titre", "Le  texte de l’article !"
    )  # other spacing, apostrophe, punctuation
    assert respaced.fingerprint == first.fingerprint
    again = await stores.articles.add(respaced, added_at=ADDED, added_by="test")
    assert again.duplicate and again.article.title == "Titre"
    other_text_same_url = prepared("Autre", "Autre texte.", url="https://example.org/x")
    same_url = await stores.articles.add(other_text_same_url, added_at=ADDED, added_by="test")
    assert same_url.duplicate and same_url.article.title == "Titre"
    other = prepared("Autre", "Autre texte.", url="https://example.org/y")
    assert not (await stores.articles.add(other, added_at=ADDED, added_by="test")).duplicate
    assert await stores.articles.count() == 2


async def test_topic_listing_is_newest_first_and_paged(stores: Stores) -> None:
    days = [date(2025, 6, d) for d in (20, 23, 21, 22)]
    ids = [
        await _add(stores.articles, prepared(f"Article {d.day}", f"Texte {d.day}.", published_on=d))
        for d in days
    ]
    await _add(stores.articles, prepared("Russie seule", "Texte russe.", (("russie", 2),)))
    page = await stores.articles.latest(topic="mali", limit=2)
    assert [a.title for a in page] == ["Article 23", "Article 22"]
    page2 = await stores.articles.latest(topic="mali", limit=2, offset=2)
    assert [a.title for a in page2] == ["Article 21", "Article 20"]
    assert await stores.articles.topic_counts() == {"mali": 4, "russie": 1}
    assert len(ids) == 4


async def test_delete_cascades_to_topics_and_search(stores: Stores) -> None:
    article_id = await _add(
        stores.articles, prepared("Goïta à Moscou", "Visite officielle à Moscou.")
    )
    assert await stores.articles.search(["goita"], limit=5)
    assert await stores.articles.delete(article_id)
    assert not await stores.articles.delete(article_id)
    assert await stores.articles.search(["goita"], limit=5) == []
    assert await stores.articles.topic_counts() == {}
    # Ids are never reused: digests rely on that.
    new_id = await _add(stores.articles, prepared("Autre", "Autre texte."))
    assert new_id > article_id
    assert await stores.articles.newest_id() == new_id


async def test_search_is_accent_and_case_insensitive(stores: Stores) -> None:
    await _add(stores.articles, prepared("Assimi Goïta reçu au Kremlin", "Les États du Sahel."))
    await _add(stores.articles, prepared("Le Niger et l'uranium", "Niamey relance la production."))
    for query in ("goita", "GOÏTA", "Goïta", "etats", "ÉTATS"):
        found = await stores.articles.search(search_terms(query), limit=5)
        assert [a.title for a in found] == ["Assimi Goïta reçu au Kremlin"], query


async def test_search_prefixes_and_all_terms(stores: Stores) -> None:
    await _add(
        stores.articles, prepared("Les Russes arrivent", "Des instructeurs russes à Bamako.")
    )
    await _add(
        stores.articles, prepared("Bamako sous la pluie", "Orages sur la capitale malienne.")
    )
    russes = await stores.articles.search(["russe"], limit=5)
    assert [a.title for a in russes] == ["Les Russes arrivent"]
    both = await stores.articles.search(["bamako", "orages"], limit=5)
    assert [a.title for a in both] == ["Bamako sous la pluie"]
    either = await stores.articles.search(["russes", "orages"], limit=5, any_term=True)
    assert len(either) == 2


def test_reader_input_never_reaches_fts_syntax() -> None:
    hostile = 'AES AND "Mali OR (NEAR* title:x) ^ - + goï"ta'
    terms = search_terms(hostile)
    assert terms == ["aes", "and", "mali", "or", "near", "title", "goi", "ta"]
    query = fts_query(terms)
    # Outside the quoted strings, only the query's own operators (AND between words, OR between
    # the spellings of one word) and grouping: no reader syntax.
    outside = re.sub(r'"(?:[^"]|"")*"', "", query)
    assert set(re.sub(" (AND|OR) ", " ", outside)) <= set(" ()*"), query
    assert search_terms("« » () * ' \" & < > ... !!!") == []


async def test_hostile_queries_run_without_error(stores: Stores) -> None:
    await _add(stores.articles, prepared("Mali", "Le Mali et l'AES."))
    for text in ['"', "(", "AND", "*", "NEAR(", "title:", "a" * 500, "'; DROP TABLE articles; --"]:
        await stores.articles.search(search_terms(text), limit=5)
    assert await stores.articles.count() == 1


async def test_the_article_add_returns_is_the_one_read_back(stores: Stores) -> None:
    """``add`` builds a new article's record without reading it back: it must be the same."""
    moment = datetime(2025, 6, 23, 8, 0, 12, 345678, tzinfo=UTC)  # stored to the second
    for item in (
        prepared("Sans sujet", "Un texte sans sujet suivi.", ()),
        prepared(
            "Goïta à Moscou",
            "Le président a été reçu. Des accords signés.",
            (("mali", 1), ("russie", 3), ("aes", 1)),
            url="https://example.org/moscou",
            published_on=date(2025, 6, 22),
        ),
    ):
        added = await stores.articles.add(item, added_at=moment, added_by="telegram:7")
        (read,) = await stores.articles.get_many([added.article.id])
        assert added.article == read
