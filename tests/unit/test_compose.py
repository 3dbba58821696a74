"""Digest composition as pure tests: French dates, grouping, dedup, splitting, valid HTML."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from content.topics import TopicCatalog
from digests.compose import TopicArticles, arrange, compose_digest
from fake_bot_api.telegram_html import parse_telegram_html
from tests.support.factories import make_article
from ui import french
from ui.messages import MESSAGE_LIMIT, utf16_length

DAY = date(2025, 6, 23)


def assert_valid_telegram_html(message: str) -> str:
    plain, _entities = parse_telegram_html(message)
    assert utf16_length(plain.strip()) <= MESSAGE_LIMIT
    return plain


def test_french_dates() -> None:
    assert french.long_date(date(2025, 6, 23)) == "lundi 23 juin 2025"
    assert french.long_date(date(2025, 6, 1)) == "dimanche 1er juin 2025"
    assert french.short_date(date(2025, 8, 1)) == "1er août 2025"
    assert french.long_date(date(2026, 2, 14)) == "samedi 14 février 2026"


def test_headline_sections_and_footer(catalog: TopicCatalog) -> None:
    mali = make_article(1, title="Bamako", topics=("mali",), url="https://ex.org/1")
    aes = make_article(2, title="Sommet de l'AES", topics=("aes",))
    digest = compose_digest(
        DAY,
        [TopicArticles("aes", [aes]), TopicArticles("mali", [mali])],
        catalog,
        max_per_topic=5,
    )
    assert digest.article_ids == (2, 1)
    assert len(digest.messages) == 1
    text = assert_valid_telegram_html(digest.messages[0])
    assert text.startswith("📰 Votre revue du lundi 23 juin 2025")
    assert "2 nouveaux articles sur vos sujets." in text
    assert text.index(catalog.get("aes").label) < text.index(catalog.get("mali").label)  # type: ignore[union-attr]
    assert "Lire l’article" in text and "/article 1" in text
    assert "/desabonner" in text.splitlines()[-1]


def test_article_on_two_topics_appears_once_under_the_first(catalog: TopicCatalog) -> None:
    both = make_article(7, title="Goïta à Moscou", topics=("mali", "russie"))
    only_russia = make_article(8, title="Lavrov", topics=("russie",))
    sections = [TopicArticles("mali", [both]), TopicArticles("russie", [both, only_russia])]
    arranged = arrange(sections, max_per_topic=5)
    assert [(s.topic_key, [e.article.id for e in s.entries]) for s in arranged] == [
        ("mali", [7]),
        ("russie", [8]),
    ]
    assert arranged[0].entries[0].also_on == ("russie",)
    text = compose_digest(DAY, sections, catalog, max_per_topic=5).messages[0]
    assert text.count("Goïta à Moscou") == 1
    assert f"Aussi dans\u202f: {catalog.get('russie').label}" in text  # type: ignore[union-attr]


def test_newest_first_and_limit_per_topic(catalog: TopicCatalog) -> None:
    items = [
        make_article(i, title=f"A{i}", published_on=date(2025, 6, i)) for i in (3, 9, 1, 7, 5, 8)
    ]
    arranged = arrange([TopicArticles("mali", items)], max_per_topic=3)
    assert [e.article.title for e in arranged[0].entries] == ["A9", "A8", "A7"]


def test_nothing_new_sends_nothing_unless_asked(catalog: TopicCatalog) -> None:
    quiet = compose_digest(DAY, [TopicArticles("mali", [])], catalog, max_per_topic=5)
    assert quiet.messages == () and quiet.is_empty
    told = compose_digest(
        DAY, [TopicArticles("mali", [])], catalog, max_per_topic=5, send_when_empty=True
    )
    assert len(told.messages) == 1
    assert "Rien de neuf aujourd’hui" in assert_valid_telegram_html(told.messages[0])


def test_long_digest_splits_between_articles_with_valid_html(catalog: TopicCatalog) -> None:
    summary = "Une phrase de résumé assez longue, avec <balises> & esperluettes 🇲🇱. " * 12
    items = {
        key: [
            make_article(n * 10 + i, title=f"{key} {i} <b>", summary=summary, topics=(key,))
            for i in range(5)
        ]
        for n, key in enumerate(("aes", "mali", "niger", "russie"))
    }
    digest = compose_digest(
        DAY, [TopicArticles(k, v) for k, v in items.items()], catalog, max_per_topic=5
    )
    assert len(digest.messages) >= 3
    seen_titles = []
    for index, message in enumerate(digest.messages):
        text = assert_valid_telegram_html(message)
        if index:
            assert f"(suite {index + 1}/{len(digest.messages)})" in text
        seen_titles += [line for line in text.splitlines() if line.endswith("<b>")]
    assert len(seen_titles) == 20  # every article once, none cut
    assert len(set(seen_titles)) == 20


def test_same_input_same_text(catalog: TopicCatalog) -> None:
    items = [make_article(i, topics=("mali",)) for i in range(3)]
    first = compose_digest(DAY, [TopicArticles("mali", items)], catalog, max_per_topic=5)
    second = compose_digest(DAY, [TopicArticles("mali", items[::-1])], catalog, max_per_topic=5)
    assert first == second


def test_unsafe_urls_are_not_linked(catalog: TopicCatalog) -> None:
    evil = make_article(1, url='javascript:alert("x")', title='"><script>')
    text = compose_digest(DAY, [TopicArticles("mali", [evil])], catalog, max_per_topic=5)
    message = text.messages[0]
    assert "javascript:" not in message
    assert "<script>" not in message
    assert_valid_telegram_html(message)


def test_first_of_the_month_in_a_digest(catalog: TopicCatalog) -> None:
    item = make_article(1, added_at=datetime(2025, 6, 1, 6, tzinfo=UTC))
    digest = compose_digest(
        date(2025, 6, 1), [TopicArticles("mali", [item])], catalog, max_per_topic=5
    )
    assert "dimanche 1er juin 2025" in digest.messages[0]


def test_a_story_shown_by_two_articles_on_two_topics_appears_once(catalog: TopicCatalog) -> None:
    """Each topic shows a story by its article tagged with that topic; a reader of both topics
    still gets the story once, under the first topic."""
    dispatch = replace(
        make_article(3, title="Attaque près de Ménaka", topics=("mali",)), story_id=3
    )
    copy = replace(
        make_article(5, title="Ménaka : une attaque", topics=("sahel",), source="APA News"),
        story_id=3,
        also=("Sahel Matin",),
    )
    sections = [TopicArticles("mali", [dispatch]), TopicArticles("sahel", [copy])]
    arranged = arrange(sections, max_per_topic=5)
    assert [(s.topic_key, [e.article.id for e in s.entries]) for s in arranged] == [("mali", [3])]
    text = compose_digest(DAY, sections, catalog, max_per_topic=5).messages[0]
    assert "Ménaka" in text and text.count("attaque") + text.count("Attaque") == 1
