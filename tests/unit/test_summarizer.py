"""The extractive summarizer: whole sentences, in order, within budget, never a heading (what it
falls back on without such sentences: ``test_summary_fallback.py``)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import pytest

from content.summarizer import choice as sm
from content.summarizer import summarize
from content.summarizer.features import near_duplicates, read_article
from content.summarizer.model import (
    CANDIDATE_FEATURES,
    MODEL_RESOURCE,
    USE_FEATURES,
    WORD_FEATURES,
    _dot,
    _sigmoid,
    candidate_features,
    candidate_score,
    cumulative_gains,
    expected_overlap,
    model_from_json,
    use_features,
    word_features,
)
from content.summarizer.sentences import segment_text, tokenize
from content.text import normalize_text, word_count

SEED = Path(__file__).resolve().parents[2] / "content" / "seed" / "mali-russie-aes.txt"


def seed_article() -> tuple[str, str]:
    title, body = normalize_text(SEED.read_text(encoding="utf-8")).split("\n", 1)
    return title, body


def sentences_of(body: str) -> list[str]:
    return [s.text for s in segment_text(body) if not s.is_heading]


def is_cut_from(short: str, sentence: str) -> bool:
    """``short`` is ``sentence`` with words left out (what compression does), nothing added."""
    remaining = iter(tokenize(sentence))
    return all(any(word == source for source in remaining) for word in tokenize(short))


def chosen_sentences(summary: str, sentences: Sequence[str]) -> list[str]:
    """The article's sentences (in order) that ``summary``'s sentences are cut from; fails if
    a sentence of the summary is not one of the article's, whole or with words left out."""
    chosen: list[str] = []
    candidates = iter(sentences)
    for part in sentences_of(summary):
        source = next((s for s in candidates if is_cut_from(part, s)), None)
        assert source is not None, f"{part!r} is not one of the article's sentences"
        chosen.append(source)
    assert chosen, f"{summary!r} holds no sentence"
    return chosen


def filler(words: int, topic: str) -> str:
    """A plain sentence of exactly ``words`` words about ``topic``."""
    return " ".join([topic.capitalize(), *[f"mot{topic}{i}" for i in range(words - 2)], "fin."])


def test_seed_summary_is_made_of_its_own_sentences_within_budget() -> None:
    title, body = seed_article()
    summary = summarize(title, body)
    chosen = chosen_sentences(summary, sentences_of(body))
    assert 1 <= len(chosen) <= sm.MAX_SENTENCES
    assert sm.DEFAULT_MIN_WORDS <= word_count(summary) <= sm.DEFAULT_MAX_WORDS
    pipeline_budget = summarize(title, body, min_words=35, max_words=60)
    assert 35 <= word_count(pipeline_budget) <= 60
    assert chosen_sentences(pipeline_budget, sentences_of(body))


def test_seed_summary_has_no_heading_no_title_repeat_and_no_near_duplicate() -> None:
    title, body = seed_article()
    summary = summarize(title, body)
    for heading in ("Signature de plusieurs accords de coopération", "Développer des relations"):
        assert heading not in summary
    assert "pris un chemin de non-retour" not in summary
    # The body's lead merely repeats the title's second sentence.
    assert "Au Kremlin par son homologue Vladimir Poutine" not in summary
    chosen = [frozenset(tokenize(s)) for s in chosen_sentences(summary, sentences_of(body))]
    for i, first in enumerate(chosen):
        for second in chosen[i + 1 :]:
            assert not near_duplicates(first, second)


def test_near_duplicate_sentences_are_never_both_chosen() -> None:
    lead = "Le président de la Transition a été reçu lundi au Kremlin par Vladimir Poutine."
    twin = "Le président de la Transition a été reçu lundi 23 juin au Kremlin par Vladimir Poutine."
    other = "Plusieurs accords de coopération militaire et économique ont été signés à Moscou."
    summary = summarize("Visite à Moscou", f"{lead} {twin} {other}", min_words=0, max_words=60)
    assert not (lead in summary and twin in summary)
    assert other in summary


def test_a_sentence_repeating_the_title_is_skipped() -> None:
    title = "Le Mali et la Russie signent un accord de défense"
    body = (
        "Le Mali et la Russie signent un accord de défense. "
        "L'accord prévoit la livraison d'avions et la formation de pilotes maliens à Moscou. "
        "Il a été paraphé par les deux ministres de la Défense lors d'une cérémonie à Bamako."
    )
    summary = summarize(title, body, min_words=0, max_words=60)
    assert not summary.startswith("Le Mali et la Russie signent")
    assert "L'accord prévoit" in summary


def test_sentences_keep_article_order() -> None:
    body = " ".join(filler(12, topic) for topic in ("alpha", "beta", "gamma", "delta", "epsilon"))
    sentences = sentences_of(body)
    summary = summarize("Alpha beta gamma", body, min_words=30, max_words=40)
    chosen = chosen_sentences(summary, sentences)
    assert [sentences.index(s) for s in chosen] == sorted(sentences.index(s) for s in chosen)


def test_long_first_sentence_gives_way_to_a_shorter_one_that_fits() -> None:
    long_lead = filler(80, "alpha")
    short = "Le gouvernement du Mali a annoncé lundi un accord de coopération avec la Russie."
    summary = summarize("Accord entre le Mali et la Russie", f"{long_lead} {short}")
    assert summary == short


def test_a_lone_sentence_over_budget_is_cut_within_it() -> None:
    long_lead = filler(90, "alpha")
    cut = summarize("Un titre", long_lead)
    assert cut.endswith("…") and long_lead.startswith(cut.removesuffix("…"))
    assert word_count(cut) == 60
    two_long = f"{long_lead} {filler(75, 'beta')}"
    best = summarize("Un titre", two_long).removesuffix("…")
    assert any(sentence.startswith(best) for sentence in sentences_of(two_long))


def test_reaches_min_words_when_possible() -> None:
    body = " ".join(filler(15, topic) for topic in ("alpha", "beta", "gamma", "delta"))
    summary = summarize("Alpha", body, min_words=40, max_words=50)
    assert 40 <= word_count(summary) <= 50


@pytest.mark.parametrize("body", ["", "   ", "\n\n", "😀🇲🇱🔥", "...", "« »"])
def test_nothing_readable_gives_the_title(body: str) -> None:
    assert summarize("Titre", normalize_text(body)) == "Titre"


def test_no_complete_sentence_gives_the_readable_lines() -> None:
    body = "Un titre de section\nUne autre ligne sans point"
    assert summarize("Titre", body) == "Un titre de section\u202f; Une autre ligne sans point"


def test_html_tags_do_not_break_it() -> None:
    body = "Le <b>Mali</b> a signé un accord avec la <i>Russie</i>. Il entre en vigueur lundi."
    summary = summarize("<h1>Accord</h1>", body, min_words=0)
    assert chosen_sentences(summary, sentences_of(body))
    markup = "<p>Le Mali a signé un accord.</p><p>Il entre en vigueur <b>lundi</b>.</p>"
    assert summarize("<h1>Accord</h1>", markup) == markup  # one fragment ending with a tag


def test_any_title_works_with_an_empty_body() -> None:
    assert summarize("", "") == ""
    assert summarize("😀" * 50, "") == "😀" * 50


def test_deterministic() -> None:
    title, body = seed_article()
    first = summarize(title, body)
    sm.load_model.cache_clear()
    assert summarize(title, body) == first
    assert summarize(title, body, min_words=20, max_words=40) == summarize(
        title, body, min_words=20, max_words=40
    )


def test_five_megabytes_of_text_are_summarised() -> None:
    title, body = seed_article()
    huge = "\n".join([body] * (5_000_000 // len(body) + 1))
    summary = summarize(title, huge)
    assert chosen_sentences(summary, sentences_of(body))
    one_line = " ".join([body.replace("\n", " ")] * (5_000_000 // len(body) + 1))
    assert chosen_sentences(summarize(title, one_line), sentences_of(body.replace("\n", " ")))
    assert summarize("Mali", "Le Mali. " * 50_000) == "Le Mali."


def test_fast_word_layer_equals_the_plain_features() -> None:
    title, body = seed_article()
    article = read_article(title, body)
    model = sm.load_model()
    gains = cumulative_gains(article, model)
    assert set(gains) == set().union(*(s.distinct for s in article.sentences))
    for word, cumulative in gains.items():
        base = _dot(model.word_weights, word_features(word, article))
        expected = [0.0]
        for use in range(1, len(cumulative)):
            logit = base + _dot(model.use_weights, use_features(word, use, article, model))
            expected.append(expected[-1] + _sigmoid(logit))
        assert cumulative == pytest.approx(expected)


def test_fast_candidate_scores_equal_the_plain_features() -> None:
    title, body = seed_article()
    article = read_article(title, body)
    model = sm.load_model()
    gains = cumulative_gains(article, model)
    scorer = sm.CandidateScorer(article, model)
    candidates = sm.budget_candidates(article.sentences, 0, 200)
    assert any(len(chosen) == 3 for chosen in candidates)
    for chosen in candidates:
        overlap = expected_overlap(chosen, article, gains)
        features = candidate_features(chosen, overlap, article, model)
        assert scorer.overlap(chosen) == pytest.approx(overlap)
        assert scorer.score(chosen) == pytest.approx(
            candidate_score(chosen, overlap, article, model)
        )
        assert candidate_score(chosen, overlap, article, model) == pytest.approx(
            _dot(model.candidate_weights, features)
            + model.length_penalty * features[CANDIDATE_FEATURES.index("length")]
        )


def test_shipped_model_is_small_and_matches_the_code() -> None:
    resource = resources.files("content.summarizer").joinpath(MODEL_RESOURCE)
    raw = resource.read_bytes()
    assert len(raw) < 1_000_000  # the issue allows 5 MB
    model = model_from_json(json.loads(raw))
    assert len(model.use_weights) == len(USE_FEATURES)
    assert len(model.word_weights) == len(WORD_FEATURES)
    assert len(model.candidate_weights) == len(CANDIDATE_FEATURES)


def test_weights_for_other_features_are_refused() -> None:
    raw = json.loads(
        resources.files("content.summarizer").joinpath(MODEL_RESOURCE).read_text("utf-8")
    )
    raw["features"]["word"] = [*raw["features"]["word"], "something_new"]
    with pytest.raises(ValueError, match="summarizer_model_features_mismatch"):
        model_from_json(raw)


def test_a_summary_does_not_open_on_a_dangling_pronoun() -> None:
    """« Il » first, its antecedent left in a sentence the reader does not get: never, if any
    other choice exists (without the rule, the « Il » sentence is the one chosen here)."""
    body = (
        "Le colonel Assimi Goïta, chef de la junte au pouvoir à Bamako depuis le coup d'État "
        "d'août 2020, a été reçu lundi au Kremlin par le président russe. "
        "Il a signé avec Vladimir Poutine trois accords de coopération militaire et nucléaire. "
        "La délégation malienne comptait aussi les ministres de la Défense et des Affaires "
        "étrangères."
    )
    summary = summarize("Mali : Goïta signe trois accords avec Poutine", body, max_words=20)
    assert summary.startswith("La délégation malienne")
    alone = "Il a signé avec Vladimir Poutine trois accords de coopération militaire et nucléaire."
    assert summarize("Accords", alone) == alone  # the only sentence there is


def test_a_one_sentence_article_is_its_own_summary() -> None:
    sentence = "Le Niger a fermé sa frontière avec le Bénin jusqu'à nouvel ordre, dimanche soir."
    assert summarize("Frontière fermée", sentence) == sentence


def test_quotations_stay_whole_and_balanced() -> None:
    body = (
        "« Nous ne reculerons devant aucune menace, d'où qu'elle vienne », a déclaré samedi le "
        "Premier ministre malien devant l'Assemblée de transition réunie à Bamako. "
        "Le gouvernement a présenté un plan de sécurité pour le centre du pays, "
        "qui prévoit le recrutement de 10 000 soldats d'ici à la fin de l'année."
    )
    summary = summarize("Le Premier ministre malien hausse le ton", body)
    assert summary.count("«") == summary.count("»")
    if "«" in summary:
        assert "« Nous ne reculerons devant aucune menace, d'où qu'elle vienne »" in summary
    assert chosen_sentences(summary, sentences_of(body))


def test_a_list_article_is_summarised_by_its_lines_within_budget() -> None:
    body = "\n".join(
        f"- Région de {place} : écoles fermées"
        for place in ("Tillabéri", "Dosso", "Tahoua", "Maradi")
    )
    summary = summarize("Écoles fermées au Niger", body)
    assert summary.startswith("Région de Tillabéri : écoles fermées")
    assert "-" not in summary.split()[0]
    assert word_count(summary) <= sm.DEFAULT_MAX_WORDS


def test_summaries_of_a_long_article_stay_within_budget_and_in_order() -> None:
    topics = [f"sujet{i}" for i in range(40)]
    body = "\n".join(filler(18 + i % 9, topic) for i, topic in enumerate(topics))
    summary = summarize("Sujet0 sujet1", body)
    assert sm.DEFAULT_MIN_WORDS <= word_count(summary) <= sm.DEFAULT_MAX_WORDS
    chosen = chosen_sentences(summary, sentences_of(body))
    assert chosen == sorted(chosen, key=sentences_of(body).index)
