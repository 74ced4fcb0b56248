"""Discord glue for /airtime (fans) and the feature's `/config show` lines.

The moderators' /drama commands live beside it in `moderation.py`; both turn interactions
into calls on the one `AirtimeService` and its results into replies.
"""

from __future__ import annotations

import io
import logging
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import guild_only, require_guild
from bot.replies import NO_PINGS, send_ephemeral
from bot.text import plural
from cogs.airtime import render
from cogs.airtime.ics import render_calendar
from cogs.airtime.import_render import ATTRIBUTION, credit
from cogs.airtime.permissions import role_status, shared_warnings
from cogs.airtime.render import info_of
from cogs.airtime.service import AirtimeService
from cogs.airtime.views import answer_follow

log = logging.getLogger(__name__)

HELP_NOTE = (
    "Schedules are kept in Korea Standard Time, as broadcasters publish them; every time I "
    "show is a Discord timestamp in your own zone. Moderators: `/drama announce` posts "
    "reminders, an on-air post and a streaming post, pinging only the role you choose; "
    "`/drama skip` marks a pre-empted date and `/drama undo` lifts it (or a move, or a special). "
    "`/drama import` creates a drama from TVmaze and follows its schedule changes; "
    "`/drama refresh` checks one now (schedule data: TVmaze). "
    "`/drama events` shows the next episodes in the Events tab and `/drama threads` opens a "
    "live-discussion thread (or forum post) per episode at air time."
)


async def drama_autocomplete(
    interaction: discord.Interaction[DramaBot], current: str
) -> list[app_commands.Choice[str]]:
    """Suggest this server's dramas by title or alias."""
    service = interaction.client.features.api(AirtimeService)
    if service is None or interaction.guild_id is None:
        return []
    choices = await service.choices(interaction.guild_id, current)
    return [app_commands.Choice(name=name, value=value) for name, value in choices]


async def send_pages(interaction: discord.Interaction[DramaBot], pages: list[str]) -> None:
    """Answer with one ephemeral message per page."""
    for page in pages:
        await send_ephemeral(interaction, page)


async def send_overview(
    interaction: discord.Interaction[DramaBot], lines: list[str], header: str = ""
) -> None:
    """Answer with as few ephemeral messages as the lines need (`render.overview_pages`)."""
    for content, page in render.overview_pages(lines, header):
        embeds = [discord.Embed(description=description) for description in page]
        await send_ephemeral(interaction, content, embeds=embeds)


class AirtimeCog(commands.Cog, name="Airtime"):
    """When episodes air, following dramas, calendars."""

    airtime = app_commands.Group(
        name="airtime", description="When do episodes air? Follow dramas, get calendars"
    )

    def __init__(self, bot: DramaBot, service: AirtimeService) -> None:
        """Keep the bot (for its clock) and the service."""
        self.bot = bot
        self.service = service

    async def status_lines(self, guild: discord.Guild) -> list[str]:
        """`/config show`: dramas tracked, and what stops announcements or follows right now."""
        dramas = await self.service.dramas(guild.id)
        failing = await self.service.failing(guild.id)
        announced = sum(1 for drama in dramas if drama.channel_id is not None)
        lines = [
            f"Airtime: {plural(len(dramas), 'drama')} tracked, {announced} with announcements."
        ]
        warnings_of = shared_warnings()
        for drama in dramas:
            post_failed = drama.drama_id in failing
            line = role_status(guild, drama, post_failed=post_failed, warnings_of=warnings_of)
            if line is not None:
                lines.append(line)
        return lines

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
            one = await self.service.resolve(guild.id, drama)
            lines = [render.next_line(info_of(one), now), *credit([one])]
        else:
            lines = await self.service.next_lines(guild.id, now)
            lines += credit(await self.service.dramas(guild.id))
        if not lines:
            await send_ephemeral(interaction, "No dramas yet: a moderator can add one with "
                                 "`/drama add`.")  # fmt: skip
            return
        await send_overview(interaction, lines)

    @airtime.command(name="week")
    @guild_only()
    async def week(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Everything airing in the next 7 days, in order."""
        guild = require_guild(interaction)
        lines = await self.service.week_lines(guild.id, self.bot.clock.now())
        if not lines:
            await send_ephemeral(interaction, "Nothing airs in the next 7 days.")
            return
        lines += credit(await self.service.dramas(guild.id))
        await send_overview(interaction, lines, "**Airing this week**")

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
        if found.tvmaze_id is not None:
            header += f" · {ATTRIBUTION}"
        await send_pages(interaction, render.chunk(lines, header))

    @airtime.command(name="follow")
    @guild_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def follow(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """Get the drama's ping role, so its announcements notify you.

        Args:
            drama: The drama to follow.
        """
        found = await self.service.resolve(require_guild(interaction).id, drama)
        await answer_follow(interaction, self.service, found.drama_id, follow=True)

    @airtime.command(name="unfollow")
    @guild_only()
    @app_commands.autocomplete(drama=drama_autocomplete)
    async def unfollow(self, interaction: discord.Interaction[DramaBot], drama: str) -> None:
        """Drop the drama's ping role.

        Args:
            drama: The drama to stop following.
        """
        found = await self.service.resolve(require_guild(interaction).id, drama)
        await answer_follow(interaction, self.service, found.drama_id, follow=False)

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
