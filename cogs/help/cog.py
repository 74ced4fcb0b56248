"""Discord glue for /help."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import is_moderator_only
from bot.errors import InvalidInput
from bot.replies import NO_PINGS
from cogs.help.logic import CommandLine, Topic, Topics, overview_fields, topic_text

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


@dataclass(frozen=True)
class HelpPages:
    """Every /help answer, built once from the command tree and the features' topics."""

    topics: Topics
    overview: discord.Embed
    by_topic: dict[str, discord.Embed]


class HelpCog(commands.Cog):
    """Lists the features and their commands."""

    def __init__(self, bot: DramaBot) -> None:
        """Keep the bot to read its command tree."""
        self.bot = bot
        self._built: tuple[Hashable, HelpPages] | None = None

    def topics(self) -> Topics:
        """The registered features' help topics, in their order."""
        return {
            name: Topic(spec.title, spec.commands, spec.note)
            for name, spec in self.bot.features.help_topics().items()
        }

    def _commands(self) -> list[CommandLine]:
        lines: list[CommandLine] = []
        for command in self.bot.tree.get_commands():
            lines += _walk(command, command.name)
        return lines

    def pages(self) -> HelpPages:
        """The help embeds, rebuilt only when the commands or the features' topics change."""
        key = (
            tuple(self.bot.tree.get_commands()),
            tuple(self.bot.features.help_topics().items()),
        )
        if self._built is None or self._built[0] != key:
            self._built = (key, self._build())
        return self._built[1]

    def _build(self) -> HelpPages:
        commands_ = self._commands()
        topics = self.topics()
        overview = discord.Embed(
            title="dramabot help",
            description="Commands by feature; `/help topic:<feature>` explains each one.",
            colour=discord.Colour.blurple(),
        )
        for heading, value in overview_fields(topics, commands_):
            overview.add_field(name=heading, value=value, inline=False)
        overview.set_footer(text=FOOTER)
        by_topic = {
            name: discord.Embed(
                title=topic.title,
                description=topic_text(topics, name, commands_),
                colour=discord.Colour.blurple(),
            ).set_footer(text=FOOTER)
            for name, topic in topics.items()
        }
        return HelpPages(topics, overview, by_topic)

    @app_commands.command(name="help")
    async def help(
        self, interaction: discord.Interaction[DramaBot], topic: str | None = None
    ) -> None:
        """Show what dramabot can do and how to use each command.

        Args:
            topic: Show every command of one feature, with details.
        """
        built = self.pages()
        if topic is not None and topic not in built.topics:
            raise InvalidInput(
                f"There is no help topic called {topic[:40]!r}: pick one of "
                f"{', '.join(built.topics)}, or leave the topic empty for the overview."
            )
        embed = built.overview if topic is None else built.by_topic[topic]
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @help.autocomplete("topic")
    async def _topic_choices(
        self, interaction: discord.Interaction[DramaBot], current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.casefold()
        return [
            app_commands.Choice(name=f"{name}: {topic.title}"[:100], value=name)
            for name, topic in self.pages().topics.items()
            if typed in name or typed in topic.title.casefold()
        ][:25]
