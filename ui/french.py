"""Every word the bot says to its readers, in French, in one place.

Handlers, the digest composer and the delivery path take their wording from here, so an editor can
review the bot's voice in a single file and no French sentence hides in the plumbing. Messages use
Telegram's HTML: values interpolated here are escaped by the caller (``html.escape``) unless the
name says ``_html``.

Typography, as a French reader expects it (tests/unit/test_french_typography.py checks every
string of this module): a narrow no-break space (U+202F, written as the character itself) before
« ; : ! ? » and inside « », the typographic apostrophe ’, real plurals (``plural``), one clock
style « 7 h 30 » (``clock``) and dates from Babel. Examples a reader types go in ``<code>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time, timedelta

from babel import Locale
from babel.dates import format_date, format_timedelta
from babel.lists import format_list
from babel.numbers import format_decimal

LOCALE = "fr_FR"
NNBSP = "\u202f"
"""The narrow no-break space French puts before « ; : ! ? », inside « » and in « 7 h 30 »."""


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
    """« 0 article », « 1 article », « 3 articles », « 1 000 articles »: Babel's French plural
    rule (the singular for 0 and 1) and its digit grouping."""
    one = Locale.parse(LOCALE).plural_form(abs(count)) == "one"
    word = singular if one else (plural_form or f"{singular}s")
    return f"{number(count)} {word}"


def number(count: int) -> str:
    """« 21 401 »: digits grouped by U+202F, as French writes counts."""
    return format_decimal(count, locale=LOCALE)


def clock(moment: time) -> str:
    """« 7 h 30 », « 19 h », « 0 h 05 »: the one way the bot writes a time of day."""
    hours = f"{moment.hour}{NNBSP}h"
    return hours if moment.minute == 0 else f"{hours}{NNBSP}{moment.minute:02d}"


def listing(items: Sequence[str]) -> str:
    """« AES, Mali et Russie », as Babel joins a French list."""
    return format_list(list(items), locale=LOCALE) if items else ""


def typeset(text: str) -> str:
    """French spacing and apostrophes for text written elsewhere by the project (topic
    descriptions in ``content/topics.toml``): never for articles, whose typography is theirs."""
    text = re.sub(r"(?<=\w)'(?=\w)", "’", text)
    text = re.sub(r"[ \u00a0]*([;:!?])(?=\s|$)", rf"{NNBSP}\1", text)
    return re.sub(r"«[ \u00a0]*", f"«{NNBSP}", re.sub(r"[ \u00a0]*»", f"{NNBSP}»", text))


def articles(count: int) -> str:
    return plural(count, "article")


def subscribers(count: int) -> str:
    return plural(count, "abonné")


def quoted(text: str) -> str:
    """« text », with French quotation marks."""
    return f"« {text} »"


def article_range(first: int, last: int, total: int) -> str:
    """« Articles 1 à 5 sur 13 », but « Article 1 sur 1 » for a page of one."""
    start, end, of = (format_decimal(n, locale=LOCALE) for n in (first, last, total))
    return f"Article {start} sur {of}" if first == last else f"Articles {start} à {end} sur {of}"


def result_range(first: int, last: int) -> str:
    """« Résultats 1 à 5 », but « Résultat 6 » for a page of one."""
    start, end = (format_decimal(n, locale=LOCALE) for n in (first, last))
    return f"Résultat {start}" if first == last else f"Résultats {start} à {end}"


def topics_removed(labels: Sequence[str]) -> str:
    """« Sujet retiré : Russie. », « Sujets retirés : Russie et Mali. »."""
    template = TOPICS_REMOVED if len(labels) == 1 else TOPICS_REMOVED_MANY
    return template.format(topics=listing(labels))


# --- Articles -------------------------------------------------------------------------------

READ_ARTICLE = "Lire l’article"
FULL_ARTICLE_COMMAND = "/article {id}"
ALSO_ON_TOPICS = "Aussi dans : {topics}"
ALSO_COVERED_BY = "Aussi : {outlets}"
ALSO_MORE_OUTLETS = "{outlets} et {more}"
ARTICLE_TOPICS = "Sujets : {topics}"
ARTICLE_NO_TOPIC = "Sujets : aucun"
ARTICLE_TRUNCATED = "… (article tronqué : la suite est sur le site de la source)"


ALSO_OUTLETS_NAMED = 4


def also_covered_by(outlets: Sequence[str]) -> str:
    """« Aussi : RFI, APA », « Aussi : RFI, APA, AFP, Reuters et 3 autres »: the other outlets
    of a story, the first few by name."""
    named = ", ".join(outlets[:ALSO_OUTLETS_NAMED])
    rest = len(outlets) - ALSO_OUTLETS_NAMED
    if rest > 0:
        named = ALSO_MORE_OUTLETS.format(outlets=named, more=plural(rest, "autre"))
    return ALSO_COVERED_BY.format(outlets=named)


# --- Digest ---------------------------------------------------------------------------------

DIGEST_HEADLINE = "📰 <b>Votre revue du {date}</b>"
DIGEST_INTRO = "{count} sur vos sujets."
DIGEST_CONTINUED = "📰 <b>Votre revue du {date}</b> (suite {part}/{total})"
DIGEST_NOTHING_NEW = (
    "📰 <b>Votre revue du {date}</b>\n\nRien de neuf aujourd’hui sur vos sujets. À demain !"
)
DIGEST_FOOTER = (
    "—\n<i>Vos sujets : /abonner · Heure : /heure · Fuseau : /fuseau · "
    "Vos réglages : /statut · Arrêter : /desabonner</i>"
)


def digest_intro(article_count: int) -> str:
    noun = "nouvel article" if article_count <= 1 else "nouveaux articles"
    return DIGEST_INTRO.format(count=f"{article_count} {noun}")


# --- Welcome and help -----------------------------------------------------------------------

WELCOME = (
    "👋 Bonjour {name} !\n\n"
    "Je suis <b>Sahel Digest</b>, une revue de presse en français sur le Sahel : l’Alliance des "
    "États du Sahel, le Mali, le Burkina Faso, le Niger et leurs partenaires.\n\n"
    "• Lisez les derniers articles d’un sujet : {examples}\n"
    "• Recevez chaque jour une revue à l’heure de votre choix : /abonner\n"
    "• Cherchez dans les articles : /recherche Goïta\n\n"
    "Toutes les commandes : /aide"
)
WELCOME_BACK = "👋 Bon retour, {name} !"
WELCOME_BACK_ANONYMOUS = "👋 Bon retour !"
RETURNING_SUBSCRIPTION = "Vous recevez la revue chaque jour à {time} ({zone}) sur {topics}."
RETURNING_FOOTER = "Vos réglages : /statut · Toutes les commandes : /aide"
BUTTON_CHANGE_TOPICS = "🗂 Modifier mes sujets"
DEFAULT_NAME = "et bienvenue"
BUTTON_SUBSCRIBE_ALL = "📬 Tout recevoir chaque jour"
BUTTON_CHOOSE_TOPICS = "🗂 Choisir mes sujets"

MENU = (
    ("sujets", "Les sujets et leurs articles"),
    ("dernieres", "Les derniers articles"),
    ("recherche", "Chercher dans les articles"),
    ("abonner", "Recevoir la revue quotidienne"),
    ("statut", "Mes réglages"),
    ("heure", "Heure de la revue"),
    ("fuseau", "Fuseau horaire"),
    ("digest", "La revue du jour, tout de suite"),
    ("desabonner", "Arrêter la revue"),
    ("aide", "Toutes les commandes"),
)
"""Telegram's command menu after the topics' own commands, in this order."""

# The help is HTML written here (``<code>`` examples): callers do not escape it.
HELP_READ = "<b>Lire</b>"
HELP_TOPIC_LINE = "/{command} — {description}"
HELP_READ_LINES = (
    "/sujets — les sujets et leur nombre d’articles",
    "/dernieres [n] — les derniers articles, tous sujets confondus",
    "/article N — lire un article en entier",
    "/recherche MOTS — chercher dans les articles (les accents sont facultatifs)",
)
HELP_DIGEST = "<b>Recevoir la revue quotidienne</b>"
HELP_DIGEST_LINES = (
    "/abonner [sujets] — s’abonner (sans sujet : choisir avec des boutons ; « tout » : tout)",
    "/desabonner [sujets] — arrêter la revue, ou seulement certains sujets",
    "/heure HEURE — l’heure d’envoi (<code>7h</code>, <code>7h30</code>, <code>19h</code>…)",
    "/fuseau ZONE — votre fuseau horaire (Bamako, Paris, <code>Africa/Niamey</code>, "
    "<code>UTC+1</code>…)",
    "/statut — vos réglages et la prochaine revue",
    "/digest — la revue du jour, tout de suite",
)
HELP_ADMIN = "<b>Administration</b>"
HELP_ADMIN_LINES = (
    "/ajouter — ajouter un article : texte (1re ligne = titre), lien, fichier .txt/.md ou "
    "réponse à un message. Options sur une ligne à part : #aes #russie (sujets), "
    "« résumé : … » (votre résumé)",
    "/supprimer N — supprimer un article",
    "/stats — les chiffres du bot",
    "/diffuser TEXTE — envoyer un message à tous les abonnés",
    "/sources — les flux suivis et leur état",
    "/source_ajouter URL [#sujet] [+mot] [-mot] — suivre un flux RSS, Atom ou JSON (ou le site "
    "qui l’annonce)",
    "/source_retirer N — ne plus suivre un flux (ses articles restent)",
    "/source_pause N — suspendre un flux",
    "/source_reprendre N — reprendre un flux suspendu",
)
HELP_FOOTER = (
    "Astuce : écrivez simplement un mot (« Goïta », « Wagner ») pour lancer une recherche."
)

UNKNOWN_COMMAND = (
    "Je ne connais pas la commande {command}. Tapez /aide pour voir ce que je sais faire."
)
PLAIN_TEXT_SEARCH = "🔎 Je cherche « {query} » dans les articles. (Les commandes : /aide)"
FORWARDED_HINT = (
    "📨 Je ne cherche pas dans les messages transférés. Pour chercher, tapez quelques mots "
    "ou /recherche MOTS ; les commandes : /aide"
)
FORWARDED_HINT_ADMIN = (
    "📨 Message transféré reçu. Pour l’enregistrer comme article, répondez-lui /ajouter ; "
    "ajoutez #sujet ou « résumé : … » sur une ligne à part pour les imposer."
)

# --- Reading ----------------------------------------------------------------------------------

TOPIC_PAGE_HEADER = "🗂 <b>{label}</b>\n{range}, du plus récent au plus ancien."
TOPIC_EMPTY = (
    "Aucun article sur {label} pour l’instant. Pour recevoir les prochains dans votre revue : "
    "/abonner {command}"
)
LATEST_PAGE_HEADER = "🕒 <b>Les derniers articles</b>\n{range}."
LATEST_EMPTY = "Aucun article pour l’instant."
BUTTON_OLDER = "◀️ Plus anciens"
BUTTON_NEWER = "Plus récents ▶️"
TOPICS_HEADER = "🗂 <b>Les sujets</b>\nTouchez un sujet pour lire ses derniers articles."
TOPICS_LINE = "• {label} — {count} — /{command}"
COUNT_BAD = "Donnez un nombre entre 1 et {maximum}, par exemple : /dernieres 5"

ARTICLE_ID_MISSING = "Donnez le numéro de l’article, par exemple : /article 1"
ARTICLE_ID_BAD = "« {text} » n’est pas un numéro d’article. Exemple : /article 1"
ARTICLE_NOT_FOUND = "Je ne trouve pas d’article n° {id}. Les derniers articles : /dernieres"

SEARCH_MISSING = "Que cherchez-vous ? Exemple : /recherche Goïta"
SEARCH_NO_WORDS = (
    "Je n’ai trouvé aucun mot à chercher dans « {text} ». Essayez par exemple : /recherche Goïta"
)
SEARCH_HEADER = "🔎 <b>Recherche : {query}</b>"
SEARCH_RANGE = "{range}, les plus pertinents d’abord."
SEARCH_BROADENED = (
    "Aucun article ne contient tous ces mots ; voici ceux qui en contiennent au moins un."
)
SEARCH_NOTHING = "Aucun article ne correspond à « {query} ». Essayez un autre mot, ou /dernieres."

# --- Subscriptions ----------------------------------------------------------------------------

KEYBOARD_PROMPT = (
    "🗂 <b>Choisissez les sujets de votre revue quotidienne</b>\n"
    "Touchez un sujet pour l’ajouter ou le retirer (✅ = inclus), puis « Terminé »."
)
BUTTON_ALL_TOPICS = "Tous les sujets"
BUTTON_NO_TOPIC = "Aucun sujet"
BUTTON_DONE = "Terminé"
TOPIC_CHECKED = "✅ {label}"
SUBSCRIBED = "✅ C’est noté ! Votre revue quotidienne portera sur : {topics}."
SUBSCRIBED_ALL = "✅ C’est noté ! Votre revue quotidienne portera sur tous les sujets."
SCHEDULE_LINE = "Elle arrive chaque jour à {time} ({zone}). Prochaine revue : {next}."
NEXT_TODAY = "aujourd’hui à {time}"
NEXT_TOMORROW = "demain à {time}"
NEXT_SOON = "dans un instant"
UNKNOWN_TOPICS = "Je ne connais pas : {words}. Les sujets : {keys}."
NO_TOPIC_NAMED = (
    "Je n’ai reconnu aucun sujet dans « {text} ». Les sujets : {keys}. "
    "Ou bien « /abonner tout », ou « /abonner tout sauf russie »."
)
NO_TOPIC_NAMED_UNSUBSCRIBE = (
    "Je n’ai reconnu aucun de vos sujets dans « {text} ». Vos sujets : {topics}. "
    "Pour tout arrêter : /desabonner"
)
KEYBOARD_DONE = "✅ Sujets enregistrés : {topics}."
KEYBOARD_DONE_NONE = "Vous n’avez choisi aucun sujet : pas de revue quotidienne pour l’instant."
UNSUBSCRIBED_ALL = (
    "Vous ne recevrez plus la revue quotidienne. Les articles restent à portée de main "
    "(/sujets, /recherche) ; pour revenir : /abonner."
)
TOPICS_REMOVED = "Sujet retiré : {topics}."
TOPICS_REMOVED_MANY = "Sujets retirés : {topics}."
TOPICS_LEFT = "Il vous reste : {topics}."
NOTHING_LEFT = (
    "Il ne vous reste aucun sujet : la revue quotidienne s’arrête. Pour la reprendre : /abonner"
)
NOT_SUBSCRIBED_TO = "Vous n’étiez pas abonné à : {topics}."
YOUR_TOPICS = "Vos sujets : {topics}."
NOT_SUBSCRIBED = "Vous n’êtes abonné à aucun sujet. Pour recevoir la revue : /abonner"
GROUP_ADMINS_ONLY = (
    "Dans un groupe, seuls les administrateurs du groupe peuvent modifier son abonnement."
)

TIME_MISSING = (
    "À quelle heure voulez-vous la revue ? Exemple : <code>/heure 7h30</code> "
    "(actuellement : {time})."
)
TIME_BAD = (
    "Je ne comprends pas l’heure « {text} ». Écrivez par exemple <code>7h</code>, "
    "<code>7h30</code>, <code>19h</code> ou <code>midi</code>."
)
TIME_OUT_OF_RANGE = (
    "« {text} » n’existe pas : une journée va de 0 h à 23 h 59. Exemple : <code>/heure 7h30</code>."
)
TIME_SET = "⏰ C’est noté : la revue arrivera chaque jour à {time} ({zone})."
ALREADY_RECEIVED_TODAY = "Vous avez déjà reçu celle d’aujourd’hui : la prochaine arrive demain."
NOT_YET_SUBSCRIBED_HINT = "Choisissez aussi vos sujets : /abonner"

ZONE_MISSING = (
    "Dans quel fuseau horaire êtes-vous ? Exemple : /fuseau Bamako, /fuseau Paris ou "
    "<code>/fuseau UTC+1</code> (actuellement : {zone})."
)
ZONE_BAD = (
    "Je ne connais pas le fuseau « {text} ». Essayez une ville (Bamako, Paris, Niamey, "
    "Ouagadougou, Dakar…), un nom comme <code>Africa/Bamako</code>, ou <code>UTC+1</code>."
)
ZONE_OUT_OF_RANGE = (
    "« {text} » n’existe pas : les fuseaux vont de UTC−12 à UTC+14. "
    "Essayez par exemple <code>/fuseau UTC+1</code> ou /fuseau Bamako."
)
ZONE_SET = "🌍 Fuseau enregistré : {zone} (il y est {local_time}). Revue chaque jour à {time}."

STATUS_HEADER = "⚙️ <b>Vos réglages</b>"
STATUS_TOPICS = "Revue quotidienne : {topics}"
STATUS_ALL_TOPICS = "tous les sujets"
STATUS_NOT_SUBSCRIBED = "pas d’abonnement (/abonner)"
STATUS_TIME = "Heure d’envoi : {time}"
STATUS_ZONE = "Fuseau : {zone} (il y est {local_time})"
STATUS_NEXT = "Prochaine revue : {next}"

DIGEST_UNREACHABLE = (
    "Je n’arrive pas à vous envoyer la revue pour le moment. Réessayez dans un instant."
)

# --- Admin ------------------------------------------------------------------------------------

ADMIN_ONLY = "Désolé, cette commande est réservée aux administrateurs du bot."
ADMIN_ONLY_BUTTON = "Réservé aux administrateurs."
ADD_USAGE = (
    "Envoyez l’article après la commande (première ligne = titre), un lien, un fichier .txt ou "
    ".md avec la légende /ajouter, ou répondez /ajouter à un message qui contient l’article.\n"
    "Options, sur une ligne à part : #aes #russie pour imposer les sujets, "
    "« résumé : … » pour imposer le résumé."
)
ADDED = (
    "✅ Article n° {id} enregistré : <b>{title}</b>\nSujets : {topics}\n\n"
    "Résumé : {summary}\n\nLe lire : /article {id}"
)
ADDED_DUPLICATE = "ℹ️ Cet article est déjà enregistré (n° {id} : « {title} »). Rien n’a été ajouté."
ADD_UNKNOWN_TOPICS = "Sujets inconnus : {tags}. Sujets possibles : {keys}. Rien n’a été ajouté."
ADD_SUMMARY_TOO_LONG = (
    "Le résumé imposé est trop long ({length} caractères, {maximum} au plus). Rien n’a été ajouté."
)
NO_TOPIC = "aucun"
ADD_REPLY_TO_BOT = "C’est un de mes messages : répondez /ajouter au message qui contient l’article."

DELETE_USAGE = "Indiquez le numéro de l’article : /supprimer 12"
DELETE_CONFIRM = "Supprimer l’article n° {id} « {title} » ? C’est définitif."
BUTTON_DELETE = "🗑 Supprimer"
BUTTON_CANCEL = "Annuler"
DELETED = "🗑 Article n° {id} supprimé."
DELETE_GONE = "L’article n° {id} n’existe plus."
DELETE_CANCELLED = "Suppression annulée."

STATS = (
    "📊 <b>Statistiques</b>\n"
    "Abonnés actifs : {active}\n"
    "Abonnés inactifs (bot bloqué, chat disparu) : {inactive}\n"
    "Chats connus : {known}\n"
    "Articles : {articles}\n"
    "{per_topic}\n"
    "Revues envoyées aujourd’hui (UTC) : {sent} (sans nouveauté : {empty})\n"
    "Envois en attente : {pending}\n"
    "Échecs aujourd’hui : {failed}"
)
STATS_TOPIC_LINE = "  • {label} : {count}"

BROADCAST_USAGE = "Écrivez le message après la commande : /diffuser Bonjour à tous…"
BROADCAST_HEADER = "📣 <b>Message de la rédaction</b>\n\n"
BROADCAST_TOO_LONG = "Message trop long ({length} caractères visibles, {maximum} au plus)."
BROADCAST_QUEUED = "📣 Message mis en file pour {count}. Je vous préviens quand c’est fini."
BROADCAST_DONE = (
    "📣 Diffusion terminée. Envoyés : {sent} · injoignables : {unreachable} · "
    "en attente : {deferred}."
)

# --- Errors -----------------------------------------------------------------------------------

SORRY = "😕 Désolé, une erreur s’est produite de mon côté. Réessayez dans un instant."
STORAGE_DOWN = (
    "😕 Je n’arrive pas à enregistrer cela pour le moment (base de données indisponible). "
    "Réessayez dans un instant."
)
STALE_BUTTON = "Ce bouton n’est plus valable. Tapez /aide pour recommencer."

REJECTED: dict[str, str] = {
    "EMPTY": "L’article est vide : envoyez un titre sur la première ligne, puis le texte.",
    "BINARY": "Ce fichier n’est pas du texte. Envoyez un fichier .txt ou .md.",
    "TOO_LARGE": "L’article est trop long (200 Ko de texte au plus).",
    "BAD_ENCODING": "Le texte n’est pas en UTF-8 valide : enregistrez-le en UTF-8 et réessayez.",
    "NOT_FOUND": "Fichier introuvable.",
    "UNREADABLE": "Je n’arrive pas à lire ce fichier.",
    "NO_BODY": "Il n’y a qu’un titre : ajoutez le texte de l’article sous la première ligne.",
    "UNSUPPORTED_FILE": "Je ne lis que les fichiers .txt et .md.",
    "BAD_URL": "Ce lien n’est pas valable (seuls http:// et https:// sont acceptés).",
    "FORBIDDEN_HOST": "Je ne vais pas chercher de page sur ce serveur (adresse interne, privée).",
    # The detail is the HTTP client's, in English: the log has it, the admin gets French.
    "FETCH_FAILED": "Je n’ai pas pu récupérer la page. Vérifiez le lien et réessayez.",
    "TIMEOUT": "La page a mis trop de temps à répondre. Réessayez plus tard.",
    "NOT_HTML": "Ce lien ne mène pas à une page web d’article.",
    "NO_ARTICLE_TEXT": "Je n’ai pas trouvé de texte d’article sur cette page.",
    "TOO_MANY_REDIRECTS": "Ce lien redirige trop de fois ; donnez l’adresse finale de l’article.",
}
REJECTED_FALLBACK = "Je ne peux pas utiliser ce contenu."
REJECTED_NO_DETAIL = "erreur"

# --- Sources (news feeds), for admins ----------------------------------------------------

SOURCES_HEADER = "📡 <b>Sources suivies</b> ({count})"
SOURCES_NONE = (
    "Aucune source suivie. Pour en ajouter une : "
    "<code>/source_ajouter https://www.rfi.fr/fr/afrique/rss</code>"
)
SOURCE_LINE = "<b>n° {id}</b> · {name}{topic}\n{state} · {articles}"
SOURCE_TOPIC = " (#{topic})"
SOURCE_STATE_ACTIVE = "✅ relevée {when}"
SOURCE_STATE_NEW = "🆕 pas encore relevée"
SOURCE_STATE_PAUSED = "⏸ en pause"
SOURCE_STATE_FAILING = "⚠️ en échec depuis {since} ({error})"
SOURCE_NEXT_POLL = "prochain relevé {when}"
SOURCE_NEXT_POLL_DUE = "prochain relevé dans la minute"
SOURCE_FILTERS = "mots : {words}"
SOURCE_ADD_USAGE = (
    "Indiquez l’adresse du flux, ou du site qui l’annonce : "
    "<code>/source_ajouter https://www.rfi.fr/fr/afrique/rss #mali</code>\n"
    "Options : #sujet (donné à tous ses articles), +mot (garder seulement les articles qui le "
    "citent), -mot (écarter ceux qui le citent)."
)
SOURCE_ADDED = (
    "📡 Source ajoutée : <b>{name}</b> (n° {id}){topic}. {items} dans le flux ; "
    "les nouveaux arriveront au prochain relevé, dans la minute."
)
SOURCE_DISCOVERED = "J’ai trouvé le flux annoncé par cette page : {url}"
SOURCE_ALREADY = "ℹ️ Cette source est déjà suivie : n° {id}, {name}."
SOURCE_REFUSED = {
    "bad_url": "Ce n’est pas une adresse web valable (http:// ou https://).",
    "forbidden_host": "Je ne relève pas les adresses locales ou privées.",
    "unreachable": "Je n’arrive pas à joindre cette adresse ({error}). Vérifiez-la et réessayez.",
    "not_a_feed": "Je ne trouve pas de flux RSS, Atom ou JSON à cette adresse.",
    "unknown_topic": "Sujet inconnu : #{topic}. Les sujets : {topics}.",
}
SOURCE_ID_USAGE = (
    "Indiquez le numéro de la source : <code>/{command} 3</code> (les numéros : /sources)."
)
SOURCE_NOT_FOUND = "Il n’y a pas de source n° {id} (voir /sources)."
SOURCE_REMOVED = "🗑 Source n° {id} retirée : {name}. Ses articles déjà publiés restent."
SOURCE_PAUSED = "⏸ Source n° {id} en pause : {name}. Pour la reprendre : /source_reprendre {id}"
SOURCE_ALREADY_PAUSED = (
    "La source n° {id} est déjà en pause. Pour la reprendre : /source_reprendre {id}"
)
SOURCE_RESUMED = "▶️ Source n° {id} reprise : {name}. Elle est relevée dans la minute."
FEED_ERRORS = {
    "http": "erreur HTTP {status}",
    "timeout": "délai dépassé",
    "not_a_feed": "ce n’est plus un flux",
    "other": "site injoignable",
}


def feed_error(detail: str | None) -> str:
    """A feed's last error for admins, in French: the HTTP status when the server answered,
    otherwise what kind of failure (the stored detail is an English log line)."""
    text = detail or ""
    if status := re.search(r"\bHTTP (\d{3})\b", text):
        return FEED_ERRORS["http"].format(status=status.group(1))
    for kind in ("timeout", "not_a_feed"):
        if kind.replace("_", " ") in text.lower():
            return FEED_ERRORS[kind]
    return FEED_ERRORS["other"]


def duration(delta: timedelta) -> str:
    """« 3 heures », « 2 jours »: how long, in Babel's French."""
    return format_timedelta(delta, locale=LOCALE, threshold=1.5)


def relative(delta: timedelta) -> str:
    """« il y a 5 minutes », « dans 2 heures »: when, seen from now, in Babel's French."""
    return format_timedelta(delta, add_direction=True, locale=LOCALE, threshold=1.5)


FEED_FAILING_ALERT = (
    "⚠️ La source n° {id} « {name} » est en échec depuis {since} ({error}). "
    "Je réessaie de moins en moins souvent, au moins une fois par jour ; l’état : /sources"
)
FEED_RECOVERED_ALERT = "✅ La source n° {id} « {name} » fonctionne de nouveau."
FEED_GONE_ALERT = (
    "⛔ Le site de la source n° {id} « {name} » indique que le flux n’existe plus (410) : "
    "je l’ai mise en pause. Pour la retirer : /source_retirer {id}"
)

# --- The chat mode (python -m bot chat), in the terminal ------------------------------------

CHAT_HELP = (
    "Session de test de Sahel Digest, sans Telegram. Tapez un message ou une commande "
    "(/start, /aide, /mali…), le numéro d’un bouton pour l’appuyer, une ligne finie par \\ "
    "pour continuer le message à la ligne suivante, "
    "« {document_prefix}CHEMIN » pour envoyer un fichier avec /ajouter, /quitter pour sortir."
)
CHAT_ADMIN = " (Vous êtes administrateur.)"
CHAT_BOT_SAID = "\n🤖 Bot{edited} :\n{text}"
CHAT_EDITED = " (message modifié)"
CHAT_NO_BUTTON = "(Pas de bouton n° {number}.)"
CHAT_UNREADABLE_FILE = "(Fichier illisible : {reason}.)"
CHAT_OWN_DATABASE = (
    "(Base de données du mode chat : {path}. Vos lecteurs réels n’y sont pas ; "
    "pour lire les articles d’une autre base, --database CHEMIN.)"
)
CHAT_COPIED_DATABASE = (
    "(Articles lus dans {path}, copiés au démarrage : rien de ce que vous faites ici n’y est "
    "écrit, et ses lecteurs ne reçoivent rien de ce mode.)"
)
