"""Discord glue for /trivia: parse, check permissions, call the service, reply."""

from __future__ import annotations

from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import guild_only, member_is_moderator, moderator_only, require_guild
from bot.errors import InvalidInput
from bot.replies import NO_PINGS, pages, send_ephemeral
from cogs.trivia import render
from cogs.trivia.game import DEFAULT_QUESTIONS, DEFAULT_SECONDS
from cogs.trivia.packs import MAX_FILE_BYTES
from cogs.trivia.runner import Begun
from cogs.trivia.service import TriviaService

Period = Literal["all-time", "month", "week"]


class TriviaCog(commands.GroupCog, name="Trivia", group_name="trivia"):
    """Scene trivia: timed rounds with buttons or typed answers, packs and leaderboards."""

    def __init__(self, bot: DramaBot, service: TriviaService) -> None:
        """Keep the bot and the trivia service, the cog's only way into the feature."""
        super().__init__()
        self.bot = bot
        self.service = service

    # -- autocomplete ---------------------------------------------------------------
    async def _pack_names(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        names = await self.service.pack_names(interaction.guild_id, current)
        return [app_commands.Choice(name=name, value=name) for name in names]

    async def _uploaded_pack_names(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        names = await self.service.pack_names(interaction.guild_id, current, uploaded=True)
        return [app_commands.Choice(name=name, value=name) for name in names]

    # -- playing --------------------------------------------------------------------
    @app_commands.command(name="start")
    @app_commands.autocomplete(pack=_pack_names)
    @guild_only()
    async def start(
        self,
        interaction: discord.Interaction[DramaBot],
        pack: str | None = None,
        questions: int = DEFAULT_QUESTIONS,
        mode: Literal["buttons", "typed"] = "buttons",
        seconds: int = DEFAULT_SECONDS,
    ) -> None:
        """Start a trivia game in this channel.

        Args:
            pack: Which pack to play (see /trivia packs); default: the first enabled pack.
            questions: How many questions, 1-50 (default 10).
            mode: buttons (multiple choice, default) or typed (answer in chat).
            seconds: Seconds per question, 5-120 (default 20).
        """
        guild = require_guild(interaction)
        started = await self.service.start_game(
            guild.id,
            interaction.channel_id or 0,
            interaction.user.id,
            pack,
            questions,
            mode,
            seconds,
        )
        try:
            await interaction.response.send_message(
                render.intro_text(interaction.user.id, started), allowed_mentions=NO_PINGS
            )
        except BaseException:
            await self.service.abandon(started.game_id)
            raise
        begun = await self.service.begin(started.game_id)
        if begun is Begun.CANNOT_POST:
            await interaction.followup.send(
                "I cannot post in this channel, so the game was called off. A moderator can "
                "grant me View Channel, Send Messages and Embed Links here.",
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
        elif begun is Begun.FAILED:
            # Public, like the intro it follows: everyone waiting should know.
            await interaction.followup.send(render.FIRST_QUESTION_FAILED, allowed_mentions=NO_PINGS)

    @app_commands.command(name="stop")
    @guild_only()
    async def stop(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Stop the trivia game in this channel (its starter or a moderator)."""
        guild = require_guild(interaction)
        member = interaction.user
        is_mod = isinstance(member, discord.Member) and await member_is_moderator(
            self.bot, guild.id, member
        )
        game_id = self.service.stoppable(interaction.channel_id or 0, member.id, is_mod)
        await interaction.response.defer()
        stopped = await self.service.stop_game(game_id)
        await interaction.followup.send(
            "⏹️ Trivia stopped. Points earned so far are kept."
            if stopped
            else "The game had already ended: its final standings are above.",
            allowed_mentions=NO_PINGS,
        )

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Typed mode: judge messages in channels with a running typed game."""
        if message.guild is None or message.author.bot:
            return
        await self.service.typed(message.channel.id, message.author.id, message.content)

    # -- packs ----------------------------------------------------------------------
    @app_commands.command(name="packs")
    @guild_only()
    async def packs(self, interaction: discord.Interaction[DramaBot]) -> None:
        """List the trivia packs of this server."""
        guild = require_guild(interaction)
        text = render.packs_text(await self.service.packs(guild.id))
        # Paged, not cut: every pack a fan could name is listed.
        for page in pages(text):
            await send_ephemeral(interaction, page)

    @app_commands.command(name="import")
    @guild_only()
    @moderator_only()
    async def import_pack(
        self, interaction: discord.Interaction[DramaBot], file: discord.Attachment
    ) -> None:
        """Upload a trivia pack (YAML file) for this server.

        Args:
            file: The pack as a .yaml file (at most 256 KiB).
        """
        guild = require_guild(interaction)
        if file.size > MAX_FILE_BYTES:
            raise InvalidInput(
                f"That file is {file.size // 1024} KiB; a pack may be at most "
                f"{MAX_FILE_BYTES // 1024} KiB. Nothing was imported."
            )
        await interaction.response.defer(ephemeral=True)
        data = await file.read()
        text = await self.service.import_pack(guild.id, interaction.user.id, data)
        await send_ephemeral(interaction, text)

    @app_commands.command(name="delete")
    @app_commands.autocomplete(pack=_uploaded_pack_names)
    @guild_only()
    @moderator_only()
    async def delete(self, interaction: discord.Interaction[DramaBot], pack: str) -> None:
        """Delete a pack uploaded to this server; points already earned are kept.

        Args:
            pack: The uploaded pack to delete (built-in packs can only be disabled).
        """
        guild = require_guild(interaction)
        await send_ephemeral(interaction, await self.service.delete_pack(guild.id, pack))

    @app_commands.command(name="disable")
    @app_commands.autocomplete(pack=_pack_names)
    @guild_only()
    @moderator_only()
    async def disable(self, interaction: discord.Interaction[DramaBot], pack: str) -> None:
        """Stop a pack from being played in this server.

        Args:
            pack: The pack to disable.
        """
        guild = require_guild(interaction)
        text = await self.service.switch_pack(guild.id, pack, True, interaction.user.id)
        await send_ephemeral(interaction, text)

    @app_commands.command(name="enable")
    @app_commands.autocomplete(pack=_pack_names)
    @guild_only()
    @moderator_only()
    async def enable(self, interaction: discord.Interaction[DramaBot], pack: str) -> None:
        """Allow a disabled pack again in this server.

        Args:
            pack: The pack to enable.
        """
        guild = require_guild(interaction)
        text = await self.service.switch_pack(guild.id, pack, False, interaction.user.id)
        await send_ephemeral(interaction, text)

    # -- scores ---------------------------------------------------------------------
    @app_commands.command(name="leaderboard")
    @guild_only()
    async def leaderboard(
        self, interaction: discord.Interaction[DramaBot], period: Period = "all-time"
    ) -> None:
        """Show the server's top trivia players.

        Args:
            period: all-time (default), month (this month, UTC) or week (since Monday, UTC).
        """
        guild = require_guild(interaction)
        rows = await self.service.leaderboard(guild.id, period)
        await self._answer(interaction, render.leaderboard_text(period, rows))

    @app_commands.command(name="stats")
    @guild_only()
    async def stats(
        self, interaction: discord.Interaction[DramaBot], member: discord.Member | None = None
    ) -> None:
        """Show trivia stats: games, answers, accuracy, best streak.

        Args:
            member: Whose stats (default: yours).
        """
        guild = require_guild(interaction)
        user_id = member.id if member is not None else interaction.user.id
        stats = await self.service.stats(guild.id, user_id)
        await self._answer(interaction, render.stats_text(user_id, stats))

    async def _answer(self, interaction: discord.Interaction[DramaBot], text: str) -> None:
        """Reply publicly where trivia is on, privately where a moderator switched it off."""
        guild = require_guild(interaction)
        enabled = await self.service.enabled_in(guild.id, interaction.channel_id or 0)
        await interaction.response.send_message(
            text, ephemeral=not enabled, allowed_mentions=NO_PINGS
        )
