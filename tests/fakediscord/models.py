"""The fake Discord's world objects: users, roles, channels and threads, members, guilds, events."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class User:
    id: int
    username: str
    bot: bool = False
    global_name: str | None = None


@dataclass
class Role:
    id: int
    name: str
    permissions: int
    position: int
    managed: bool = False
    tags: dict[str, Any] | None = None


@dataclass
class Overwrite:
    id: int
    type: int  # 0 role, 1 member
    allow: int = 0
    deny: int = 0


@dataclass
class ThreadMeta:
    """Thread-only state of a channel (types 10, 11, 12)."""

    auto_archive_duration: int = 1440
    archived: bool = False
    locked: bool = False
    archive_timestamp: str = field(default_factory=iso_now)
    create_timestamp: str = field(default_factory=iso_now)
    last_activity: float = field(default_factory=time.time)  # wall clock (time-machine moves it)
    applied_tags: list[int] = field(default_factory=list)
    message_count: int = 0
    total_message_sent: int = 0
    members: set[int] = field(default_factory=set)

    def touch(self) -> None:
        """Activity (a message, an unarchive, a new duration) restarts the archive timer."""
        self.last_activity = time.time()


@dataclass
class Channel:
    id: int
    guild_id: int | None
    name: str
    type: int = 0
    position: int = 0
    parent_id: int | None = None
    topic: str | None = None
    overwrites: dict[int, Overwrite] = field(default_factory=dict)
    recipient_id: int | None = None  # DMs
    owner_id: int | None = None  # threads: who started it
    thread: ThreadMeta | None = None  # set for threads only
    available_tags: list[dict[str, Any]] = field(default_factory=list)  # forums
    flags: int = 0
    last_message_id: int | None = None

    @property
    def is_thread(self) -> bool:
        return self.thread is not None


@dataclass
class Member:
    user_id: int
    roles: list[int]
    joined_at: str
    nick: str | None = None


@dataclass
class ScheduledEvent:
    """A guild scheduled event; times are aware UTC datetimes."""

    id: int
    guild_id: int
    name: str
    entity_type: int
    start: dt.datetime
    end: dt.datetime | None
    creator_id: int
    status: int = 1
    description: str | None = None
    location: str | None = None
    channel_id: int | None = None
    privacy_level: int = 2
    interested: list[int] = field(default_factory=list)

    @property
    def open(self) -> bool:
        """SCHEDULED or ACTIVE: counts toward the guild's 100."""
        return self.status in (1, 2)


@dataclass
class FakeGuild:
    id: int
    name: str
    owner_id: int
    bot_role_id: int
    default_channel_id: int = 0
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    threads: dict[int, Channel] = field(default_factory=dict)
    scheduled_events: dict[int, ScheduledEvent] = field(default_factory=dict)
    # When set, every channel carries a member overwrite for the bot that denies everything
    # outside this mask, so the bot's effective permissions are exactly this value.
    bot_perm_mask: int | None = None

    @property
    def everyone_role_id(self) -> int:
        return self.id
