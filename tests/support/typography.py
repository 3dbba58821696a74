"""French typography as a native reader expects it, checked on the bot's HTML.

One checker for the strings of ``ui.french`` (templates, ``{placeholders}`` kept) and for every
reply a session gets through the local Bot API. The rules:

* a narrow no-break space (U+202F) before ``; : ! ?`` and inside « », never next to a space;
* typographic apostrophes (’) only: the module uses them throughout, as articles from the press
  do;
* real plurals: no « 1 articles », « 2 article » or « retiré(s) »;
* one clock style, « 7 h 30 » or « 19 h »: no « 07:30 » or « 7h30 » in running text;
* « n° » bound to its number by U+202F, never separated from it at the end of a line;
* no English and no Python leftovers (« None », reprs, exception names), « … » not « ... ».

Principled exceptions, removed before checking: what sits in ``<code>`` or ``<pre>`` (input
examples a reader copies, such as ``/heure 7h30``), HTML tags and their attributes, URLs, time
zone offsets (« UTC+5:30 », as written everywhere), and
the text of articles and of what the reader typed (``ignore``): journalists' and readers'
typography is theirs.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

NNBSP = "\u202f"
_VERBATIM = re.compile(r"<(code|pre)\b[^>]*>.*?</\1>", re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
_URL = re.compile(r"[a-z][a-z0-9+.-]*://\S*", re.IGNORECASE)
_OFFSET = re.compile(r"\bUTC[+\u2212]\d{1,2}:\d{2}\b")
_SPACES = " \u00a0\u202f"
_CLOCKS = (
    re.compile(r"\b\d{1,2}:\d{2}\b"),  # 07:30
    re.compile(r"\b\d{1,2}h(\d{2})?\b"),  # 7h30, 19h
    re.compile(r"\b0\d[ \u00a0\u202f]h\b"),  # 07 h
)
_SINGULAR_ENDING_IN_S = frozenset({"fois", "mois", "sous", "plus", "pas", "avis", "temps"})
_COUNTED_NOUNS = (
    "article|abonné|sujet|message|résultat|revue|caractère|jour|envoi|échec|chat|lien|fichier"
)
_ONE_PLURAL = re.compile(r"(?<![\d,])\b[01][ \u00a0\u202f]+([a-zà-ÿ]+s)\b")
_MANY_SINGULAR = re.compile(
    rf"(?<![\d,])\b([2-9]|[1-9]\d+)[ \u00a0\u202f]+((?:nouvel )?(?:{_COUNTED_NOUNS}))\b(?!s)"
)
_ENGLISH = re.compile(
    r"\b(None|True|False|Error|Exception|Traceback|Errno|the|and|please|unknown|failed|"
    r"not found|object at|bytes|Bad Request|Forbidden)\b"
)


def visible_text(html_text: str, ignore: Iterable[str] = ()) -> str:
    """What a reader sees of ``html_text``, without the exceptions listed in the docstring."""
    text = _VERBATIM.sub(" ", html_text)
    text = html.unescape(_TAG.sub("", text))
    for verbatim in sorted((v for v in ignore if v.strip()), key=len, reverse=True):
        text = text.replace(verbatim, "·")
    return _OFFSET.sub("UTC", _URL.sub("URL", text))


def problems(html_text: str, ignore: Iterable[str] = ()) -> list[str]:
    """Every broken rule in ``html_text`` (a template or a reply), each with its context."""
    text = _PLACEHOLDER.sub("X", visible_text(html_text, ignore))
    found: list[str] = []

    def report(rule: str, index: int) -> None:
        found.append(f"{rule}: …{text[max(0, index - 25) : index + 25]!r}…")

    for match in re.finditer(r"[;:!?]", text):
        index = match.start()
        before = text[index - 1] if index else ""
        if before in ";:!?" and index > 1 and text[index - 2] == NNBSP:
            continue  # « ?! », one space for the pair
        if before != NNBSP:
            report(f"U+202F before {match.group()}", index)
    for match in re.finditer("«", text):
        if text[match.end() : match.end() + 1] != NNBSP:
            report("U+202F after «", match.start())
    for match in re.finditer("»", text):
        if text[match.start() - 1 : match.start()] != NNBSP:
            report("U+202F before »", match.start())
    for match in re.finditer(f"[ \u00a0]{NNBSP}|{NNBSP}[ \u00a0]", text):
        report("a space next to U+202F", match.start())
    for match in re.finditer("'", text):
        report("straight apostrophe (the bot writes ’)", match.start())
    for match in re.finditer(r"\bn° (?=\S)", text):
        report("a breakable space after « n° » (the number must stay with it)", match.start())
    for pattern in _CLOCKS:
        for match in pattern.finditer(text):
            report("clock not written « 7 h 30 »", match.start())
    for match in _ONE_PLURAL.finditer(text):
        if match.group(1) not in _SINGULAR_ENDING_IN_S:
            report("plural after 0 or 1", match.start())
    for match in _MANY_SINGULAR.finditer(text):
        report("singular after 2 or more", match.start())
    for match in re.finditer(r"\w\(s\)|\(e\)|\.\.\.", text):
        report("« (s) » or « ... »", match.start())
    for match in _ENGLISH.finditer(text):
        report("English or Python text", match.start())
    return found


def space_insensitive(text: str) -> str:
    """``text`` with its no-break spaces as plain ones: for tests that look for a phrase."""
    return text.replace(NNBSP, " ").replace("\u00a0", " ")
