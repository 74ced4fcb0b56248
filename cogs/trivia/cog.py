"""Discord glue for /trivia: parse, check permissions, hand over to the runner, reply."""

from __future__ import annotations

import logging
from typing import Any, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import guild_only, member_is_moderator, moderator_only, require_guild
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.guild_settings import Feature
from bot.outbox import ChannelCourier
from bot.replies import NO_PINGS, clean, send_ephemeral, timestamp
from bot.text import plural
from cogs.airtime.api import AirtimeSchedule
from cogs.trivia import manage, render
from cogs.trivia.game import (
    BROADCAST_OVER_AFTER,
    DEFAULT_QUESTIONS,
    DEFAULT_SECONDS,
    SCORING_HELP,
    Mode,
    check_settings,
)
from cogs.trivia.library import Library
from cogs.trivia.packs import MAX_FILE_BYTES, pack_key
from cogs.trivia.runner import NOTICE_FEATURE, Begun, Runner, StartRequest
from cogs.trivia.store import RUNNING_CONFLICT, TriviaStore
from cogs.trivia.views import COG_NAME, AnswerButton

log = logging.getLogger(__name__)

Period = Literal["all-time", "month", "week"]


class TriviaCog(commands.GroupCog, name=COG_NAME, group_name="trivia"):
    """Scene trivia: timed rounds with buttons or typed answers, packs and leaderboards."""

    def __init__(self, bot: DramaBot, store: TriviaStore) -> None:
        """Wire the store, the pack library and the game runner."""
        super().__init__()
        self.bot = bot
        self.store = store
        self.library = Library(store)
        self.runner = Runner(bot, store)

    async def cog_load(self) -> None:
        """Register the buttons, close games a restart interrupted, publish the scoring help."""
        self.bot.add_dynamic_items(AnswerButton)
        self.bot.help_notes["trivia"] = SCORING_HELP
        self.bot.add_status_provider(self.status_lines)
        self.bot.outbox.register(NOTICE_FEATURE, ChannelCourier(self.bot))
        self.runner.answers.start()
        await self.runner.close_interrupted()

    async def cog_unload(self) -> None:
        """Drop the buttons and this process's games (their rows are closed on next start)."""
        self.bot.remove_dynamic_items(AnswerButton)
        if self.status_lines in self.bot.status_providers:
            self.bot.status_providers.remove(self.status_lines)
        await self.runner.answers.stop()  # every answer given is saved (SIGTERM included)
        self.runner.shutdown()
        self.bot.outbox.unregister(NOTICE_FEATURE)

    async def status_lines(self, guild: discord.Guild) -> list[str]:
        """Running games, disabled packs and typed-mode availability, for /config show."""
        running = sorted(g.channel_id for g in self.runner.games.values() if g.guild_id == guild.id)
        entries = await self.library.entries(guild.id)
        disabled = [f"**{clean(entry.name)}**" for entry in entries if entry.disabled]
        lines = [
            "Trivia: "
            + (", ".join(f"game running in <#{c}>" for c in running) or "no game running")
            + f"; {plural(len(entries), 'pack')}"
            + (f" ({', '.join(disabled)} disabled)" if disabled else "")
            + "."
        ]
        if not self.bot.message_content_enabled:
            lines.append("Trivia: typed mode is off (no Message Content intent); buttons work.")
        return lines

    # -- autocomplete ---------------------------------------------------------------
    async def _pack_names(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.casefold()
        entries = await self.library.entries(interaction.guild_id)
        return [
            app_commands.Choice(name=entry.name[:100], value=entry.name[:100])
            for entry in entries
            if needle in entry.key
        ][:25]

    async def _uploaded_pack_names(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        needle = current.casefold()
        summaries = await self.store.pack_summaries(interaction.guild_id)
        return [
            app_commands.Choice(name=p.name[:100], value=p.name[:100])
            for p in summaries
            if needle in p.name_key
        ][:25]

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
        request, note = await self._request(interaction, pack, questions, mode, seconds)
        game, hidden = await self.runner.start(request)
        try:
            await interaction.response.send_message(
                note + render.intro_text(interaction.user.id, game, questions, hidden),
                allowed_mentions=NO_PINGS,
            )
        except BaseException:
            await self.runner.abandon(game)
            raise
        begun = await self.runner.begin(game)
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

    async def _request(
        self,
        interaction: discord.Interaction[DramaBot],
        pack: str | None,
        questions: int,
        mode: str,
        seconds: int,
    ) -> tuple[StartRequest, str]:
        """Validate a start: settings, channel switch, one game per channel, pack, spoilers."""
        guild = require_guild(interaction)
        channel_id = interaction.channel_id or 0
        check_settings(questions, seconds)
        if not await self.bot.guild_settings.feature_enabled(guild.id, channel_id, Feature.TRIVIA):
            raise NotAllowed(
                "Trivia is switched off in this channel. A moderator can turn it on with "
                "`/config channel feature:trivia`."
            )
        if self.runner.in_channel(channel_id) or await self.store.running_in_channel(channel_id):
            raise Conflict(RUNNING_CONFLICT)
        chosen = await self.library.find(guild.id, pack)
        game_mode, note = Mode(mode), ""
        if game_mode is Mode.TYPED and not self.bot.message_content_enabled:
            game_mode, note = Mode.BUTTONS, render.TYPED_NEEDS_INTENT + "\n"
        aired = None
        airtime = self.bot.features.api(AirtimeSchedule)
        if chosen.drama and airtime is not None:
            over = self.bot.clock.now() - BROADCAST_OVER_AFTER
            aired = await airtime.aired_episodes(guild.id, chosen.drama, at=over)
        request = StartRequest(
            guild.id, channel_id, interaction.user.id, chosen, game_mode, questions, seconds, aired
        )
        return request, note

    @app_commands.command(name="stop")
    @guild_only()
    async def stop(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Stop the trivia game in this channel (its starter or a moderator)."""
        guild = require_guild(interaction)
        game = self.runner.in_channel(interaction.channel_id or 0)
        if game is None:
            raise NotFound("No trivia game is running in this channel.")
        member = interaction.user
        is_mod = isinstance(member, discord.Member) and await member_is_moderator(
            self.bot, guild.id, member
        )
        self.runner.check_stop(game, interaction.user.id, is_mod)
        await interaction.response.defer()
        stopped = await self.runner.stop(game)
        await interaction.followup.send(
            "⏹️ Trivia stopped. Points earned so far are kept."
            if stopped
            else "The game had already ended: its final standings are above.",
            allowed_mentions=NO_PINGS,
        )

    async def on_click(
        self, interaction: discord.Interaction[Any], game_id: int, question: int, choice: int
    ) -> None:
        """An answer button was clicked: record the first click and confirm privately."""
        click = await self.runner.click(
            game_id,
            interaction.user.id,
            question,
            choice,
            interaction.guild_id,
            interaction.channel_id,
        )
        await send_ephemeral(
            interaction,
            f"Locked in: **{render.LETTERS[choice]}. {clean(click.label)}**. "
            f"The answer is revealed {timestamp(click.deadline, 'R')}.",
        )
        log.debug("trivia click", extra={"game_id": game_id, "user_id": click.answer.user_id})

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Typed mode: judge messages in channels with a running typed game."""
        if message.guild is None or message.author.bot or not self.runner.by_channel:
            return
        await self.runner.typed(message)

    @commands.Cog.listener()
    async def on_guild_channel_delete(self, channel: discord.abc.GuildChannel) -> None:
        """A deleted channel's game ends; a problem reported about it no longer applies."""
        await self.runner.channel_deleted(channel.guild.id, channel.id)

    # -- packs ----------------------------------------------------------------------
    @app_commands.command(name="packs")
    @guild_only()
    async def packs(self, interaction: discord.Interaction[DramaBot]) -> None:
        """List the trivia packs of this server."""
        guild = require_guild(interaction)
        lines = ["**Trivia packs**"]
        for entry in await self.library.entries(guild.id):
            origin = "built-in" if entry.shipped else "uploaded"
            state = " — *disabled*" if entry.disabled else ""
            drama = f" · {clean(entry.drama)}" if entry.drama else ""
            lines.append(
                f"• **{clean(entry.name)}** ({plural(entry.question_count, 'question')}, "
                f"{origin}{drama}){state}"
                f"\n  {clean(entry.description, limit=150)}"
            )
        await send_ephemeral(interaction, render.fit(lines))

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
        at = int(self.bot.clock.now().timestamp())
        text = await manage.import_pack(self.store, guild.id, interaction.user.id, data, at)
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
        await send_ephemeral(interaction, await manage.delete_pack(self.library, guild.id, pack))

    async def _switch(
        self, interaction: discord.Interaction[DramaBot], pack: str, disabled: bool
    ) -> None:
        guild = require_guild(interaction)
        key = pack_key(pack)
        entry = next((e for e in await self.library.entries(guild.id) if e.key == key), None)
        if entry is None:
            raise NotFound(
                f"There is no pack called **{clean(pack, limit=60)}**. `/trivia packs` lists them."
            )
        changed = await self.store.set_disabled(
            guild.id, key, disabled, interaction.user.id, int(self.bot.clock.now().timestamp())
        )
        state = "disabled" if disabled else "enabled"
        text = (
            f"**{clean(entry.name)}** is now {state} here."
            if changed
            else f"**{clean(entry.name)}** was already {state}."
        )
        await send_ephemeral(interaction, text)

    @app_commands.command(name="disable")
    @app_commands.autocomplete(pack=_pack_names)
    @guild_only()
    @moderator_only()
    async def disable(self, interaction: discord.Interaction[DramaBot], pack: str) -> None:
        """Stop a pack from being played in this server.

        Args:
            pack: The pack to disable.
        """
        await self._switch(interaction, pack, True)

    @app_commands.command(name="enable")
    @app_commands.autocomplete(pack=_pack_names)
    @guild_only()
    @moderator_only()
    async def enable(self, interaction: discord.Interaction[DramaBot], pack: str) -> None:
        """Allow a disabled pack again in this server.

        Args:
            pack: The pack to enable.
        """
        await self._switch(interaction, pack, False)

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
        since = render.period_start(period, self.bot.clock.now())
        rows = await self.store.leaderboard(guild.id, since)
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
        stats = await self.store.player_stats(guild.id, user_id)
        await self._answer(interaction, render.stats_text(user_id, stats))

    async def _answer(self, interaction: discord.Interaction[DramaBot], text: str) -> None:
        """Reply publicly where trivia is on, privately where a moderator switched it off."""
        guild = require_guild(interaction)
        enabled = await self.bot.guild_settings.feature_enabled(
            guild.id, interaction.channel_id or 0, Feature.TRIVIA
        )
        await interaction.response.send_message(
            text, ephemeral=not enabled, allowed_mentions=NO_PINGS
        )
