"""Public function of the polls feature: attach a reaction poll to a message the bot posted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

import discord

from bot.errors import NotFound

if TYPE_CHECKING:
    from bot.app import DramaBot

POLLS_COG_NAME = "Polls"


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
    """Turn `message` (already posted by the bot) into a reaction poll.

    Options are `(emoji, label)` pairs; the reactions are added in order, the poll is stored
    bound to the message, and votes then flow like any reaction poll's.

    Returns:
        The new poll's id.

    Raises:
        MissingBotPermission: Discord refused to let the bot add the reactions.
        InvalidInput: the options or the duration are unusable (same limits as /poll create).
        NotFound: the polls feature is not loaded.
    """
    cog = bot.get_cog(POLLS_COG_NAME)
    attach = getattr(cog, "attach_to_message", None)
    if attach is None:
        raise NotFound("Polls are not available right now.")
    poll_id: int = await attach(
        message, question, options, author_id=author_id, multi=multi, duration=duration
    )
    return poll_id
