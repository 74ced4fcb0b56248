"""A test-only extension with a command and a button that fail like a bug would."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.replies import NO_PINGS
from bot.views import BaseView


class BoomView(BaseView):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Boom", custom_id="test:boom")
    async def boom(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        raise RuntimeError("button bug")


class BoomCog(commands.Cog):
    @app_commands.command(name="boom")
    async def boom(self, interaction: discord.Interaction[Any]) -> None:
        """Fail on purpose."""
        raise RuntimeError("command bug with secret detail")

    @app_commands.command(name="boombutton")
    async def boom_button(self, interaction: discord.Interaction[Any]) -> None:
        """Post a button that fails on purpose."""
        await interaction.response.send_message("press", view=BoomView(), allowed_mentions=NO_PINGS)


async def setup(bot: commands.Bot) -> None:
    bot.add_view(BoomView())
    await bot.add_cog(BoomCog())
