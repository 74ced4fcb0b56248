"""Fake Discord gateway: HELLO/IDENTIFY/READY/RESUME/heartbeats, sharded, intent-filtered dispatch.

Several sessions may be connected at once (shards of one process or of several); each event goes
to the sessions whose shard owns its guild (see shards.py). A session survives a dropped
connection (not a clean 1000/1001 close) and RESUME replays what it missed, as on Discord.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import logging
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from .builders import guild_payload, member_payload, user_payload
from .sessions import (
    CLEAN_CLOSES,
    DEFAULT_INTENTS,
    HEARTBEAT_INTERVAL_MS,
    OP_DISPATCH,
    OP_HEARTBEAT,
    OP_HEARTBEAT_ACK,
    OP_HELLO,
    OP_IDENTIFY,
    OP_INVALID_SESSION,
    OP_RECONNECT,
    OP_REQUEST_MEMBERS,
    OP_RESUME,
    Connection,
    Session,
    redact,
    wants,
)
from .shards import Delivery, SessionInfo, event_guild_id, owns, parse_shard
from .state import INTENT_MESSAGE_CONTENT, FakeGuild

if TYPE_CHECKING:
    from .fake import FakeDiscord

log = logging.getLogger(__name__)


class Gateway:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.sessions: dict[str, Session] = {}
        self.connections: set[Connection] = set()
        self.identify_count = 0
        self.resume_count = 0
        self.identify_intents: int | None = None
        self.sent_events: list[tuple[str, dict[str, Any]]] = []
        self.dropped_events: list[tuple[str, dict[str, Any]]] = []
        self.deliveries: list[Delivery] = []
        self._changed = asyncio.Event()

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- state ------------------------------------------------------------------------------
    def live(self) -> list[Connection]:
        """Open connections with an identified (or resumed) session, ordered by shard."""
        conns = [c for c in self.connections if c.session is not None and not c.closed]
        return sorted(conns, key=lambda c: c.session.pair if c.session else (0, 0))

    @property
    def connected(self) -> bool:
        return bool(self.live())

    def session_infos(self) -> list[SessionInfo]:
        infos = []
        for conn in self.live():
            session = conn.session
            assert session is not None
            infos.append(
                SessionInfo(
                    session_id=session.session_id,
                    shard_id=session.pair[0],
                    shard_count=session.pair[1],
                    sharded=session.shard is not None,
                    client=session.client,
                    intents=session.intents,
                    ready=conn.ready,
                )
            )
        return infos

    async def wait_for(self, check: Callable[[], bool], timeout: float, what: str) -> None:
        """Wait until ``check()`` holds; it is re-checked whenever a session changes."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check():
            remaining = deadline - loop.time()
            if remaining <= 0:
                shards = [info.shard for info in self.session_infos()]
                raise TimeoutError(f"timed out after {timeout}s waiting for {what}; live: {shards}")
            event = self._changed
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(remaining):
                    await event.wait()

    # --- outbound ---------------------------------------------------------------------------
    def wants(self, intents: int, event: str, data: dict[str, Any]) -> bool:
        return wants(intents, event, data, self.fake.bot_user_id)

    def _redact(self, intents: int, event: str, data: dict[str, Any]) -> dict[str, Any]:
        return redact(intents, event, data, self.fake.bot_user_id)

    def _targets(self, event: str, data: dict[str, Any]) -> list[Session]:
        """Sessions (connected or awaiting RESUME) whose shard owns the event and want it."""
        guild_id = event_guild_id(event, data)
        return [
            s
            for s in self.sessions.values()
            if s.alive and owns(s.shard, guild_id) and self.wants(s.intents, event, data)
        ]

    def _send(
        self, session: Session, event: str, data: dict[str, Any]
    ) -> asyncio.Future[None] | None:
        """Number the dispatch in ``session``; write it if connected (future), else keep it."""
        body = self._redact(session.intents, event, copy.deepcopy(data))
        session.seq += 1
        frame = json.dumps({"op": OP_DISPATCH, "t": event, "s": session.seq, "d": body})
        session.backlog.append((session.seq, event, body, frame))
        conn = session.conn
        if conn is None or conn.closed:
            return None
        return self._write(conn, session, event, body, frame)

    def _write(
        self, conn: Connection, session: Session, event: str, body: dict[str, Any], frame: str
    ) -> asyncio.Future[None]:
        self.sent_events.append((event, body))
        delivery = Delivery(event, body, session.session_id, session.pair, session.client)
        self.deliveries.append(delivery)
        return self._enqueue_text(conn, frame)

    def route(
        self, event: str, data: dict[str, Any]
    ) -> list[tuple[Session, asyncio.Future[None] | None]]:
        """Send an event to every session that owns it; (session, write future or None)."""
        targets = self._targets(event, data)
        if not targets:
            self.dropped_events.append((event, data))
        return [(session, self._send(session, event, data)) for session in targets]

    def enqueue_dispatch(
        self, event: str, data: dict[str, Any], *, conn: Connection | None = None
    ) -> asyncio.Future[Any] | None:
        """Queue a dispatch (on ``conn`` only, or on every owning session).

        Returns a future resolved once written, or None when no connection got it (no session
        owns the guild, filtered by intents, or the owner is disconnected awaiting RESUME).
        """
        if conn is not None:
            session = conn.session
            if session is None or not self.wants(session.intents, event, data):
                self.dropped_events.append((event, data))
                return None
            return self._send(session, event, data)
        futures = [f for _, f in self.route(event, data) if f is not None]
        if not futures:
            return None
        return futures[0] if len(futures) == 1 else asyncio.gather(*futures)

    def send_guild_create(self, guild: FakeGuild) -> None:
        """GUILD_CREATE of a guild the bot just joined, shaped per session's intents."""
        for session in self._targets("GUILD_CREATE", {"id": str(guild.id)}):
            payload = guild_payload(self.fake.world, guild, intents=session.intents)
            self._send(session, "GUILD_CREATE", payload)

    def _enqueue(self, conn: Connection, payload: dict[str, Any]) -> asyncio.Future[None]:
        return self._enqueue_text(conn, json.dumps(payload))

    def _enqueue_text(self, conn: Connection, text: str) -> asyncio.Future[None]:
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        conn.queue.put_nowait((text, fut))
        return fut

    async def dispatch_to(
        self, event: str, data: dict[str, Any], *, sync: bool = True
    ) -> list[Session]:
        """Send a dispatch; with ``sync`` wait until clients parsed it. Sessions that got it."""
        if not self.connected:
            raise RuntimeError(f"cannot dispatch {event}: no identified gateway connection")
        written = [(s, f) for s, f in self.route(event, data) if f is not None]
        if not written:
            return []
        await asyncio.gather(*(f for _, f in written))
        if sync:
            await self.sync()
        return [s for s, _ in written]

    async def dispatch(self, event: str, data: dict[str, Any], *, sync: bool = True) -> bool:
        """Send a dispatch; with ``sync`` wait until clients parsed it. False if none got it."""
        return bool(await self.dispatch_to(event, data, sync=sync))

    async def sync(self, timeout: float = 5.0) -> None:
        """Barrier: everything queued so far has been received and parsed by every client.

        Sends a server-side HEARTBEAT request (op 1) on each live connection; discord.py
        answers it inline from its receive loop, so its reply proves all earlier frames were
        processed.
        """
        conns = self.live()
        if conns:
            await asyncio.gather(*(self._sync_one(conn, timeout) for conn in conns))

    async def _sync_one(self, conn: Connection, timeout: float) -> None:
        before = conn.heartbeats
        await self._enqueue(conn, {"op": OP_HEARTBEAT, "d": None})
        async with asyncio.timeout(timeout):
            while conn.heartbeats == before and not conn.closed:
                event = conn.changed
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

    async def reconnect(self, timeout: float = 5.0, *, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT to one session (the only one, or shard ``shard_id``'s)."""
        conns = [
            c
            for c in self.live()
            if shard_id is None or (c.session and c.session.pair[0] == shard_id)
        ]
        if len(conns) != 1:
            raise RuntimeError(f"reconnect needs exactly one matching session, found {len(conns)}")
        session = conns[0].session
        assert session is not None
        before = session.resumes
        await self._enqueue(conns[0], {"op": OP_RECONNECT, "d": None})
        await self.wait_for(lambda: session.resumes > before, timeout, "RESUME after op 7")

    async def invalidate_session(
        self, timeout: float = 15.0, *, shard_id: int | None = None
    ) -> None:
        """Send op 9 INVALID_SESSION (not resumable) to one session; wait for its new READY.

        What Discord does when it drops a session: the client must IDENTIFY again, and
        whatever happened in between reaches it only through REST.
        """
        conns = [
            c
            for c in self.live()
            if shard_id is None or (c.session and c.session.pair[0] == shard_id)
        ]
        if len(conns) != 1:
            raise RuntimeError(f"invalidating needs exactly one session, found {len(conns)}")
        session = conns[0].session
        assert session is not None
        session.alive = False
        before = self.identify_count

        def identified_again() -> bool:
            fresh = [c for c in self.live() if c.session is not session and c.ready]
            return self.identify_count > before and bool(fresh)

        await self._enqueue(conns[0], {"op": OP_INVALID_SESSION, "d": False})
        await self.wait_for(identified_again, timeout, "IDENTIFY and READY after op 9")

    async def close_all(self) -> None:
        for conn in list(self.connections):
            if conn.writer is not None:
                conn.writer.cancel()
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001)
        self.connections.clear()

    # --- inbound ----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        conn = Connection(ws=ws, client=request.match_info.get("client"))
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
            self._closed(conn, ws.close_code)
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

    def _closed(self, conn: Connection, code: int | None) -> None:
        conn.closed = True
        self.connections.discard(conn)
        session = conn.session
        if session is not None and session.conn is conn:
            session.conn = None
            if code in CLEAN_CLOSES:
                session.alive = False
        conn.bump()
        self._bump()

    async def _on_message(self, conn: Connection, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            conn.heartbeats += 1
            conn.bump()
            self._enqueue(conn, {"op": OP_HEARTBEAT_ACK, "d": None})
        elif op == OP_IDENTIFY:
            await self._identify(conn, data or {})
        elif op == OP_RESUME:
            await self._resume(conn, data or {})
        elif op == OP_REQUEST_MEMBERS:
            self._members_chunk(conn, data or {})

    def _valid_token(self, data: dict[str, Any]) -> bool:
        return data.get("token") in (self.fake.token, f"Bot {self.fake.token}")

    async def _refuse_identify(self, conn: Connection, data: dict[str, Any]) -> bool:
        """Close the connection as Discord does for a bad IDENTIFY; True if refused."""
        fake = self.fake
        refusal: tuple[int, bytes] | None = None
        intents = int(data.get("intents", DEFAULT_INTENTS))
        try:
            shard = parse_shard(data.get("shard"))
        except ValueError:
            refusal = (4010, b"Invalid shard.")
        else:
            held = sum(owns(shard, gid) for gid in fake.world.guilds)
            if held > fake.max_guilds_per_shard:
                refusal = (4011, b"Sharding required.")
        if intents & INTENT_MESSAGE_CONTENT and not fake.message_content_allowed:
            refusal = (4014, b"Disallowed intent(s).")
        if not self._valid_token(data):
            refusal = (4004, b"Authentication failed.")
        if refusal is not None:
            await conn.ws.close(code=refusal[0], message=refusal[1])
        return refusal is not None

    async def _identify(self, conn: Connection, data: dict[str, Any]) -> None:
        fake = self.fake
        intents = int(data.get("intents", DEFAULT_INTENTS))
        self.identify_intents = intents
        if await self._refuse_identify(conn, data):
            return
        shard = parse_shard(data.get("shard"))
        self.identify_count += 1
        session = Session(
            session_id=secrets.token_hex(16), intents=intents, shard=shard, client=conn.client
        )
        self.sessions[session.session_id] = session
        conn.session, session.conn = session, conn
        self._bump()
        world = fake.world
        guilds = [g for g in world.guilds.values() if owns(shard, g.id)]
        last = self._send(session, "READY", self._ready_payload(session, guilds))
        for guild in guilds:
            if self.wants(intents, "GUILD_CREATE", {}):
                payload = guild_payload(world, guild, intents=intents)
                last = self._send(session, "GUILD_CREATE", payload) or last
        if last is not None:
            await last
        conn.ready = True
        self._bump()

    def _ready_payload(self, session: Session, guilds: list[FakeGuild]) -> dict[str, Any]:
        fake = self.fake
        bot = fake.world.users[fake.bot_user_id]
        ready: dict[str, Any] = {
            "v": 10,
            "user": {**user_payload(bot), "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": fake.gateway_url_for(session.client),
            "application": {"id": str(fake.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": ["local"],
            "user_settings": {},
            "_trace": ["fakediscord"],
        }
        if session.shard is not None:
            ready["shard"] = list(session.shard)
        return ready

    async def _resume(self, conn: Connection, data: dict[str, Any]) -> None:
        session = self.sessions.get(str(data.get("session_id")))
        seq = int(data.get("seq") or 0)
        missed = [entry for entry in session.backlog if entry[0] > seq] if session else []
        lost = session is not None and seq < session.seq and (not missed or missed[0][0] > seq + 1)
        if session is None or not session.alive or lost or not self._valid_token(data):
            self._enqueue(conn, {"op": OP_INVALID_SESSION, "d": False})
            return
        old, session.conn, conn.session = session.conn, conn, session
        if old is not None and old is not conn:
            with contextlib.suppress(Exception):
                await old.ws.close(code=4000)
        for _, event, body, frame in missed:
            self._write(conn, session, event, body, frame)
        fut = self._send(session, "RESUMED", {"_trace": ["fakediscord"]})
        if fut is not None:
            await fut
        session.resumes += 1
        self.resume_count += 1
        conn.ready = True
        self._bump()

    def _members_chunk(self, conn: Connection, data: dict[str, Any]) -> None:
        world = self.fake.world
        guild = world.guilds.get(int(data.get("guild_id", 0)))
        if guild is None or conn.session is None:
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
        self._send(conn.session, "GUILD_MEMBERS_CHUNK", chunk)
