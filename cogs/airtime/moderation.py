"""Discord glue for the moderators' /drama commands (add, import, edit, list, events…)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import moderator_only, require_guild
from bot.errors import InvalidInput
from bot.replies import clean, send_ephemeral
from cogs.airtime import catalog, render
from cogs.airtime.cog import drama_autocomplete
from cogs.airtime.forms import DramaForm, ScheduleForm
from cogs.airtime.import_render import credit, import_reply, refresh_reply
from cogs.airtime.importer import Importer
from cogs.airtime.native_commands import (
    Native,
    check_event_permission,
    events_reply,
    native_lines,
    thread_place,
    threads_reply,
)
from cogs.airtime.permissions import permission_warnings
from cogs.airtime.records import Drama
from cogs.airtime.render import info_of
from cogs.airtime.service import AirtimeService, Rescheduled
from cogs.airtime.threads import parse_archive
from cogs.airtime.tvmaze_merge import override_notice
from cogs.airtime.validate import parse_leads

log = logging.getLogger(__name__)


async def catalog_autocomplete(
    interaction: discord.Interaction[DramaBot], current: str
) -> list[app_commands.Choice[str]]:
    """Suggest catalog dramas by title or alias."""
    wanted = current.strip().casefold()
    return [
        app_commands.Choice(name=entry.title[:100], value=entry.key)
        for entry in catalog.catalog()
        if any(wanted in name.casefold() for name in entry.names())
    ][:25]


async def change_autocomplete(
    interaction: discord.Interaction[DramaBot], current: str
) -> list[app_commands.Choice[str]]:
    """Suggest the chosen drama's pre-emptions, moves and specials."""
    service = interaction.client.features.api(AirtimeService)
    picked = getattr(interaction.namespace, "drama", None)
    if service is None or interaction.guild_id is None or not picked:
        return []
    changes = await service.change_choices(interaction.guild_id, str(picked), current)
    return [app_commands.Choice(name=c.label[:100], value=c.value) for c in changes]


def _told(result: Rescheduled) -> list[str]:
    """The notice fans got and where it went, and whether the change now wins over TVmaze."""
    kept = override_notice(result.overridden) or ""
    return [line for line in (result.notice, result.posted, kept) if line]


class DramaCog(commands.Cog, name="Drama"):
    """Moderators keep the server's dramas and their announcements."""

    drama = app_commands.Group(name="drama", description="Manage this server's dramas")

    def __init__(
        self, bot: DramaBot, service: AirtimeService, native: Native, importer: Importer
    ) -> None:
        """Keep the bot (for its clock), the service, events and threads, and the importer."""
        self.bot = bot
        self.service = service
        self.native = native
        self.importer = importer

    async def _done(self, interaction: discord.Interaction[DramaBot], text: str) -> None:
        """Answer ephemerally, with any open airtime problems appended for the moderator."""
        problems = await self.service.problem_lines(require_guild(interaction).id)
        if problems:
            text += "\n\n**Needs attention:**\n" + "\n".join(problems)
        for page in render.chunk(text.split("\n")):
            await send_ephemeral(interaction, page)

    @drama.command(name="add")
    @moderator_only()
    @app_commands.autocomplete(catalog=catalog_autocomplete)
    async def add(
        self,
        interaction: discord.Interaction[DramaBot],
        catalog: str | None = None,
        title: str | None = None,
        network: str | None = None,
        days: str | None = None,
        time: str | None = None,
        premiere: str | None = None,
        episodes: int | None = None,
        runtime: int | None = None,
        streaming: str | None = None,
        streaming_delay: int | None = None,
        aliases: str | None = None,
    ) -> None:
        """Add a drama: pick it from the catalog, or give its broadcast details.

        Args:
            catalog: A drama from the shipped catalog (other fields then override it).
            title: Title, plain text, at most 100 characters.
            network: Broadcaster, e.g. tvN, JTBC, SBS.
            days: Broadcast days in KST, e.g. `Wed Thu`.
            time: Broadcast time in KST, 24-hour, e.g. `21:30`.
            premiere: Premiere date (KST), YYYY-MM-DD.
            episodes: Number of episodes (1-300).
            runtime: Minutes per episode (default 60).
            streaming: Streaming platform, e.g. Viki or Netflix.
            streaming_delay: Minutes after broadcast it appears on the platform.
            aliases: Other names, separated by `;`.
        """
        guild = require_guild(interaction)
        form = DramaForm(title, network, days, time, premiere, episodes, runtime, streaming,
                         streaming_delay, aliases)  # fmt: skip
        added = await self.service.add(guild.id, form, catalog, created_by=interaction.user.id)
        summary = render.summary(info_of(added), self.bot.clock.now())
        tip = "Tip: `/drama announce` sets up reminders and on-air posts."
        await self._done(interaction, f"Added:\n{summary}\n{tip}")

    @drama.command(name="import")
    @moderator_only()
    async def import_(
        self, interaction: discord.Interaction[DramaBot], show: str, time: str | None = None
    ) -> None:
        """Add a Korean drama from TVmaze; I keep its schedule up to date with TVmaze's changes.

        Args:
            show: Title, TVmaze id or TVmaze link (pick from the suggestions).
            time: Broadcast time in KST, only for shows TVmaze lists without one, e.g. `21:30`.
        """
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        done = await self.importer.import_show(guild.id, show, time, created_by=interaction.user.id)
        await self._done(interaction, import_reply(done, self.bot.clock.now()))

    @import_.autocomplete("show")
    async def _show_autocomplete(
        self, interaction: discord.Interaction[DramaBot], current: str
    ) -> list[app_commands.Choice[str]]:
        """Suggest Korean shows from TVmaze: title · network · year."""
        found = await self.importer.suggest(current)
        return [app_commands.Choice(name=name, value=value) for name, value in found]

    @drama.command(name="refresh")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def refresh(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """Check an imported drama on TVmaze now, and say what changed.

        Args:
            drama: The imported drama.
        """
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        refreshed = await self.importer.refresh(guild.id, drama)
        await self._done(interaction, refresh_reply(refreshed))

    @drama.command(name="edit")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction[DramaBot],
        drama: str,
        title: str | None = None,
        network: str | None = None,
        days: str | None = None,
        time: str | None = None,
        premiere: str | None = None,
        episodes: int | None = None,
        runtime: int | None = None,
        streaming: str | None = None,
        streaming_delay: int | None = None,
        aliases: str | None = None,
        move_episode: int | None = None,
        move_to: str | None = None,
        special_at: str | None = None,
        special_title: str | None = None,
    ) -> None:
        """Change a drama: details, episode count (extension), a moved episode or a special.

        Args:
            drama: The drama to change.
            title: New title.
            network: New broadcaster.
            days: New broadcast days (KST), e.g. `Sat Sun`.
            time: New broadcast time (KST), e.g. `22:30`.
            premiere: New premiere date, YYYY-MM-DD.
            episodes: New episode count (extensions and cuts), 1-300.
            runtime: Minutes per episode.
            streaming: Streaming platform (`none` to clear).
            streaming_delay: Minutes after broadcast it streams.
            aliases: Other names separated by `;` (replaces the old ones).
            move_episode: Episode number to move (with move_to).
            move_to: Its new KST date and time, `YYYY-MM-DD HH:MM`.
            special_at: Add a special (un-numbered) broadcast at this KST `YYYY-MM-DD HH:MM`.
            special_title: The special's name.
        """
        guild = require_guild(interaction)
        form = DramaForm(title, network, days, time, premiere, episodes, runtime, streaming,
                         streaming_delay, aliases)  # fmt: skip
        extra = ScheduleForm(move_episode, move_to, special_at, special_title)
        result = await self.service.edit(guild.id, drama, form, extra)
        summary = "Updated:\n" + render.summary(info_of(result.after), self.bot.clock.now())
        kept = override_notice(result.overridden)
        await self._done(
            interaction, "\n".join([summary, *_told(result), *([kept] if kept else [])])
        )

    @drama.command(name="remove")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def remove(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """Stop tracking a drama (its announcements stop too).

        Args:
            drama: The drama to remove.
        """
        removed = await self.service.remove(require_guild(interaction).id, drama)
        await self._done(interaction, f"Removed {render.name(info_of(removed))}.")

    @drama.command(name="list")
    @moderator_only()
    async def list_(self, interaction: discord.Interaction[DramaBot]) -> None:
        """List this server's dramas with their schedules and announcement settings."""
        guild = require_guild(interaction)
        now = self.bot.clock.now()
        dramas = await self.service.dramas(guild.id)
        extra = await native_lines(self.native, guild.id)
        lines = [render.summary(info_of(d), now) + extra.get(d.drama_id, "") for d in dramas]
        text = "\n".join([*lines, *credit(dramas)])
        await self._done(interaction, text or "No dramas yet: add one with `/drama add`.")

    @drama.command(name="skip")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def skip(
        self,
        interaction: discord.Interaction[DramaBot],
        drama: str,
        date: str,
        reason: str | None = None,
    ) -> None:
        """Mark a date as pre-empted (no episode); later episodes shift, and fans are told.

        Args:
            drama: The drama.
            date: The KST date with no broadcast, YYYY-MM-DD.
            reason: Why (e.g. a sports broadcast); shown to fans in the notice and episode list.
        """
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        result = await self.service.skip(guild.id, drama, date, reason)
        await self._done(interaction, "\n".join(_told(result)))

    @drama.command(name="undo")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete, change=change_autocomplete)
    async def undo(
        self, interaction: discord.Interaction[DramaBot], drama: str, change: str
    ) -> None:
        """Undo a schedule change: a pre-empted date, a moved episode or a special.

        Args:
            drama: The drama.
            change: The change to undo (pick one), or a pre-empted date `YYYY-MM-DD`.
        """
        guild = require_guild(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        undone = await self.service.undo(guild.id, drama, change)
        summary = render.summary(info_of(undone.result.after), self.bot.clock.now())
        reply = f"Undone: {clean(undone.change.label)}.\n{summary}"
        await self._done(interaction, "\n".join([reply, *_told(undone.result)]))

    @drama.command(name="announce")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def announce_(
        self,
        interaction: discord.Interaction[DramaBot],
        drama: str,
        channel: discord.TextChannel | None = None,
        role: discord.Role | None = None,
        remind: str | None = None,
    ) -> None:
        """Where a drama's announcements go, whom they ping, and reminder times.

        Args:
            drama: The drama.
            channel: Channel for reminders and on-air posts (leave empty to stop announcing).
            role: The one role to ping (fans get it with /airtime follow).
            remind: Minutes before air, e.g. `60,10` (default 30; `none` for no reminders).
        """
        guild = require_guild(interaction)
        leads = parse_leads(remind)
        if role is not None and (role.is_default() or role.managed):
            raise InvalidInput("Pick a normal role to ping (not @everyone or a bot's role).")
        done = await self.service.announce(
            guild.id,
            drama,
            channel_id=channel.id if channel else None,
            role_id=role.id if role else None,
            leads=leads,
        )
        text = self._announce_text(done.drama, channel, role, leads, done.next_run)
        await self._done(interaction, "\n".join([text, *permission_warnings(guild, channel, role)]))

    @drama.command(name="events")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def events(
        self,
        interaction: discord.Interaction[DramaBot],
        drama: str,
        state: Literal["on", "off"],
        count: int | None = None,
    ) -> None:
        """Show a drama's next episodes as scheduled events in the Events tab (or stop).

        Args:
            drama: The drama.
            state: `on` to keep its next episodes as events, `off` to delete them.
            count: How many upcoming episodes to show as events (default 2, at most 100).
        """
        guild = require_guild(interaction)
        found = await self.service.resolve(guild.id, drama)
        if state == "on":
            check_event_permission(guild)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if state == "on":
            done = await self.native.events.turn_on(found, count)
        else:
            done = await self.native.events.turn_off(found)
        await self._done(interaction, events_reply(done))

    @drama.command(name="threads")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    @app_commands.rename(archive_after="archive-after")
    async def threads(
        self,
        interaction: discord.Interaction[DramaBot],
        drama: str,
        channel: discord.TextChannel | discord.ForumChannel | None = None,
        archive_after: str | None = None,
    ) -> None:
        """Open a discussion thread (or forum post) per episode at air time (or stop).

        Args:
            drama: The drama.
            channel: A text channel (threads) or a forum (posts); leave empty to stop.
            archive_after: Archive after this long without messages: 1h, 24h, 3d or 1w.
        """
        guild = require_guild(interaction)
        found = await self.service.resolve(guild.id, drama)
        if channel is None:
            done = await self.native.threads.turn_off(found)
        else:
            minutes = parse_archive(archive_after)
            place = thread_place(found, channel)
            done = await self.native.threads.turn_on(
                found, place.channel_id, forum=place.forum, tag_id=place.tag_id,
                archive_min=minutes,
            )  # fmt: skip
        await self._done(interaction, threads_reply(done))

    @staticmethod
    def _announce_text(
        drama: Drama,
        channel: discord.TextChannel | None,
        role: discord.Role | None,
        leads: tuple[int, ...],
        next_run: datetime | None,
    ) -> str:
        name = render.name(info_of(drama))
        if channel is None:
            return f"Announcements for {name} are off."
        ping = f"pinging {role.mention}" if role else "without pinging anyone"
        reminders = ", ".join(f"{lead} min" for lead in leads) or "none"
        text = f"Announcements for {name} go to {channel.mention}, {ping}; reminders: {reminders}."
        if next_run is not None:
            text += f"\nNext announcement: {render.when(next_run)}."
        if role is None:
            text += "\nWithout a role, `/airtime follow` has nothing to give fans."
        return text
