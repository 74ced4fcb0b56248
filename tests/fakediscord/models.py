"""The fake Discord's world objects: users, roles, channels, members, guilds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


def iso_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


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


@dataclass
class Member:
    user_id: int
    roles: list[int]
    joined_at: str
    nick: str | None = None


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
    # When set, every channel carries a member overwrite for the bot that denies everything
    # outside this mask, so the bot's effective permissions are exactly this value.
    bot_perm_mask: int | None = None

    @property
    def everyone_role_id(self) -> int:
        return self.id
