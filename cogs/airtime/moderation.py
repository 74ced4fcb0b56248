"""Discord glue for the moderators' /drama commands (add, edit, remove, list, skip, announce)."""

from __future__ import annotations

import logging
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import moderator_only, require_guild
from bot.errors import InvalidInput, NotFound
from bot.replies import clean, send_ephemeral
from cogs.airtime import announce, catalog, render
from cogs.airtime.changes import (
    changes_of,
    edit_notice,
    find_change,
    parse_change,
    undo_notice,
)
from cogs.airtime.cog import drama_autocomplete, info_of
from cogs.airtime.forms import DramaForm, changes_for, new_drama
from cogs.airtime.permissions import permission_warnings
from cogs.airtime.records import Drama
from cogs.airtime.runner import job_id, problem_key
from cogs.airtime.schedule import KST, shifted_by_skip
from cogs.airtime.service import AirtimeService
from cogs.airtime.store import forget_moved
from cogs.airtime.validate import (
    check_range,
    check_text,
    parse_date,
    parse_kst_datetime,
    parse_leads,
)

log = logging.getLogger(__name__)

MAX_DRAMAS_PER_GUILD = 50


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
    service = getattr(interaction.client.get_cog("AirtimeModeration"), "service", None)
    picked = getattr(interaction.namespace, "drama", None)
    if not isinstance(service, AirtimeService) or interaction.guild_id is None or not picked:
        return []
    try:
        drama = await service.resolve(interaction.guild_id, str(picked))
    except NotFound:
        return []
    wanted = current.strip().casefold()
    return [
        app_commands.Choice(name=change.label[:100], value=change.value)
        for change in changes_of(drama)
        if wanted in change.label.casefold() or wanted in change.value
    ][:25]


class DramaCog(commands.Cog, name="AirtimeModeration"):
    """Moderators keep the server's dramas and their announcements."""

    drama = app_commands.Group(name="drama", description="Manage this server's dramas")

    def __init__(self, bot: DramaBot, service: AirtimeService) -> None:
        """Keep the bot and the shared service."""
        self.bot = bot
        self.service = service

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
        now = self.bot.clock.now()
        form = DramaForm(title, network, days, time, premiere, episodes, runtime, streaming,
                         streaming_delay, aliases)  # fmt: skip
        drama = new_drama(form, catalog, guild.id, now)
        if await self.service.store.count_dramas(guild.id) >= MAX_DRAMAS_PER_GUILD:
            raise InvalidInput(f"A server can track at most {MAX_DRAMAS_PER_GUILD} dramas.")
        drama_id = await self.service.store.add_drama(drama, created_by=interaction.user.id,
                                                      now=now)  # fmt: skip
        log.info("drama added", extra={"guild_id": guild.id, "drama_id": drama_id})
        stored = await self.service.by_id(guild.id, drama_id)
        await self._done(
            interaction,
            "Added:\n"
            + render.summary(info_of(stored), now)
            + "\nTip: `/drama announce` sets up reminders "
            "and on-air posts.",
        )

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
        now = self.bot.clock.now()
        before = await self.service.resolve(guild.id, drama)
        form = DramaForm(title, network, days, time, premiere, episodes, runtime, streaming,
                         streaming_delay, aliases)  # fmt: skip
        changes = changes_for(before, form, now)
        move = self._move(before, changes, move_episode, move_to, now)
        special = self._special(special_at, special_title, now)
        if not changes and move is None and special is None:
            raise InvalidInput("Nothing to change: give at least one option.")
        store = self.service.store
        await store.update_drama(before.drama_id, changes)
        if move is not None:
            await store.set_move(before.drama_id, move[0], move[1], now)
        if special is not None:
            await store.add_special(before.drama_id, special[0], special[1], now)
        after = await self.service.by_id(guild.id, before.drama_id)
        await forget_moved(store, before, after, now)
        await self.service.announcer.refresh(guild.id, after.drama_id)
        log.info("drama edited", extra={"guild_id": guild.id, "drama_id": after.drama_id})
        notice = edit_notice(after.title, before.episode_list(), after.episode_list(), now)
        posted = await self.service.post_notice(after, notice) if notice else ""
        summary = "Updated:\n" + render.summary(info_of(after), now)
        await self._done(interaction, "\n".join(filter(None, [summary, notice, posted])))

    @staticmethod
    def _move(
        drama: Drama,
        changes: dict[str, object],
        episode: int | None,
        to: str | None,
        now: datetime,
    ) -> tuple[int, datetime] | None:
        if episode is None and to is None:
            return None
        if episode is None or to is None:
            raise InvalidInput("To move an episode give both `move_episode` and `move_to`.")
        count = int(str(changes.get("episodes", drama.episodes)))
        check_range(episode, 1, count, "The episode to move")
        return episode, parse_kst_datetime(to, now)

    @staticmethod
    def _special(at: str | None, title: str | None, now: datetime) -> tuple[datetime, str] | None:
        if at is None:
            if title is not None:
                raise InvalidInput("Give `special_at` (KST `YYYY-MM-DD HH:MM`) for the special.")
            return None
        name = check_text(title, "special's title", 100) if title else "Special"
        return parse_kst_datetime(at, now), name

    @drama.command(name="remove")
    @moderator_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def remove(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """Stop tracking a drama (its announcements stop too).

        Args:
            drama: The drama to remove.
        """
        guild = require_guild(interaction)
        found = await self.service.resolve(guild.id, drama)
        await self.service.store.remove_drama(found.drama_id)
        self.bot.scheduler.cancel(job_id(found.drama_id))
        await self.bot.guild_settings.clear_problem(guild.id, "airtime",
                                                    problem_key(found.drama_id))  # fmt: skip
        log.info("drama removed", extra={"guild_id": guild.id, "drama_id": found.drama_id})
        await self._done(interaction, f"Removed {render.name(info_of(found))}.")

    @drama.command(name="list")
    @moderator_only()
    async def list_(self, interaction: discord.Interaction[DramaBot]) -> None:
        """List this server's dramas with their schedules and announcement settings."""
        guild = require_guild(interaction)
        now = self.bot.clock.now()
        dramas = await self.service.store.list_dramas(guild.id)
        text = "\n".join(render.summary(info_of(d), now) for d in dramas)
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
        now = self.bot.clock.now()
        before = await self.service.resolve(guild.id, drama)
        day = parse_date(date)
        why = check_text(reason, "reason", 200) if reason else ""
        if day < now.astimezone(KST).date():
            raise InvalidInput("That date is in the past; aired episodes cannot be pre-empted.")
        shifted = shifted_by_skip(before.spec, day)
        if shifted is None or shifted.at <= now:
            raise InvalidInput(
                f"No upcoming episode airs on {day:%a %Y-%m-%d} (KST). To cancel a special or "
                "a moved episode, use `/drama undo`."
            )
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.store.add_skip(before.drama_id, day, why, now)
        after = await self.service.by_id(guild.id, before.drama_id)
        await forget_moved(self.service.store, before, after, now)
        await self.service.announcer.refresh(guild.id, after.drama_id)
        moved = next(ep for ep in after.episode_list() if ep.number == shifted.number)
        notice = announce.skip_notice(after.title, f"{day:%a %Y-%m-%d}", moved, why)
        posted = await self.service.post_notice(after, notice)
        log.info("date skipped", extra={"guild_id": guild.id, "drama_id": after.drama_id})
        await self._done(interaction, f"{notice}\n{posted}")

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
        now = self.bot.clock.now()
        before = await self.service.resolve(guild.id, drama)
        kind, key = parse_change(change)
        found = find_change(before, kind, key)
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.service.store.remove_change(before.drama_id, kind, key)
        after = await self.service.by_id(guild.id, before.drama_id)
        await forget_moved(self.service.store, before, after, now)
        await self.service.announcer.refresh(guild.id, after.drama_id)
        notice = undo_notice(after.title, found, before.episode_list(), after.episode_list(), now)
        posted = await self.service.post_notice(after, notice) if notice else ""
        log.info("change undone", extra={"guild_id": guild.id, "drama_id": after.drama_id,
                                         "kind": kind})  # fmt: skip
        reply = f"Undone: {clean(found.label)}.\n" + render.summary(info_of(after), now)
        await self._done(interaction, "\n".join(filter(None, [reply, notice, posted])))

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
        found = await self.service.resolve(guild.id, drama)
        leads = parse_leads(remind)
        if role is not None and (role.is_default() or role.managed):
            raise InvalidInput("Pick a normal role to ping (not @everyone or a bot's role).")
        now = self.bot.clock.now()
        await self.service.store.set_announce(
            found.drama_id,
            channel_id=channel.id if channel else None,
            role_id=role.id if role and channel else None,
            leads=leads,
            now=now,
        )
        await self.bot.guild_settings.clear_problem(guild.id, "airtime",
                                                    problem_key(found.drama_id))  # fmt: skip
        next_run = await self.service.announcer.refresh(guild.id, found.drama_id)
        log.info("announce set", extra={"guild_id": guild.id, "drama_id": found.drama_id})
        text = self._announce_text(found, channel, role, leads, next_run)
        await self._done(interaction, "\n".join([text, *permission_warnings(guild, channel, role)]))

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
