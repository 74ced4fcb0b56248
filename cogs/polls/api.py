"""The polls feature's public API: what other features may ask of it, typed.

Another feature gets it with `bot.features.api(ReactionPolls)` (None when polls are not
loaded) and never reaches into the polls package otherwise.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import timedelta

import discord

NAME = "polls"
"""The feature's name: its channel switch, its help topic, its problems' namespace."""


class ReactionPolls(ABC):
    """Attach reaction polls to messages the bot posted."""

    @abstractmethod
    async def attach(
        self,
        message: discord.Message,
        question: str,
        options: Sequence[tuple[str, str]],
        *,
        author_id: int,
        multi: bool = False,
        duration: timedelta | None = None,
    ) -> int:
        """Turn `message` (already posted by the bot, in a server) into a reaction poll.

        Options are `(emoji, label)` pairs; the reactions are added in order, the poll is
        stored bound to the message, and votes then flow like any reaction poll's.

        Returns:
            The new poll's id.

        Raises:
            MissingBotPermission: Discord refused to let the bot add the reactions.
            InvalidInput: the options or the duration are unusable (as for /poll create).
        """
