"""Which articles tell the same event (content.stories): copies merge, other events do not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zlib
from datetime import timedelta
from pathlib import Path

import pytest

from content.stories import (
    REWRITE_CONTAINMENT,
    SHINGLE_WORDS,
    STORY_WINDOW,
    StoryMember,
    _shingles,
    disagree,
    likeness,
    representative,
    same_event,
    story_keys,
    story_print,
)
from tests.support.sahel_texts import BACKGROUND

REPO = Path(__file__).resolve().parents[2]
PAIRS = REPO / "tests" / "data" / "story-pairs.jsonl"

MONDAY_TITLE = "Niger : douze soldats tués dans une attaque près de Tillabéri"
MONDAY_LEAD = (
    "Douze soldats nigériens ont été tués lundi dans une attaque contre un poste militaire près "
    "de Tillabéri, dans l'ouest du Niger, a annoncé le ministère de la Défense. Les assaillants, "
    "arrivés à moto, ont incendié trois véhicules avant de se replier vers la frontière malienne, "
    "selon la même source."
)
MONDAY = f"{MONDAY_LEAD}\n\n{BACKGROUND}"
FRIDAY_TITLE = "Niger : sept civils tués dans une attaque dans la région de Tillabéri"
FRIDAY = (
    "Sept civils ont été tués vendredi dans l'attaque d'un marché près de Banibangou, dans la "
    "région de Tillabéri, dans l'ouest du Niger, a-t-on appris de sources locales. Des hommes "
    "armés ont ouvert le feu sur les commerçants avant d'emporter du bétail, selon un élu local."
    f"\n\n{BACKGROUND}"
)
GENERIC = (
    "les habitants ont été réveillés en pleine nuit par des tirs nourris et des explosions. "
    "plusieurs maisons ont été incendiées et les greniers pillés avant que les assaillants ne "
    "repartent vers la brousse, laissant derrière eux des familles sans abri ni nourriture. "
    "les secours ont mis de longues heures à atteindre les lieux, faute de route praticable, et "
    "les blessés ont été évacués à dos d'âne vers le centre de santé le plus proche."
)


def test_window_is_seventy_two_hours() -> None:
    assert timedelta(hours=72) == STORY_WINDOW


def test_agency_copy_under_another_title_is_the_same_event() -> None:
    original = story_print(MONDAY_TITLE, MONDAY)
    copy = story_print(
        "Attaque meurtrière contre l'armée nigérienne dans l'Ouest",
        "Selon RFI, une attaque a visé un poste de l'armée nigérienne près de Tillabéri. " + MONDAY,
    )
    assert same_event(original, copy) and same_event(copy, original)
    assert likeness(original, copy) > 0.9


def test_trimmed_copy_is_the_same_event() -> None:
    original = story_print(MONDAY_TITLE, MONDAY)
    trimmed = story_print(MONDAY_TITLE, MONDAY_LEAD)
    assert same_event(original, trimmed)


def test_reordered_copy_is_the_same_event() -> None:
    reordered = story_print(
        "Le Niger endeuillé après une attaque", f"{BACKGROUND}\n\n{MONDAY_LEAD}"
    )
    assert same_event(story_print(MONDAY_TITLE, MONDAY), reordered)


def test_attacks_on_monday_and_friday_in_one_region_are_two_events() -> None:
    monday, friday = story_print(MONDAY_TITLE, MONDAY), story_print(FRIDAY_TITLE, FRIDAY)
    # The shared background paragraph makes them look alike; the days tell them apart.
    assert likeness(monday, friday) >= REWRITE_CONTAINMENT
    assert monday.names & friday.names
    assert disagree(monday, friday)
    assert not same_event(monday, friday) and not same_event(friday, monday)


def test_two_months_price_figures_are_two_events() -> None:
    template = (
        "Les prix à la consommation ont augmenté de {rate} sur un an en {month}, selon "
        "l'estimation provisoire publiée par l'Insee. Cette hausse s'explique surtout par celle "
        "des prix de l'énergie et des produits alimentaires, tandis que les prix des services "
        "ralentissent légèrement par rapport au mois précédent, précise l'institut."
    )
    march = story_print(
        "Inflation : les prix en hausse de 1,55 % en mars",
        template.format(rate="1,55 %", month="mars"),
    )
    april = story_print(
        "Inflation : les prix en hausse de 2,4 % en avril",
        template.format(rate="2,4 %", month="avril"),
    )
    assert likeness(march, april) >= REWRITE_CONTAINMENT
    assert not same_event(march, april)


def test_custody_and_sentence_are_two_events() -> None:
    background = (
        "L'employé d'une boulangerie parisienne avait refusé de servir un policier le 2 février, "
        "en marge d'une manifestation à Paris. La scène, filmée par un passant, avait fait le "
        "tour des réseaux sociaux et suscité l'indignation des syndicats de police. "
    )
    custody = story_print(
        "Paris : l'employé d'une boulangerie qui avait refusé de servir un policier en garde à vue",
        "Âgé de 32 ans, il a été placé en garde à vue pour refus de vente. " + background,
    )
    sentence = story_print(
        "Paris : l'employé d'une boulangerie qui avait refusé de servir un policier condamné",
        "Âgé de 32 ans, il a été condamné à 70 heures de travail d'intérêt général. " + background,
    )
    assert custody.title_stages == {"custody"} and sentence.title_stages == {"verdict"}
    assert likeness(custody, sentence) >= REWRITE_CONTAINMENT
    assert disagree(custody, sentence) and not same_event(custody, sentence)
    charged = story_print("Deux militaires mis en examen pour tentative de meurtre", MONDAY)
    jailed = story_print("Deux militaires écroués après une tentative de meurtre", MONDAY)
    assert same_event(charged, jailed)  # two words for one stage


def test_toll_update_naming_the_first_toll_is_the_same_event() -> None:
    first = story_print("Niger : 12 soldats tués près de Tillabéri", MONDAY)
    update = story_print(
        "Niger : le bilan de l'attaque près de Tillabéri passe à 14 morts",
        "Le bilan de l'attaque de lundi contre un poste militaire près de Tillabéri est passé à "
        "14 morts, contre 12 annoncés dans un premier temps. " + MONDAY,
    )
    assert not disagree(first, update)
    assert same_event(first, update)


def test_high_overlap_without_a_shared_name_or_figure_is_not_the_same_event() -> None:
    gao = story_print("Une nuit de terreur dans un village", f"À Gao, {GENERIC}")
    kidal = story_print("Une nuit de terreur dans un village", f"À Kidal, {GENERIC}")
    assert likeness(gao, kidal) > 0.8
    assert not gao.names & kidal.names and not gao.numbers & kidal.numbers
    assert not same_event(gao, kidal)


def test_empty_body_and_empty_texts() -> None:
    empty = story_print("", "")
    assert empty.shingles == frozenset() and story_keys(empty) == ()
    assert likeness(empty, empty) == 0.0
    assert not same_event(empty, empty)
    title_only = story_print(MONDAY_TITLE, "")
    assert title_only.shingles and story_keys(title_only)
    assert not same_event(title_only, empty)


def test_very_short_texts() -> None:
    short = story_print("Mali : attaque à Gao", "")
    assert len(short.shingles) == 1  # fewer than five words make one shingle
    assert same_event(short, story_print("Mali : attaque à Gao", ""))
    assert not same_event(short, story_print("Niger : inondations à Niamey", ""))
    teaser = story_print(MONDAY_TITLE, MONDAY_LEAD.split(". ")[0] + ".")
    full = story_print(MONDAY_TITLE, MONDAY)
    assert same_event(teaser, full)
    assert set(story_keys(teaser)) & set(story_keys(full))


def test_keys_are_few_signed_64_bit_ints_shared_by_copies() -> None:
    original = story_print(MONDAY_TITLE, MONDAY)
    keys = story_keys(original)
    assert 0 < len(keys) <= 16 and len(set(keys)) == len(keys)
    assert all(isinstance(key, int) and -(2**63) <= key < 2**63 for key in keys)
    trimmed = story_print("Tillabéri : une attaque fait douze morts", MONDAY_LEAD)
    assert set(keys) & set(story_keys(trimmed))
    assert not set(keys) & set(story_keys(story_print("Une nuit de terreur", GENERIC)))


def test_keys_are_the_same_in_every_process() -> None:
    """Keys are stored by one process and looked up by another: no salted hash() anywhere."""
    here = [list(story_keys(story_print(MONDAY_TITLE, MONDAY)))]
    program = (
        "import json, sys\n"
        "from content.stories import story_keys, story_print\n"
        "title, body = json.load(sys.stdin)\n"
        "print(json.dumps([list(story_keys(story_print(title, body)))]))\n"
    )
    for seed in ("1", "2024"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", program],
            input=json.dumps([MONDAY_TITLE, MONDAY]),
            capture_output=True,
            text=True,
            cwd=REPO,
            env=environment,
            check=True,
        )
        assert json.loads(result.stdout) == here


def test_representative_is_the_most_complete_article() -> None:
    members = [StoryMember(3, 400, False), StoryMember(1, 250, True), StoryMember(7, 400, True)]
    assert representative(members) == 7
    assert representative([StoryMember(9, 300, False), StoryMember(4, 300, False)]) == 4
    assert representative([StoryMember(5, 10, False)]) == 5
    with pytest.raises(ValueError):
        representative([])


# Clear cases of the labelled set (tests/data/story-pairs.jsonl), by the corpus references of
# their two articles and the kind of pair; figures over the whole set are bench/stories.py's.
CLEAR_CASES = {
    ("orangesum-train:36217", "orangesum-train:36203", "corpus-overlap"): True,  # Portland
    ("orangesum-valid:31410", "orangesum-valid:31417", "corpus-overlap"): True,  # Yemen deal
    ("orangesum-train:1449", "orangesum-valid:1493", "corpus-overlap"): True,  # Bergamo
    ("orangesum-train:1682", "orangesum-valid:1675", "corpus-overlap"): False,  # 13 vs 31 deaths
    ("orangesum-train:22823", "orangesum-train:22790", "corpus-overlap"): False,  # Sat vs Sun
    ("orangesum-train:640", "orangesum-valid:2225", "corpus-overlap"): False,  # two operations
    ("orangesum-train:36400", "orangesum-train:34798", "corpus-sahel"): False,  # Niger attack
    ("orangesum-train:35593", "orangesum-train:35357", "corpus-sahel"): False,  # Mali coup
}


def test_clear_labelled_cases_are_judged_right() -> None:
    rows = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines()]
    found = {}
    for row in rows:
        key = (row["a"]["ref"], row["b"]["ref"], row["kind"])
        if key in CLEAR_CASES:
            assert row["same"] is CLEAR_CASES[key], key
            a = story_print(row["a"]["title"], row["a"]["body"])
            b = story_print(row["b"]["title"], row["b"]["body"])
            found[key] = same_event(a, b)
    assert found == CLEAR_CASES
    copies = [row for row in rows if row["kind"] in ("copy-retitled", "teaser", "copy-trimmed")]
    assert len(copies) == 42
    for row in copies:
        a = story_print(row["a"]["title"], row["a"]["body"])
        b = story_print(row["b"]["title"], row["b"]["body"])
        assert same_event(a, b), row["b"]["title"]


def test_shingles_are_the_crc_of_each_run_of_words_joined_by_spaces() -> None:
    """The fast slicing must hash exactly what joining each run would (keys are stored, and
    two processes must agree), non-ASCII words included."""
    for tokens in (
        [],
        ["mali"],
        "les ministres de la defense du mali".split(),
        "goïta à moscou reçu par поутин 北京 et 🙂 ensuite".split(),
    ):
        span = min(SHINGLE_WORDS, len(tokens))
        expected = (
            {
                zlib.crc32(" ".join(tokens[i : i + span]).encode())
                for i in range(len(tokens) - span + 1)
            }
            if tokens
            else set()
        )
        assert _shingles(tokens) == expected
