"""Cutting what a journalist cuts from a sentence, so that a short summary holds more news.

Why: the journalists' own summaries are short and dense (32 words on average); an extract that
keeps « selon l'AFP, », « a-t-il déclaré » or a parenthesis spends its words on what they leave
out. Two steps, each only removing text, never rewriting it:

* ``tidy``, when the article is read, before any choice: drops what never carries the news in a
  summary (a leading connective such as « Mais » or « En effet, », a parenthesis, a closing
  « …, a-t-il déclaré. », a news agency's « selon l'AFP »). The choice then counts the words
  that remain. A named source (« …, a indiqué le parquet ») stays: a claim keeps its source.
* ``trim``, on the chosen sentences: drops an incidental clause (between two commas, a closing
  one, an opening adverbial one) whose words the word layer expects the journalist's summary to
  use much less than the rest of its sentence.

A cut never goes inside quotation marks or parentheses, and one that would leave fewer than
``MIN_WORDS`` words is not made. Pure: text (and the word layer's gains) in, text out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from content.summarizer.sentences import tokenize

MIN_WORDS = 6
"""A cut sentence keeps at least this many words: below, it no longer stands alone."""
TRIM_RATIO = 0.7
"""A clause goes when its expected matching words per word are under this share of its
sentence's (chosen on 2,000 held-back training articles: 0.6 and 0.8 score lower)."""

_SPEECH_VERBS = (
    "déclaré|ajouté|indiqué|affirmé|expliqué|annoncé|estimé|précisé|confié|souligné|assuré|"
    "poursuivi|insisté|martelé|lancé|rappelé|reconnu|admis|regretté|dénoncé|jugé|noté|observé|"
    "relevé|raconté|détaillé|commenté|répondu|prévenu|averti|conclu|déploré|confirmé|tranché|"
    "résumé|écrit|tweeté|glissé|lâché|ironisé|plaidé|argumenté|fustigé|taclé|fait savoir"
)
_PLAIN = '[^,;:«»"“”()]'
"""What an incidental clause may hold: no punctuation of its own, no quotation, no parenthesis."""
_AGENCY = r"(?:l['’]AFP|l['’]agence France-Presse|Reuters|l['’]AP|l['’]agence Reuters)"
_TIDY_CUTS = (
    # « …, a-t-il déclaré. »: the speaker is a pronoun, named elsewhere. « …, a indiqué le
    # parquet » and « …, a-t-on appris auprès du parquet » stay: a claim keeps its source.
    (
        "-t-",
        re.compile(
            rf",\s*(?:a|ont|avait|avaient|aurait)-t-(?:il|elle|ils|elles)\s+(?:{_SPEECH_VERBS})"
            rf"{_PLAIN}{{0,60}}(?=\s*[.!?]$)"
        ),
    ),
    # « …, selon l'AFP. »: the agency is the outlet's source, not the news.
    ("selon", re.compile(rf",\s*selon {_AGENCY}(?=\s*[.!?]$)")),
    ("en effet", re.compile(r",?\s+en effet,?(?=\s)")),
    ("(", re.compile(r"\s*\([^()]{1,80}\)")),
)
"""Each cut with a plain substring that its pattern needs: most sentences hold none of them,
and a substring test costs far less than a regular expression (every sentence is tidied)."""
_LEADING_CONNECTIVE = re.compile(
    r"^(?:Et|Mais|Or|Donc|Puis|En effet,|Par ailleurs,|Ainsi,|De plus,|En outre,|Pourtant,|"
    r"Cependant,|Toutefois,|D'ailleurs,|D’ailleurs,|Enfin,|Aussi,|Alors,|De son côté,|"
    rf"Néanmoins,|En revanche,|Du coup,|Pour rappel,|Selon {_AGENCY},)\s+"
)
_INNER_CLAUSE = re.compile(rf",\s{_PLAIN}{{2,80}}?,(?=\s)")
_CLOSING_CLAUSE = re.compile(rf",\s{_PLAIN}{{2,80}}?(?=[.!?]$)")
_OPENING_CLAUSE = re.compile(
    rf"^(?:Dans|En|Lors|Après|Avant|Depuis|Dès|Interrogée?|Invitée?|Contactée?|Hier|Lundi|Mardi|"
    rf"Mercredi|Jeudi|Vendredi|Samedi|Dimanche)\s{_PLAIN}{{1,60}}?,\s"
)
"""Opening clauses that only set the scene (when, where, on what occasion). Never « Selon… »,
« Pour le ministre, » or « D'après… »: without them a claim would become the outlet's own."""
_INCIDENTAL_OPENERS = frozenset(
    "qui dont où lequel laquelle lesquels lesquelles le la les l un une des son sa ses leur leurs "
    "ce cette ces cet à au aux en dans par avec depuis lors après avant sur sous chez près vers "
    "entre durant pendant dès jusqu parmi notamment également déjà désormais actuellement âgé "
    "âgée âgés âgées lundi mardi mercredi jeudi vendredi samedi dimanche hier".split()
)
"""What an incidental clause between commas, or closing a sentence, may open on: a relative
pronoun, an apposition's determiner, a preposition, a date. A clause opening on a verb may hold
the sentence's predicate (« Le président, a été reçu lundi… », as some outlets punctuate): it
stays. So do « selon… » and « pour… » (attribution) and « mais… », « sauf si… » (they turn the
sentence: cut, the summary would say what the article does not)."""
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([,.!?…])")
_SPACES = re.compile(r"\s{2,}")


def tidy(sentence: str) -> str:
    """``sentence`` without its leading connective, parentheses and closing attribution."""
    cut = _LEADING_CONNECTIVE.sub("", sentence, count=1)
    if cut != sentence:
        cut = _capitalised(cut)
    for needed, pattern in _TIDY_CUTS:
        if needed in cut:
            cut = pattern.sub(_removed, cut)
    return _kept(sentence, _clean(cut)) if cut != sentence else sentence


def trim(sentence: str, gains: Mapping[str, Sequence[float]], ratio: float = TRIM_RATIO) -> str:
    """``sentence`` without its least newsworthy incidental clause, if one is worth much less.

    ``gains[word][1]`` is the word layer's chance that the journalist's summary uses ``word``
    (``content.summarizer.model.cumulative_gains``); a clause's worth is the mean over its words.
    """
    if "," not in sentence:  # every clause it cuts starts or ends at a comma
        return sentence
    words = tokenize(sentence)
    size = len(words)
    if not size:
        return sentence
    threshold = ratio * _worth(words, gains) / size
    best: tuple[float, str] | None = None
    for pattern in (_INNER_CLAUSE, _CLOSING_CLAUSE, _OPENING_CLAUSE):
        opening = pattern is _OPENING_CLAUSE
        for match in pattern.finditer(sentence):
            clause = tokenize(match.group(0))
            if not clause or len(clause) > size - MIN_WORDS or _quoted(match):
                continue
            if not opening and not (clause[0] in _INCIDENTAL_OPENERS or clause[0].isdigit()):
                continue
            density = _worth(clause, gains) / len(clause)
            if density < threshold and (best is None or density < best[0]):
                cut = _clean(sentence[: match.start()] + " " + sentence[match.end() :])
                best = density, _capitalised(cut) if opening else cut
    return _kept(sentence, best[1]) if best else sentence


def _worth(words: Sequence[str], gains: Mapping[str, Sequence[float]]) -> float:
    """Expected matching words among ``words`` (first uses)."""
    return sum(gains[word][1] if word in gains else 0.0 for word in words)


def _removed(match: re.Match[str]) -> str:
    """A space for the matched text, or the text itself when it stands inside a quotation."""
    return match.group(0) if _quoted(match) else " "


def _quoted(match: re.Match[str]) -> bool:
    """Whether the match starts inside a quotation: a quote is never cut."""
    before = match.string[: match.start()]
    return before.count("«") > before.count("»") or before.count('"') % 2 == 1


def _clean(text: str) -> str:
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", _SPACES.sub(" ", text)).strip()


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _kept(original: str, cut: str) -> str:
    """The cut, unless it left too little or lost the sentence's end."""
    if cut == original:
        return original
    if len(tokenize(cut)) < MIN_WORDS or cut[-1:] not in original[-1:]:
        return original
    return cut
