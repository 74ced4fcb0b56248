"""Transitional: `attach_reaction_poll` for callers not yet on `bot.features.api(ReactionPolls)`.

Use the typed API instead; this shim goes once previews has moved to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import discord

from bot.errors import NotFound
from cogs.polls.api import ReactionPolls

if TYPE_CHECKING:
    from bot.app import DramaBot


async def attach_reaction_poll(
    bot: DramaBot,
    message: discord.Message,
    question: str,
    options: Sequence[tuple[str, str]],
    *,
    author_id: int,
    multi: bool = False,
    duration: timedelta | None = None,
) -> int:
    """`ReactionPolls.attach` of the loaded polls feature (NotFound when it is not loaded)."""
    polls = bot.features.api(ReactionPolls)  # type: ignore[type-abstract]
    if polls is None:
        raise NotFound("Polls are not available right now.")
    return await polls.attach(
        message, question, options, author_id=author_id, multi=multi, duration=duration
    )
