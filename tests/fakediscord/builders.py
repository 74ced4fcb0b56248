"""Builders for Discord JSON payloads from the fake world state."""

from __future__ import annotations

import re
from typing import Any

from .state import (
    INTENT_GUILD_MEMBERS,
    Channel,
    FakeGuild,
    Member,
    Role,
    User,
    World,
    iso_now,
)


def user_payload(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.username,
        "global_name": user.global_name,
        "discriminator": "0",
        "avatar": None,
        "bot": user.bot,
        "system": False,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }


def member_payload(
    world: World,
    guild: FakeGuild,
    member: Member,
    *,
    with_user: bool = True,
    permissions: int | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "roles": [str(r) for r in member.roles],
        "nick": member.nick,
        "avatar": None,
        "banner": None,
        "joined_at": member.joined_at,
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "pending": False,
        "flags": 0,
        "communication_disabled_until": None,
    }
    if with_user:
        data["user"] = user_payload(world.users[member.user_id])
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role_payload(role: Role) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(role.id),
        "name": role.name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": role.position,
        "permissions": str(role.permissions),
        "managed": role.managed,
        "mentionable": False,
        "flags": 0,
    }
    if role.tags is not None:
        data["tags"] = role.tags
    return data


def channel_payload(world: World, channel: Channel) -> dict[str, Any]:
    if channel.guild_id is None:
        recipients = []
        if channel.recipient_id is not None and channel.recipient_id in world.users:
            recipients = [user_payload(world.users[channel.recipient_id])]
        return {"id": str(channel.id), "type": 1, "recipients": recipients, "last_message_id": None}
    guild = world.guilds[channel.guild_id]
    return {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "topic": channel.topic,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": None,
        "flags": 0,
        "permission_overwrites": [
            {"id": str(ow.id), "type": ow.type, "allow": str(ow.allow), "deny": str(ow.deny)}
            for ow in world.effective_overwrites(guild, channel)
        ],
    }


def guild_payload(world: World, guild: FakeGuild, *, intents: int | None = None) -> dict[str, Any]:
    """Full guild object as sent in GUILD_CREATE (members trimmed like Discord without intent)."""
    if intents is None or intents & INTENT_GUILD_MEMBERS:
        members = list(guild.members.values())
    else:
        members = [m for m in guild.members.values() if m.user_id == world.bot_user_id]
    bot_member = guild.members.get(world.bot_user_id)
    return {
        "id": str(guild.id),
        "name": guild.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(guild.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "mfa_level": 0,
        "nsfw_level": 0,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": "en-US",
        "system_channel_id": str(guild.default_channel_id) if guild.default_channel_id else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "widget_enabled": False,
        "max_members": 500000,
        "max_video_channel_users": 25,
        "application_id": None,
        "features": [],
        "emojis": [],
        "stickers": [],
        "roles": [role_payload(r) for r in guild.roles.values()],
        "channels": [channel_payload(world, c) for c in guild.channels.values()],
        "threads": [],
        "members": [member_payload(world, guild, m) for m in members],
        "member_count": len(guild.members),
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "large": False,
        "unavailable": False,
        "lazy": True,
        "joined_at": bot_member.joined_at if bot_member else iso_now(),
        "incidents_data": None,
    }


_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")


def mentions_for(world: World, content: str) -> tuple[list[dict[str, Any]], list[str]]:
    users = []
    for uid in dict.fromkeys(int(x) for x in _USER_MENTION.findall(content or "")):
        if uid in world.users:
            users.append(user_payload(world.users[uid]))
    roles = list(dict.fromkeys(_ROLE_MENTION.findall(content or "")))
    return users, roles


def message_payload(
    world: World,
    *,
    message_id: int,
    channel_id: int,
    author_id: int,
    content: str = "",
    embeds: list[dict[str, Any]] | None = None,
    attachments: list[dict[str, Any]] | None = None,
    components: list[dict[str, Any]] | None = None,
    flags: int = 0,
    msg_type: int = 0,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    mentions, mention_roles = mentions_for(world, content)
    msg: dict[str, Any] = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": user_payload(world.users[author_id]),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": "@everyone" in (content or ""),
        "mentions": mentions,
        "mention_roles": mention_roles,
        "mention_channels": [],
        "attachments": attachments or [],
        "embeds": embeds or [],
        "reactions": [],
        "pinned": False,
        "type": msg_type,
        "flags": flags,
        "components": components or [],
    }
    guild = world.guild_of(channel_id)
    if guild is not None:
        msg["guild_id"] = str(guild.id)
        member = guild.members.get(author_id)
        if member is not None:
            msg["member"] = member_payload(world, guild, member, with_user=False)
    if extra:
        msg.update(extra)
    return msg


def message_text(data: dict[str, Any] | None) -> str:
    """Content plus embed titles/descriptions/fields/footers, newline separated."""
    if not data:
        return ""
    parts: list[str] = []
    if data.get("content"):
        parts.append(str(data["content"]))
    for embed in data.get("embeds") or []:
        for key in ("title", "description"):
            if embed.get(key):
                parts.append(str(embed[key]))
        for fld in embed.get("fields") or []:
            parts.append(f"{fld.get('name', '')}: {fld.get('value', '')}")
        footer = embed.get("footer") or {}
        if footer.get("text"):
            parts.append(str(footer["text"]))
    return "\n".join(parts)
