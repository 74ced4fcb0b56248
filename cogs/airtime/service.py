"""Discord-facing helpers shared by the airtime commands, the Follow button and the jobs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.errors import InvalidInput, MissingBotPermission, NotFound
from bot.replies import NO_PINGS, clean, role_ping, send_ephemeral
from cogs.airtime.records import Drama
from cogs.airtime.runner import Announcer, CannotCheck, SendRefused
from cogs.airtime.store import AirtimeStore
from cogs.airtime.views import follow_view

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

HISTORY_LIMIT = 50
MAX_CHOICES = 25
# Autocomplete values are drama ids; longer digit strings are titles (or junk), never ids.
MAX_ID_DIGITS = 18


class DiscordSender:
    """Posts announcements through the bot's REST client."""

    def __init__(self, bot: DramaBot) -> None:
        """Use `bot` for REST calls."""
        self.bot = bot

    async def send(self, channel_id: int, content: str, role_id: int | None, drama_id: int) -> int:
        """Post with the Follow button; ping only `role_id`; raise `SendRefused` on 403/404."""
        channel = self.bot.get_partial_messageable(channel_id)
        mentions = role_ping(role_id) if role_id is not None else NO_PINGS
        try:
            message = await channel.send(
                content, allowed_mentions=mentions, view=follow_view(drama_id)
            )
        except discord.NotFound:
            raise SendRefused(
                "the channel no longer exists. Pick another one with `/drama announce`."
            ) from None
        except discord.Forbidden:
            raise SendRefused(
                "I lack permission there (I need View Channel and Send Messages). Grant it, "
                "or pick another channel with `/drama announce`."
            ) from None
        return message.id

    async def find_sent(self, channel_id: int, after: datetime, prefix: str) -> int | None:
        """Our message starting with `prefix` posted after `after`; `CannotCheck` if unreadable."""
        channel = self.bot.get_partial_messageable(channel_id)
        me = self.bot.user.id if self.bot.user else None
        marker = discord.Object(id=discord.utils.time_snowflake(after))
        try:
            async for message in channel.history(limit=HISTORY_LIMIT, after=marker):
                if message.author.id == me and message.content.startswith(prefix):
                    return message.id
        except discord.HTTPException as error:
            raise CannotCheck(str(error.status)) from None
        return None


@dataclass
class AirtimeService:
    """What commands and buttons share: drama lookup, follow/unfollow, notices."""

    bot: DramaBot
    store: AirtimeStore
    announcer: Announcer

    async def resolve(self, guild_id: int, name: str) -> Drama:
        """A drama of this guild by title, alias or autocomplete id; `NotFound` otherwise.

        An exact title or alias wins over the id reading of an all-digit name (a drama may be
        called "1987"); `choices` never sends an id that is also a name.
        """
        text = name.strip()
        dramas = await self.store.list_dramas(guild_id)
        exact = _exact(dramas, text)
        if exact is not None:
            return exact
        if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS:
            found = next((d for d in dramas if d.drama_id == int(text)), None)
            if found is not None:
                return found
        partial = [d for d in dramas if any(text.casefold() in n.casefold() for n in d.names())]
        if len(partial) == 1 and text:
            return partial[0]
        raise NotFound(
            f"This server tracks no drama called {clean(text, limit=60)!s}. "
            "Pick one from the suggestions, or see `/drama list`."
        )

    async def by_id(self, guild_id: int, drama_id: int) -> Drama:
        """A drama of this guild by id (re-read after a change); `NotFound` if it is gone."""
        found = await self.store.get_drama(guild_id, drama_id)
        if found is None:
            raise NotFound("That drama was just removed; see `/drama list`.")
        return found

    async def choices(self, guild_id: int | None, current: str) -> list[app_commands.Choice[str]]:
        """Autocomplete: the guild's dramas whose title or alias contains `current`."""
        if guild_id is None:
            return []
        wanted = current.strip().casefold()
        dramas = await self.store.list_dramas(guild_id)
        hits = [d for d in dramas if any(wanted in n.casefold() for n in d.names())]
        return [
            app_commands.Choice(name=d.title[:100], value=_choice_value(d, dramas))
            for d in hits[:MAX_CHOICES]
        ]

    async def follow(
        self, interaction: discord.Interaction[Any], drama_id: int, *, follow: bool
    ) -> None:
        """Give (or take) the drama's ping role and answer ephemerally."""
        member = interaction.user
        if interaction.guild is None or not isinstance(member, discord.Member):
            raise InvalidInput("Following works inside a server.")
        drama = await self.store.get_drama(interaction.guild.id, drama_id)
        if drama is None:
            raise NotFound("That drama is no longer tracked here; see `/drama list`.")
        title = clean(drama.title, limit=100)
        if drama.role_id is None:
            raise InvalidInput(
                f"**{title}** has no ping role yet, so there is nothing to follow. "
                "Ask a moderator to set one with `/drama announce … role:`."
            )
        has_role = any(role.id == drama.role_id for role in member.roles)
        if has_role == follow:
            state = "already follow" if follow else "do not follow"
            await send_ephemeral(interaction, f"You {state} **{title}** (<@&{drama.role_id}>).")
            return
        await self._change_role(member, drama, follow=follow)
        text = (
            f"You now follow **{title}**: announcements ping <@&{drama.role_id}>. "
            "Use `/airtime unfollow` to stop."
            if follow
            else f"You no longer follow **{title}**."
        )
        await send_ephemeral(interaction, text)

    async def _change_role(self, member: discord.Member, drama: Drama, *, follow: bool) -> None:
        role = discord.Object(id=drama.role_id or 0)
        reason = f"airtime {'follow' if follow else 'unfollow'} (drama {drama.drama_id})"
        try:
            if follow:
                await member.add_roles(role, reason=reason)
            else:
                await member.remove_roles(role, reason=reason)
        except discord.Forbidden:
            raise MissingBotPermission(
                "I can't change that role: I need the Manage Roles permission, and my highest "
                "role must sit above the ping role. A moderator can fix this in Server Settings "
                "→ Roles."
            ) from None
        except discord.NotFound:
            raise NotFound(
                "The drama's ping role no longer exists. Ask a moderator to set a new one with "
                "`/drama announce`."
            ) from None
        log.info(
            "follow changed",
            extra={"guild_id": drama.guild_id, "drama_id": drama.drama_id, "follow": follow},
        )

    async def notice_channel(self, drama: Drama) -> int | None:
        """Where notices about a drama go: its announcement channel, else the guild default."""
        if drama.channel_id is not None:
            return drama.channel_id
        return (await self.bot.guild_settings.get(drama.guild_id)).announce_channel_id

    async def post_notice(self, drama: Drama, text: str) -> str:
        """Post a notice (no pings); return a sentence for the moderator's reply."""
        channel_id = await self.notice_channel(drama)
        if channel_id is None:
            return "No announcement channel is set, so no notice was posted."
        try:
            await self.bot.get_partial_messageable(channel_id).send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            log.warning(
                "notice not posted",
                extra={"guild_id": drama.guild_id, "channel_id": channel_id,
                       "status": error.status},
            )  # fmt: skip
            return f"I could not post the notice in <#{channel_id}> (Discord said {error.status})."
        return f"Notice posted in <#{channel_id}>."

    async def problem_lines(self, guild_id: int) -> list[str]:
        """Open airtime problems, as lines for a moderator."""
        problems = await self.bot.guild_settings.problems(guild_id, "airtime")
        return [f"⚠️ {problem.message}" for problem in problems]


def _exact(dramas: list[Drama], text: str) -> Drama | None:
    """The drama titled `text`, else the one with that alias (case-insensitive)."""
    wanted = " ".join(text.split()).casefold()
    # A drama's own title wins over another drama's alias.
    for drama in sorted(dramas, key=lambda d: d.title.casefold() != wanted):
        if drama.matches(text):
            return drama
    return None


def _choice_value(drama: Drama, dramas: list[Drama]) -> str:
    """The drama's id, or its title when the id is also a name `resolve` would pick first."""
    value = str(drama.drama_id)
    if _exact(dramas, value) in (None, drama):
        return value
    return drama.title[:100]
