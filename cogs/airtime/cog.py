"""Discord glue for /airtime (fans), the announcement jobs' lifecycle and the public service.

The moderators' /drama commands live beside it in `moderation.py` (one module each keeps both
under the size limit); both cogs share one `AirtimeService`.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import datetime

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import guild_only, require_guild
from bot.replies import NO_PINGS, send_ephemeral
from bot.text import plural
from cogs.airtime import render
from cogs.airtime.ics import render_calendar
from cogs.airtime.permissions import role_status
from cogs.airtime.public import COG_NAME, TrackedDrama
from cogs.airtime.records import Drama
from cogs.airtime.runner import JOB_PREFIX, NOTICE_FEATURE, SWEEP_JOB, problem_key
from cogs.airtime.schedule import aired_count, next_numbered_after
from cogs.airtime.service import AirtimeService
from cogs.airtime.validate import describe_slots
from cogs.airtime.views import FollowButton

log = logging.getLogger(__name__)

HELP_NOTE = (
    "Schedules are kept in Korea Standard Time, as broadcasters publish them; every time I "
    "show is a Discord timestamp in your own zone. Moderators: `/drama announce` posts "
    "reminders, an on-air post and a streaming post, pinging only the role you choose; "
    "`/drama skip` marks a pre-empted date and `/drama undo` lifts it (or a move, or a special)."
)


def info_of(drama: Drama) -> render.DramaInfo:
    """What the replies need about a drama."""
    return render.DramaInfo(
        drama_id=drama.drama_id,
        title=drama.title,
        network=drama.network,
        slots_text=describe_slots(drama.slots),
        episodes=drama.episode_list(),
        runtime_min=drama.runtime_min,
        channel_id=drama.channel_id,
        role_id=drama.role_id,
        leads=drama.leads,
        streaming=drama.streaming,
        streaming_delay_min=drama.streaming_delay_min,
        skips=drama.skip_reasons,
    )


async def drama_autocomplete(
    interaction: discord.Interaction[DramaBot], current: str
) -> list[app_commands.Choice[str]]:
    """Suggest this server's dramas by title or alias."""
    service = getattr(interaction.client.get_cog(COG_NAME), "service", None)
    if not isinstance(service, AirtimeService):
        return []
    return await service.choices(interaction.guild_id, current)


class AirtimeCog(commands.Cog, name=COG_NAME):
    """When episodes air, following dramas, calendars; runs the announcement jobs."""

    airtime = app_commands.Group(
        name="airtime", description="When do episodes air? Follow dramas, get calendars"
    )

    def __init__(self, bot: DramaBot, service: AirtimeService) -> None:
        """Keep the bot and the shared service."""
        self.bot = bot
        self.service = service

    async def cog_load(self) -> None:
        """Register the persistent Follow button and rebuild announcement jobs from the DB."""
        self.bot.add_dynamic_items(FollowButton)
        self.bot.add_status_provider(self.status_lines)
        self.bot.help_notes["airtime"] = HELP_NOTE
        await self.service.announcer.rebuild()

    async def cog_unload(self) -> None:
        """Drop the jobs and the button."""
        self.bot.scheduler.cancel_prefix(JOB_PREFIX)
        self.bot.scheduler.cancel(SWEEP_JOB)
        self.bot.outbox.unregister(NOTICE_FEATURE)
        self.bot.remove_dynamic_items(FollowButton)

    async def status_lines(self, guild: discord.Guild) -> list[str]:
        """`/config show`: dramas tracked, and what stops announcements or follows right now."""
        dramas = await self.service.store.list_dramas(guild.id)
        announced = sum(1 for drama in dramas if drama.channel_id is not None)
        tracked = plural(len(dramas), "drama")
        lines = [f"Airtime: {tracked} tracked, {announced} with announcements."]
        reported = {p.key for p in await self.bot.guild_settings.problems(guild.id, "airtime")}
        for drama in dramas:
            failed = problem_key(drama.drama_id) in reported
            line = role_status(guild, drama, post_failed=failed)
            if line is not None:
                lines.append(line)
        return lines

    # -- public service (cogs/airtime/public.py) ---------------------------------------------
    async def public_tracked(self, guild_id: int) -> list[TrackedDrama]:
        """See `public.tracked_dramas`."""
        dramas = await self.service.store.list_dramas(guild_id)
        return [TrackedDrama(d.drama_id, d.title, d.aliases) for d in dramas]

    async def public_aired(self, guild_id: int, drama_title: str, at: datetime) -> int | None:
        """See `public.aired_episodes`."""
        wanted = " ".join(drama_title.split()).casefold()
        dramas = await self.service.store.list_dramas(guild_id)
        for drama in sorted(dramas, key=lambda d: d.title.casefold() != wanted):
            if drama.matches(drama_title):
                return aired_count(drama.episode_list(), at)
        return None

    async def public_next(
        self, guild_id: int, drama_id: int, after: datetime
    ) -> tuple[int, datetime] | None:
        """See `public.next_episode`."""
        drama = await self.service.store.get_drama(guild_id, drama_id)
        if drama is None:
            return None
        found = next_numbered_after(drama.episode_list(), after)
        return (found.number, found.at) if found and found.number is not None else None

    # -- fan commands ------------------------------------------------------------------------
    @airtime.command(name="next")
    @guild_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def next_(
        self, interaction: discord.Interaction[DramaBot], drama: str | None = None
    ) -> None:
        """When the next episode airs, in your own time zone.

        Args:
            drama: One drama (leave empty for all of this server's dramas).
        """
        guild = require_guild(interaction)
        now = self.bot.clock.now()
        if drama is not None:
            dramas = [await self.service.resolve(guild.id, drama)]
        else:
            dramas = await self.service.store.list_dramas(guild.id)
        if not dramas:
            await send_ephemeral(interaction, "No dramas yet: a moderator can add one with "
                                 "`/drama add`.")  # fmt: skip
            return
        lines = [render.next_line(info_of(d), now) for d in dramas]
        await self._send_pages(interaction, render.chunk(lines))

    @airtime.command(name="week")
    @guild_only()
    async def week(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Everything airing in the next 7 days, in order."""
        guild = require_guild(interaction)
        dramas = await self.service.store.list_dramas(guild.id)
        lines = render.week_lines([info_of(d) for d in dramas], self.bot.clock.now())
        if not lines:
            await send_ephemeral(interaction, "Nothing airs in the next 7 days.")
            return
        await self._send_pages(interaction, render.chunk(lines, "**Airing this week**"))

    @airtime.command(name="episodes")
    @guild_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def episodes(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """Every episode of a drama and when it airs; aired ones are ticked.

        Args:
            drama: The drama.
        """
        found = await self.service.resolve(require_guild(interaction).id, drama)
        info = info_of(found)
        lines = render.episode_lines(info, self.bot.clock.now())
        header = f"{render.name(info)} — {info.slots_text}"
        await self._send_pages(interaction, render.chunk(lines, header))

    @airtime.command(name="follow")
    @guild_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def follow(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """Get the drama's ping role, so its announcements notify you.

        Args:
            drama: The drama to follow.
        """
        found = await self.service.resolve(require_guild(interaction).id, drama)
        await self.service.follow(interaction, found.drama_id, follow=True)

    @airtime.command(name="unfollow")
    @guild_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def unfollow(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """Drop the drama's ping role.

        Args:
            drama: The drama to stop following.
        """
        found = await self.service.resolve(require_guild(interaction).id, drama)
        await self.service.follow(interaction, found.drama_id, follow=False)

    @airtime.command(name="calendar")
    @guild_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def calendar(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """An .ics file of every episode, to import into any calendar app.

        Args:
            drama: The drama.
        """
        found = await self.service.resolve(require_guild(interaction).id, drama)
        text = render_calendar(
            drama_id=found.drama_id,
            title=found.title,
            network=found.network,
            runtime_min=found.runtime_min,
            episodes=found.episode_list(),
            now=self.bot.clock.now(),
        )
        slug = re.sub(r"[^a-z0-9]+", "-", found.title.lower()).strip("-") or "drama"
        file = discord.File(io.BytesIO(text.encode()), filename=f"{slug[:60]}.ics")
        await interaction.response.send_message(
            f"{render.name(info_of(found))}: import this file into your calendar app "
            "(times are UTC; your app shows them in your zone).",
            file=file,
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )

    async def _send_pages(
        self, interaction: discord.Interaction[DramaBot], pages: list[str]
    ) -> None:
        for page in pages:
            await send_ephemeral(interaction, page)
