"""Article link previews: rich, fast and safe against hostile links."""

from __future__ import annotations

from bot.app import DramaBot


async def setup(bot: DramaBot) -> None:
    """Add the previews cog."""
    from cogs.previews.cog import PreviewsCog

    await bot.add_cog(PreviewsCog(bot))
