"""Untrusted text made inert in Discord markdown, and cut to a limit without breaking it."""

from __future__ import annotations

import pytest

from bot.bidi import strip_bidi
from bot.text import inert_markdown, shorten


@pytest.mark.parametrize(
    ("text", "inert"),
    [
        (
            "**bold** _it_ ~~s~~ `code` ||sp||",
            "\\*\\*bold\\*\\* \\_it\\_ \\~\\~s\\~\\~ \\`code\\` \\|\\|sp\\|\\|",
        ),
        ("[click](https://evil.example)", "\\[click\\]\\(https://evil.example\\)"),
        ("# Heading\n> quote\n- item", "\\# Heading\n\\> quote\n\\- item"),
        ("hi @everyone and @here <@123>", "hi @\u200beveryone and @\u200bhere \\<@\u200b123\\>"),
    ],
)
def test_untrusted_text_is_made_inert(text: str, inert: str) -> None:
    assert inert_markdown(text) == inert


def test_bidi_controls_are_stripped() -> None:
    assert strip_bidi("Episode \u202e1 recap\u202c \u2067x\u2069") == "Episode 1 recap x"
    assert inert_markdown("\u202egpj.exe") == "gpj.exe"


def test_shorten_never_leaves_a_dangling_escape() -> None:
    assert not shorten("abc \\* def", 6).endswith("\\…")


def test_shorten_cuts_at_a_word_boundary_within_the_limit() -> None:
    text = "the quick brown fox jumps over the lazy dog"
    assert shorten(text, 100) == text
    cut = shorten(text, 20)
    assert len(cut) <= 20
    assert cut == "the quick brown…"
