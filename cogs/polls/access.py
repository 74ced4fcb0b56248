"""Who may see a poll, and whether the bot may run one in a channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord

from bot.errors import MissingBotPermission
from cogs.polls.store import Poll

if TYPE_CHECKING:
    from bot.app import DramaBot


def check_bot_permissions(
    channel: discord.abc.Messageable, guild: discord.Guild, anonymous: bool
) -> None:
    """Refuse, naming what to grant, before posting a poll the bot could not run."""
    if not isinstance(channel, discord.abc.GuildChannel | discord.Thread) or guild.me is None:
        return
    send = "send_messages_in_threads" if isinstance(channel, discord.Thread) else "send_messages"
    needed = [
        ("view_channel", "View Channel"),
        (send, "Send Messages"),
        ("embed_links", "Embed Links"),
    ]
    if not anonymous:
        needed += [
            ("add_reactions", "Add Reactions"),
            ("read_message_history", "Read Message History"),
        ]
    perms = channel.permissions_for(guild.me)
    missing = [name for flag, name in needed if not getattr(perms, flag)]
    if missing:
        raise MissingBotPermission(
            f"I need {', '.join(missing)} in <#{channel.id}> to run a poll there; "
            "ask a moderator to grant it, then try again."
        )


def can_see(interaction: discord.Interaction[DramaBot], poll: Poll) -> bool:
    """Whether the user may see `poll`: they can view its channel (or manage the server).

    A poll whose channel is gone (or not cached) is shown to server managers only.
    """
    guild, user = interaction.guild, interaction.user
    if guild is None or not isinstance(user, discord.Member):
        return False
    if user.guild_permissions.manage_guild or user.guild_permissions.administrator:
        return True
    channel = guild.get_channel_or_thread(poll.channel_id)
    return channel is not None and channel.permissions_for(user).view_channel
