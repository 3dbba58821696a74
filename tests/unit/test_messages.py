"""Fitting HTML into Telegram messages: lengths as Telegram counts them, splits between blocks."""

from __future__ import annotations

import pytest

from ui.messages import (
    MESSAGE_LIMIT,
    chunk_plain_text,
    pack_blocks,
    utf16_length,
    visible_length,
)


def test_utf16_length_counts_emoji_twice() -> None:
    assert utf16_length("abc") == 3
    assert utf16_length("é") == 1
    assert utf16_length("📰") == 2
    assert utf16_length("🇲🇱") == 4  # a flag is two regional indicators


def test_visible_length_ignores_tags_and_decodes_entities() -> None:
    assert visible_length("<b>Mali</b> &amp; <i>Niger</i>") == len("Mali & Niger")
    assert visible_length('<a href="https://x.org/a?b=1&amp;c=2">lien</a>') == 4
    assert visible_length("  <b> x </b>  ") == 1


def test_pack_keeps_order_and_never_cuts_a_block() -> None:
    blocks = [f"<b>{i}</b> " + "x" * 1000 for i in range(10)]
    messages = pack_blocks(blocks)
    assert len(messages) > 1
    assert all(visible_length(message) <= MESSAGE_LIMIT for message in messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)


def test_pack_uses_the_whole_limit() -> None:
    block = "y" * 2047
    assert pack_blocks([block, block]) == [f"{block}\n\n{block}"]  # 2047*2+2 = 4096
    assert len(pack_blocks([block, block + "z"])) == 2


def test_pack_refuses_an_oversized_block() -> None:
    with pytest.raises(ValueError, match="longer"):
        pack_blocks(["z" * (MESSAGE_LIMIT + 1)])


def test_emoji_count_double_when_packing() -> None:
    block = "📰" * 1100  # 2,200 units
    assert len(pack_blocks([block, block])) == 2


def test_chunk_plain_text_prefers_paragraphs_then_sentences_then_words() -> None:
    paragraphs = "\n".join(["Premier paragraphe."] * 3)
    assert chunk_plain_text(paragraphs, limit=100) == [paragraphs]
    long_paragraph = " ".join(["Une phrase assez longue pour compter."] * 20)
    chunks = chunk_plain_text(long_paragraph, limit=100)
    assert all(utf16_length(c) <= 100 for c in chunks)
    assert all(c.endswith(".") for c in chunks)
    assert " ".join(chunks) == long_paragraph
    one_word = "a" * 250
    assert [len(c) for c in chunk_plain_text(one_word, limit=100)] == [100, 100, 50]
