"""Understanding the time zone a reader types after /fuseau, and naming it back in French.

Readers write « Bamako », « Ouaga », « paris », « UTC+1 », « UTC+5:30 », « UTC−3 » or an IANA
name; the friendly names are data (``timezones.toml``), so adding a city needs no code. Whole-hour
offsets are stored as IANA's ``Etc/GMT-1`` (whose sign is POSIX's, the reverse of what readers
write); offsets with minutes, which IANA has no fixed zone for, as ``UTC+05:30``, which
``fixed_offset`` reads back. Readers never see either spelling: ``zone_label`` says « UTC+1 »,
« UTC+5:30 » or the city in French (« N’Djamena », « Londres »).
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta, timezone
from functools import cache
from importlib import resources
from zoneinfo import available_timezones

from content.text import fold

_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+-])\s*([0-9]{1,2})(?:\s*[:h.]?\s*([0-9]{2}))?$")
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2012": "-", "\u2014": "-"})
"""The real minus sign (U+2212) and the dashes phones and word processors put for it."""
_FIXED_NAME = re.compile(r"^UTC([+-])([0-9]{2}):([0-9]{2})$")
_ETC_NAME = re.compile(r"^Etc/GMT([+-])([0-9]{1,2})$")
EARLIEST_OFFSET = -12 * 60
LATEST_OFFSET = 14 * 60
"""Offsets in use on Earth, in minutes: UTC−12 (Baker Island) to UTC+14 (Kiribati)."""
MINUS = "\u2212"


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text).replace("_", " ")))


@cache
def _friendly_names() -> dict[str, str]:
    raw = resources.files("digests").joinpath("timezones.toml").read_text(encoding="utf-8")
    return {_key(name): zone for name, zone in tomllib.loads(raw)["names"].items()}


@cache
def _iana_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


@cache
def _labels() -> dict[str, str]:
    raw = resources.files("digests").joinpath("timezones.toml").read_text(encoding="utf-8")
    return dict(tomllib.loads(raw)["labels"])


def _offset_minutes(text: str) -> int | None:
    """« UTC+5:30 » → 330, « GMT−3 » → -180, as typed (in range or not); None for other text."""
    match = _OFFSET.match(" ".join(text.translate(_MINUS_SIGNS).casefold().split()))
    if match is None:
        return None
    hours, minutes = int(match.group(2)), int(match.group(3) or 0)
    if minutes > 59:
        return 24 * 60  # « UTC+5:75 »: shaped like an offset, and none
    return (hours * 60 + minutes) * (-1 if match.group(1) == "-" else 1)


def offset_out_of_range(text: str) -> bool:
    """« UTC+15 », « UTC-13 », « UTC+5:75 »: an offset no place on Earth has; readers are
    told the range rather than that they were not understood."""
    minutes = _offset_minutes(text)
    return minutes is not None and not EARLIEST_OFFSET <= minutes <= LATEST_OFFSET


def _offset_zone(minutes: int) -> str:
    if minutes == 0:
        return "UTC"
    hours, rest = divmod(abs(minutes), 60)
    sign = "+" if minutes > 0 else "-"
    if rest:
        return f"UTC{sign}{hours:02d}:{rest:02d}"
    # POSIX zones count the other way round: Etc/GMT-1 is UTC+1.
    return f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"


def fixed_offset(name: str) -> timezone | None:
    """The fixed offset a ``UTC+05:30`` name stands for; None for any other name."""
    match = _FIXED_NAME.match(name)
    if match is None:
        return None
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return timezone(timedelta(minutes=-minutes if match.group(1) == "-" else minutes))


def resolve_timezone(text: str) -> str | None:
    """The zone a reader means (an IANA name, or ``UTC+05:30``), or None when it cannot be told."""
    cleaned = text.strip()
    if not cleaned:
        return None
    iana = _iana_names().get(cleaned.casefold().replace(" ", "_"))
    if iana is not None:
        return iana
    minutes = _offset_minutes(cleaned)
    if minutes is not None:
        in_range = EARLIEST_OFFSET <= minutes <= LATEST_OFFSET
        return _offset_zone(minutes) if in_range else None
    return _friendly_names().get(_key(cleaned))


def _offset_label(sign: str, hours: int, minutes: int) -> str:
    return f"UTC{'+' if sign == '+' else MINUS}{hours}" + (f":{minutes:02d}" if minutes else "")


def zone_label(name: str) -> str:
    """How a zone is named to readers: « Bamako », « N’Djamena », « UTC+1 », « UTC−3 »,
    « UTC+5:30 »; a zone without a French name by its city (« Asia/Tokyo » → « Tokyo »)."""
    if name in ("UTC", "Etc/UTC", "Etc/GMT", "GMT"):
        return "UTC"
    etc = _ETC_NAME.match(name)
    if etc is not None:
        return _offset_label("-" if etc.group(1) == "+" else "+", int(etc.group(2)), 0)
    fixed = _FIXED_NAME.match(name)
    if fixed is not None:
        return _offset_label(fixed.group(1), int(fixed.group(2)), int(fixed.group(3)))
    label = _labels().get(name)
    return label if label is not None else name.rsplit("/", 1)[-1].replace("_", " ")
