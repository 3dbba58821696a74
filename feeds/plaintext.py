"""Feed markup to the plain text the rest of the bot works with.

Feeds carry HTML in descriptions and content (escaped or in CDATA), sometimes XHTML, sometimes
plain text; titles are usually plain but Atom allows HTML. Everything leaves here as plain text
passed through ``content.text.normalize_text`` (NFC, straight apostrophes, single spaces), the
same door pasted articles go through, so that a feed item and the article made from it compare
as plain strings.

HTML is read with the standard library's HTML parser, not regular expressions: entities
(« &eacute; », « &nbsp; », « &#8217; », even without their semicolon), comments and unclosed tags
are its job. Block elements become
paragraph breaks ("\\n\\n"), ``<br>`` a line break, and whitespace inside a block is collapsed as a
browser would.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from content.text import normalize_text

UNTITLED_MAX_CHARS = 100
"""An untitled item is named after its first sentence, cut to this length (a headline's size)."""

_BLOCKS = frozenset(
    "address article aside blockquote caption dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table "
    "tbody td tfoot th thead tr ul".split()
)
_SKIPPED = frozenset("script style template noscript iframe object svg math head title".split())
"""Elements whose text is never part of the article (feedparser's sanitizer drops most of them
already; JSON Feed's content_html is not sanitized). An unclosed one hides the rest of the
markup, as it would in a browser."""
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
"""HTML's own whitespace: a no-break space is a character, not a separator, until normalisation."""
_SENTENCE_END = re.compile(r"([^\s.!?…]*)[.!?…]+[»\"”)]?\s+(?=[«\"“(]?\s?[A-ZÀ-ÖØ-Þ0-9])")
_ABBREVIATIONS = frozenset({"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "st", "gal", "cf"})
_TRAILING_ELLIPSIS = re.compile(
    r"\s*(?:\[\s*(?:…|\.\.\.)\s*\]|\(\s*(?:…|\.\.\.)\s*\)|…|\.\.\.)\s*$"
)


def html_to_text(markup: str) -> str:
    """Plain text of an HTML fragment: tags removed, entities decoded, paragraphs kept."""
    if "<" not in markup and "&" not in markup:
        return normalize_text(_HTML_SPACE.sub(" ", markup))
    try:
        collector = _parsed(markup)
    except AssertionError:
        # html.parser asserts on a malformed "<![" section ("<![;"); a browser shows it as
        # text, and so do we, rather than lose the item.
        collector = _parsed(_MARKED_SECTION.sub("&lt;![", markup))
    return normalize_text("".join(collector.parts))


_MARKED_SECTION = re.compile(r"<!\[(?!CDATA\[)")


def _parsed(markup: str) -> _TextCollector:
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    return collector


class _TextCollector(HTMLParser):
    """Collects the text a browser would show, with block boundaries as blank lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipped_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipped_depth += 1
        elif tag in _BLOCKS:
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:  # <hr/>, <p/>; a self-closed skipped element holds nothing
            self.parts.append("\n\n")
        elif tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skipped_depth = max(0, self._skipped_depth - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipped_depth:
            self.parts.append(_HTML_SPACE.sub(" ", data))

    def unknown_decl(self, data: str) -> None:
        """A CDATA section left in HTML by a feed that wrapped its description twice: its text
        is the description (a browser would hide it as a bogus comment)."""
        if data.startswith("CDATA[") and not self._skipped_depth:
            self.parts.append(html_to_text(data.removeprefix("CDATA[")))


def plain_to_text(text: str) -> str:
    """Plain text as the feed gives it (JSON Feed's content_text, Atom ``type="text"``)."""
    return normalize_text(text)


def one_line(text: str) -> str:
    """A title on one line: feeds wrap long titles, and paragraphs make no sense in a title."""
    return " ".join(text.split())


def title_from_text(text: str) -> str:
    """A title for an untitled item (RSS 0.9x allows them): its first sentence, kept short.

    The final full stop goes (headlines have none); a sentence longer than ``UNTITLED_MAX_CHARS``
    is cut at a word boundary with « … ». Abbreviations such as « M. » do not end a sentence.
    """
    first_paragraph = text.strip().split("\n", 1)[0]
    sentence = first_paragraph
    for match in _SENTENCE_END.finditer(first_paragraph):
        word = match.group(1)
        if word.lower() in _ABBREVIATIONS or (len(word) == 1 and word.isupper()):
            continue
        sentence = first_paragraph[: match.end()]
        break
    sentence = sentence.strip()
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1]
    if len(sentence) <= UNTITLED_MAX_CHARS:
        return sentence
    cut = sentence[: UNTITLED_MAX_CHARS - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-–—") + "…"


def is_teaser_of(description: str, full_text: str) -> bool:
    """Whether ``description`` is only the opening of ``full_text``, possibly ending in « […] »:
    what WordPress and most CMSs generate as an excerpt. That is not an outlet's standfirst."""
    opening = one_line(_TRAILING_ELLIPSIS.sub("", description))
    return bool(opening) and one_line(full_text).startswith(opening)
