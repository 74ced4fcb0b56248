"""/help: what the bot does and its commands."""

from __future__ import annotations

from bot.app import DramaBot
from cogs.help.cog import HelpCog


async def setup(bot: DramaBot) -> None:
    """Add the cog."""
    await bot.add_cog(HelpCog(bot))
