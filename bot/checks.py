"""Permission gates for moderator commands and buttons."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands

if TYPE_CHECKING:
    from bot.app import DramaBot

T = TypeVar("T")


class NotModerator(app_commands.CheckFailure):
    """A fan tried a moderator command."""

    def __init__(self) -> None:
        """Carry the sentence the user sees."""
        super().__init__(
            "This command is for moderators: you need the Manage Server permission "
            "or the server's moderator role (see `/config show`)."
        )


class GuildOnly(app_commands.CheckFailure):
    """A command that only makes sense inside a server was used in a DM."""

    def __init__(self) -> None:
        """Carry the sentence the user sees."""
        super().__init__("This command only works inside a server.")


async def member_is_moderator(bot: DramaBot, guild_id: int, member: discord.Member) -> bool:
    """Whether `member` may use moderator commands: Manage Server, or the configured mod role."""
    if member.guild_permissions.manage_guild or member.guild_permissions.administrator:
        return True
    config = await bot.guild_settings.get(guild_id)
    return config.mod_role_id is not None and any(
        role.id == config.mod_role_id for role in member.roles
    )


async def ensure_moderator(interaction: discord.Interaction[Any]) -> None:
    """Raise `NotModerator` unless the user is a moderator of this guild."""
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        raise GuildOnly()
    bot: DramaBot = interaction.client
    if not await member_is_moderator(bot, interaction.guild.id, interaction.user):
        raise NotModerator()


async def _moderator_predicate(interaction: discord.Interaction[Any]) -> bool:
    await ensure_moderator(interaction)
    return True


def moderator_only() -> Callable[[T], T]:
    """Decorator for app commands that only moderators may run (/help marks them)."""
    return app_commands.check(_moderator_predicate)


def is_moderator_only(command: object) -> bool:
    """Whether `moderator_only()` guards `command` or a group it belongs to."""
    node: object = command
    while node is not None:
        if _moderator_predicate in getattr(node, "checks", ()):
            return True
        node = getattr(node, "parent", None)
    return False


async def _guild_predicate(interaction: discord.Interaction[Any]) -> bool:
    if interaction.guild is None:
        raise GuildOnly()
    return True


def guild_only() -> Callable[[T], T]:
    """Decorator for app commands that need a server (their data is per server)."""
    return app_commands.check(_guild_predicate)


def require_guild(interaction: discord.Interaction[Any]) -> discord.Guild:
    """The interaction's guild, or `GuildOnly` when used in a DM."""
    if interaction.guild is None:
        raise GuildOnly()
    return interaction.guild
