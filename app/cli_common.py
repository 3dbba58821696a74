"""What the commands of ``python -m bot`` share: how they fail, and how they print a name."""

from __future__ import annotations

import unicodedata


class CommandError(Exception):
    """A user mistake on the command line: printed as one line, exit status 2."""


def printable(text: str) -> str:
    """``text`` as one line a terminal shows as it is: control and format characters (a newline
    in a file name, a right-to-left override) and bytes that were not UTF-8 escaped, the rest
    (accents included) kept. Printing a name that is not valid UTF-8 would otherwise raise."""
    return "".join(
        repr(char)[1:-1] if unicodedata.category(char).startswith("C") else char for char in text
    )


def counted(count: int, noun: str) -> str:
    """« 1 feed », « 3 feeds »: the command line's English, with its plural."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
