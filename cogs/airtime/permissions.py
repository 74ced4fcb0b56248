"""What would stop announcements or follows, checked up front (Discord still decides).

Used by `/drama announce` (warnings in its reply) and `/config show` (status lines).
"""

from __future__ import annotations

import discord

from bot.replies import clean
from cogs.airtime.records import Drama


def can_ping(role: discord.Role, channel: discord.abc.GuildChannel | None) -> bool:
    """Whether an announcement's mention of `role` would notify its members.

    A role pings when it is mentionable, or when the bot may mention every role (the
    Mention @everyone, @here and All Roles permission, in that channel when known).
    """
    if role.mentionable:
        return True
    me = role.guild.me
    perms = channel.permissions_for(me) if channel is not None else me.guild_permissions
    return perms.mention_everyone


def ping_warning(role: discord.Role, channel: discord.abc.GuildChannel | None) -> str | None:
    """A warning when the role's mention would not notify anyone."""
    if can_ping(role, channel):
        return None
    where = f" in {channel.mention}" if channel is not None else ""
    return (
        f"⚠️ {role.mention} is not mentionable and I lack Mention @everyone, @here and All "
        f"Roles{where}, so announcements will show the role without notifying its members: "
        "make the role mentionable (Server Settings → Roles) or grant me that permission."
    )


def permission_warnings(
    guild: discord.Guild, channel: discord.TextChannel | None, role: discord.Role | None
) -> list[str]:
    """Warnings for `/drama announce`: posting, pinging and giving the role."""
    me = guild.me
    if me is None or channel is None:
        return []
    warnings = []
    perms = channel.permissions_for(me)
    if not (perms.view_channel and perms.send_messages):
        warnings.append(
            f"⚠️ I can't post in {channel.mention}: give me View Channel and Send Messages there."
        )
    if role is None:
        return warnings
    ping = ping_warning(role, channel)
    if ping is not None:
        warnings.append(ping)
    if not me.guild_permissions.manage_roles:
        warnings.append("⚠️ I need Manage Roles so fans can `/airtime follow`.")
    elif role >= me.top_role:
        warnings.append(
            f"⚠️ {role.mention} is above my highest role, so I can't give it to fans: "
            "drag my role above it in Server Settings → Roles."
        )
    return warnings


def role_status(guild: discord.Guild, drama: Drama) -> str | None:
    """`/config show`: a problem with the drama's ping role, if any."""
    if drama.role_id is None or drama.channel_id is None:
        return None
    name = f"**{clean(drama.title, limit=100)}**"
    role = guild.get_role(drama.role_id)
    if role is None:
        return f"⚠️ The ping role of {name} no longer exists: set another with `/drama announce`."
    channel = guild.get_channel(drama.channel_id)
    warning = ping_warning(role, channel)
    return f"{name}: {warning}" if warning is not None else None
