"""Why an input cannot become an article: one reason code for programs, one English line for logs.

Ingestion and the safe fetcher both refuse inputs; the bot turns ``RejectReason`` into French
(``ui.french.REJECTED``) and the command line prints ``str()`` of the exception.
"""

from __future__ import annotations

from enum import StrEnum


class RejectReason(StrEnum):
    """Why an input was refused. Values are stable: the bot maps them to French messages."""

    EMPTY = "empty"  # nothing but whitespace (or markup noise)
    NO_BODY = "no_body"  # a title and nothing else
    TOO_LARGE = "too_large"  # detail: the size
    BINARY = "binary"  # an image, a PDF, an archive…
    BAD_ENCODING = "bad_encoding"  # broken UTF-8 (detail: byte offset) or undecodable bytes
    UNSUPPORTED_FILE = "unsupported_file"  # detail: the extension, or « directory »
    NOT_FOUND = "not_found"  # the path does not exist
    UNREADABLE = "unreadable"  # the file exists but cannot be read (permissions, I/O)
    BAD_URL = "bad_url"  # not an http(s) URL, no host, credentials, malformed
    FORBIDDEN_HOST = "forbidden_host"  # local, private or otherwise non-public address
    FETCH_FAILED = "fetch_failed"  # connection error or HTTP error (detail: « HTTP 404 »)
    TIMEOUT = "timeout"  # the whole fetch exceeded its deadline
    TOO_MANY_REDIRECTS = "too_many_redirects"
    NOT_HTML = "not_html"  # detail: the content type served
    NO_ARTICLE_TEXT = "no_article_text"  # a page with no extractable article


_DESCRIPTIONS = {
    RejectReason.EMPTY: "no text",
    RejectReason.NO_BODY: "a title without body",
    RejectReason.TOO_LARGE: "too large",
    RejectReason.BINARY: "binary data, not text",
    RejectReason.BAD_ENCODING: "not valid UTF-8 text",
    RejectReason.UNSUPPORTED_FILE: "unsupported file type",
    RejectReason.NOT_FOUND: "no such file or directory",
    RejectReason.UNREADABLE: "file cannot be read",
    RejectReason.BAD_URL: "not a usable http(s) URL",
    RejectReason.FORBIDDEN_HOST: "host is not a public address",
    RejectReason.FETCH_FAILED: "fetch failed",
    RejectReason.TIMEOUT: "fetch timed out",
    RejectReason.TOO_MANY_REDIRECTS: "too many redirects",
    RejectReason.NOT_HTML: "not an HTML or text page",
    RejectReason.NO_ARTICLE_TEXT: "no article text found on the page",
}


class ContentRejected(Exception):
    """An input that cannot become an article; ``reason`` is for code, ``str()`` for logs."""

    def __init__(self, reason: RejectReason, detail: str | None = None) -> None:
        self.reason = reason
        self.detail = detail
        description = _DESCRIPTIONS[reason]
        super().__init__(f"{description}: {detail}" if detail else description)
