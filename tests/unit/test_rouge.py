"""The French-aware ROUGE scorer on cases small enough to compute by hand."""

from __future__ import annotations

import pytest

from bench.rouge import (
    RougeScores,
    aggregate,
    french_stemmer,
    lcs_length,
    rouge_l,
    rouge_n,
    score,
    tokenize,
)


def test_tokens_keep_accents_and_split_apostrophes_and_hyphens() -> None:
    assert tokenize("L'été à Paris-Nord, c'est beau !") == [
        "l", "été", "à", "paris", "nord", "c", "est", "beau",
    ]  # fmt: skip


def test_tokens_are_nfc() -> None:
    decomposed = "e\u0301te\u0301"
    assert tokenize(decomposed) == ["été"]


def test_accented_and_plain_words_differ() -> None:
    assert score("été", "ete").rouge1 == 0.0


def test_unigram_and_bigram_f1() -> None:
    cand, ref = tokenize("le chat mange"), tokenize("le chat dort")
    assert rouge_n(cand, ref, 1) == pytest.approx(2 / 3)
    assert rouge_n(cand, ref, 2) == pytest.approx(1 / 2)


def test_counts_are_clipped() -> None:
    # overlap min(3, 1) = 1: precision 1/3, recall 1/2, F1 = 2 * (1/6) / (5/6) = 0.4
    assert rouge_n(["le", "le", "le"], ["le", "chat"], 1) == pytest.approx(0.4)


def test_longest_common_subsequence() -> None:
    assert lcs_length("a b c d e".split(), "a c e b".split()) == 3
    # precision 3/5, recall 3/4
    assert rouge_l("a b c d e".split(), "a c e b".split()) == pytest.approx(2 / 3)


def test_identical_texts_score_one_and_empty_scores_zero() -> None:
    assert score("Le Mali quitte la Cédéao.", "le mali quitte la cédéao") == RougeScores(1, 1, 1)
    assert score("", "le mali") == RougeScores(0, 0, 0)
    assert score("le mali", "") == RougeScores(0, 0, 0)
    assert rouge_n(["mali"], ["mali"], 2) == 0.0


def test_stemming_matches_inflections() -> None:
    stem = french_stemmer()
    assert score("les manifestants", "un manifestant").rouge1 == 0.0
    assert score("les manifestants", "un manifestant", stem).rouge1 == pytest.approx(0.5)
    assert score("manifestants", "manifestant", stem).rouge1 == 1.0
    assert score("manifestants", "manifestant").rouge1 == 0.0


def test_aggregate_is_the_mean_times_100() -> None:
    scores = [RougeScores(0.5, 0.25, 0.5), RougeScores(0.25, 0.0, 0.0)]
    assert aggregate(scores) == RougeScores(37.5, 12.5, 25.0)
    assert aggregate([]) == RougeScores(0.0, 0.0, 0.0)
