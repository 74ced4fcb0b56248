"""Moderator configuration: /config show, modrole, announce, channel."""

from __future__ import annotations

from bot.app import DramaBot
from bot.features import Feature, HelpTopic
from cogs.config.cog import ConfigCog

FEATURE = Feature(
    name="config",
    help=HelpTopic("⚙️ Server configuration", ("config",), order=90),
)


async def setup(bot: DramaBot) -> None:
    """Add the cog and its place in /help."""
    bot.features.register(FEATURE)
    await bot.add_cog(ConfigCog(bot))


async def teardown(bot: DramaBot) -> None:
    """Forget the feature when the extension is unloaded."""
    await bot.features.unregister(FEATURE.name)
