"""Gateway sessions and connections, and what each session is sent (intents, redaction)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from .state import (
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_SCHEDULED_EVENTS,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
)

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

HEARTBEAT_INTERVAL_MS = 41250
DEFAULT_INTENTS = (1 << 26) - 1 & ~((1 << 1) | (1 << 8) | (1 << 15))

_GUILD_EVENTS = {
    "GUILD_CREATE",
    "GUILD_UPDATE",
    "GUILD_DELETE",
    "GUILD_ROLE_CREATE",
    "GUILD_ROLE_UPDATE",
    "GUILD_ROLE_DELETE",
    "CHANNEL_CREATE",
    "CHANNEL_UPDATE",
    "CHANNEL_DELETE",
    "CHANNEL_PINS_UPDATE",
    "THREAD_CREATE",
    "THREAD_UPDATE",
    "THREAD_DELETE",
}
_MEMBER_EVENTS = {"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE", "GUILD_MEMBER_REMOVE"}
_MESSAGE_EVENTS = {"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_DELETE_BULK"}
_SCHEDULED_EVENT_EVENTS = {
    "GUILD_SCHEDULED_EVENT_CREATE",
    "GUILD_SCHEDULED_EVENT_UPDATE",
    "GUILD_SCHEDULED_EVENT_DELETE",
    "GUILD_SCHEDULED_EVENT_USER_ADD",
    "GUILD_SCHEDULED_EVENT_USER_REMOVE",
}
CLEAN_CLOSES = (1000, 1001)  # a client closing with these ends its session (no RESUME)
BACKLOG = 1000  # dispatches a disconnected session keeps for RESUME
_REACTION_EVENTS = {
    "MESSAGE_REACTION_ADD",
    "MESSAGE_REACTION_REMOVE",
    "MESSAGE_REACTION_REMOVE_ALL",
    "MESSAGE_REACTION_REMOVE_EMOJI",
}


@dataclass(eq=False)
class Session:
    session_id: str
    intents: int
    shard: tuple[int, int] | None  # as IDENTIFY sent it; None: unsharded (shard 0 of 1)
    client: str | None
    seq: int = 0
    conn: Connection | None = None  # the live connection, if any
    alive: bool = True  # False once closed cleanly: it can no longer be resumed
    resumes: int = 0
    # (seq, event, data as sent, frame) of recent dispatches, replayed on RESUME
    backlog: deque[tuple[int, str, dict[str, Any], str]] = field(
        default_factory=lambda: deque(maxlen=BACKLOG)
    )

    @property
    def pair(self) -> tuple[int, int]:
        return self.shard or (0, 1)


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    client: str | None = None
    queue: asyncio.Queue[tuple[str, asyncio.Future[None] | None]] = field(
        default_factory=asyncio.Queue
    )
    session: Session | None = None
    writer: asyncio.Task[None] | None = None
    ready: bool = False  # READY (or RESUMED) and its GUILD_CREATEs written
    closed: bool = False
    heartbeats: int = 0  # heartbeats received from the client
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    def bump(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()


def wants(intents: int, event: str, data: dict[str, Any], bot_user_id: int) -> bool:
    """Whether a session with ``intents`` receives ``event`` (Discord's intent table)."""
    in_guild = "guild_id" in data and data.get("guild_id") is not None
    if event in _GUILD_EVENTS:
        return bool(intents & INTENT_GUILDS)
    if event in _MEMBER_EVENTS:
        user = data.get("user") or {}
        if event == "GUILD_MEMBER_UPDATE" and str(user.get("id")) == str(bot_user_id):
            return True
        return bool(intents & INTENT_GUILD_MEMBERS)
    if event in _MESSAGE_EVENTS:
        return bool(intents & (INTENT_GUILD_MESSAGES if in_guild else INTENT_DIRECT_MESSAGES))
    if event in _REACTION_EVENTS:
        needed = INTENT_GUILD_MESSAGE_REACTIONS if in_guild else INTENT_DIRECT_MESSAGE_REACTIONS
        return bool(intents & needed)
    if event in _SCHEDULED_EVENT_EVENTS:
        return bool(intents & INTENT_GUILD_SCHEDULED_EVENTS)
    return True


def redact(intents: int, event: str, data: dict[str, Any], bot_user_id: int) -> dict[str, Any]:
    """Message content a session without the Message Content intent does not see."""
    if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or intents & INTENT_MESSAGE_CONTENT:
        return data
    if data.get("guild_id") is None:
        return data  # DMs with the bot always carry content
    bot_id = str(bot_user_id)
    if str((data.get("author") or {}).get("id")) == bot_id:
        return data
    if any(str(u.get("id")) == bot_id for u in data.get("mentions") or []):
        return data
    data = dict(data)
    data.update(content="", embeds=[], attachments=[], components=[])
    data.pop("poll", None)
    return data
