"""A pure twin of `bot.replies.clean` for the pure trivia modules (which must not import discord).

Same rules as discord.py's `escape_markdown` (links left alone) plus `escape_mentions`; a test
checks that both give the same text for a table of nasty inputs.
"""

from __future__ import annotations

import re

_URL = r"(?P<url><[^: >]+:\/[^ >]+>|(?:https?|steam):\/\/[^\s<]+[^<.,:;\"\'\]\s])"
_MARKDOWN = r"(?P<markdown>[_\\~|\*`]|^>(?:>>)?\s|\[.+\]\(.+\)|^#{1,3}|^\s*-)"
_ESCAPE = re.compile(f"(?:{_URL}|{_MARKDOWN})", re.MULTILINE)
_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9]{17,20})")


def _replace(match: re.Match[str]) -> str:
    url = match.group("url")
    return url if url else "\\" + match.group("markdown")


def clean(text: str, *, limit: int | None = None) -> str:
    """Make user-supplied text inert: markdown escaped, mentions broken, length capped."""
    cleaned = _MENTION.sub("@\u200b\\1", _ESCAPE.sub(_replace, text))
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: max(limit - 1, 0)] + "…"
    return cleaned
