"""What would stop announcements or follows, checked up front (Discord still decides).

Used by `/drama announce` (warnings in its reply) and `/config show` (status lines).
"""

from __future__ import annotations

from collections.abc import Callable

import discord

from bot.replies import clean
from cogs.airtime.records import Drama

WarningsOf = Callable[
    [discord.Guild, discord.abc.GuildChannel | discord.Thread | None, discord.Role | None],
    list[str],
]


def can_ping(role: discord.Role, channel: discord.abc.GuildChannel | discord.Thread | None) -> bool:
    """Whether an announcement's mention of `role` would notify its members.

    A role pings when it is mentionable, or when the bot may mention every role (the
    Mention @everyone, @here and All Roles permission, in that channel when known).
    """
    if role.mentionable:
        return True
    me = role.guild.me
    perms = channel.permissions_for(me) if channel is not None else me.guild_permissions
    return perms.mention_everyone


def ping_warning(
    role: discord.Role, channel: discord.abc.GuildChannel | discord.Thread | None
) -> str | None:
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
    guild: discord.Guild,
    channel: discord.abc.GuildChannel | discord.Thread | None,
    role: discord.Role | None,
) -> list[str]:
    """Warnings for `/drama announce` and `/config show`: posting, pinging and giving the role."""
    me = guild.me
    if me is None or channel is None:
        return []
    warnings = []
    perms = channel.permissions_for(me)
    can_post = perms.view_channel and perms.send_messages
    if not can_post:
        warnings.append(
            f"⚠️ I can't post in {channel.mention}: give me View Channel and Send Messages there."
        )
    if role is None:
        return warnings
    # Without Send Messages Discord drops Mention All Roles too: that warning would mislead.
    ping = ping_warning(role, channel) if can_post else None
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


def role_status(
    guild: discord.Guild,
    drama: Drama,
    *,
    post_failed: bool = False,
    warnings_of: WarningsOf | None = None,
) -> str | None:
    """`/config show`: what stops the drama's announcements or follows right now, if anything.

    Checked live, so a line disappears as soon as a moderator fixes the cause. With
    `post_failed` (a refused announcement is already listed) posting is not repeated here.
    `warnings_of` lets a caller share one channel's and role's warnings among its dramas.
    """
    if drama.channel_id is None:
        return None
    role = guild.get_role(drama.role_id) if drama.role_id is not None else None
    if drama.role_id is not None and role is None:
        return (
            f"⚠️ The ping role of {_name(drama)} no longer exists: set another with "
            "`/drama announce`."
        )
    channel = guild.get_channel_or_thread(drama.channel_id)
    if channel is None:
        if post_failed:
            return None
        return (
            f"⚠️ The announcement channel of {_name(drama)} no longer exists: pick another with "
            "`/drama announce`."
        )
    warnings = (warnings_of or permission_warnings)(guild, channel, role)
    if post_failed:
        warnings = [w for w in warnings if not w.startswith("⚠️ I can't post in")]
    if not warnings:
        return None
    name = _name(drama)
    return "\n".join(f"{name}: {warning}" for warning in warnings)


def shared_warnings() -> WarningsOf:
    """`permission_warnings`, worked out once per channel and role (many dramas share them)."""
    found: dict[tuple[int, int | None], list[str]] = {}

    def warnings_of(
        guild: discord.Guild,
        channel: discord.abc.GuildChannel | discord.Thread | None,
        role: discord.Role | None,
    ) -> list[str]:
        key = (channel.id if channel is not None else 0, role.id if role is not None else None)
        if key not in found:
            found[key] = permission_warnings(guild, channel, role)
        return found[key]

    return warnings_of


def _name(drama: Drama) -> str:
    # Only when a line is shown: escaping every title costs /config show more than the checks.
    return f"**{clean(drama.title, limit=100)}**"
