"""Sending replies safely: no pings unless configured, ephemeral errors, clean user text."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import discord
from discord.utils import escape_markdown, escape_mentions

from bot.timeutil import to_unix

log = logging.getLogger(__name__)

NO_PINGS = discord.AllowedMentions.none()
MESSAGE_LIMIT = 2000  # Discord refuses longer message content


def role_ping(role_id: int) -> discord.AllowedMentions:
    """Allow exactly one role to be pinged, for announcements a moderator configured."""
    return discord.AllowedMentions(
        everyone=False, users=False, roles=[discord.Object(id=role_id)], replied_user=False
    )


def clean(text: str, *, limit: int | None = None) -> str:
    """Make user-supplied text inert: markdown escaped, mentions broken, length capped."""
    cleaned = escape_mentions(escape_markdown(text))
    if limit is not None and len(cleaned) > limit:
        cleaned = cleaned[: max(limit - 1, 0)] + "…"
    return cleaned


def timestamp(when: datetime | int | float, style: str = "F") -> str:
    """A Discord timestamp (of an aware instant or unix seconds) every viewer sees in their zone."""
    unix = to_unix(when) if isinstance(when, datetime) else int(when)
    return f"<t:{unix}:{style}>"


async def send_ephemeral(
    interaction: discord.Interaction[Any], content: str, **kwargs: Any
) -> None:
    """Answer an interaction privately, whether or not it was already answered or deferred."""
    kwargs.setdefault("allowed_mentions", NO_PINGS)
    if interaction.response.is_done():
        await interaction.followup.send(content, ephemeral=True, **kwargs)
    else:
        await interaction.response.send_message(content, ephemeral=True, **kwargs)


def pages(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` as messages of whole lines, each at most `limit` characters (a longer line is cut)."""
    result: list[str] = []
    current = ""
    for line in text.split("\n"):
        line = line if len(line) <= limit else line[: limit - 1] + "…"
        if current and len(current) + 1 + len(line) > limit:
            result.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        result.append(current)
    return result
