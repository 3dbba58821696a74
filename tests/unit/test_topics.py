"""The topic file, its loader and the French topic tagger."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import pytest

from bot.handlers import COMMAND_NAMES
from content.models import TopicMention
from content.tagger import BRIEF_WORDS, Tagger
from content.text import fold, normalize_text
from content.topics import Topic, TopicCatalog, TopicFileError, load_topics, term_words

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
    """Put ``text`` after enough filler that the body is a full article, not a brief."""
    return FILLER * (BRIEF_WORDS // 12 + 1) + text


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
    # Burkina Faso and Niger only ever come with Mali, in lists of the AES's members (« le Mali,
    # le Burkina Faso et le Niger »): the article is on the AES and Mali, not on them.
    assert set(found) == {"russie", "mali", "aes", "sahel"}
    # « l'Aes » ×4, « Alliance des États du Sahel (AES) » (one mention), « … du Sahel – Russie »
    assert found["aes"] == 6
    # The two Alliance names, « régimes militaires du Sahel » and « l'Aes » ×4.
    assert found["sahel"] == 7
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
    assert "russie" in tags(catalog, "Goïta reçu par Poutine")
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


def test_single_mention_kept_in_title_or_brief_only(catalog: TopicCatalog) -> None:
    assert tags(catalog, "Le Mali vote", FILLER * 6) == {"mali": 1}
    assert tags(catalog, "Élections", "Au Mali, on vote. " + FILLER * 3) == {"mali": 1}
    assert tags(catalog, "Élections", "Au Mali, on vote. " + FILLER * 6) == {}
    assert tags(catalog, "Élections", after_lead("Au Mali, on vote.")) == {}
    assert tags(catalog, "Élections", after_lead("Au Mali, on vote. Bamako attend.")) == {"mali": 2}


def test_count_includes_title_and_body(catalog: TopicCatalog) -> None:
    assert tags(catalog, "Niger : Niamey", after_lead("Le Niger. Le Niger."))["niger"] == 4


def test_a_brief_is_a_body_of_few_words(catalog: TopicCatalog) -> None:
    words = ["mot"] * (BRIEF_WORDS - 1)
    assert "tchad" in tags(catalog, "Titre", " ".join([*words, "Tchad"]))
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
        (
            GOOD + 'negatives = ["fleuve Niger"]\n',
            "topic 'mali': field 'negatives' has 'fleuve Niger', which holds none of its words",
        ),
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


# --- Passing mentions --------------------------------------------------------------------------

SCHOOL_REFORM = (
    "Le ministère de l'Éducation nationale a présenté lundi à Bamako la réforme de l'école "
    "fondamentale, préparée avec l'aide de plusieurs partenaires dont la Russie, qui a offert des "
    "tablettes aux lycées. Les cours d'histoire feront une large place aux empires du Mandé.\n"
    "Les langues nationales deviendront langues d'enseignement dans les trois premières années. "
    "Les syndicats d'enseignants saluent le principe mais s'inquiètent des moyens : près de 1 700 "
    "écoles restent fermées dans le centre et le nord du Mali en raison de l'insécurité.\n"
    "« Sans manuels ni formation, la réforme restera sur le papier », prévient un responsable "
    "syndical de Ségou. Le gouvernement promet 4 000 enseignants contractuels et des manuels "
    "imprimés localement ; les premiers résultats seront évalués en fin d'année scolaire."
)


def test_a_country_named_once_in_passing_is_not_a_topic_even_in_the_lead(
    catalog: TopicCatalog,
) -> None:
    """A Malian school reform that thanks Russia for tablettes is no /russie article."""
    title = "Mali : la réforme de l'école fondamentale entre en vigueur"
    found = tags(catalog, title, SCHOOL_REFORM)
    assert "russie" not in found
    assert found["mali"] >= 3
    moved = SCHOOL_REFORM.replace("dont la Russie", "dont l'Unicef").replace(
        "papier »", "papier », comme en Russie"
    )
    assert "russie" not in tags(catalog, "Réforme de l'école au Mali", moved)


def test_a_brief_names_its_subject_once(catalog: TopicCatalog) -> None:
    """A two-line brief has no room to repeat the country: one mention is enough there."""
    brief = "Trente civils ont été tués mardi dans une attaque au Burkina Faso, selon la police."
    assert "burkina" in tags(catalog, "Attaque meurtrière dans le Nord", brief)


def test_a_capitalised_name_that_starts_a_sentence_proves_nothing(catalog: TopicCatalog) -> None:
    """« Poutine » with a capital is the president only where French would not capitalise the
    dish anyway: at the start of a title or a sentence it counts only beside a plain mention."""
    dish = "La poutine, plat québécois de frites et de fromage, a conquis le salon de Lyon."
    assert "russie" not in tags(catalog, "Poutine, tourtière et sirop d'érable au salon", dish)
    salon = f"{dish} Poutine et tourtière s'arrachent."
    assert "russie" not in tags(catalog, "Salon de Lyon", salon)
    visit = "Vladimir Poutine a reçu lundi au Kremlin le colonel Assimi Goïta."
    assert tags(catalog, "Poutine reçoit Goïta", visit)["russie"] == 3
    assert "russie" in tags(catalog, "Ukraine : Poutine menace Kiev")
    assert "aes" in tags(catalog, "AES : sommet à Niamey")


def test_countries_listed_together_are_not_each_a_topic(catalog: TopicCatalog) -> None:
    """« …dans la zone des trois frontières entre Mali, Niger et Burkina Faso » twice does not
    make an article on a French soldier killed in Mali a Niger and Burkina article."""
    body = after_lead(
        "Le soldat a été tué au Mali, près de Gao. L'armée multiplie les offensives dans la zone "
        "des trois frontières entre Mali, Niger et Burkina Faso. Le président a salué les pays "
        "du G5 Sahel (Mali, Niger, Tchad, Mauritanie, Burkina Faso)."
    )
    found = tags(catalog, "Un soldat français tué", body)
    assert {"burkina", "niger", "tchad"}.isdisjoint(found)
    assert found["mali"] >= 2 and "sahel" in found
    # Named on its own as well, a listed country counts with its list mentions.
    niger = tags(catalog, "Un soldat français tué", body + " À Niamey, le deuil est décrété.")
    assert niger["niger"] == 3


def test_two_countries_named_together_still_count(catalog: TopicCatalog) -> None:
    found = tags(catalog, "Frontière", after_lead("Le Mali et le Niger signent. Mali et Niger."))
    assert found == {"mali": 2, "niger": 2}


def test_the_alliance_counts_for_the_sahel_by_any_name(catalog: TopicCatalog) -> None:
    """The AES is the Sahel's regional alliance: its acronym counts for sahel like its name."""
    body = after_lead("Le sommet de l'AES s'ouvre. La Confédération AES adopte un passeport.")
    found = tags(catalog, "Sommet à Niamey", body)
    assert found["aes"] == 2 and found["sahel"] == 2
    cipher = "Le chiffrement AES protège les données. AES 256 est sûr. Le chiffrement AES, encore."
    assert {"aes", "sahel"}.isdisjoint(tags(catalog, cipher, cipher))


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("L'armée malienne et les autorités maliennes démentent. L'armée malienne avance.", "mali"),
        ("Les soldats nigériens et la junte nigérienne. Le gouvernement nigérien répond.", "niger"),
        (
            "L'armée burkinabè, les autorités burkinabè. Le gouvernement burkinabè dément.",
            "burkina",
        ),
        ("Le président tchadien et l'armée tchadienne. Les autorités tchadiennes.", "tchad"),
        ("Les shebab ont revendiqué l'attaque. Les shebab contrôlent le sud.", "jihadisme"),
        (
            "La Communauté économique des Etats d'Afrique de l'Ouest (Cédéao) se réunit. "
            "La Communauté des États de l'Afrique de l'Ouest sanctionne.",
            "cedeao",
        ),
    ],
)
def test_state_institutions_and_spelling_variants_name_their_topic(
    catalog: TopicCatalog, text: str, key: str
) -> None:
    """« L'armée malienne » is the Malian state (unlike « un Malien de Pau »), as « l'armée
    française » is France; agency-style spellings of the Cédéao's name are the Cédéao."""
    assert key in tags(catalog, "Titre neutre", after_lead(text))


def test_the_security_council_of_the_un_is_one_mention(catalog: TopicCatalog) -> None:
    found = tags(catalog, "Titre", "Le Conseil de sécurité de l'ONU se réunit.")
    assert found["onu"] == 1


def test_one_actor_named_in_several_words_is_no_list(catalog: TopicCatalog) -> None:
    body = after_lead(
        "Des mercenaires russes du groupe Wagner et des soldats maliens ont été tués à Kidal."
    )
    assert tags(catalog, "Embuscade", body)["wagner"] == 2


# --- Every negative of the packaged file, one by one ----------------------------------------------

WITHOUT_NEGATIVES = {
    "burkina": "« Burkina », « Ouagadougou », « Damiba »… name nothing else in French news "
    "(OrangeSum's 21,401 articles: no other sense found)",
    "cedeao": "« Cédéao » and « Ecowas » are the organisation and nothing else",
}
"""Topics with no negative phrase, and why none makes sense; every other topic must have some."""


def negative_cases() -> list[tuple[str, str]]:
    return [(topic.key, negative) for topic in load_topics() for negative in topic.negatives]


@pytest.mark.parametrize(("key", "negative"), negative_cases())
def test_every_negative_cancels_its_topic_and_only_that(
    catalog: TopicCatalog, key: str, negative: str
) -> None:
    """Repeated in the title and the body, a negative phrase never tags its topic; the topic's
    own word it holds does, and beside a plain mention the negative adds nothing to the count."""
    text = f"{negative}. Encore {negative}. Et {negative}."
    assert key not in tags(catalog, text, text), negative
    topic = catalog.get(key)
    assert topic is not None
    plain = topic.aliases[0]
    found = tags(catalog, f"Titre : {plain}", after_lead(f"{negative}, {negative}."))
    assert found[key] == 1, negative
    held = [term for term in (*topic.aliases, *topic.acronyms) if _holds(negative, term)]
    if held:  # a sure word: alone, it tags the topic (so the negative is doing the work)
        assert key in tags(catalog, f"Titre : {held[0]}", ""), (negative, held[0])


def _holds(phrase: str, term: str) -> bool:
    words, part = term_words(phrase), term_words(term)
    return any(words[i : i + len(part)] == part for i in range(len(words) - len(part) + 1))


def test_every_topic_has_negatives_where_they_make_sense(catalog: TopicCatalog) -> None:
    without = {topic.key for topic in catalog if not topic.negatives}
    assert without == set(WITHOUT_NEGATIVES)
