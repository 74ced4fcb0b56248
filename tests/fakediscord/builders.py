"""Builders for Discord JSON payloads from the fake world state."""

from __future__ import annotations

import re
from typing import Any

from .state import (
    GUILD_FORUM,
    INTENT_GUILD_MEMBERS,
    PRIVATE_THREAD,
    Channel,
    FakeGuild,
    Member,
    Role,
    ScheduledEvent,
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
    if channel.thread is not None:
        return thread_payload(world, channel)
    guild = world.guilds[channel.guild_id]
    data: dict[str, Any] = {
        "id": str(channel.id),
        "type": channel.type,
        "guild_id": str(channel.guild_id),
        "name": channel.name,
        "position": channel.position,
        "parent_id": str(channel.parent_id) if channel.parent_id else None,
        "topic": channel.topic,
        "nsfw": False,
        "rate_limit_per_user": 0,
        "last_message_id": str(channel.last_message_id) if channel.last_message_id else None,
        "flags": channel.flags,
        "permission_overwrites": [
            {"id": str(ow.id), "type": ow.type, "allow": str(ow.allow), "deny": str(ow.deny)}
            for ow in world.effective_overwrites(guild, channel)
        ],
    }
    if channel.type == GUILD_FORUM:
        data.update(
            available_tags=[dict(tag) for tag in channel.available_tags],
            default_reaction_emoji=None,
            default_sort_order=None,
            default_forum_layout=0,
            default_thread_rate_limit_per_user=0,
            default_auto_archive_duration=1440,
        )
    return data


def thread_payload(
    world: World, thread: Channel, *, member_of: int | None = None
) -> dict[str, Any]:
    """A thread channel object; with ``member_of``, that user's thread member when they joined."""
    meta = thread.thread
    assert meta is not None, f"channel {thread.id} is not a thread"
    metadata: dict[str, Any] = {
        "archived": meta.archived,
        "auto_archive_duration": meta.auto_archive_duration,
        "archive_timestamp": meta.archive_timestamp,
        "locked": meta.locked,
        "create_timestamp": meta.create_timestamp,
    }
    if thread.type == PRIVATE_THREAD:
        metadata["invitable"] = True
    data: dict[str, Any] = {
        "id": str(thread.id),
        "type": thread.type,
        "guild_id": str(thread.guild_id),
        "parent_id": str(thread.parent_id),
        "owner_id": str(thread.owner_id),
        "name": thread.name,
        "last_message_id": str(thread.last_message_id) if thread.last_message_id else None,
        "rate_limit_per_user": 0,
        "message_count": meta.message_count,
        "member_count": min(50, len(meta.members)),
        "total_message_sent": meta.total_message_sent,
        "flags": thread.flags,
        "applied_tags": [str(t) for t in meta.applied_tags],
        "nsfw": False,
        "thread_metadata": metadata,
    }
    if member_of is not None and member_of in meta.members:
        data["member"] = {
            "id": str(thread.id),
            "user_id": str(member_of),
            "join_timestamp": meta.create_timestamp,
            "flags": 0,
        }
    return data


def scheduled_event_payload(
    world: World, event: ScheduledEvent, *, with_user_count: bool = False
) -> dict[str, Any]:
    """A guild scheduled event object as the REST API and the gateway send it."""
    data: dict[str, Any] = {
        "id": str(event.id),
        "guild_id": str(event.guild_id),
        "channel_id": str(event.channel_id) if event.channel_id else None,
        "creator_id": str(event.creator_id),
        "name": event.name,
        "description": event.description,
        "scheduled_start_time": event.start.isoformat(),
        "scheduled_end_time": event.end.isoformat() if event.end else None,
        "privacy_level": event.privacy_level,
        "status": event.status,
        "entity_type": event.entity_type,
        "entity_id": None,
        "entity_metadata": {"location": event.location} if event.location is not None else None,
        "image": None,
        "recurrence_rule": None,
    }
    if event.creator_id in world.users:
        data["creator"] = user_payload(world.users[event.creator_id])
    if with_user_count:
        data["user_count"] = len(event.interested)
    return data


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
        "threads": [
            thread_payload(world, t, member_of=world.bot_user_id)
            for t in guild.threads.values()
            if t.thread is not None
            and not t.thread.archived
            and world.channel_permissions(t.id, world.bot_user_id)
        ],
        "members": [member_payload(world, guild, m) for m in members],
        "member_count": len(guild.members),
        "voice_states": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [
            scheduled_event_payload(world, e) for e in guild.scheduled_events.values() if e.open
        ],
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
