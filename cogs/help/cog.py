"""Discord glue for /help."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.replies import NO_PINGS
from cogs.help.logic import CommandLine, render_help


def _walk(command: app_commands.Command | app_commands.Group, root: str) -> list[CommandLine]:  # type: ignore[type-arg]
    if isinstance(command, app_commands.Group):
        lines: list[CommandLine] = []
        for child in command.commands:
            lines += _walk(child, root)
        return lines
    return [CommandLine(root, command.qualified_name, command.description)]


class HelpCog(commands.Cog):
    """Lists the features and their commands."""

    def __init__(self, bot: DramaBot) -> None:
        """Keep the bot to read its command tree."""
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Show what dramabot can do and how to use each command."""
        lines: list[CommandLine] = []
        for command in self.bot.tree.get_commands(type=discord.AppCommandType.chat_input):
            if isinstance(command, app_commands.Command | app_commands.Group):
                lines += _walk(command, command.name)
        embed = discord.Embed(
            title="dramabot help",
            description=render_help(lines, self.bot.help_notes),
            colour=discord.Colour.blurple(),
        )
        embed.set_footer(
            text="Times show in your own time zone. Moderator commands need "
            "Manage Server or the moderator role."
        )
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )
