"""Reaction polls that never lose a vote."""

from __future__ import annotations

from bot.app import DramaBot
from cogs.polls.cog import PollsCog


async def setup(bot: DramaBot) -> None:
    """Add the cog (it loads open polls and arms their deadlines)."""
    await bot.add_cog(PollsCog(bot))
