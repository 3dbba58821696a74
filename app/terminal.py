"""Showing the bot's Telegram HTML in a terminal (the chat mode and the digest preview)."""

from __future__ import annotations

import html
import re

_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_STYLES = {"b": "\033[1m", "strong": "\033[1m", "i": "\033[3m", "em": "\033[3m", "u": "\033[4m"}
_RESET = "\033[0m"


def html_to_terminal(text: str, *, color: bool) -> str:
    """Bold and italics as ANSI styles (or nothing), links as « text (url) », entities decoded."""
    text = _LINK.sub(lambda m: f"{m.group(2)} ({html.unescape(m.group(1))})", text)
    if color:
        for tag, style in _STYLES.items():
            text = text.replace(f"<{tag}>", style).replace(f"</{tag}>", _RESET)
    return html.unescape(_TAG.sub("", text))
