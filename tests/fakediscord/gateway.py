"""Fake Discord gateway: HELLO/IDENTIFY/READY/RESUME/heartbeats and intent-filtered dispatch."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .builders import guild_payload, member_payload, user_payload
from .state import (
    INTENT_DIRECT_MESSAGE_REACTIONS,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILD_MESSAGE_REACTIONS,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
)

if TYPE_CHECKING:
    from .fake import FakeDiscord

log = logging.getLogger(__name__)

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
_REACTION_EVENTS = {
    "MESSAGE_REACTION_ADD",
    "MESSAGE_REACTION_REMOVE",
    "MESSAGE_REACTION_REMOVE_ALL",
    "MESSAGE_REACTION_REMOVE_EMOJI",
}


@dataclass
class Session:
    session_id: str
    intents: int
    seq: int = 0


@dataclass(eq=False)
class Connection:
    ws: web.WebSocketResponse
    queue: asyncio.Queue[tuple[str, asyncio.Future[None] | None]] = field(
        default_factory=asyncio.Queue
    )
    session: Session | None = None
    writer: asyncio.Task[None] | None = None


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.current: Connection | None = None
        self.connections: set[Connection] = set()
        self.ready = asyncio.Event()
        self.resumed = asyncio.Event()
        self.identify_count = 0
        self.resume_count = 0
        self.identify_intents: int | None = None
        self.sent_events: list[tuple[str, dict[str, Any]]] = []
        self.dropped_events: list[tuple[str, dict[str, Any]]] = []
        self.heartbeats = 0
        self._heartbeat_event = asyncio.Event()

    # --- outbound ---------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.current is not None and self.current.session is not None

    def wants(self, intents: int, event: str, data: dict[str, Any]) -> bool:
        in_guild = "guild_id" in data and data.get("guild_id") is not None
        if event in _GUILD_EVENTS:
            return bool(intents & INTENT_GUILDS)
        if event in _MEMBER_EVENTS:
            user = data.get("user") or {}
            if event == "GUILD_MEMBER_UPDATE" and str(user.get("id")) == str(self.fake.bot_user_id):
                return True
            return bool(intents & INTENT_GUILD_MEMBERS)
        if event in _MESSAGE_EVENTS:
            return bool(intents & (INTENT_GUILD_MESSAGES if in_guild else INTENT_DIRECT_MESSAGES))
        if event in _REACTION_EVENTS:
            needed = INTENT_GUILD_MESSAGE_REACTIONS if in_guild else INTENT_DIRECT_MESSAGE_REACTIONS
            return bool(intents & needed)
        return True

    def _redact(self, intents: int, event: str, data: dict[str, Any]) -> dict[str, Any]:
        if event not in ("MESSAGE_CREATE", "MESSAGE_UPDATE") or intents & INTENT_MESSAGE_CONTENT:
            return data
        if data.get("guild_id") is None:
            return data  # DMs with the bot always carry content
        bot_id = str(self.fake.bot_user_id)
        if str((data.get("author") or {}).get("id")) == bot_id:
            return data
        if any(str(u.get("id")) == bot_id for u in data.get("mentions") or []):
            return data
        data = dict(data)
        data.update(content="", embeds=[], attachments=[], components=[])
        data.pop("poll", None)
        return data

    def enqueue_dispatch(
        self, event: str, data: dict[str, Any], *, conn: Connection | None = None
    ) -> asyncio.Future[None] | None:
        """Queue a dispatch on the live connection; returns a future resolved once written.

        Returns None when nothing was queued (no connection, or filtered by intents).
        """
        conn = conn or self.current
        if conn is None or conn.session is None:
            self.dropped_events.append((event, data))
            return None
        session = conn.session
        if not self.wants(session.intents, event, data):
            self.dropped_events.append((event, data))
            return None
        data = self._redact(session.intents, event, copy.deepcopy(data))
        session.seq += 1
        self.sent_events.append((event, data))
        return self._enqueue(conn, {"op": OP_DISPATCH, "t": event, "s": session.seq, "d": data})

    def _enqueue(self, conn: Connection, payload: dict[str, Any]) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        conn.queue.put_nowait((json.dumps(payload), fut))
        return fut

    async def dispatch(self, event: str, data: dict[str, Any], *, sync: bool = True) -> bool:
        """Send a dispatch; with ``sync`` wait until the client has parsed it. False if filtered."""
        if not self.connected:
            raise RuntimeError(f"cannot dispatch {event}: no identified gateway connection")
        fut = self.enqueue_dispatch(event, data)
        if fut is None:
            return False
        await fut
        if sync:
            await self.sync()
        return True

    async def sync(self, timeout: float = 5.0) -> None:
        """Barrier: everything queued so far has been received and parsed by the client.

        Sends a server-side HEARTBEAT request (op 1); discord.py answers it inline from its
        receive loop, so its reply proves all earlier frames were processed.
        """
        conn = self.current
        if conn is None or conn.session is None:
            return
        before = self.heartbeats
        await self._enqueue(conn, {"op": OP_HEARTBEAT, "d": None})
        async with asyncio.timeout(timeout):
            while self.heartbeats == before and self.current is conn:
                event = self._heartbeat_event
                await event.wait()

    async def _writer(self, conn: Connection) -> None:
        while True:
            text, fut = await conn.queue.get()
            try:
                if not conn.ws.closed:
                    await conn.ws.send_str(text)
            except (ConnectionError, RuntimeError) as exc:
                log.debug("gateway write failed: %s", exc)
            finally:
                if fut is not None and not fut.done():
                    fut.set_result(None)

    async def reconnect(self, timeout: float = 5.0) -> None:
        conn = self.current
        if conn is None:
            raise RuntimeError("no gateway connection to reconnect")
        before = self.resume_count
        self.resumed.clear()
        await self._enqueue(conn, {"op": OP_RECONNECT, "d": None})
        async with asyncio.timeout(timeout):
            while self.resume_count == before:
                await self.resumed.wait()
                self.resumed.clear()

    async def close_all(self) -> None:
        for conn in list(self.connections):
            if conn.writer is not None:
                conn.writer.cancel()
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001)
        self.connections.clear()
        self.current = None

    # --- inbound ----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws=ws)
        conn.writer = asyncio.create_task(self._writer(conn))
        self.connections.add(conn)
        self._enqueue(conn, {"op": OP_HELLO, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                await self._on_message(conn, payload)
        finally:
            self.connections.discard(conn)
            if self.current is conn:
                self.current = None
                self.ready.clear()
            # let queued frames flush before stopping the writer
            if conn.writer is not None:
                conn.writer.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await conn.writer
            while not conn.queue.empty():
                _, fut = conn.queue.get_nowait()
                if fut is not None and not fut.done():
                    fut.set_result(None)
        return ws

    async def _on_message(self, conn: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            self.heartbeats += 1
            self._heartbeat_event.set()
            self._heartbeat_event = asyncio.Event()
            self._enqueue(conn, {"op": OP_HEARTBEAT_ACK, "d": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif op == OP_REQUEST_MEMBERS:
            self._members_chunk(conn, data or {})

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        fake = self.fake
        if data.get("token") not in (fake.token, f"Bot {fake.token}"):
            await conn.ws.close(code=4004, message=b"Authentication failed.")
            return
        intents = int(data.get("intents", (1 << 26) - 1 & ~((1 << 1) | (1 << 8) | (1 << 15))))
        self.identify_intents = intents
        if intents & INTENT_MESSAGE_CONTENT and not fake.message_content_allowed:
            await conn.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.ready.clear()
        self.identify_count += 1
        session = Session(session_id=secrets.token_hex(16), intents=intents)
        self.sessions[session.session_id] = session
        conn.session = session
        old, self.current = self.current, conn
        if old is not None and old is not conn:
            with contextlib.suppress(Exception):
                await old.ws.close(code=4000)
        world = fake.world
        bot = world.users[fake.bot_user_id]
        ready = {
            "v": 10,
            "user": {**user_payload(bot), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g), "unavailable": True} for g in world.guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": fake.gateway_url,
            "application": {"id": str(fake.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
            "_trace": ["fakediscord"],
            "shard": list(data.get("shard") or [0, 1]),
        }
        last = self.enqueue_dispatch("READY", ready, conn=conn)
        for guild in list(world.guilds.values()):
            fut = self.enqueue_dispatch(
                "GUILD_CREATE", guild_payload(world, guild, intents=intents), conn=conn
            )
            last = fut or last
        if last is not None:
            await last
        self.ready.set()

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        if session is None or data.get("token") not in (self.fake.token, f"Bot {self.fake.token}"):
            self._enqueue(conn, {"op": OP_INVALID_SESSION, "d": False})
            return
        conn.session = session
        old, self.current = self.current, conn
        if old is not None and old is not conn:
            with contextlib.suppress(Exception):
                await old.ws.close(code=4000)
        fut = self.enqueue_dispatch("RESUMED", {"_trace": ["fakediscord"]}, conn=conn)
        if fut is not None:
            await fut
        self.resume_count += 1
        self.resumed.set()
        self.ready.set()

    def _members_chunk(self, conn: Connection, data: dict[str, Any]) -> None:
        world = self.fake.world
        guild = world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None:
            return
        wanted = {int(u) for u in data.get("user_ids") or []}
        query = str(data.get("query") or "").lower()
        members = [
            member_payload(world, guild, m)
            for m in guild.members.values()
            if (not wanted or m.user_id in wanted)
            and world.users[m.user_id].username.lower().startswith(query)
        ]
        chunk: dict[str, Any] = {
            "guild_id": str(guild.id),
            "members": members,
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [],
        }
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        self.enqueue_dispatch("GUILD_MEMBERS_CHUNK", chunk, conn=conn)
