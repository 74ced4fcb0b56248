"""Reaction polls that never lose a vote."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import discord

from bot.app import DramaBot
from bot.features import ChannelSwitch, Feature, HelpTopic
from cogs.polls.api import ReactionPolls
from cogs.polls.cog import HELP_NOTE, PollsCog

NAME = "polls"


class _CogPolls(ReactionPolls):
    """The public API, served by the cog until the service takes it over."""

    def __init__(self, cog: PollsCog) -> None:
        self._cog = cog

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
        """See `ReactionPolls.attach`."""
        return await self._cog.attach_to_message(
            message, question, options, author_id=author_id, multi=multi, duration=duration
        )


async def setup(bot: DramaBot) -> None:
    """Add the cog (it loads open polls and arms their deadlines) and register the feature."""
    cog = PollsCog(bot)
    await bot.add_cog(cog)
    bot.features.register(
        Feature(
            name=NAME,
            help=HelpTopic("📊 Reaction polls", ("poll",), HELP_NOTE, order=30),
            switch=ChannelSwitch(default=True, what="polls"),
            apis=(_CogPolls(cog),),
        )
    )


async def teardown(bot: DramaBot) -> None:
    """Forget the feature when the extension is unloaded."""
    await bot.features.unregister(NAME)
