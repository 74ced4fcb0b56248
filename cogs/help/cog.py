"""Discord glue for /help."""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import is_moderator_only
from bot.replies import NO_PINGS
from cogs.help.logic import TOPICS, CommandLine, overview_fields, topic_text

Topic = Literal["airtime", "trivia", "polls", "previews", "config"]
FOOTER = (
    "Moderators: members with Manage Server or the moderator role (/config modrole). "
    "Every time is shown in your own time zone."
)


def _walk(command: Any, root: str) -> list[CommandLine]:
    if isinstance(command, app_commands.Group):
        lines: list[CommandLine] = []
        for child in command.commands:
            lines += _walk(child, root)
        return lines
    description = getattr(command, "description", "") or "Right-click a message › Apps"
    return [CommandLine(root, command.qualified_name, description, is_moderator_only(command))]


class HelpCog(commands.Cog):
    """Lists the features and their commands."""

    def __init__(self, bot: DramaBot) -> None:
        """Keep the bot to read its command tree."""
        self.bot = bot

    def _commands(self) -> list[CommandLine]:
        lines: list[CommandLine] = []
        for command in self.bot.tree.get_commands():
            lines += _walk(command, command.name)
        return lines

    @app_commands.command(name="help")
    async def help(
        self, interaction: discord.Interaction[DramaBot], topic: Topic | None = None
    ) -> None:
        """Show what dramabot can do and how to use each command.

        Args:
            topic: Show every command of one feature, with details.
        """
        commands_ = self._commands()
        if topic is None:
            embed = discord.Embed(
                title="dramabot help",
                description="Commands by feature; `/help topic:<feature>` explains each one.",
                colour=discord.Colour.blurple(),
            )
            for heading, value in overview_fields(commands_):
                embed.add_field(name=heading, value=value, inline=False)
        else:
            embed = discord.Embed(
                title=TOPICS[topic][0],
                description=topic_text(topic, commands_, self.bot.help_notes),
                colour=discord.Colour.blurple(),
            )
        embed.set_footer(text=FOOTER)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )
