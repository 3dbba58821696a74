"""Every article gets a readable summary within the word budget, even without a single sentence.

Cards (bot pages, digests) show title + summary: an empty summary leaves a hole in every card,
a 300-word one floods the digest. Through the summarizer and through ``ArticlePipeline``.
"""

from __future__ import annotations

import re

import pytest

from content.ingestion import draft_from_text
from content.models import ArticleDraft
from content.pipeline import ArticlePipeline, SummaryBudget
from content.summarizer import summarize
from content.text import normalize_text, word_count
from content.topics import load_topics
from tests.support.factories import make_article
from ui.cards import article_card

LONG_CLAUSES = " ".join(
    f"les délégués du Mali et du Niger ont évoqué la question numéro {n}, sans conclure"
    for n in range(1, 25)
)
"""About 300 words in one sentence, commas but no full stop."""

BODIES = {
    "title only": "",
    "bullet list": (
        "- Reprise des cours le 2 octobre dans les écoles de Bamako\n"
        "- Nouveaux manuels en langues nationales\n"
        "- Recrutement de 5 000 enseignants contractuels\n"
        "* Calendrier des examens avancé d'une semaine"
    ),
    "numbered list": "1. Ouverture du sommet\n2) Discours du président\n3. Déclaration finale",
    "one long sentence without a period": LONG_CLAUSES,
    "one long sentence with a period": LONG_CLAUSES + ".",
    "only numbers": "2024 2025\n12 450 — 17,5 %\n3 200 000",
    "only numbers with periods": "12. 450. 2025.",
    "only urls": "https://example.org/mali/reforme\nwww.sahel.example/article?id=3",
    "only emoji": "🙂🇲🇱🔥\n👍🏿",
    "no sentence punctuation": (
        "Le gouvernement de transition annonce une réforme scolaire\n"
        "Les syndicats demandent des garanties sur les salaires des enseignants\n"
        "La rentrée est maintenue au 2 octobre"
    ),
    "markup without final stop": "<p>Le Mali a signé un accord.</p><p>Il entre en vigueur.</p>",
}
TITLE = "Réforme de l'école malienne"
READABLE = re.compile(r"[^\W\d_]{2,}")


def assert_readable_within(summary: str, title: str, body: str, max_words: int) -> None:
    assert summary.strip(), "empty summary"
    assert word_count(summary) <= max_words, (word_count(summary), summary)
    assert READABLE.search(re.sub(r"(?:https?://|www\.)\S+", "", summary)), summary
    article_words = set(re.findall(r"\w+", f"{title} {body}".casefold()))
    invented = set(re.findall(r"\w+", summary.casefold())) - article_words
    assert not invented, f"words not in the article: {invented}"


@pytest.mark.parametrize("case", list(BODIES))
@pytest.mark.parametrize(("min_words", "max_words"), [(35, 60), (10, 20), (1, 5)])
def test_summarizer_always_gives_a_readable_summary_within_budget(
    case: str, min_words: int, max_words: int
) -> None:
    body = normalize_text(BODIES[case])
    summary = summarize(TITLE, body, min_words=min_words, max_words=max_words)
    assert_readable_within(summary, TITLE, body, max_words)


@pytest.mark.parametrize("case", list(BODIES))
def test_pipeline_prepares_a_readable_summary_within_its_budget(case: str) -> None:
    pipeline = ArticlePipeline(load_topics(), SummaryBudget(min_words=15, max_words=30))
    draft = ArticleDraft(TITLE, normalize_text(BODIES[case]))
    prepared = pipeline.prepare(draft)
    assert_readable_within(prepared.summary, TITLE, draft.body, 30)


def test_a_sentence_over_budget_is_cut_at_a_clause_with_an_ellipsis() -> None:
    summary = summarize(TITLE, LONG_CLAUSES + ".", min_words=35, max_words=60)
    assert summary.endswith("…")
    assert LONG_CLAUSES.startswith(summary.removesuffix("…"))
    assert 35 <= word_count(summary) <= 60
    assert not summary.removesuffix("…").endswith((",", " "))


def test_a_bullet_list_reads_as_its_items() -> None:
    summary = summarize(TITLE, normalize_text(BODIES["bullet list"]))
    assert summary.startswith("Reprise des cours le 2 octobre")
    assert "Nouveaux manuels" in summary
    assert "- " not in summary and "* " not in summary


def test_nothing_readable_in_the_body_gives_the_title() -> None:
    for case in ("title only", "only urls", "only emoji", "only numbers"):
        assert summarize(TITLE, normalize_text(BODIES[case])) == TITLE, case
    long_title = " ".join(["Bamako"] * 100)
    assert word_count(summarize(long_title, "", max_words=60)) <= 60


def test_an_ingested_list_gets_a_summary() -> None:
    draft = draft_from_text(f"{TITLE}\n{BODIES['bullet list']}")
    prepared = ArticlePipeline(load_topics()).prepare(draft)
    assert_readable_within(prepared.summary, draft.title, draft.body, 60)


def test_a_card_of_an_article_stored_without_summary_has_no_blank_line() -> None:
    """Articles stored before summaries were guaranteed may have an empty one."""
    article = make_article(7, title="Titre", summary="   ", url="https://example.org/a")
    card = article_card(article, load_topics())
    assert "\n\n" not in card and not any(not line.strip() for line in card.split("\n"))
    assert card.startswith("<b>Titre</b>")


def test_an_article_that_only_repeats_its_title_is_summarised_by_it() -> None:
    """Regression (found by the property test): the sentences left out for repeating the title
    came back through the readable lines, four of them, the title three times over."""
    body = "A00AAA:00000:000.A00AAA:00000:000.A00AAA:00000:000.A00AAA."
    assert summarize("A00AAA:00000:000", body) == "A00AAA:00000:000"
