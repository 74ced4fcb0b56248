"""Moderator configuration: /config show, modrole, announce, channel."""

from __future__ import annotations

from bot.app import DramaBot
from cogs.config.cog import ConfigCog


async def setup(bot: DramaBot) -> None:
    """Add the cog."""
    await bot.add_cog(ConfigCog(bot))
