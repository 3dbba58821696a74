"""The French sentence splitter on the cases scraped news throws at it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.summarizer.sentences import Segment, segment_text, split_sentences
from content.text import normalize_text

SEED = Path(__file__).resolve().parents[2] / "content" / "seed" / "mali-russie-aes.txt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "M. Dupont est arrivé. Mme Durand aussi.",
            ["M. Dupont est arrivé.", "Mme Durand aussi."],
        ),
        (
            "MM. Martin et Leroy, Mlle Roy et Mmes Blanc sont venus. Ils sont repartis.",
            ["MM. Martin et Leroy, Mlle Roy et Mmes Blanc sont venus.", "Ils sont repartis."],
        ),
        (
            "Le Dr. Martin et le Pr. Leroy ont signé. Me. Lebrun aussi.",
            ["Le Dr. Martin et le Pr. Leroy ont signé.", "Me. Lebrun aussi."],
        ),
        ("Il habite St. Louis, près de la Ste. Chapelle.", None),
        ("Voir cf. Annexe 2 pour le détail.", None),
        ("Des pommes, des poires, etc. et des fruits rouges.", None),
        (
            "Des pommes, des poires, etc. Le lendemain, rien.",
            ["Des pommes, des poires, etc.", "Le lendemain, rien."],
        ),
        ("Un fruit, p. ex. Pomme ou Poire, suffit.", None),
        ("En 52 av. J.-C. la ville est tombée.", None),
        ("Le décret n° 12 et l'art. 3 du code, voir p. 45.", None),
        ("J. Dupont a rencontré M. Durand aux U.S.A. hier.", None),
        ("Le taux passe de 3.5 à 4.2 % pour 1.000 foyers.", None),
        ("Il hésite... puis se lance… et réussit.", None),
        (
            "Il a dit : « Il est parti. » Puis il est revenu.",
            ["Il a dit : « Il est parti. »", "Puis il est revenu."],
        ),
        (
            "Il a crié \u00ab Au secours ! \u00bb Personne n'est venu.",
            ["Il a crié « Au secours ! »", "Personne n'est venu."],
        ),
        (
            'Il a déclaré "C\'est fini." Le silence a suivi.',
            ['Il a déclaré "C\'est fini."', "Le silence a suivi."],
        ),
        (
            'La police a parlé. "Au cours de la manœuvre, 16 agents sont blessés", dit-elle.',
            [
                "La police a parlé.",
                '"Au cours de la manœuvre, 16 agents sont blessés", dit-elle.',
            ],
        ),
        (
            "Vraiment ?! Oui. Et alors ? Rien... Enfin !",
            ["Vraiment ?!", "Oui.", "Et alors ?", "Rien...", "Enfin !"],
        ),
        ("Au secours ! » a-t-il crié.", None),
        (
            "Une violence domestique.Consternant, ce geste.",
            ["Une violence domestique.", "Consternant, ce geste."],
        ),
        (
            "Il a visité Venise.Selon la presse, le paquebot a heurté le quai.",
            ["Il a visité Venise.", "Selon la presse, le paquebot a heurté le quai."],
        ),
        (
            "Son site Vieimmo.com.Par ailleurs, M. Obama.La suite.",
            ["Son site Vieimmo.com.", "Par ailleurs, M. Obama.", "La suite."],
        ),
        (
            'Elle est morte."Consternant" a dit le juge.',
            ["Elle est morte.", '"Consternant" a dit le juge.'],
        ),
        ('Il a dit "stop."Ensuite il est parti.', ['Il a dit "stop."', "Ensuite il est parti."]),
        ("Rendez-vous sur orange.fr ou www.Service-Public.fr pour plus.", None),
        ("Le site https://www.Gouv.fr/Page.Html explique tout.", None),
        ("Il est venu (...) Pour voir.", None),
        (
            "Le bilan est lourd. 20 personnes sont mortes.",
            ["Le bilan est lourd.", "20 personnes sont mortes."],
        ),
        ("1. Premier point. 2. Second point.", ["1. Premier point.", "2. Second point."]),
        ("Le vol. Le voleur a fui.", ["Le vol.", "Le voleur a fui."]),
    ],
)
def test_splits_french_sentences(text: str, expected: list[str] | None) -> None:
    assert split_sentences(text) == (expected if expected is not None else [text])


def test_lines_are_paragraphs_and_unpunctuated_lines_are_headings() -> None:
    text = "Un titre de section\nPremière phrase. Deuxième phrase !\n\nUne légende sans point"
    assert segment_text(text) == [
        Segment("Un titre de section", 0, 0, is_heading=True),
        Segment("Première phrase.", 1, 0, is_heading=False),
        Segment("Deuxième phrase !", 1, 1, is_heading=False),
        Segment("Une légende sans point", 2, 0, is_heading=True),
    ]


def test_a_quote_ending_a_line_without_punctuation_is_a_heading() -> None:
    line = "Goïta: la coopération a « pris un chemin de non-retour »"
    assert [s.is_heading for s in segment_text(line)] == [True]
    assert [s.is_heading for s in segment_text("Il a dit « c'est fini. »")] == [False]


def test_truncated_tail_of_a_paragraph_is_flagged() -> None:
    segments = segment_text("Le président est arrivé. Il a ensuite rencontré les")
    assert [(s.text, s.is_heading) for s in segments] == [
        ("Le président est arrivé.", False),
        ("Il a ensuite rencontré les", True),
    ]


def test_seed_article_headings_are_flagged() -> None:
    segments = segment_text(normalize_text(SEED.read_text(encoding="utf-8")))
    headings = {s.text for s in segments if s.is_heading}
    assert headings == {
        "Signature de plusieurs accords de coopération",
        "Goïta: la coopération entre régimes militaires du Sahel a « pris un chemin de non-retour »",  # noqa: E501
        "Développer des relations",
    }
    sentences = [s.text for s in segments if not s.is_heading]
    signature = "Ainsi que la signature de plusieurs accords de coopération"
    assert f"{signature} dans des domaines d'intérêt commun." in sentences
    assert all(s[-1] in ".!?»" for s in sentences)


@pytest.mark.parametrize("text", ["", " ", "\n\n", "...", "« »", "1. 2. 3."])
def test_text_without_sentences(text: str) -> None:
    pieces = split_sentences(text)
    assert all(piece.strip() for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


@given(st.text())
def test_never_loses_or_invents_characters(text: str) -> None:
    pieces = split_sentences(text)
    assert all(piece == piece.strip() and piece for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_large_input_is_split() -> None:
    paragraph = "M. Dupont a dit « bonjour. » Il est parti.Ensuite, il est revenu... et reparti ! "
    text = "\n".join([paragraph * 40] * 1500)
    pieces = split_sentences(text)
    assert len(pieces) == 1500 * 40 * 3
    assert pieces[:3] == [
        "M. Dupont a dit « bonjour. »",
        "Il est parti.",
        "Ensuite, il est revenu... et reparti !",
    ]
