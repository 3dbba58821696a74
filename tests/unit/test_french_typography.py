"""Every sentence of ``ui.french`` follows French typography (rules in tests/support/typography).

The scan walks the module itself: its string constants, the strings inside its tuples and
dicts, and what each of its functions returns for a range of sample values; a string added to
the module later is checked without anyone listing it here.
"""

from __future__ import annotations

import inspect
import itertools
from collections.abc import Callable, Iterator
from datetime import date, time, timedelta
from types import FunctionType
from typing import Any, get_type_hints

import pytest

from tests.support.typography import NNBSP, problems
from ui import french

SAMPLES: dict[object, tuple[object, ...]] = {
    int: (0, 1, 2, 5, 21, 1000, 1_000_000),
    str: ("Mali", "Alliance des États du Sahel (AES)"),
    date: (date(2025, 6, 1), date(2025, 6, 23), date(2026, 2, 14)),
    time: (time(0, 0), time(7, 0), time(7, 5), time(7, 30), time(19, 0), time(23, 59)),
    "str | None": (None, "articles"),
    "collections.abc.Sequence[str]": (
        ["Mali"],
        ["AES", "Mali"],
        ["AES", "Mali", "Russie"],
        ["RFI", "APA", "AFP", "Reuters", "Le Monde", "Studio Tamani"],
    ),
    timedelta: (
        timedelta(minutes=-5),
        timedelta(minutes=10),
        timedelta(hours=-3),
        timedelta(hours=24),
        timedelta(days=2),
    ),
}


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, tuple | list | frozenset | set):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def _samples(function: Callable[..., Any]) -> Iterator[tuple[object, ...]]:
    hints = get_type_hints(function)
    columns = []
    for name, parameter in inspect.signature(function).parameters.items():
        hint = hints.get(name, str)
        key: object = hint if hint in SAMPLES else str(hint).replace("typing.", "")
        if key not in SAMPLES:
            if parameter.default is not inspect.Parameter.empty:
                continue
            pytest.fail(f"no sample values for {function.__name__}({name}: {hint})")
        columns.append(SAMPLES[key])
    yield from itertools.product(*columns)


def module_texts() -> list[tuple[str, str]]:
    """(where, text) for every string the module holds or makes."""
    texts: list[tuple[str, str]] = []
    for name, value in vars(french).items():
        if name.startswith("__") or name == "LOCALE":
            continue
        if isinstance(value, FunctionType) and value.__module__ == french.__name__:
            for arguments in _samples(value):
                result = value(*arguments)
                texts += [(f"{name}{arguments!r}", text) for text in _strings(result)]
        else:
            texts += [(name, text) for text in _strings(value)]
    return texts


def test_the_scan_sees_constants_collections_and_functions() -> None:
    places = {where.split("(")[0] for where, _ in module_texts()}
    assert {"WELCOME", "MENU", "REJECTED", "plural", "long_date"} <= places


@pytest.mark.parametrize(("where", "text"), module_texts(), ids=lambda value: str(value)[:40])
def test_every_string_of_the_module_is_typeset(where: str, text: str) -> None:
    assert problems(text) == [], where


def test_the_checker_catches_what_it_promises() -> None:
    for bad in (
        "Sujets : aes",
        "Sujets: aes",
        "« tout »",
        "Vous avez 1 articles",
        "2 article",
        "retiré(s)",
        "à 07:30",
        "à 7h30",
        "l'article",
        "None",
        "Suite...",
    ):
        assert problems(bad), bad
    assert problems(f"Sujets{NNBSP}: <code>/heure 7:30</code> et https://t.me/x{NNBSP}!") == []


def test_plurals_follow_french_rules() -> None:
    assert french.plural(0, "article") == "0 article"
    assert french.plural(1, "article") == "1 article"
    assert french.plural(2, "article") == "2 articles"
    assert french.plural(1000, "article") == f"1{NNBSP}000 articles"
    assert french.articles(1) == "1 article"
    assert french.subscribers(3) == "3 abonnés"


def test_one_clock_style() -> None:
    assert french.clock(time(7, 30)) == f"7{NNBSP}h{NNBSP}30"
    assert french.clock(time(19, 0)) == f"19{NNBSP}h"
    assert french.clock(time(0, 5)) == f"0{NNBSP}h{NNBSP}05"


def test_dates_come_from_babel_with_the_first_of_the_month() -> None:
    assert french.long_date(date(2025, 6, 23)) == "lundi 23 juin 2025"
    assert french.long_date(date(2025, 6, 1)) == "dimanche 1er juin 2025"
    assert french.short_date(date(2025, 8, 1)) == "1er août 2025"


def test_lists_end_with_et() -> None:
    assert french.listing(["AES", "Mali", "Russie"]) == "AES, Mali et Russie"
    assert french.listing(["Mali"]) == "Mali"
