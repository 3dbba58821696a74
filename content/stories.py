"""One story per event: which articles tell the same event, and which of them leads the story.

Outlets copy agencies and each other, so one event arrives three to ten times within hours, under
other titles, trimmed, with a lead sentence of their own or paragraphs moved. Titles alone cannot
tell: outlets reword them, and two events share words (the Assembly's and the Senate's vote on one
bill, two attacks in one region). A copy keeps most of the original's 5-word shingles whatever is
cut, added or moved, so the decision rests on how much of the shorter text the longer one holds.
Two texts must also share names or figures, and must not disagree on when or how many: agency
dispatches about two attacks, or two days' figures, share whole background paragraphs, but one
says « lundi » and « 12 soldats » where the other says « vendredi » and « 7 civils ».

Everything here is pure and deterministic across processes (CRC-32 and BLAKE2b, never the salted
``hash()``), so index keys computed by one process find articles stored by another. The caller
compares only articles stored within ``STORY_WINDOW``; ``bench/stories.py`` measures precision and
recall on labelled pairs (``tests/data/story-pairs.jsonl``), where the thresholds below were set.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import accumulate

STORY_WINDOW = timedelta(hours=72)
"""Callers compare a new article only with articles stored this recently: copies of one event
arrive within hours, and the same words a week later are usually another event."""

SHINGLE_WORDS = 5
MAX_WORDS = 400
"""Only the title and this many first words are compared: copies keep the beginning, and a long
article costs no more than an ordinary one."""
LEAD_WORDS = 30
"""The title and this many first words say when the event happened."""
SAMPLED_KEYS = 14
OPENING_KEYS = 2
"""Sixteen index keys per article: the 14 smallest shingle hashes and the body's first two
shingles (see ``story_keys``)."""

COPY_CONTAINMENT = 0.6
"""A text holding this share of the shorter one's shingles is a copy of it (trimmed, retitled,
with a lead added or paragraphs moved). No pair of different events of the labelled set reached
it; the closest (0.59) were two announcements of one day retold in one article."""
REWRITE_CONTAINMENT = 0.35
REWRITE_TITLE_OVERLAP = 0.5
REWRITE_SHARED_FACTS = 2
"""An outlet's own version of a dispatch keeps less of it: it must also share half of the shorter
title's words and two names or figures. Lower thresholds merged other events on the labelled
pairs: a ban and the ruling that lifted it, two days' Covid-19 figures, two police operations."""

_COMBINING = re.compile("[\u0300-\u036f]+")
_LIGATURES = (("œ", "oe"), ("Œ", "OE"), ("æ", "ae"), ("Æ", "AE"), ("ß", "ss"), ("’", "'"))
_WORD = re.compile(r"[^\W_]+")
_CAPITALISED = re.compile(r"[A-ZÀ-ÖØ-Þ][\w'’-]*")
_NUMBER = re.compile(r"\d+(?:[.\u202f\u00a0 ]\d{3})*(?:,\d+)?(?:\s?%)?")
_NUMBER_SEPARATORS = re.compile(r"[.\u202f\u00a0 %]")
_SENTENCE_END = frozenset('.!?…:«"“')
_NOT_NAMES = frozenset(
    "le la les l un une des de du d et en au aux a il elle ils elles on ce cette ces son sa ses "
    "leur mais pour par dans sur selon apres avant lors m mme afp reuters".split()
)
"""Capitalised words that are not names (« M. », « Selon », agency bylines)."""
_TITLE_STOP = frozenset(
    "le la les l un une des de du d et ou en au aux a ce cette ces se sa son ses qui que qu "
    "ne pas plus est sont pour par sur dans avec apres selon contre".split()
)
_CASE_STAGES = (
    ("custody", re.compile(r"\b(?:garde a vue|interpellee?s?|arretee?s?)\b")),
    (
        "charged",
        re.compile(r"\b(?:mise?s? en examen|inculpee?s?|ecrouee?s?|detention provisoire)\b"),
    ),
    ("trial", re.compile(r"\b(?:jugee?s?|proces|comparai(?:t|tra)|comparution)\b")),
    ("verdict", re.compile(r"\b(?:condamnee?s?|relaxee?s?|acquittee?s?)\b")),
    ("released", re.compile(r"\b(?:liberee?s?|remise? en liberte)\b")),
)
"""The stages of a criminal case as headlines name them: custody, charges, trial, verdict and
release are news of their own, told days apart with the same background."""
_WEEKDAYS = frozenset("lundi mardi mercredi jeudi vendredi samedi dimanche".split())
_MONTHS = frozenset(
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre".split()
)


@dataclass(frozen=True, slots=True)
class StoryPrint:
    """What two articles are compared on (see ``story_print``); all words folded (lower case,
    no accents)."""

    shingles: frozenset[int]
    """CRC-32 of every 5 consecutive words of the title and the first ``MAX_WORDS``."""
    names: frozenset[str]
    """Capitalised words not opening a sentence: people, places, organisations."""
    numbers: frozenset[str]
    """Figures, thousands separators dropped and decimal commas as points (« 11.3% »)."""
    title_words: frozenset[str]
    """Title words without the commonest function words."""
    title_numbers: frozenset[str]
    """The figures of the title: a toll, a rate, a count."""
    lead_days: frozenset[str]
    """Weekdays and dates (« lundi », « 12 mai ») in the title and the first ``LEAD_WORDS``."""
    days: frozenset[str]
    """Weekdays and dates anywhere in the compared text."""
    opening: tuple[int, ...]
    """The hashes of the body's first ``OPENING_KEYS`` 5-word shingles, end to end."""
    title_stages: frozenset[str]
    """The stages of a criminal case the title names (« garde à vue », « mis en examen »…)."""


@dataclass(frozen=True, slots=True)
class StoryMember:
    """An article of a story as ``representative`` weighs it."""

    id: int
    words: int
    has_link: bool


def story_print(title: str, body: str) -> StoryPrint:
    """The print of one article: under half a millisecond for 600 words."""
    body = _first_words(body, MAX_WORDS)
    folded_title = _fold(title)
    title_tokens = _WORD.findall(folded_title)
    body_tokens = _WORD.findall(_fold(body))[:MAX_WORDS]
    title_numbers = _numbers(title)
    return StoryPrint(
        shingles=_shingles([*title_tokens, *body_tokens]),
        names=frozenset(_names(title, is_title=True) | _names(body, is_title=False)),
        numbers=frozenset(title_numbers | _numbers(body)),
        title_words=frozenset(title_tokens) - _TITLE_STOP,
        title_numbers=frozenset(title_numbers),
        lead_days=_days([*title_tokens, *body_tokens[:LEAD_WORDS]]),
        days=_days([*title_tokens, *body_tokens]),
        opening=tuple(
            zlib.crc32(" ".join(body_tokens[start : start + SHINGLE_WORDS]).encode())
            for start in range(0, OPENING_KEYS * SHINGLE_WORDS, SHINGLE_WORDS)
            if start + SHINGLE_WORDS <= len(body_tokens)
        ),
        title_stages=frozenset(
            stage for stage, pattern in _CASE_STAGES if pattern.search(folded_title)
        ),
    )


def story_keys(p: StoryPrint) -> tuple[int, ...]:
    """At most 16 index keys, signed 64-bit ints: the 14 smallest shingle hashes (a sample that
    two texts sharing many shingles share a part of) and the body's first two shingles.

    MinHash bands find pairs with a high Jaccard similarity; the smallest hashes find a short
    copy inside a long article too (a brief holding an eighth of an article's shingles shares a
    key with it more than 8 times in 10) and cost one pass instead of 24. A feed teaser (a title and
    one sentence) is too short for that: it shares the article's opening instead. On the
    labelled pairs every pair ``same_event`` accepts shares a key; on five months of OrangeSum an
    article shared a key with 1.4 articles of the three days around it on average (21 at most).
    """
    sampled = heapq.nsmallest(SAMPLED_KEYS, p.shingles)
    return tuple(_spread(value) for value in dict.fromkeys([*sampled, *p.opening]))


def likeness(a: StoryPrint, b: StoryPrint) -> float:
    """How much of the shorter text the longer one holds (0 to 1): the share of its shingles."""
    shorter, longer = (a, b) if len(a.shingles) <= len(b.shingles) else (b, a)
    if not shorter.shingles:
        return 0.0
    return len(shorter.shingles & longer.shingles) / len(shorter.shingles)


def same_event(a: StoryPrint, b: StoryPrint) -> bool:
    """Whether two articles tell the same event. Precision first: a wrong merge hides news from
    the reader, a missed one only shows a story twice."""
    shared_facts = len(a.names & b.names) + len(a.numbers & b.numbers)
    if not shared_facts or disagree(a, b):
        return False
    contained = likeness(a, b)
    if contained >= COPY_CONTAINMENT:
        return True
    return (
        contained >= REWRITE_CONTAINMENT
        and title_overlap(a, b) >= REWRITE_TITLE_OVERLAP
        and shared_facts >= REWRITE_SHARED_FACTS
    )


def disagree(a: StoryPrint, b: StoryPrint) -> bool:
    """Whether the texts tell of different days, figures or stages of a case: each headline's
    figures, or each lead's days, are absent from the other text, or the headlines name different
    stages (« en garde à vue » and « condamné »). A copy holds the original's lead and figures,
    so it does not disagree with it; nor does an update that names the first toll."""
    stages = bool(a.title_stages and b.title_stages and not a.title_stages & b.title_stages)
    return (
        stages
        or _each_misses(a.title_numbers, b.title_numbers, a.numbers, b.numbers)
        or _each_misses(a.lead_days, b.lead_days, a.days, b.days)
    )


def title_overlap(a: StoryPrint, b: StoryPrint) -> float:
    """The share of the shorter title's words found in the other title."""
    shorter = min(len(a.title_words), len(b.title_words))
    return len(a.title_words & b.title_words) / shorter if shorter else 0.0


def representative(members: Sequence[StoryMember]) -> int:
    """The id of the story's most complete article: the longest, then one with a link, then the
    earliest. Raises ValueError on an empty story."""
    if not members:
        raise ValueError("a story has at least one article")
    return max(members, key=lambda m: (m.words, m.has_link, -m.id)).id


def _each_misses(
    first: frozenset[str],
    second: frozenset[str],
    in_first: frozenset[str],
    in_second: frozenset[str],
) -> bool:
    """Both sides say something (``first``, ``second``) that the other text never says."""
    return bool(first and second and not first & in_second and not second & in_first)


def _fold(text: str) -> str:
    """Lower case without accents, as ``content.text.fold`` does for Latin text, but twice as
    fast on whole articles (one regular expression instead of a test per character)."""
    text = unicodedata.normalize("NFKD", text)
    if not text.isascii():
        text = _COMBINING.sub("", text)
        for letter, spelled in _LIGATURES:
            if letter in text:
                text = text.replace(letter, spelled)
    return text.casefold()


def _first_words(text: str, count: int) -> str:
    """``text`` cut after ``count`` words, without tokenising a long article whole."""
    parts = text.split(maxsplit=count)
    return text if len(parts) <= count else text[: len(text) - len(parts[-1])]


def _shingles(tokens: Sequence[str]) -> frozenset[int]:
    """CRC-32 of each run of ``SHINGLE_WORDS`` tokens joined by spaces. The tokens are joined
    and encoded once, and each run is a slice of those bytes (``memoryview``: no copy): joining
    and encoding every run again was half the time of a story print."""
    if not tokens:
        return frozenset()
    span = min(SHINGLE_WORDS, len(tokens))
    text = " ".join(tokens)
    data = text.encode()
    lengths = map(len, tokens) if len(data) == len(text) else (len(t.encode()) for t in tokens)
    starts = list(accumulate((length + 1 for length in lengths), initial=0))
    view = memoryview(data)
    crc32 = zlib.crc32
    return frozenset(
        crc32(view[starts[i] : starts[i + span] - 1]) for i in range(len(tokens) - span + 1)
    )


def _names(text: str, *, is_title: bool) -> set[str]:
    """Capitalised words that do not open a sentence. In a title, those before its colon count
    too (« Mali : … », « Attaque à Tillabéri : … »), and the one opening it does not."""
    found = set()
    head = text.find(":") if is_title else -1
    for match in _CAPITALISED.finditer(text):
        start = match.start()
        if start and text[start - 1].isalnum():
            continue  # « McDonald », « 15H00 »: inside a word
        previous = start - 1
        while previous >= 0 and text[previous].isspace():
            previous -= 1
        opens = previous < 0 or text[previous] in _SENTENCE_END
        if opens and not (is_title and (start < head or text[previous] == ":")):
            continue
        word = _fold(match.group()).split("'")[-1]
        if len(word) > 1 and word not in _NOT_NAMES:
            found.add(word)
    return found


def _numbers(text: str) -> set[str]:
    """Figures worth comparing: two digits or more, decimals and percentages (« 2 juin » says
    nothing, « 2.600 passagers » and « 11,3 % » do)."""
    found = set()
    for match in _NUMBER.finditer(text):
        raw = match.group()
        percent = raw.endswith("%")
        digits = _NUMBER_SEPARATORS.sub("", raw).replace(",", ".")
        if percent or "." in digits or (len(digits) >= 2 and digits.strip("0")):
            found.add(digits + ("%" if percent else ""))
    return found


def _days(tokens: Sequence[str]) -> frozenset[str]:
    """Weekdays and day-month dates among folded tokens (« 1er juin » as « 1 juin »)."""
    found = set()
    for index, token in enumerate(tokens):
        if token in _WEEKDAYS:
            found.add(token)
        elif token in _MONTHS and index:
            day = tokens[index - 1].removesuffix("er")
            if day.isdigit() and len(day) <= 2:
                found.add(f"{int(day)} {token}")
    return frozenset(found)


def _spread(value: int) -> int:
    """A shingle hash as a signed 64-bit key (SQLite's INTEGER), the same in every process."""
    digest = hashlib.blake2b(value.to_bytes(4, "little"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)
