"""Every word the bot says to its readers, in French, in one place.

Handlers, the digest composer and the delivery path take their wording from here, so an editor can
review the bot's voice in a single file and no French sentence hides in the plumbing. Messages use
Telegram's HTML: values interpolated here are escaped by the caller (``html.escape``) unless the
name says ``_html``.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date

LOCALE = "fr_FR"


def _day(day: date) -> str:
    """French writes the first of the month « 1er », which Babel does not."""
    return "1er" if day.day == 1 else str(day.day)


def long_date(day: date) -> str:
    """« lundi 23 juin 2025 », « dimanche 1er juin 2025 »."""
    weekday = format_date(day, "EEEE", locale=LOCALE)
    month = format_date(day, "MMMM", locale=LOCALE)
    return f"{weekday} {_day(day)} {month} {day.year}"


def short_date(day: date) -> str:
    """« 23 juin 2025 », « 1er juin 2025 »."""
    return f"{_day(day)} {format_date(day, 'MMMM', locale=LOCALE)} {day.year}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """« 1 article », « 3 articles » (French uses the singular for 0 and 1)."""
    word = singular if count <= 1 else (plural_form or f"{singular}s")
    return f"{count} {word}"


# --- Articles -------------------------------------------------------------------------------

READ_ARTICLE = "Lire l'article"
FULL_ARTICLE_COMMAND = "/article {id}"
ALSO_ON_TOPICS = "Aussi : {topics}"
ARTICLE_TOPICS = "Sujets : {topics}"
ARTICLE_NO_TOPIC = "Sujets : aucun"
ARTICLE_TRUNCATED = "… (article tronqué : la suite est sur le site de la source)"
UNKNOWN_SOURCE = "source non précisée"

# --- Digest ---------------------------------------------------------------------------------

DIGEST_HEADLINE = "📰 <b>Votre revue du {date}</b>"
DIGEST_INTRO = "{count} sur vos sujets."
DIGEST_CONTINUED = "📰 <b>Votre revue du {date}</b> (suite {part}/{total})"
DIGEST_NOTHING_NEW = (
    "📰 <b>Votre revue du {date}</b>\n\nRien de neuf aujourd'hui sur vos sujets. À demain !"
)
DIGEST_FOOTER = (
    "—\n<i>Vos sujets : /abonner · Heure : /heure · Fuseau : /fuseau · "
    "Vos réglages : /statut · Arrêter : /desabonner</i>"
)


def digest_intro(article_count: int) -> str:
    noun = "nouvel article" if article_count <= 1 else "nouveaux articles"
    return DIGEST_INTRO.format(count=f"{article_count} {noun}")
