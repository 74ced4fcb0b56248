"""Article link previews: rich, fast and safe against hostile links."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the page parser process imports this package: keep it light
    from bot.app import DramaBot


async def setup(bot: DramaBot) -> None:
    """Add the previews cog."""
    from cogs.previews.cog import PreviewsCog

    await bot.add_cog(PreviewsCog(bot))
