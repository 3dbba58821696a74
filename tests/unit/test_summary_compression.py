"""What the summarizer cuts from a sentence (``content.summarizer.compression``), and what never."""

from __future__ import annotations

import pytest

from content.summarizer.compression import MIN_WORDS, tidy, trim
from content.summarizer.sentences import tokenize


@pytest.mark.parametrize(
    ("sentence", "tidied"),
    [
        (
            "Mais le président a refusé de signer l'accord avec la junte malienne.",
            "Le président a refusé de signer l'accord avec la junte malienne.",
        ),
        (
            "En effet, les soldats ont quitté la base de Tessalit dans la nuit de lundi.",
            "Les soldats ont quitté la base de Tessalit dans la nuit de lundi.",
        ),
        (
            "Le Mali (Afrique de l'Ouest) a en effet quitté la Cédéao en janvier dernier.",
            "Le Mali a quitté la Cédéao en janvier dernier.",
        ),
        (
            "Selon l'AFP, le convoi a été attaqué lundi près de Gao par des hommes armés.",
            "Le convoi a été attaqué lundi près de Gao par des hommes armés.",
        ),
        (
            "Le convoi a été attaqué lundi près de Gao par des hommes armés, selon l’AFP.",
            "Le convoi a été attaqué lundi près de Gao par des hommes armés.",
        ),
        (
            "Le ministre a annoncé une hausse des prix, a-t-il précisé devant les députés.",
            "Le ministre a annoncé une hausse des prix.",
        ),
    ],
)
def test_tidy_cuts_what_a_journalist_cuts(sentence: str, tidied: str) -> None:
    assert tidy(sentence) == tidied


@pytest.mark.parametrize(
    "sentence",
    [
        # The attribution of a claim stays: only a news agency's name goes.
        "Le convoi a été attaqué lundi près de Gao, selon le gouverneur de la région.",
        "Le ministre a confirmé la visite à Moscou, a indiqué le porte-parole du gouvernement.",
        "Trois hommes ont été mis en examen, a-t-on appris vendredi auprès du parquet de Pontoise.",
        # Cut, the quotation would be left with fewer than MIN_WORDS words.
        "« Nous ne céderons pas », a-t-il déclaré lors d'une conférence de presse à Bamako.",
        "Et il part.",
        # Nothing inside quotation marks is cut.
        "« Mais nous resterons (quoi qu'il arrive) », a lancé le colonel Goïta à la télévision.",
        "",
    ],
)
def test_tidy_leaves_alone_what_must_stay(sentence: str) -> None:
    assert tidy(sentence) == sentence


def gains_for(valuable: str) -> dict[str, tuple[float, ...]]:
    """Word-layer gains where the words of ``valuable`` are likely in the summary, others not."""
    likely = set(tokenize(valuable))
    return {word: (0.0, 0.9 if word in likely else 0.05) for word in likely | WORDS}


WORDS = set(
    tokenize(
        "Deux frères, âgés de 23 et 27 ans, ont été mis en examen jeudi pour violences aggravées "
        "à Pontoise, a annoncé vendredi le parquet de la ville. Dans un communiqué publié hier"
    )
)


def test_trim_drops_the_incidental_clause_worth_least() -> None:
    sentence = (
        "Deux frères, âgés de 23 et 27 ans, ont été mis en examen jeudi pour violences aggravées."
    )
    gains = gains_for("deux frères ont été mis en examen jeudi pour violences aggravées")
    assert (
        trim(sentence, gains) == "Deux frères ont été mis en examen jeudi pour violences aggravées."
    )


def test_trim_keeps_a_clause_worth_as_much_as_its_sentence() -> None:
    sentence = (
        "Deux frères, âgés de 23 et 27 ans, ont été mis en examen jeudi pour violences aggravées."
    )
    assert trim(sentence, gains_for(sentence)) == sentence


def test_trim_drops_an_opening_clause_and_capitalises() -> None:
    sentence = (
        "Dans un communiqué publié hier, le parquet de Pontoise a annoncé deux mises en examen."
    )
    gains = gains_for("le parquet de Pontoise a annoncé deux mises en examen")
    assert trim(sentence, gains) == "Le parquet de Pontoise a annoncé deux mises en examen."


def test_trim_never_leaves_too_few_words() -> None:
    sentence = "Deux frères, âgés de 23 et 27 ans, sont libres."
    trimmed = trim(sentence, gains_for("deux frères sont libres"))
    assert len(tokenize(trimmed)) >= MIN_WORDS
    assert trimmed == sentence


def test_trim_does_not_cut_a_subject_standing_before_its_verb() -> None:
    """An opening clause is cut only when it opens on an adverbial word (« Dans », « Selon »…):
    « Deux frères, » is the subject."""
    sentence = "Deux frères, qui vivaient à Pontoise, ont été mis en examen jeudi pour violences."
    gains = gains_for("qui vivaient à pontoise ont été mis en examen jeudi pour violences")
    assert trim(sentence, gains).startswith("Deux frères")


def test_a_sentence_without_cuts_is_returned_exactly() -> None:
    """Regression: tidy capitalised every sentence it read, cut or not."""
    sentence = "les délégués  du Mali ont évoqué la question, sans conclure."
    assert tidy(sentence) == sentence
    assert trim(sentence, gains_for(sentence)) == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "Le gouvernement a présenté un projet de loi de sécurité, mais les députés ont dit non.",
        "Le convoi devait rejoindre Gao avant la nuit, sauf si l'armée fermait la route nationale.",
        "Les autorités ont rouvert la frontière avec le Bénin, sans lever les contrôles douaniers.",
    ],
)
def test_trim_never_cuts_a_clause_that_turns_the_sentence(sentence: str) -> None:
    """Regression: cut, « mais les députés ont dit non » left the bill passed."""
    main_clause = sentence.split(",")[0]
    assert trim(sentence, gains_for(main_clause)) == sentence


def test_trim_keeps_a_predicate_set_off_by_commas() -> None:
    """Regression (the seed article): some outlets put a comma between subject and verb; cutting
    « , a été reçu … Poutine, » left « Le président de la Transition Président de la Fédération
    de Russie. »"""
    sentence = (
        "Le président de la Transition, a été reçu lundi au Kremlin par son homologue Vladimir "
        "Poutine, Président de la Fédération de Russie."
    )
    assert trim(sentence, gains_for("le président de la transition russie")) == sentence


def test_trim_keeps_an_attribution() -> None:
    sentence = "Pour le ministre de la Défense, la situation sécuritaire s'est nettement améliorée."
    assert (
        trim(sentence, gains_for("la situation sécuritaire s'est nettement améliorée")) == sentence
    )


def test_trim_never_cuts_inside_a_quotation() -> None:
    sentence = "« Nous, les soldats de la garnison, resterons à Kidal », a lancé le colonel."
    assert trim(sentence, gains_for("nous resterons à kidal a lancé le colonel")) == sentence
