"""Discord glue for /config."""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.app import DramaBot
from bot.checks import moderator_only, require_guild
from bot.errors import InvalidInput
from bot.features import ChannelSwitch
from bot.replies import NO_PINGS, pages, send_ephemeral
from cogs.config.logic import render_config

log = logging.getLogger(__name__)

DEFER_AFTER_SECONDS = 1.0


class ConfigCog(commands.Cog):
    """Moderator configuration shared by every feature."""

    config = app_commands.Group(
        name="config", description="Configure dramabot for this server", guild_only=True
    )

    def __init__(self, bot: DramaBot) -> None:
        """Keep the bot for its settings store."""
        self.bot = bot

    def switches(self) -> dict[str, ChannelSwitch]:
        """Every per-channel switch the loaded features offer."""
        return self.bot.features.switches()

    @config.command(name="show")
    @moderator_only()
    async def show(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Show this server's configuration and anything that needs a moderator's attention."""
        guild = require_guild(interaction)
        # Answered at once when the text is ready in time (it is read from memory), deferred
        # only when gathering it is slow, so Discord's 3 seconds are never at risk.
        work = asyncio.ensure_future(self._text(guild))
        try:
            done, _ = await asyncio.wait({work}, timeout=DEFER_AFTER_SECONDS)
            if not done:
                await interaction.response.defer(ephemeral=True, thinking=True)
            text = await work
        finally:
            work.cancel()
        # Paged, not cut: the problems a moderator must see come last.
        for page in pages(text):
            await send_ephemeral(interaction, page)

    async def _text(self, guild: discord.Guild) -> str:
        store = self.bot.guild_settings
        config, switches, extra = await asyncio.gather(
            store.get(guild.id),
            store.channel_features(guild.id),
            self.bot.features.status_lines(guild),
        )
        # Read after the features' lines, not beside them: a feature leaves out a live line
        # whose problem is already reported, so a problem reported while the lines were
        # gathered must be in this list (read beside them, it could be in neither).
        problems = await store.problems(guild.id)
        return render_config(
            config,
            switches,
            problems,
            extra,
            defaults={name: switch.default for name, switch in self.switches().items()},
            message_content=self.bot.message_content_enabled,
        )

    @config.command(name="modrole")
    @moderator_only()
    async def modrole(
        self, interaction: discord.Interaction[DramaBot], role: discord.Role | None = None
    ) -> None:
        """Set the role whose members may use moderator commands (leave empty to clear).

        Args:
            role: The moderator role; members with Manage Server always count.
        """
        guild = require_guild(interaction)
        await self.bot.guild_settings.set_mod_role(guild.id, role.id if role else None)
        log.info(
            "mod role set",
            extra={"guild_id": guild.id, "role_id": role.id if role else None},
        )
        text = f"Moderator role is now {role.mention}." if role else "Moderator role cleared."
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @config.command(name="announce")
    @moderator_only()
    async def announce(
        self,
        interaction: discord.Interaction[DramaBot],
        channel: discord.TextChannel | None = None,
    ) -> None:
        """Set the default channel for announcements and notices (leave empty to clear).

        Args:
            channel: Where airtime notices go when a drama has no channel of its own.
        """
        guild = require_guild(interaction)
        await self.bot.guild_settings.set_announce_channel(
            guild.id, channel.id if channel else None
        )
        text = (
            f"Announcements go to {channel.mention} by default."
            if channel
            else "Default announcement channel cleared."
        )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @config.command(name="channel")
    @moderator_only()
    async def channel(
        self,
        interaction: discord.Interaction[DramaBot],
        feature: str,
        channel: discord.TextChannel,
        state: Literal["on", "off"],
    ) -> None:
        """Switch a feature on or off in one channel.

        Args:
            feature: previews (automatic link previews), trivia or polls.
            channel: The channel to switch.
            state: on or off.
        """
        guild = require_guild(interaction)
        switches = self.switches()
        switch = switches.get(feature)
        if switch is None:
            raise InvalidInput(
                f"{feature[:40]!r} cannot be switched per channel: pick one of "
                f"{', '.join(switches)}."
            )
        enabled = state == "on"
        await self.bot.guild_settings.set_channel_feature(guild.id, channel.id, feature, enabled)
        log.info(
            "channel feature set",
            extra={
                "guild_id": guild.id,
                "channel_id": channel.id,
                "feature": feature,
                "enabled": enabled,
            },
        )
        text = f"{feature.capitalize()} is now **{state}** in {channel.mention}."
        if switch.reads_messages and enabled and not self.bot.message_content_enabled:
            text += (
                f"\n⚠️ I cannot read messages (the Message Content intent is off), so "
                f"{switch.what} will not work until it is enabled in the Developer Portal."
            )
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)

    @channel.autocomplete("feature")
    async def _feature_choices(
        self, interaction: discord.Interaction[DramaBot], current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.casefold()
        return [
            app_commands.Choice(name=f"{name} ({switch.what})"[:100], value=name)
            for name, switch in self.switches().items()
            if typed in name
        ][:25]
