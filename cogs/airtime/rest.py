"""Airtime's calls to Discord over REST, by ids: posts, history checks, role changes.

Discord's refusals come back as this feature's own errors (`SendRefused`, `CannotCheck`) or
as `UserFacingError`s a fan can act on; nothing above this module sees a discord.py error.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

import discord

from bot.errors import MissingBotPermission, NotFound
from bot.replies import NO_PINGS, role_ping
from cogs.airtime.runner import CannotCheck, SendRefused
from cogs.airtime.views import follow_view

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

HISTORY_LIMIT = 50


class DiscordRest:
    """Posts announcements and notices, reads channel history, gives and takes roles."""

    def __init__(self, bot: DramaBot) -> None:
        """Use the bot's REST client."""
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

    async def post_notice(self, channel_id: int, text: str) -> int | None:
        """Post a notice that pings no one; None when posted, else Discord's status code."""
        try:
            await self.bot.get_partial_messageable(channel_id).send(text, allowed_mentions=NO_PINGS)
        except discord.HTTPException as error:
            return error.status
        return None

    async def change_role(
        self, guild_id: int, user_id: int, role_id: int, *, give: bool, reason: str
    ) -> None:
        """Give (or take) a member's role; refusals become errors the fan can act on."""
        try:
            if give:
                await self.bot.http.add_role(guild_id, user_id, role_id, reason=reason)
            else:
                await self.bot.http.remove_role(guild_id, user_id, role_id, reason=reason)
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
