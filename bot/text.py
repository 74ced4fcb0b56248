"""Wording shared by every feature. Pure: no discord imports, so logic modules may use it."""

from __future__ import annotations

import re

from bot.bidi import strip_bidi


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` with its noun in the right number: "1 question", "0 questions", "2 episodes".

    Args:
        count: How many.
        singular: The noun for one ("question", "fan has").
        plural_form: The noun for any other count; default `singular` + "s".
    """
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {noun}"


_MARKDOWN = re.compile(r"([\\*_~`|\[\]()<>])")
_LINE_START = re.compile(r"(?m)^(\s*)([#>\-+]|\d+\.)")
_MENTION = re.compile(r"@(everyone|here|[!&]?\d+)")


def inert_markdown(text: str) -> str:
    """Make untrusted text (a web page's) inert in Discord markdown.

    No bidirectional controls, formatting, masked links, headings, quotes, lists or
    mentions survive: every markdown character is escaped and every `@` mention broken.
    """
    text = _MARKDOWN.sub(r"\\\1", strip_bidi(text))
    text = _LINE_START.sub(r"\1\\\2", text)
    return _MENTION.sub("@\u200b\\1", text)


def shorten(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` characters, at a word boundary, with an ellipsis.

    Never ends on a lone escaping backslash, so escaped text stays escaped.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - 1, 0)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" \\.,;:") + "…"
