"""The topic file, its loader and the French topic tagger."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pytest

from bot.handlers import COMMAND_NAMES
from content.models import TopicMention
from content.tagger import LEAD_WORDS, Tagger
from content.text import fold, normalize_text
from content.topics import Topic, TopicCatalog, TopicFileError, load_topics

SEED = Path(__file__).resolve().parents[2] / "content" / "seed" / "mali-russie-aes.txt"
FILLER = "Le texte continue ici sans rien dire de précis sur la région. "  # 12 words


@pytest.fixture(scope="module")
def catalog() -> TopicCatalog:
    return load_topics()


@functools.cache
def tagger_of(catalog: TopicCatalog) -> Tagger:
    """One tagger per catalog: building its phrase index takes tens of milliseconds."""
    return Tagger(catalog)


def tags(catalog: TopicCatalog, title: str, body: str = "") -> dict[str, int]:
    return {mention.key: mention.count for mention in tagger_of(catalog).tag(title, body)}


def after_lead(text: str) -> str:
    """Put ``text`` after enough filler that it falls outside the lead."""
    return FILLER * (LEAD_WORDS // 12 + 1) + text


# --- The packaged topic file -------------------------------------------------------------------


def test_packaged_file_loads_in_display_order(catalog: TopicCatalog) -> None:
    assert catalog.keys[:5] == ("aes", "mali", "burkina", "niger", "tchad")
    assert {"sahel", "russie", "wagner", "jihadisme", "france", "cedeao", "onu"} <= set(
        catalog.keys
    )
    assert 8 <= len(catalog) <= 12
    for topic in catalog:
        assert topic.command not in COMMAND_NAMES
        assert topic.command.isascii() and topic.key.isascii()
        assert 0 < len(topic.description) <= 60


def test_catalog_is_immutable(catalog: TopicCatalog) -> None:
    topic = catalog.topics[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        topic.label = "autre"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        catalog.extra = 1  # type: ignore[attr-defined]
    assert isinstance(catalog.topics, tuple)


def test_get_and_by_command(catalog: TopicCatalog) -> None:
    burkina = catalog.get("burkina")
    assert burkina is not None and burkina.label == "Burkina Faso"
    assert catalog.by_command("russie") is catalog.get("russie")
    assert catalog.by_command("/aes") is catalog.get("aes")
    assert catalog.get("atlantide") is None
    assert catalog.by_command("aide") is None


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Burkina-Faso", "burkina"),
        ("burkina faso", "burkina"),
        ("  BURKINA   FASO ", "burkina"),
        ("faso", "burkina"),
        ("burkinabè", "burkina"),
        ("russie", "russie"),
        ("Russie", "russie"),
        ("Moscou", "russie"),
        ("AES", "aes"),
        ("aes", "aes"),
        ("alliance des etats du sahel", "aes"),
        ("Alliance des États du Sahel (AES)", "aes"),
        ("/mali", "mali"),
        ("Nations unies", "onu"),
        ("africa-corps", "wagner"),
        ("Cedeao", "cedeao"),
        ("CÉDÉAO", "cedeao"),
    ],
)
def test_resolve_accepts_what_readers_type(catalog: TopicCatalog, typed: str, key: str) -> None:
    topic = catalog.resolve(typed)
    assert topic is not None and topic.key == key


@pytest.mark.parametrize("typed", ["", "   ", "atlantide", "burkina niger", "fleuve Niger"])
def test_resolve_refuses_unknown_names(catalog: TopicCatalog, typed: str) -> None:
    assert catalog.resolve(typed) is None


# --- The seed article ----------------------------------------------------------------------------


def test_seed_article_tags(catalog: TopicCatalog) -> None:
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    mentions = tagger_of(catalog).tag(normalize_text(title), normalize_text(body))
    found = {mention.key: mention.count for mention in mentions}
    # France and the ONU are named once each, deep in the text: passing mentions, not topics.
    assert set(found) == {"russie", "mali", "aes", "burkina", "niger", "sahel"}
    # « l'Aes » ×4, « Alliance des États du Sahel (AES) » (one mention), « … du Sahel – Russie »
    assert found["aes"] == 6
    # The two Alliance names and « régimes militaires du Sahel ».
    assert found["sahel"] == 3
    assert found["burkina"] == found["niger"] == 4
    counts = [mention.count for mention in mentions]
    assert counts == sorted(counts, reverse=True)
    assert mentions[0] == TopicMention("russie", found["russie"])


def test_seed_article_tags_without_normalisation(catalog: TopicCatalog) -> None:
    """Curly apostrophes (« l’Aes ») split words just like straight ones."""
    title, body = SEED.read_text(encoding="utf-8").split("\n", 1)
    raw = tagger_of(catalog).tag(title, body)
    assert raw == tagger_of(catalog).tag(normalize_text(title), normalize_text(body))


# --- Traps ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Le Nigeria et les Nigérians face à Boko Haram. Le Nigeria vote.", "niger"),
        ("Le fleuve Niger déborde. Le fleuve Niger atteint un record à Bamako.", "niger"),
        ("Dans le delta du Niger, les pétroliers. Le delta du Niger est pollué.", "niger"),
        ("La Somalie et les Somaliens. La Somalie vote.", "mali"),
        ("Abd Al Malik chante. Abd Al Malik publie un livre.", "mali"),
        ("Christophe Mali, du groupe Tryo, chante. Christophe Mali sourit.", "mali"),
        ("Selon l'AFP et RFI, et d'après l'Agence France-Presse et Radio France.", "france"),
        ("France 24, France Télévisions et France Info en parlent. France 2 aussi.", "france"),
        ("Un vol Air France dévié. Air France s'excuse.", "france"),
        ("La poutine est un plat québécois. Une poutine, s'il vous plaît.", "russie"),
        ("Le Kremlin-Bicêtre vote. À Kremlin-Bicêtre, le maire se dit prêt.", "russie"),
        ("Le chiffrement AES protège les données. AES-256 est sûr.", "aes"),
        ("Les opéras de Wagner sont longs. Wagner a composé Parsifal.", "wagner"),
        ("Un Burkinabè de 32 ans est mort à Pau. Le Burkinabè vivait en France.", "burkina"),
        ("Une touriste russe visite l'Acropole. Le couple russe est ravi.", "russie"),
        ("Au bord du lac Tchad, les pêcheurs. Le lac Tchad rétrécit.", "tchad"),
        ("L'Étoile du Sahel gagne à Sousse. L'Étoile sportive du Sahel est en tête.", "sahel"),
    ],
)
def test_traps_do_not_tag(catalog: TopicCatalog, text: str, absent: str) -> None:
    assert absent not in tags(catalog, text, text)


def test_acronyms_are_case_sensitive(catalog: TopicCatalog) -> None:
    assert "aes" in tags(catalog, "Sommet de l'AES à Niamey")
    assert "aes" in tags(catalog, "Sommet de l'Aes à Niamey")
    assert "aes" not in tags(catalog, "Sommet de l'aes à Niamey")
    assert "russie" in tags(catalog, "Poutine reçoit Goïta")
    assert "russie" in tags(catalog, "POUTINE REÇOIT GOÏTA")
    assert "russie" not in tags(catalog, "La poutine reçoit du fromage")


def test_ambiguous_words_count_once_the_topic_is_named(catalog: TopicCatalog) -> None:
    body = after_lead("Wagner a quitté la base. Wagner recrute. Le groupe Wagner dément.")
    assert tags(catalog, "Titre neutre", body)["wagner"] == 3
    burkina = tags(catalog, "Un Burkinabè témoigne", "Il a quitté le Burkina Faso en 2020.")
    assert burkina["burkina"] == 2


def test_negative_leaves_other_mentions(catalog: TopicCatalog) -> None:
    found = tags(catalog, "Crue du fleuve Niger à Niamey", "Le Niger décrète l'alerte.")
    assert found["niger"] == 2  # Niamey and « Le Niger »; « fleuve Niger » is the river


# --- Word boundaries, accents, phrases -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Sommet Russie-Afrique à Sotchi", "russie"),
        ("La bande sahélo-saharienne s'embrase", "sahel"),
        ("Visite d'Aes à Moscou", "aes"),
        ("Visite d’Aes à Moscou", "aes"),
        ("Le Burkina-Faso ferme ses frontières", "burkina"),
        ("Goita à Moscou", "mali"),
        ("GOÏTA À MOSCOU", "mali"),
        ("goïta à moscou", "mali"),
        ("Sommet de la CEDEAO à Abuja", "cedeao"),
        ("Sommet de la Cedeao à Abuja", "cedeao"),
        ("Réunion à N'Djaména", "tchad"),
        ("Attaque à Tillaberi", "niger"),
    ],
)
def test_boundaries_and_accents(catalog: TopicCatalog, text: str, key: str) -> None:
    assert key in tags(catalog, text)


@pytest.mark.parametrize("text", ["Malik arrive", "Malibu en feu", "Un Nigérian arrive", "Niamey"])
def test_whole_words_only(catalog: TopicCatalog, text: str) -> None:
    found = tags(catalog, text)
    assert "mali" not in found and ("niger" in found) == (text == "Niamey")


def test_hyphen_and_space_spellings_are_one_mention(catalog: TopicCatalog) -> None:
    assert tags(catalog, "Burkina-Faso")["burkina"] == 1
    assert tags(catalog, "Burkina Faso")["burkina"] == 1
    assert tags(catalog, "Burkina")["burkina"] == 1


def test_phrase_does_not_cross_a_full_stop(catalog: TopicCatalog) -> None:
    """« … le fleuve. Niger … »: the sentence ends, Niger is the country again."""
    assert "niger" in tags(catalog, "Ils ont longé le fleuve. Niger et Mali ont signé.")


def test_bracketed_acronym_after_its_name_is_one_mention(catalog: TopicCatalog) -> None:
    assert tags(catalog, "L'Alliance des États du Sahel (AES) se réunit")["aes"] == 1
    assert tags(catalog, "L'AES (AES) se réunit")["aes"] == 1
    found = tags(catalog, "L'Organisation des Nations unies (ONU) et l'ONU")
    assert found["onu"] == 2


def test_alliance_name_counts_for_sahel_too(catalog: TopicCatalog) -> None:
    found = tags(catalog, "Sommet de l'Alliance des États du Sahel")
    assert found["aes"] == 1 and found["sahel"] == 1


def test_article_and_topic_file_fold_alike_for_every_latin_letter() -> None:
    """Aliases go through ``fold``, articles through a faster equivalent: they must agree."""
    letters = [chr(code) for code in range(0xC0, 0x250) if chr(code).isalpha()]
    latin = TopicCatalog([Topic("t", "T", "t", "T", aliases=tuple(f"qq{c}qq" for c in letters))])
    missed = [c for c in letters if not tagger_of(latin).tag(f"Le qq{c}qq", "")]
    assert missed == []
    upper = [c for c in letters if fold(c).isascii() and fold(c) != c.lower()]
    plain = TopicCatalog(
        [Topic("t", "T", "t", "T", aliases=tuple(f"qq{fold(c)}qq" for c in upper))]
    )
    assert [c for c in upper if not tagger_of(plain).tag(f"Le QQ{c}QQ", "")] == []


# --- Keeping rule, counts, order -----------------------------------------------------------------


def test_single_mention_kept_in_title_or_lead_only(catalog: TopicCatalog) -> None:
    assert tags(catalog, "Le Mali vote", FILLER * 6) == {"mali": 1}
    assert tags(catalog, "Élections", "Au Mali, on vote. " + FILLER * 6) == {"mali": 1}
    assert tags(catalog, "Élections", after_lead("Au Mali, on vote.")) == {}
    assert tags(catalog, "Élections", after_lead("Au Mali, on vote. Bamako attend.")) == {"mali": 2}


def test_count_includes_title_and_body(catalog: TopicCatalog) -> None:
    assert tags(catalog, "Niger : Niamey", after_lead("Le Niger. Le Niger."))["niger"] == 4


def test_lead_is_the_first_words_of_the_body(catalog: TopicCatalog) -> None:
    words = ["mot"] * (LEAD_WORDS - 1)
    assert "tchad" in tags(catalog, "Titre", " ".join([*words, "Tchad", "fin"]))
    assert "tchad" not in tags(catalog, "Titre", " ".join([*words, "fin", "Tchad"]))


def test_order_is_count_then_catalog_order(catalog: TopicCatalog) -> None:
    mentions = tagger_of(catalog).tag("Niger et Mali", "Le Tchad, le Tchad, le Tchad.")
    assert [m.key for m in mentions] == ["tchad", "mali", "niger"]
    assert [m.count for m in mentions] == [3, 1, 1]


def test_empty_article(catalog: TopicCatalog) -> None:
    assert tagger_of(catalog).tag("", "") == ()


# --- Loader errors -------------------------------------------------------------------------------

GOOD = """
[[topic]]
key = "mali"
label = "Mali"
command = "mali"
description = "Dernières nouvelles du Mali"
aliases = ["Mali"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_a_file_from_a_path(tmp_path: Path) -> None:
    loaded = load_topics(write(tmp_path, GOOD))
    assert loaded.keys == ("mali",)
    assert tagger_of(loaded).tag("Bamako", "Le Mali, le Mali.") == (TopicMention("mali", 2),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD + GOOD.replace('command = "mali"', 'command = "mali2"'), "topic 'mali': field 'key'"),
        (GOOD.replace('"mali"\nlabel', '"Mali!"\nlabel'), "topic 'Mali!': field 'key'"),
        (GOOD.replace('command = "mali"', 'command = "Mali"'), "topic 'mali': field 'command'"),
        (GOOD.replace('command = "mali"', 'command = "bamako-ville"'), "field 'command'"),
        (GOOD.replace('command = "mali"', 'command = "aide"'), "clashes with the bot's /aide"),
        (
            GOOD + GOOD.replace('key = "mali"', 'key = "mali2"'),
            "topic 'mali2': field 'command' 'mali' is taken by 'mali'",
        ),
        (GOOD.replace('label = "Mali"\n', ""), "topic 'mali': missing field 'label'"),
        (GOOD.replace('label = "Mali"', 'label = "  "'), "topic 'mali': field 'label'"),
        (GOOD.replace('label = "Mali"', 'label = """Mali\n"""'), "topic 'mali': field 'label'"),
        (GOOD.replace('aliases = ["Mali"]', "aliases = []"), "topic 'mali': field 'aliases'"),
        (GOOD.replace('aliases = ["Mali"]', 'aliases = "Mali"'), "topic 'mali': field 'aliases'"),
        (GOOD + 'colour = "blue"\n', "topic 'mali': unknown field 'colour'"),
        (GOOD + 'acronyms = ["A E S"]\n', "topic 'mali': field 'acronyms' has 'A E S'"),
        (GOOD + 'negatives = ["mali"]\n', "topic 'mali': field 'negatives' repeats 'mali'"),
        (GOOD.replace("Dernières", "D" * 60), "topic 'mali': field 'description'"),
        (GOOD.replace('key = "mali"\n', ""), "topic #1: missing field 'key'"),
        (
            GOOD + GOOD.replace('"mali"', '"niger"') + 'names = ["Mali"]\n',
            "topic 'niger': field 'names' has 'Mali', already a name of topic 'mali'",
        ),
        ("[[topic]\n", "invalid TOML"),
        ("title = 'x'\n" + GOOD, "unknown top-level entry 'title'"),
        ("", "no [[topic]] table"),
    ],
)
def test_loader_errors_name_topic_and_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(TopicFileError) as raised:
        load_topics(write(tmp_path, text), reserved_commands=COMMAND_NAMES)
    message = str(raised.value)
    assert expected in message
    assert "\n" not in message


def test_missing_file_is_a_topic_file_error(tmp_path: Path) -> None:
    with pytest.raises(TopicFileError, match="cannot read"):
        load_topics(tmp_path / "absent.toml")
    assert issubclass(TopicFileError, ValueError)
