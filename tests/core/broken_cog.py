"""A test-only extension that fails to load."""

from __future__ import annotations

from discord.ext import commands


async def setup(bot: commands.Bot) -> None:
    raise RuntimeError("this cog is broken on purpose")
