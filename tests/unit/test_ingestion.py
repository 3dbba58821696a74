"""Ingestion: pasted text, bytes, files, directories and web pages become drafts or refusals."""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import AsyncIterator, Sequence
from datetime import date
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from content.fetch import FetchPolicy, IPAddress, UrlFetcher, resolve_host
from content.ingestion import (
    TITLE_MAX_CHARS,
    canonical_url,
    check_document,
    draft_from_bytes,
    draft_from_file,
    draft_from_text,
    draft_from_url,
    drafts_from_path,
    first_sentence,
)
from content.models import ArticleDraft
from content.rejections import ContentRejected, RejectReason
from content.text import MAX_TEXT_BYTES

SEED = Path(__file__).resolve().parents[2] / "content" / "seed" / "mali-russie-aes.txt"
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06"
ARTICLE = (
    "Le Burkina Faso rouvre la frontière avec le Niger\n"
    "Les autorités de Ouagadougou ont annoncé mardi la réouverture du poste de Kantchari.\n"
    "Les transporteurs attendaient cette décision depuis des mois."
)

NEWS_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Niger : Niamey relance la route de l’uranium avec ses voisins de l’AES | Sahel Matin</title>
<meta property="og:site_name" content="Sahel Matin">
<meta property="og:title"
      content="Niger : Niamey relance la route de l’uranium avec ses voisins de l’AES">
<meta property="og:type" content="article">
<meta property="article:published_time" content="2025-06-24T08:30:00+00:00">
<meta name="author" content="Aïssata Maïga">
</head>
<body>
<header>
  <div class="logo"><a href="/">Sahel Matin</a></div>
  <nav class="menu"><ul>
    <li><a href="/">Accueil</a></li>
    <li><a href="/politique">Politique</a></li>
    <li><a href="/economie">Économie</a></li>
    <li><a href="/abonnement">Abonnez-vous à la lettre du matin</a></li>
  </ul></nav>
</header>
<main>
<article class="post">
  <h1 class="entry-title">
    Niger : Niamey relance la route de l’uranium avec ses voisins de l’AES</h1>
  <div class="meta">Par <span class="author">Aïssata Maïga</span>,
    le <time datetime="2025-06-24">24 juin 2025</time></div>
  <div class="entry-content">
    <p>Le gouvernement nigérien a annoncé lundi la réouverture du corridor routier reliant Arlit
    à la frontière burkinabè, fermé depuis près de deux ans. Les camions transportant le minerai
    d’uranium pourront de nouveau circuler sous escorte militaire.</p>
    <p>Selon le ministre des Mines, cette décision s’inscrit dans la coopération renforcée entre
    les trois pays de l’Alliance des États du Sahel (AES), le Mali, le Burkina Faso et le Niger,
    qui ont promis de mutualiser leurs infrastructures de transport.</p>
    <h2>Un enjeu économique majeur</h2>
    <p>L’uranium représentait avant 2023 près d’un tiers des recettes d’exportation du pays. Les
    autorités de Niamey espèrent attirer de nouveaux partenaires pour relancer les gisements.</p>
    <table>
      <tr><th>Année</th><th>Production (tonnes)</th></tr>
      <tr><td>2021</td><td>2 248</td></tr>
      <tr><td>2022</td><td>2 020</td></tr>
    </table>
    <p>Les transporteurs saluent une mesure attendue mais rappellent que l’insécurité reste forte
    sur l’axe, où plusieurs convois ont été attaqués l’an dernier.</p>
  </div>
</article>
<section id="comments" class="comments-area">
  <h3>3 commentaires</h3>
  <ol class="comment-list">
    <li class="comment"><div class="comment-author">Moussa</div>
      <p>Enfin une bonne nouvelle pour nos routiers, bravo aux autorités !</p></li>
    <li class="comment"><div class="comment-author">Fatou</div>
      <p>Et qui va payer les escortes ? Toujours les mêmes, comme d’habitude.</p></li>
  </ol>
  <form id="commentform"><textarea name="comment"></textarea>
    <button>Publier le commentaire</button></form>
</section>
</main>
<aside class="sidebar"><h3>Les plus lus</h3>
  <ul><li><a href="/a">Bamako : la saison des pluies s’annonce précoce</a></li></ul></aside>
<footer><p>© 2025 Sahel Matin. Tous droits réservés.</p>
  <p><a href="/mentions">Mentions légales</a> · <a href="/contact">Contact</a></p></footer>
</body>
</html>
"""

EMPTY_PAGE = """<!DOCTYPE html><html><head><title>Accueil</title></head>
<body><nav><a href="/">Accueil</a> <a href="/contact">Contact</a></nav></body></html>"""


def rejection_of(action: object, *args: object, **kwargs: object) -> ContentRejected:
    assert callable(action)
    with pytest.raises(ContentRejected) as caught:
        action(*args, **kwargs)
    return caught.value


# --- pasted text ------------------------------------------------------------------------------


def test_first_line_is_the_title_and_the_rest_the_body() -> None:
    draft = draft_from_text(ARTICLE, source="Sidwaya")
    assert draft == ArticleDraft(
        title="Le Burkina Faso rouvre la frontière avec le Niger",
        body=ARTICLE.split("\n", 1)[1],
        source="Sidwaya",
    )


def test_leading_blank_lines_are_skipped_to_find_the_title() -> None:
    draft = draft_from_text("\n\n   \n" + ARTICLE)
    assert draft.title == "Le Burkina Faso rouvre la frontière avec le Niger"


def test_explicit_title_keeps_the_whole_text_as_body() -> None:
    draft = draft_from_text(ARTICLE, title="  Réouverture  à Kantchari ")
    assert draft.title == "Réouverture à Kantchari"
    assert draft.body == ARTICLE


def test_explicit_title_repeated_as_first_line_is_not_repeated_in_body() -> None:
    draft = draft_from_text(ARTICLE, title="Le Burkina Faso rouvre la frontière avec le Niger.")
    assert not draft.body.startswith("Le Burkina Faso rouvre")
    assert draft.body.startswith("Les autorités de Ouagadougou")


def test_blank_explicit_title_falls_back_to_the_first_line() -> None:
    assert draft_from_text(ARTICLE, title="   ").title.startswith("Le Burkina Faso")


def test_markdown_marks_are_removed_but_words_kept() -> None:
    text = (
        "# Mali : **la Transition** prolongée ##\n\n"
        'Le [Conseil national](https://example.org/cnt "CNT") a voté __lundi__ le texte.\n'
        "![photo](https://example.org/a.jpg)\n"
        "---\n"
        "## Réactions\n"
        "> « Une étape », selon un député.\n"
        "```\n"
    )
    draft = draft_from_text(text)
    assert draft.title == "Mali : la Transition prolongée"
    assert draft.body == (
        "Le Conseil national a voté lundi le texte.\n\nRéactions\n« Une étape », selon un député."
    )


def test_hashtags_and_single_stars_are_not_markdown_noise() -> None:
    draft = draft_from_text("Titre\n#Mali #AES, note* et 5 * 3")
    assert draft.body == "#Mali #AES, note* et 5 * 3"


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n", "\u200b\ufeff", "---\n***\n# \n"])
def test_empty_text_is_refused(text: str) -> None:
    assert rejection_of(draft_from_text, text).reason is RejectReason.EMPTY


def test_title_without_body_is_refused() -> None:
    found = rejection_of(draft_from_text, "Un titre tout seul\n\n   \n")
    assert found.reason is RejectReason.NO_BODY


def test_text_over_the_limit_is_refused_with_its_size() -> None:
    text = "Titre\n" + "é" * (MAX_TEXT_BYTES // 2)  # fewer characters than bytes
    found = rejection_of(draft_from_text, text)
    assert found.reason is RejectReason.TOO_LARGE
    assert found.detail == f"{len(text.encode())} bytes (limit {MAX_TEXT_BYTES})"


def test_five_megabytes_of_text_are_refused() -> None:
    found = rejection_of(draft_from_text, "Titre\n" + "a" * 5_000_000)
    assert found.reason is RejectReason.TOO_LARGE


def test_crlf_and_curly_apostrophes_are_normalised() -> None:
    draft = draft_from_text("L’AES s’organise\r\nLes chefs d’État se réunissent.\r\nFin.\r\n")
    assert draft.title == "L'AES s'organise"
    assert draft.body == "Les chefs d'État se réunissent.\nFin."


def test_decomposed_accents_become_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "Ségou accueille le président\nÉté précoce à Mopti.")
    draft = draft_from_text(decomposed)
    assert draft.title == "Ségou accueille le président"
    assert unicodedata.is_normalized("NFC", draft.body)
    assert draft.body == "Été précoce à Mopti."


def test_emoji_are_kept() -> None:
    draft = draft_from_text("Victoire des Étalons 🇧🇫⚽\nLa foule a fêté 🎉 toute la nuit.")
    assert draft.title == "Victoire des Étalons 🇧🇫⚽"
    assert "🎉" in draft.body


def test_html_tags_inside_text_stay_characters() -> None:
    draft = draft_from_text(
        "Le <b>budget</b> 2025\nUn <script>alert(1)</script> & un <i>détail</i>."
    )
    assert draft.title == "Le <b>budget</b> 2025"
    assert draft.body == "Un <script>alert(1)</script> & un <i>détail</i>."


def test_a_pasted_html_document_is_extracted() -> None:
    draft = draft_from_text(NEWS_PAGE)
    assert draft.title == "Niger : Niamey relance la route de l'uranium avec ses voisins de l'AES"
    assert "<p>" not in draft.body
    assert "corridor routier reliant Arlit" in draft.body


# --- titles from long first lines -----------------------------------------------------------


def test_seed_lead_line_gives_its_first_sentence_as_title() -> None:
    draft = draft_from_file(SEED)
    assert draft.title == "Assimi Goïta est en visite officielle en Russie"
    assert draft.body.startswith(
        "Le président de la Transition, a été reçu lundi au Kremlin par son homologue Vladimir "
        "Poutine, Président de la Fédération de Russie.\nLa coopération entre le Mali"
    )
    assert draft.body.endswith("pour se rapprocher de la Russie.")


def test_long_first_line_without_sentence_break_is_shortened_and_kept_in_body() -> None:
    line = " ".join(["Les ministres des Affaires étrangères du Mali, du Niger et du Burkina"] * 4)
    draft = draft_from_text(f"{line}\nSuite de l'article.")
    assert len(draft.title) <= TITLE_MAX_CHARS
    assert draft.title.endswith("…")
    assert line.startswith(draft.title.removesuffix("…"))
    assert draft.body == f"{line}\nSuite de l'article."


def test_headline_length_first_line_stays_whole_even_with_two_sentences() -> None:
    draft = draft_from_text("Coup de force à Niamey. La CEDEAO réagit\nLe corps de l'article.")
    assert draft.title == "Coup de force à Niamey. La CEDEAO réagit"


@pytest.mark.parametrize(
    ("line", "sentence"),
    [
        ("M. Bazoum reste détenu. Ses avocats protestent.", "M. Bazoum reste détenu."),
        ("Le Dr. Traoré a parlé. Puis il est parti.", "Le Dr. Traoré a parlé."),
        ("Qui gouverne ? « Personne », dit-il.", "Qui gouverne ?"),
        ("Le bilan est de 12 morts. 30 blessés sont soignés.", "Le bilan est de 12 morts."),
        ("Une seule phrase sans fin", None),
        ("Version 2.0 du plan, signée à Bamako.", None),
    ],
)
def test_first_sentence(line: str, sentence: str | None) -> None:
    assert first_sentence(line) == sentence


# --- bytes ----------------------------------------------------------------------------------


def test_utf8_bom_is_dropped() -> None:
    draft = draft_from_bytes(codecs.BOM_UTF8 + ARTICLE.encode())
    assert draft.title == "Le Burkina Faso rouvre la frontière avec le Niger"


def test_utf16_with_bom_is_decoded() -> None:
    draft = draft_from_bytes(ARTICLE.encode("utf-16"))
    assert draft.title == "Le Burkina Faso rouvre la frontière avec le Niger"


def test_legacy_windows_text_is_decoded_as_cp1252() -> None:
    draft = draft_from_bytes("Bilan de l’été à Gao\nLes récoltes sont bonnes.".encode("cp1252"))
    assert draft.title == "Bilan de l'été à Gao"
    assert draft.body == "Les récoltes sont bonnes."


def test_broken_utf8_is_refused_rather_than_garbled() -> None:
    data = ARTICLE.encode()
    broken = data[:60] + b"\xff" + data[60:]
    found = rejection_of(draft_from_bytes, broken)
    assert found.reason is RejectReason.BAD_ENCODING
    assert found.detail == "invalid UTF-8 at byte 60"


def test_png_bytes_are_binary() -> None:
    assert rejection_of(draft_from_bytes, PNG_HEADER * 20).reason is RejectReason.BINARY


def test_oversized_bytes_are_refused_before_decoding() -> None:
    found = rejection_of(draft_from_bytes, b"\xff" * (MAX_TEXT_BYTES + 1))
    assert found.reason is RejectReason.TOO_LARGE


def test_html_filename_forces_extraction() -> None:
    fragment = NEWS_PAGE.split("<body>", 1)[1].encode()  # no doctype: only the name says HTML
    draft = draft_from_bytes(fragment, filename="article.html")
    assert "Publier le commentaire" not in draft.body
    assert "corridor routier" in draft.body


# --- files and directories ------------------------------------------------------------------


def test_markdown_file(tmp_path: Path) -> None:
    path = tmp_path / "goita.md"
    path.write_text("# Goïta à Moscou\n\nUne visite **officielle** au Kremlin.\n", "utf-8")
    draft = draft_from_file(path, source="Studio Tamani")
    assert draft == ArticleDraft(
        "Goïta à Moscou", "Une visite officielle au Kremlin.", source="Studio Tamani"
    )


def test_directory_is_read_flat_in_name_order_with_reasons(tmp_path: Path) -> None:
    (tmp_path / "b-niger.md").write_text("## Niger\nTexte sur Niamey.", "utf-8")
    (tmp_path / "a-mali.txt").write_text("Mali\nTexte sur Bamako.", "utf-8")
    (tmp_path / "rapport.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    (tmp_path / "photo.png").write_bytes(PNG_HEADER)
    (tmp_path / "vide.txt").write_text("  \n", "utf-8")
    (tmp_path / "image.txt").write_bytes(PNG_HEADER * 10)
    (tmp_path / ".brouillon.txt").write_text("Caché\nNe pas lire.", "utf-8")
    (tmp_path / "archives").mkdir()
    (tmp_path / "archives" / "ancien.txt").write_text("Ancien\nTexte.", "utf-8")

    outcomes = drafts_from_path(tmp_path)

    summary = [
        (o.path.name, o.draft.title if o.draft else None, o.rejection and o.rejection.reason)
        for o in outcomes
    ]
    assert summary == [
        ("a-mali.txt", "Mali", None),
        ("archives", None, RejectReason.UNSUPPORTED_FILE),
        ("b-niger.md", "Niger", None),
        ("image.txt", None, RejectReason.BINARY),
        ("photo.png", None, RejectReason.UNSUPPORTED_FILE),
        ("rapport.pdf", None, RejectReason.UNSUPPORTED_FILE),
        ("vide.txt", None, RejectReason.EMPTY),
    ]
    details = {o.path.name: o.rejection.detail for o in outcomes if o.rejection}
    assert details["photo.png"] == ".png"
    assert details["rapport.pdf"] == ".pdf"


def test_single_file_path_gives_one_outcome(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text(ARTICLE, "utf-8")
    [outcome] = drafts_from_path(path)
    assert outcome.rejection is None
    assert outcome.draft == draft_from_text(ARTICLE)


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    found = rejection_of(drafts_from_path, tmp_path / "absent.txt")
    assert found.reason is RejectReason.NOT_FOUND


def test_huge_file_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "dump.txt"
    path.write_bytes(b"Titre\n" + b"a" * 5_000_000)
    found = rejection_of(draft_from_file, path)
    assert found.reason is RejectReason.TOO_LARGE
    assert found.detail == f"5000006 bytes (limit {MAX_TEXT_BYTES})"


def test_rejection_message_is_english_with_detail() -> None:
    found = ContentRejected(RejectReason.FETCH_FAILED, "HTTP 404")
    assert str(found) == "fetch failed: HTTP 404"
    assert str(ContentRejected(RejectReason.EMPTY)) == "no text"
    assert RejectReason.NO_ARTICLE_TEXT.value == "no_article_text"


# --- web pages --------------------------------------------------------------------------------


async def loopback_only(host: str, port: int) -> Sequence[IPAddress]:
    """Safety net: whatever the code under test does, it only ever reaches loopback."""
    addresses = await resolve_host(host, port)
    if not all(address.is_loopback for address in addresses):
        raise OSError(f"test guard: {host} is not a loopback address")
    return addresses


@pytest.fixture
async def news_site() -> AsyncIterator[TestServer]:
    async def article(_: web.Request) -> web.Response:
        return web.Response(text=NEWS_PAGE, content_type="text/html")

    async def empty(_: web.Request) -> web.Response:
        return web.Response(text=EMPTY_PAGE, content_type="text/html")

    async def plain(_: web.Request) -> web.Response:
        return web.Response(text=ARTICLE, content_type="text/plain")

    async def moved(_: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/niger/uranium-aes")

    app = web.Application()
    app.router.add_get("/niger/uranium-aes", article)
    app.router.add_get("/accueil", empty)
    app.router.add_get("/depeche.txt", plain)
    app.router.add_get("/ancien-lien", moved)
    async with TestServer(app, host="127.0.0.1") as server:
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[UrlFetcher]:
    policy = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}))
    async with UrlFetcher(policy, resolver=loopback_only) as url_fetcher:
        yield url_fetcher


async def test_news_page_gives_title_date_site_and_clean_body(
    news_site: TestServer, fetcher: UrlFetcher
) -> None:
    draft = await draft_from_url(str(news_site.make_url("/ancien-lien")), fetcher)

    assert draft.title == "Niger : Niamey relance la route de l'uranium avec ses voisins de l'AES"
    assert draft.published_on == date(2025, 6, 24)
    assert draft.source == "Sahel Matin"
    assert draft.url == str(news_site.make_url("/niger/uranium-aes"))
    assert draft.body.startswith("Le gouvernement nigérien a annoncé lundi la réouverture")
    assert "attaqués l'an dernier." in draft.body
    assert "2021 | 2 248" in draft.body  # tables are article content
    for noise in (
        "Accueil",
        "Abonnez-vous",
        "bravo aux autorités",
        "Publier le commentaire",
        "Les plus lus",
        "Tous droits réservés",
        "Mentions légales",
        "|---",
    ):
        assert noise not in draft.body


async def test_page_without_article_is_refused(news_site: TestServer, fetcher: UrlFetcher) -> None:
    with pytest.raises(ContentRejected) as caught:
        await draft_from_url(str(news_site.make_url("/accueil")), fetcher)
    assert caught.value.reason is RejectReason.NO_ARTICLE_TEXT


async def test_plain_text_page_uses_the_host_as_source(
    news_site: TestServer, fetcher: UrlFetcher
) -> None:
    draft = await draft_from_url(str(news_site.make_url("/depeche.txt")), fetcher)
    assert draft == draft_from_text(
        ARTICLE, source="127.0.0.1", url=str(news_site.make_url("/depeche.txt"))
    )


async def test_fetch_refusals_reach_the_caller(fetcher: UrlFetcher) -> None:
    with pytest.raises(ContentRejected) as caught:
        await draft_from_url("http://169.254.169.254/latest/meta-data/", fetcher)
    assert caught.value.reason is RejectReason.FORBIDDEN_HOST


@pytest.mark.parametrize("mark", ["[a", "**a ", "__a ", "![a](", '[a](b "'])
def test_long_lines_of_unclosed_markdown_marks_stay_text(mark: str) -> None:
    """Also a guard against catastrophic regex backtracking on hostile pastes."""
    line = (mark * (150_000 // len(mark))).strip()
    assert draft_from_text(f"Titre\n{line}").body == line


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://sahel.example/a?utm_source=tg&utm_medium=social", "https://sahel.example/a"),
        (
            "https://sahel.example/a?id=3&fbclid=IwAR0&xtor=RSS-1#top",
            "https://sahel.example/a?id=3",
        ),
        (
            "https://sahel.example/a?q=caf%C3%A9+noir&UTM_Campaign=x",
            "https://sahel.example/a?q=caf%C3%A9+noir",
        ),
        ("https://sahel.example/a?b=2&a=1", "https://sahel.example/a?b=2&a=1"),
        ("https://sahel.example/a#commentaires", "https://sahel.example/a"),
    ],
)
def test_canonical_url_drops_fragment_and_tracking_only(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


@pytest.mark.parametrize(
    ("name", "mime", "accepted"),
    [
        ("article.txt", "text/plain", True),
        ("Note.MD", None, True),
        ("page.html", "text/html", True),
        ("article", "text/plain", True),
        ("article", "application/octet-stream", False),
        ("rapport.pdf", "application/pdf", False),
        ("photo.png", "image/png", False),
        ("texte.docx", None, False),
        (None, None, False),
    ],
)
def test_documents_are_judged_by_name_before_download(
    name: str | None, mime: str | None, accepted: bool
) -> None:
    if accepted:
        check_document(name, mime)
    else:
        with pytest.raises(ContentRejected) as caught:
            check_document(name, mime)
        assert caught.value.reason is RejectReason.UNSUPPORTED_FILE


def test_binary_after_the_first_pages_is_still_binary() -> None:
    data = b"Titre\n" + b"Le Mali et le Niger signent un accord. " * 400 + b"\x89PNG\r\n\x1a\n\x00"
    with pytest.raises(ContentRejected) as caught:
        draft_from_bytes(data, filename="a.txt")
    assert caught.value.reason is RejectReason.BINARY
