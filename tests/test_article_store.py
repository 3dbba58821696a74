"""The article store on a real SQLite file: insert, duplicates, topics, ordering, search."""

from __future__ import annotations

from datetime import UTC, date, datetime

from content import articles
from content.models import ArticleDraft, PreparedArticle, TopicMention
from content.pipeline import fingerprint
from content.search import fts_query, search_terms
from content.storage import Database

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


async def _add(database: Database, item: PreparedArticle) -> int:
    async with database.transaction() as tx:
        return await articles.insert_article(tx, item, added_at=ADDED, added_by="test")


async def test_insert_and_read_back(database: Database) -> None:
    item = prepared(
        "Assimi Goïta au Kremlin",
        "Le président de la Transition a été reçu par Vladimir Poutine. Accords signés.",
        (("russie", 3), ("mali", 2)),
        url="https://example.org/a",
        published_on=date(2025, 6, 23),
    )
    article_id = await _add(database, item)
    article = await articles.get_article(database.reader, article_id)
    assert article is not None
    assert article.title == "Assimi Goïta au Kremlin"
    assert article.summary == "Le président de la Transition a été reçu par Vladimir Poutine."
    assert article.topics == (TopicMention("russie", 3), TopicMention("mali", 2))
    assert article.published_on == date(2025, 6, 23)
    assert article.added_at == ADDED
    assert article.url == "https://example.org/a"


async def test_same_text_or_same_url_is_a_duplicate(database: Database) -> None:
    first = prepared("Titre", "Le texte de l'article.", url="https://example.org/x")
    await _add(database, first)
    respaced = prepared(
        "Titre", "Le  texte de l’article !"
    )  # other spacing, apostrophe, punctuation
    assert respaced.fingerprint == first.fingerprint
    assert await articles.find_duplicate(database.reader, respaced.fingerprint, None) is not None
    other_text_same_url = prepared("Autre", "Autre texte.", url="https://example.org/x")
    assert (
        await articles.find_duplicate(
            database.reader, other_text_same_url.fingerprint, "https://example.org/x"
        )
        is not None
    )
    assert await articles.find_duplicate(database.reader, "nope", "https://example.org/y") is None


async def test_topic_listing_is_newest_first_and_paged(database: Database) -> None:
    days = [date(2025, 6, d) for d in (20, 23, 21, 22)]
    ids = [
        await _add(database, prepared(f"Article {d.day}", f"Texte {d.day}.", published_on=d))
        for d in days
    ]
    await _add(database, prepared("Russie seule", "Texte russe.", (("russie", 2),)))
    page = await articles.latest_articles(database.reader, topic="mali", limit=2)
    assert [a.title for a in page] == ["Article 23", "Article 22"]
    page2 = await articles.latest_articles(database.reader, topic="mali", limit=2, offset=2)
    assert [a.title for a in page2] == ["Article 21", "Article 20"]
    assert await articles.topic_counts(database.reader) == {"mali": 4, "russie": 1}
    assert len(ids) == 4


async def test_delete_cascades_to_topics_and_search(database: Database) -> None:
    article_id = await _add(database, prepared("Goïta à Moscou", "Visite officielle à Moscou."))
    assert await articles.search_articles(database.reader, ["goita"], limit=5)
    async with database.transaction() as tx:
        assert await articles.delete_article(tx, article_id)
        assert not await articles.delete_article(tx, article_id)
    assert await articles.search_articles(database.reader, ["goita"], limit=5) == []
    assert await articles.topic_counts(database.reader) == {}
    # Ids are never reused: digests rely on that.
    new_id = await _add(database, prepared("Autre", "Autre texte."))
    assert new_id > article_id
    assert await articles.max_article_id(database.reader) == new_id


async def test_search_is_accent_and_case_insensitive(database: Database) -> None:
    await _add(database, prepared("Assimi Goïta reçu au Kremlin", "Les États du Sahel."))
    await _add(database, prepared("Le Niger et l'uranium", "Niamey relance la production."))
    for query in ("goita", "GOÏTA", "Goïta", "etats", "ÉTATS"):
        found = await articles.search_articles(database.reader, search_terms(query), limit=5)
        assert [a.title for a in found] == ["Assimi Goïta reçu au Kremlin"], query


async def test_search_prefixes_and_all_terms(database: Database) -> None:
    await _add(database, prepared("Les Russes arrivent", "Des instructeurs russes à Bamako."))
    await _add(database, prepared("Bamako sous la pluie", "Orages sur la capitale malienne."))
    russes = await articles.search_articles(database.reader, ["russe"], limit=5)
    assert [a.title for a in russes] == ["Les Russes arrivent"]
    both = await articles.search_articles(database.reader, ["bamako", "orages"], limit=5)
    assert [a.title for a in both] == ["Bamako sous la pluie"]
    either = await articles.search_articles(
        database.reader, ["russes", "orages"], limit=5, any_term=True
    )
    assert len(either) == 2


def test_reader_input_never_reaches_fts_syntax() -> None:
    hostile = 'AES AND "Mali OR (NEAR* title:x) ^ - + goï"ta'
    terms = search_terms(hostile)
    assert terms == ["aes", "and", "mali", "or", "near", "title", "goï", "ta"]
    query = fts_query(terms)
    assert query.count('"') == 2 * len(terms)
    assert search_terms("« » () * ' \" & < > ... !!!") == []


async def test_hostile_queries_run_without_error(database: Database) -> None:
    await _add(database, prepared("Mali", "Le Mali et l'AES."))
    for text in ['"', "(", "AND", "*", "NEAR(", "title:", "a" * 500, "'; DROP TABLE articles; --"]:
        await articles.search_articles(database.reader, search_terms(text), limit=5)
    assert await articles.count_articles(database.reader) == 1
