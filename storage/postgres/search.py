"""Full-text search on PostgreSQL, behaving like the SQLite store's FTS5 search.

SQLite's index folds accents itself (``unicode61 remove_diacritics 2``); the PostgreSQL here has
no ``unaccent``, so the store folds in Python with ``content.text.fold``, the function search
terms go through, and hands PostgreSQL only the folded words, separated by spaces. Both sides
of a match are then cut by the same rule (``[^\\W_]+`` on folded text, as
``content.search.search_terms`` cuts a query), whatever the server's locale thinks of
apostrophes or hyphens.

The text-search configuration is ``simple`` (lower-case, nothing else), not ``french``: the
SQLite index neither stems nor drops stop words, and ``french`` would do both. It would drop a
word the reader typed from an « all words » query when it is a French stop word (« avec »), so
that query would find articles without it, and it would stem before matching prefixes
(« mali » would become ``mal:*`` and find « malade »). With ``simple``, a term is a prefix
exactly when it is one on SQLite (four letters or more), and every term is required.

A query is never built from a reader's text: each term is cut again into word characters (no
tsquery operator, quote or backslash is one), quoted, and given to ``to_tsquery`` as a bound
parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from content.text import fold
from storage.article_rows import PREFIX_MIN_LENGTH
from storage.postgres.database import PostgresDatabase

MAX_WORD_BYTES = 2047
"""PostgreSQL indexes no longer word (and refuses one in a query): such a word cannot match."""
MAX_INDEXED_BODY_CHARS = 300_000
"""A ``tsvector`` holds at most 1 MB (a body of 1,000,000 characters of distinct words made
1.4 MB, and PostgreSQL refused the article): a body is indexed up to this many characters of
words, beyond anything a news article holds (texts are accepted up to 200 KB)."""
REINDEX_BATCH = 500
"""Articles (re)indexed per statement by ``rebuild_search_index``."""

_WORD = re.compile(r"[^\W_]+")
"""A word of folded text, as ``content.search.search_terms`` cuts queries."""


def indexed_text(text: str) -> str:
    """The words of ``text`` as the index holds them: folded, one space between them."""
    return " ".join(_words(text))


def document_values(title: str, summary: str, body: str) -> tuple[str, str, str]:
    """The arguments of the schema's ``article_document(title, summary, body)``."""
    words = indexed_text(body)
    if len(words) > MAX_INDEXED_BODY_CHARS:
        words = words[: words.rfind(" ", 0, MAX_INDEXED_BODY_CHARS + 1)]
    return indexed_text(title), indexed_text(summary), words


def tsquery_text(terms: Sequence[str], *, any_term: bool = False) -> str | None:
    """A ``to_tsquery`` expression for every term (or any term), long ones as prefixes; None
    when no article can match (an « all words » query with a word too long to be indexed, or
    no word at all).

    Terms normally come from ``content.search.search_terms``, but the store does not trust its
    callers: each is reduced to its words, which hold no tsquery syntax, and quoted. A term of
    several words (« a"b ») must match them in a row, as FTS5 reads a quoted phrase."""
    matches = []
    for term in terms:
        words = _words(term)
        if not words:
            if any_term:
                continue
            return None
        quoted = "'" + " ".join(words) + "'"
        matches.append(quoted + ":*" if len(term) >= PREFIX_MIN_LENGTH else quoted)
    return (" | " if any_term else " & ").join(matches) or None


async def rebuild_search_index(database: PostgresDatabase, *, everything: bool = False) -> int:
    """Index the articles that have no search document (rows copied in by ``db migrate-to``
    rather than stored by the store), or ``everything``; return how many were indexed."""
    indexed = 0
    after = 0
    while True:
        rows = await database.rows(
            "SELECT a.id, a.title, a.summary, a.body FROM articles a WHERE a.id > $1 "
            "AND ($2 OR NOT EXISTS (SELECT 1 FROM article_search s WHERE s.article_id = a.id)) "
            "ORDER BY a.id LIMIT $3",
            (after, everything, REINDEX_BATCH),
        )
        if not rows:
            return indexed
        documents = [document_values(row[1], row[2], row[3]) for row in rows]
        async with database.transaction() as tx:
            await tx.execute(
                "INSERT INTO article_search (article_id, document) "
                "SELECT d.id, article_document(d.title, d.summary, d.body) "
                "FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) "
                "AS d (id, title, summary, body) JOIN articles a ON a.id = d.id "
                "ON CONFLICT (article_id) DO UPDATE SET document = excluded.document",
                [int(row[0]) for row in rows],
                *(list(column) for column in zip(*documents, strict=True)),
            )
        indexed += len(rows)
        after = int(rows[-1][0])


def _words(text: str) -> list[str]:
    return [word for word in _WORD.findall(fold(text)) if len(word.encode()) <= MAX_WORD_BYTES]
