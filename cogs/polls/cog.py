"""Discord glue for reaction polls: /poll commands, reaction and deletion listeners."""

from __future__ import annotations

import io
import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import member_is_moderator, moderator_only, require_guild
from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.replies import NO_PINGS, send_ephemeral
from bot.text import plural
from cogs.polls import durations, logic, messages
from cogs.polls.access import can_see, check_bot_permissions
from cogs.polls.api import NAME
from cogs.polls.export import export_csv
from cogs.polls.opening import NewPoll
from cogs.polls.problems import Need, hint
from cogs.polls.service import PollService
from cogs.polls.state import EventKind, ReactionEvent
from cogs.polls.store import Poll

log = logging.getLogger(__name__)


def _event(kind: EventKind, payload: discord.RawReactionActionEvent) -> ReactionEvent:
    emoji = payload.emoji
    if emoji.id:
        key, form = str(emoji.id), f"{emoji.name or '_'}:{emoji.id}"
    else:
        key, form = logic.emoji_key(emoji.name or ""), emoji.name or ""
    member = payload.member
    return ReactionEvent(
        kind,
        payload.message_id,
        payload.user_id,
        key,
        form,
        is_bot=bool(member is not None and member.bot),
    )


class PollsCog(commands.Cog, name="Polls"):
    """Reaction polls that never lose a vote."""

    poll = app_commands.Group(name="poll", description="Reaction polls", guild_only=True)

    def __init__(self, bot: DramaBot, service: PollService) -> None:
        """Turn interactions and gateway events into calls on `service`."""
        self.bot = bot
        self.service = service

    async def cog_unload(self) -> None:
        """Stop the feature (queued votes are committed) and forget it."""
        await self.bot.features.unregister(NAME)

    # --- commands ----------------------------------------------------------------------
    @poll.command(name="create")
    async def create(
        self,
        interaction: discord.Interaction[DramaBot],
        question: str,
        options: str,
        duration: str | None = None,
        multi: bool = False,
        anonymous: bool = False,
    ) -> None:
        """Post a poll; fans vote with reactions (or buttons when anonymous).

        Args:
            question: What to ask.
            options: 2 to 20 options separated by |, each may start with an emoji.
            duration: How long: 30m, 1h 30m, 2 hours, 3 days, 1w (empty: open until closed).
            multi: Let fans pick more than one option.
            anonymous: Vote with buttons; counts stay hidden until the poll closes.
        """
        guild = require_guild(interaction)
        channel = interaction.channel
        if not isinstance(channel, discord.abc.Messageable) or interaction.channel_id is None:
            raise InvalidInput(
                "Polls can only be posted in text channels and threads: run `/poll create` "
                "in one of those."
            )
        if not await self.bot.guild_settings.feature_enabled(
            guild.id, interaction.channel_id, NAME
        ):
            raise NotAllowed(
                "Polls are switched off in this channel: post yours in another channel, or "
                "ask a moderator to switch them on here (`/config show` lists the switches)."
            )
        request = NewPoll(
            logic.validate_question(question),
            tuple(logic.parse_options(options, {emoji.id for emoji in guild.emojis})),
            multi,
            anonymous,
            durations.parse_duration(duration),
        )
        check_bot_permissions(channel, guild, request.anonymous)
        await interaction.response.defer(ephemeral=True, thinking=True)
        made = await self.service.post(
            guild.id, interaction.channel_id, interaction.user.id, request
        )
        ends = (
            f", closing in {durations.format_duration(request.duration)}"
            if request.duration
            else ""
        )
        await interaction.followup.send(
            f"Poll #{made.poll_id} is up{ends}. Close it early with "
            f"`/poll close poll:{made.poll_id}`.",
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @poll.command(name="results")
    async def results(self, interaction: discord.Interaction[DramaBot], poll: int) -> None:
        """Show a poll's live tally (or its final results once closed).

        Args:
            poll: The poll (pick from the list or type its number).
        """
        found = await self._guild_poll(interaction, poll)
        result = await self.service.tally(found)
        if found.is_open:
            embed = messages.live_embed(found, result)
        else:
            embed = messages.closed_embed(found, result)
        await interaction.response.send_message(
            embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
        )

    @poll.command(name="close")
    async def close(self, interaction: discord.Interaction[DramaBot], poll: int) -> None:
        """Close a poll now and post its results (its author or a moderator).

        Args:
            poll: The poll to close.
        """
        found = await self._guild_poll(interaction, poll)
        user = interaction.user
        is_mod = isinstance(user, discord.Member) and await member_is_moderator(
            self.bot, found.guild_id, user
        )
        if user.id != found.author_id and not is_mod:
            raise NotAllowed("Only the poll's author or a moderator can close it.")
        if not found.is_open:
            raise Conflict(
                f"Poll #{found.poll_id} is already closed; `/poll results poll:{found.poll_id}` "
                "shows its results."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await self.service.close(found.poll_id, "closed", announce=True, closer_id=user.id)
        text = f"Closed poll #{found.poll_id}; the results are posted under it."
        if done is None:
            text = (
                f"Poll #{found.poll_id} closed a moment ago (by someone else or its deadline); "
                f"`/poll results poll:{found.poll_id}` shows its results."
            )
        elif not done.posted:
            text = (
                f"Closed poll #{found.poll_id}, but I could not post the results in "
                f"<#{found.channel_id}>: grant me Send Messages and Embed Links there. "
                f"`/poll results poll:{found.poll_id}` shows them."
            )
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @poll.command(name="list")
    async def list_polls(self, interaction: discord.Interaction[DramaBot]) -> None:
        """List the open polls in this server."""
        guild = require_guild(interaction)
        shown = [p for p in self.service.open_polls(guild.id) if can_see(interaction, p.poll)]
        if not shown:
            await send_ephemeral(interaction, "No polls are open here. Start one: `/poll create`.")
            return
        lines = [messages.list_line(p.poll, p.voters, guild.id) for p in shown]
        await send_ephemeral(interaction, messages.poll_list(lines))

    @poll.command(name="export")
    @moderator_only()
    async def export(self, interaction: discord.Interaction[DramaBot], poll: int) -> None:
        """Download a poll's votes as CSV.

        Args:
            poll: The poll to export.
        """
        found = await self._guild_poll(interaction, poll)
        if found.anonymous and found.is_open:
            raise Conflict(
                f"Poll #{found.poll_id} is anonymous: its counts can be exported after it closes."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        export = await self.service.export(found)
        data, votes = await export_csv(found, export.result, export.pages)
        file = discord.File(io.BytesIO(data), filename=f"poll-{found.poll_id}.csv")
        note = " (anonymous: counts only)" if found.anonymous else ""
        await interaction.followup.send(
            f"Poll #{found.poll_id}: {plural(votes, 'vote')}{note}.",
            file=file,
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    @results.autocomplete("poll")
    @close.autocomplete("poll")
    @export.autocomplete("poll")
    async def poll_autocomplete(
        self, interaction: discord.Interaction[DramaBot], current: str
    ) -> list[app_commands.Choice[int]]:
        """Open polls of this server whose number or question matches what is typed."""
        if interaction.guild_id is None:
            return []
        needle = current.strip().lstrip("#").casefold()
        newest_first = [p.poll for p in reversed(self.service.open_polls(interaction.guild_id))]
        return [
            app_commands.Choice(name=messages.autocomplete_name(p), value=p.poll_id)
            for p in newest_first
            if (needle in str(p.poll_id) or needle in p.question.casefold())
            and can_see(interaction, p)
        ][:25]

    async def _guild_poll(self, interaction: discord.Interaction[DramaBot], poll_id: int) -> Poll:
        guild = require_guild(interaction)
        found = await self.service.get(poll_id)
        if found is None or found.guild_id != guild.id or not can_see(interaction, found):
            # The same answer whether the poll is elsewhere or hidden: nothing to guess from.
            raise NotFound(f"There is no poll #{poll_id} in this server; see `/poll list`.")
        return found

    # --- listeners ---------------------------------------------------------------------
    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """A vote (or a stray reaction) arrived."""
        self.service.reaction(_event(EventKind.ADD, payload))

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        """A vote was taken back (by the fan, or by the bot tidying)."""
        self.service.reaction(_event(EventKind.REMOVE, payload))

    @commands.Cog.listener()
    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        """Someone removed every reaction from a message."""
        self.service.reaction(ReactionEvent(EventKind.CLEAR, payload.message_id))

    @commands.Cog.listener()
    async def on_raw_reaction_clear_emoji(
        self, payload: discord.RawReactionClearEmojiEvent
    ) -> None:
        """Someone removed every reaction of one emoji."""
        emoji = payload.emoji
        key = str(emoji.id) if emoji.id else logic.emoji_key(emoji.name or "")
        self.service.reaction(ReactionEvent(EventKind.CLEAR, payload.message_id, key=key))

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A deleted poll message closes its poll."""
        await self.service.message_deleted(payload.message_id)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        """Bulk deletes close the polls among them."""
        for message_id in payload.message_ids:
            await self.service.message_deleted(message_id)

    @commands.Cog.listener()
    async def on_raw_thread_delete(self, payload: discord.RawThreadDeleteEvent) -> None:
        """A deleted thread closes its polls and its permission problems no longer apply.

        (Deleted channels reach the service through the feature's `channel_deleted`.)
        """
        await self.service.channel_deleted(payload.guild_id, payload.thread_id)

    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        """A new gateway session may have missed events: its polls are read again."""
        self.service.shard_ready(shard_id)

    # --- /config show ------------------------------------------------------------------
    async def status_lines(self, guild: discord.Guild) -> list[str]:
        """Open polls, and channels where I cannot tidy votes.

        A channel already listed among the reported problems (a removal was refused) is
        left to that list, so moderators read each hint once.
        """
        lines = [f"Polls: {len(self.service.open_polls(guild.id))} open."]
        for channel_id in await self.service.untidy_channels(guild.id):
            lines.append("⚠️ Polls: " + hint(Need.MANAGE_MESSAGES, channel_id))
        return lines
