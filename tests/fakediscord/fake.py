"""FakeDiscord: the public façade tying state, REST and gateway together."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote

from aiohttp import web

from .builders import (
    channel_payload,
    member_payload,
    message_payload,
    message_text,
    role_payload,
    user_payload,
)
from .gateway import Gateway
from .helpers import EventHelpers, ThreadHelpers
from .server import HttpError, Recorded, Reply, RestApi
from .shards import DEFAULT_GUILDS_PER_SHARD, ShardHelpers
from .state import (
    ALL_PERMISSIONS,
    BOT_DEFAULT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    EPHEMERAL,
    LOADING,
    Channel,
    FakeGuild,
    Member,
    Overwrite,
    Role,
    SnowflakeGen,
    World,
    emoji_key,
    emoji_payload,
    iso_now,
)
from .threads import check_post, remove_thread, unarchive_for_post
from .validate import (
    Problem,
    check_autocomplete,
    check_message,
    check_modal,
    error_tree,
    prefixed,
)

if TYPE_CHECKING:
    from .server import Req

T = TypeVar("T")

APP_ID = 1180712345678901248  # the bot user id equals the application id, as on real Discord
APP_OWNER_ID = 1180700000000000001
# Shaped like a real bot token: base64url(application id) . timestamp . HMAC.
TOKEN = "MTE4MDcxMjM0NTY3ODkwMTI0OA.GfAkE1.fake-hmac-0123456789abcdefghijklmnopq"
INTERACTION_DEADLINE = 3.0  # seconds Discord waits for the first interaction response
# interaction type -> the callback types that may answer it (6/7 need a message to update)
CALLBACK_TYPES: dict[int, tuple[int, ...]] = {
    2: (4, 5, 9),  # application command
    3: (4, 5, 6, 7, 9),  # message component
    4: (8,),  # autocomplete
    5: (4, 5, 6, 7),  # modal submit
}

# application command option types
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = range(3, 12)


@dataclass
class InteractionState:
    id: int
    token: str
    type: int
    guild_id: int | None
    channel_id: int
    user_id: int
    payload: dict[str, Any]
    message_id: int | None = None
    acked: bool = False
    callback_type: int | None = None
    original_message_id: int | None = None
    message_ids: list[int] = field(default_factory=list)
    choices: list[dict[str, Any]] | None = None
    modal: dict[str, Any] | None = None
    dispatched_at: float = 0.0  # loop.time() of INTERACTION_CREATE (not the wall clock)
    acked_at: float = 0.0  # loop.time() of the accepted first response (0: not answered)
    created_wall: float = field(default_factory=time.time)  # the token's 15 minutes start here
    delivered_to: list[tuple[int, int]] = field(default_factory=list)  # shards that got it


class Gate:
    """Holds matching REST requests before Discord reads its state, until released.

    For interleaving what fans do with a slow read (e.g. the bot's start-up read of a poll's
    reactions): a held request sees the world as it is when released, like a request that
    reaches Discord late.
    """

    def __init__(self, method: str, path_regex: str) -> None:
        self.method = method.upper()
        self.pattern = re.compile(path_regex)
        self.is_open = False
        self.passed: list[str] = []  # paths released (or let through while open), in order
        self._held: list[tuple[str, asyncio.Event]] = []
        self._changed = asyncio.Event()

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and self.pattern.fullmatch(path) is not None

    async def hold(self, path: str) -> None:
        if not self.is_open:
            released = asyncio.Event()
            self._held.append((path, released))
            self._changed.set()
            await released.wait()
        self.passed.append(path)

    @property
    def held(self) -> list[str]:
        return [path for path, _ in self._held]

    async def next(self, timeout: float = 5.0) -> str:
        """Wait until a request is held; return its path (it stays held)."""
        async with asyncio.timeout(timeout):
            while not self._held:
                self._changed.clear()
                await self._changed.wait()
        return self._held[0][0]

    def release(self) -> str:
        """Let the oldest held request through; return its path."""
        path, released = self._held.pop(0)
        released.set()
        return path

    def open(self) -> None:
        """Let every held request through, and stop holding new ones."""
        self.is_open = True
        while self._held:
            self.release()


class Interaction:
    """Handle for an injected interaction."""

    def __init__(self, fake: FakeDiscord, state: InteractionState, since: int = 0) -> None:
        self._fake = fake
        self._state = state
        # Replies to it are among the requests made after it was sent: look only there
        # (scanning every request since the start made each wait slower than the last).
        self._since = since
        self.id = state.id
        self.token = state.token
        self.payload = state.payload

    @property
    def _callback_re(self) -> str:
        return rf"/interactions/{self.id}/{re.escape(self.token)}/callback"

    @property
    def _webhook_re(self) -> str:
        return rf"/webhooks/{self._fake.app_id}/{re.escape(self.token)}"

    def _callback(self) -> Recorded | None:
        found = self._fake.find_requests("POST", self._callback_re, after=self._since)
        return found[0] if found else None

    async def response(self, timeout: float = 5.0) -> Recorded:
        """The interaction callback request (json has ``type`` and ``data``)."""
        return await self._fake.wait_for_request(
            "POST", self._callback_re, timeout=timeout, after=self._since
        )

    async def followups(self, n: int = 1, timeout: float = 5.0) -> list[Recorded]:
        """Wait until at least ``n`` followup messages were posted; returns all of them."""

        def check() -> list[Recorded] | None:
            found = self._fake.find_requests("POST", self._webhook_re, after=self._since)
            return found if len(found) >= n else None

        return await self._fake._wait_until(check, timeout, f"{n} followup(s) for {self.id}")

    async def edits(self, n: int = 1, timeout: float = 5.0) -> list[Recorded]:
        """Wait until at least ``n`` PATCHes of the original/followup messages were made."""

        def check() -> list[Recorded] | None:
            found = self._fake.find_requests(
                "PATCH", self._webhook_re + r"/messages/.+", after=self._since
            )
            return found if len(found) >= n else None

        return await self._fake._wait_until(check, timeout, f"{n} edit(s) for {self.id}")

    async def reply_text(self, timeout: float = 5.0) -> str:
        """Text (content + embed text) of the first visible reply for this interaction."""
        cb = await self.response(timeout)
        body = cb.json or {}
        if body.get("type") in (4, 7):
            return message_text(body.get("data"))
        if body.get("type") not in (5, 6):
            return ""
        start = next(
            i for i in range(self._since, len(self._fake.requests)) if self._fake.requests[i] is cb
        )
        pattern = re.compile(self._webhook_re + r"(/messages/(@original|\d+))?")

        def check() -> Recorded | None:
            for rec in self._fake.requests[start + 1 :]:
                if rec.method in ("POST", "PATCH") and pattern.fullmatch(rec.path):
                    return rec
            return None

        rec = await self._fake._wait_until(check, timeout, f"reply to interaction {self.id}")
        return message_text(rec.json)

    @property
    def is_ephemeral(self) -> bool:
        cb = self._callback()
        if cb is None:
            raise RuntimeError("no callback recorded yet; await itx.response() first")
        body = cb.json or {}
        if body.get("type") in (6, 7):
            msg = self.original_message
            return bool(msg and int(msg.get("flags", 0)) & EPHEMERAL)
        return bool(int((body.get("data") or {}).get("flags") or 0) & EPHEMERAL)

    @property
    def acknowledged(self) -> bool:
        return self._state.acked

    @property
    def delivered_to(self) -> list[tuple[int, int]]:
        """``(shard_id, shard_count)`` of each session INTERACTION_CREATE was written to."""
        return list(self._state.delivered_to)

    @property
    def choices(self) -> list[dict[str, Any]] | None:
        return self._state.choices

    @property
    def modal(self) -> dict[str, Any] | None:
        """The modal the bot answered with (callback type 9), if any."""
        return self._state.modal

    @property
    def response_message_id(self) -> int | None:
        """Id of the message the callback created or updated (None until answered / if none)."""
        return self._state.original_message_id

    @property
    def original_message(self) -> dict[str, Any] | None:
        mid = self._state.original_message_id
        return self._fake.world.find_message(None, mid) if mid is not None else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Original response (if it is a message) plus followups, current state."""
        ids = [self._state.original_message_id, *self._state.message_ids]
        out = []
        for mid in ids:
            if mid is not None:
                msg = self._fake.world.find_message(None, mid)
                if msg is not None:
                    out.append(msg)
        return out


class FakeDiscord(ShardHelpers, ThreadHelpers, EventHelpers):
    """Protocol-level fake Discord (REST + gateway) on 127.0.0.1."""

    def __init__(self) -> None:
        self.app_id = APP_ID
        self.bot_user_id = APP_ID
        self.app_owner_id = APP_OWNER_ID
        self.token = TOKEN
        self.snowflake = SnowflakeGen()
        self.world = World(self.bot_user_id, self.snowflake)
        self.world.ensure_user(self.bot_user_id, "DramaBot", bot=True)
        self.world.ensure_user(self.app_owner_id, "appowner")
        self.gateway = Gateway(self)
        self.rest = RestApi(self)
        self.message_content_allowed = True
        self.recommended_shards = 1  # GET /gateway/bot's "shards"
        self.max_guilds_per_shard = DEFAULT_GUILDS_PER_SHARD  # beyond it IDENTIFY gets 4011
        self.max_concurrency = 1  # session_start_limit.max_concurrency
        self.requests: list[Recorded] = []
        self.rate_limited: list[Recorded] = []
        self.unknown_routes: list[str] = []
        # requests real Discord would refuse (400 Invalid Form Body, a second or late
        # interaction response): answered like Discord does, and the `fake` fixture fails on them
        self.violations: list[str] = []
        self.interaction_deadline = INTERACTION_DEADLINE
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.modals: dict[str, dict[str, Any]] = {}
        self.attachment_blobs: dict[int, tuple[str, bytes, str | None]] = {}
        self.interactions: list[InteractionState] = []
        self._itx_by_id: dict[int, InteractionState] = {}
        self._itx_by_token: dict[str, InteractionState] = {}
        self._rate_limits: list[tuple[str, re.Pattern[str], float]] = []
        self.global_limit: int | None = None  # requests per second; see enforce_global_limit
        self._global_window: deque[float] = deque()
        self.gates: list[Gate] = []
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def api_url_for(self, client: str) -> str:
        """REST base for one bot process: its requests are recorded with ``client`` set.

        Not something Discord has: a test-only tag in the URL so a test can tell which of
        several processes made a request. ``GET /gateway/bot`` through it answers the matching
        ``gateway_url_for(client)``, and that session's deliveries carry the tag too.
        """
        return f"{self.base_url}/c/{quote(client)}/api/v10"

    def gateway_url_for(self, client: str | None) -> str:
        """Gateway URL for one bot process (see ``api_url_for``); None: the plain one."""
        if client is None:
            return self.gateway_url
        return f"ws://127.0.0.1:{self.port}/c/{quote(client)}/gateway"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        for prefix in ("", "/c/{client}"):
            app.router.add_get(f"{prefix}/gateway", self.gateway.handle)
            app.router.add_get(f"{prefix}/gateway/", self.gateway.handle)
        app.router.add_get("/attachments/{aid}/{name}", self._serve_attachment)
        app.router.add_route("*", "/{tail:.*}", self.rest.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        blob = self.attachment_blobs.get(int(request.match_info["aid"]))
        if blob is None:
            return web.Response(status=404)
        _, data, ctype = blob
        return web.Response(body=data, content_type=ctype or "application/octet-stream")

    # --- gateway passthroughs ---------------------------------------------------------------
    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def resume_count(self) -> int:
        return self.gateway.resume_count

    @property
    def identify_intents(self) -> int:
        """Intents bitfield of the last IDENTIFY (0 before the first one)."""
        return self.gateway.identify_intents or 0

    def messages_for_interaction(self, itx: Interaction) -> list[dict[str, Any]]:
        """Current state of the original response message (if any) and all followups."""
        return itx.messages

    async def wait_until_ready(self, timeout: float = 5.0) -> None:
        """A session is connected, and every connected one got READY and its GUILD_CREATEs.

        With several shards starting one after the other, use ``wait_for_shards``.
        """

        def check() -> bool:
            infos = self.sessions()
            return bool(infos) and all(info.ready for info in infos)

        await self.gateway.wait_for(check, timeout, "a ready gateway session")

    async def reconnect(self, timeout: float = 5.0, *, shard_id: int | None = None) -> None:
        """Send op 7 RECONNECT (to shard ``shard_id``'s session) and wait until it RESUMEs."""
        await self.gateway.reconnect(timeout, shard_id=shard_id)

    async def invalidate_session(
        self, timeout: float = 15.0, *, shard_id: int | None = None
    ) -> None:
        """Send op 9 INVALID_SESSION (to shard ``shard_id``'s session); wait for a new READY."""
        await self.gateway.invalidate_session(timeout, shard_id=shard_id)

    async def dispatch(self, event: str, data: dict[str, Any]) -> bool:
        """Send an arbitrary dispatch event (filtered by intents). False if filtered."""
        return await self.gateway.dispatch(event, data)

    async def sync(self, timeout: float = 5.0) -> None:
        """Wait until every connected session has parsed every gateway event sent so far.

        Needed after the synchronous world-state helpers (add_role, add_channel, ...) when the
        bot is connected: their gateway events are queued fire-and-forget. Injection coroutines
        (post_message, add_reaction, slash, ...) already do this before returning.
        """
        await self.gateway.sync(timeout)

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        """Fire-and-forget dispatch to the sessions owning its guild (ordering is preserved)."""
        self.gateway.enqueue_dispatch(event, data)

    # --- world state ------------------------------------------------------------------------
    @property
    def messages(self) -> dict[int, list[dict[str, Any]]]:
        """Channel id -> non-ephemeral messages in post order (missing channel -> [])."""
        return self.world.messages

    @property
    def guilds(self) -> dict[int, FakeGuild]:
        return self.world.guilds

    def get_message(self, channel_id: int | None, message_id: int) -> dict[str, Any] | None:
        return self.world.find_message(channel_id, message_id)

    def reaction_users(self, channel_id: int, message_id: int, emoji: str) -> list[int]:
        return self.world.reaction_users(message_id, emoji)

    def add_guild(
        self,
        name: str = "Drama Club",
        owner_id: int | None = None,
        *,
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """A guild with the bot in it; ``shard=(id, count)`` picks an id on that shard."""
        world = self.world
        gid = self.snowflake.on_shard(*shard) if shard is not None else self.snowflake()
        owner = world.ensure_user(owner_id, "owner")
        bot_role = Role(
            id=self.snowflake(),
            name="DramaBot",
            permissions=BOT_DEFAULT_PERMISSIONS,
            position=1,
            managed=True,
            tags={"bot_id": str(self.bot_user_id)},
        )
        guild = FakeGuild(id=gid, name=name, owner_id=owner.id, bot_role_id=bot_role.id)
        guild.roles[gid] = Role(
            id=gid, name="@everyone", permissions=DEFAULT_EVERYONE_PERMISSIONS, position=0
        )
        guild.roles[bot_role.id] = bot_role
        guild.members[owner.id] = Member(user_id=owner.id, roles=[], joined_at=iso_now())
        guild.members[self.bot_user_id] = Member(
            user_id=self.bot_user_id, roles=[bot_role.id], joined_at=iso_now()
        )
        world.guilds[gid] = guild
        general = Channel(id=self.snowflake(), guild_id=gid, name="general", position=0)
        guild.channels[general.id] = general
        world.channels[general.id] = general
        guild.default_channel_id = general.id
        self.gateway.send_guild_create(guild)
        return guild

    def remove_bot(self, guild_id: int) -> None:
        """The bot is kicked (or leaves): GUILD_DELETE without `unavailable`, REST then 403s."""
        del self._guild(guild_id).members[self.bot_user_id]
        self._emit("GUILD_DELETE", {"id": str(guild_id)})

    def _guild(self, guild_id: int) -> FakeGuild:
        try:
            return self.world.guilds[guild_id]
        except KeyError:
            raise KeyError(f"unknown fake guild {guild_id}") from None

    def add_channel(
        self,
        guild_id: int,
        name: str,
        *,
        channel_id: int | None = None,
        type: int = 0,
        parent_id: int | None = None,
        topic: str | None = None,
    ) -> int:
        guild = self._guild(guild_id)
        ch = Channel(
            id=channel_id or self.snowflake(),
            guild_id=guild_id,
            name=name,
            type=type,
            position=len(guild.channels),
            parent_id=parent_id,
            topic=topic,
        )
        guild.channels[ch.id] = ch
        self.world.channels[ch.id] = ch
        self.world.deleted_channels.discard(ch.id)
        self._emit("CHANNEL_CREATE", channel_payload(self.world, ch))
        return ch.id

    def add_role(
        self,
        guild_id: int,
        name: str,
        *,
        permissions: int = 0,
        role_id: int | None = None,
        position: int | None = None,
    ) -> int:
        """New roles go to the bottom (position 1, below the bot) unless ``position`` is given."""
        guild = self._guild(guild_id)
        pos = max(1, position if position is not None else 1)
        shifted = []
        for role in guild.roles.values():
            if role.id != guild.id and role.position >= pos:
                role.position += 1
                shifted.append(role)
        role = Role(
            id=role_id or self.snowflake(), name=name, permissions=permissions, position=pos
        )
        guild.roles[role.id] = role
        self._emit("GUILD_ROLE_CREATE", {"guild_id": str(guild_id), "role": role_payload(role)})
        for other in shifted:
            self._emit(
                "GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role_payload(other)}
            )
        return role.id

    def add_member(
        self,
        guild_id: int,
        *,
        user_id: int | None = None,
        name: str = "fan",
        roles: Iterable[int] = (),
        bot: bool = False,
    ) -> int:
        guild = self._guild(guild_id)
        user = self.world.ensure_user(user_id, name, bot=bot)
        member = Member(user_id=user.id, roles=list(roles), joined_at=iso_now())
        guild.members[user.id] = member
        self._emit(
            "GUILD_MEMBER_ADD",
            {"guild_id": str(guild_id), **member_payload(self.world, guild, member)},
        )
        return user.id

    def set_member_roles(self, guild_id: int, user_id: int, roles: Iterable[int]) -> None:
        guild = self._guild(guild_id)
        guild.members[user_id].roles = list(roles)
        self._announce_member_update(guild, user_id)

    def set_bot_permissions(
        self, guild_id: int, permissions: int, channel_id: int | None = None
    ) -> None:
        """Guild level: the bot's effective permissions become exactly ``permissions``.

        Implemented as the bot role's permissions plus a synthetic member overwrite in every
        channel denying what @everyone would otherwise grant. With ``channel_id``: a member
        overwrite for the bot in that channel (allow=permissions, deny=everything else).
        """
        guild = self._guild(guild_id)
        if channel_id is None:
            guild.roles[guild.bot_role_id].permissions = permissions
            guild.bot_perm_mask = permissions
            role = guild.roles[guild.bot_role_id]
            self._emit("GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": role_payload(role)})
            for ch in guild.channels.values():
                self._emit("CHANNEL_UPDATE", channel_payload(self.world, ch))
            return
        ch = guild.channels[channel_id]
        ch.overwrites[self.bot_user_id] = Overwrite(
            id=self.bot_user_id, type=1, allow=permissions, deny=ALL_PERMISSIONS & ~permissions
        )
        self._emit("CHANNEL_UPDATE", channel_payload(self.world, ch))

    def dm_channel(self, user_id: int) -> int:
        return self._dm_channel(user_id).id

    def _dm_channel(self, user_id: int) -> Channel:
        cid = self.world.dm_channels.get(user_id)
        if cid is not None:
            return self.world.channels[cid]
        ch = Channel(id=self.snowflake(), guild_id=None, name="", type=1, recipient_id=user_id)
        self.world.channels[ch.id] = ch
        self.world.dm_channels[user_id] = ch.id
        return ch

    async def delete_channel(self, channel_id: int) -> None:
        """Delete a channel: later REST on it answers 404 Unknown Channel; CHANNEL_DELETE sent."""
        ch = self.world.channels.get(channel_id)
        if ch is None:
            raise KeyError(f"unknown channel {channel_id}")
        if ch.thread is not None:
            raise ValueError(f"{channel_id} is a thread: use delete_thread")
        payload = channel_payload(self.world, ch)
        del self.world.channels[channel_id]
        if ch.guild_id is not None:
            guild = self.world.guilds[ch.guild_id]
            guild.channels.pop(channel_id, None)
            for thread in [t for t in guild.threads.values() if t.parent_id == channel_id]:
                remove_thread(self.world, thread)  # they go with their channel
        self.world.deleted_channels.add(channel_id)
        if self.gateway.connected:
            await self.gateway.dispatch("CHANNEL_DELETE", payload)

    # --- recording --------------------------------------------------------------------------
    def _record(self, rec: Recorded) -> None:
        self.requests.append(rec)
        self._bump()

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_until(self, check: Callable[[], T | None], timeout: float, what: str) -> T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = check()
            if result is not None:
                return result
            event = self._changed
            remaining = deadline - loop.time()
            if remaining <= 0:
                recent = "\n  ".join(
                    f"{r.method} {r.path} -> {r.status}" for r in self.requests[-15:]
                )
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}; recent:\n  {recent}"
                )
            try:
                async with asyncio.timeout(remaining):
                    await event.wait()
            except TimeoutError:
                pass

    def find_requests(self, method: str, path_regex: str, *, after: int = 0) -> list[Recorded]:
        """Requests (index >= ``after``) whose path ``re.fullmatch``es ``path_regex``."""
        pattern = re.compile(path_regex)
        method = method.upper()
        return [
            r for r in self.requests[after:] if r.method == method and pattern.fullmatch(r.path)
        ]

    async def wait_for_request(
        self,
        method: str,
        path_regex: str,
        *,
        predicate: Callable[[Recorded], bool] | None = None,
        timeout: float = 5.0,
        after: int = 0,
    ) -> Recorded:
        """First request (index >= ``after``) whose path ``re.fullmatch``es ``path_regex``."""
        pattern = re.compile(path_regex)
        method = method.upper()

        def check() -> Recorded | None:
            for rec in self.requests[after:]:
                matched = rec.method == method and pattern.fullmatch(rec.path)
                if matched and (predicate is None or predicate(rec)):
                    return rec
            return None

        return await self._wait_until(check, timeout, f"{method} {path_regex}")

    def gate(self, method: str, path_regex: str) -> Gate:
        """Hold matching requests until the test releases them (see `Gate`)."""
        gate = Gate(method, path_regex)
        self.gates.append(gate)
        return gate

    async def pass_gates(self, method: str, path: str) -> None:
        for gate in list(self.gates):
            if gate.matches(method, path):
                await gate.hold(path)

    def rate_limit_next(self, method: str, path_regex: str, retry_after: float = 0.01) -> None:
        self._rate_limits.append((method.upper(), re.compile(path_regex), retry_after))

    def enforce_global_limit(self, per_second: int | None) -> None:
        """Answer 429 (global) past `per_second` bot requests in any second.

        Discord does so at 50; interaction callbacks and webhooks are exempt, as on Discord.
        None switches it off.
        """
        self.global_limit = per_second
        self._global_window.clear()

    def _take_global(self, path: str) -> float | None:
        if self.global_limit is None or path.startswith(("/interactions/", "/webhooks/")):
            return None
        now = time.monotonic()
        window = self._global_window
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self.global_limit:
            return round(1.0 - (now - window[0]), 3) or 0.001
        window.append(now)
        return None

    def _take_rate_limit(self, method: str, path: str) -> float | None:
        for i, (meth, pattern, retry) in enumerate(self._rate_limits):
            if meth == method and pattern.fullmatch(path):
                del self._rate_limits[i]
                return retry
        return None

    # --- validation (what real Discord refuses) ---------------------------------------------
    def _violation(self, req: Req, what: str) -> None:
        self.violations.append(f"{req.method} {req.path}: {what}")

    def _check_body(self, req: Req, problems: list[Problem]) -> None:
        """Record and refuse a request whose body real Discord would answer with a 400."""
        if not problems:
            return
        for problem in problems:
            self._violation(req, str(problem))
        if all(p.code == "50006" for p in problems):
            raise HttpError(400, 50006, "Cannot send an empty message")
        real = [p for p in problems if p.code != "50006"]
        raise HttpError(400, 50035, "Invalid Form Body", error_tree(real))

    def _check_callback(self, state: InteractionState, req: Req, ctype: int) -> None:
        """The interaction is still answerable, once, in time; its body is one Discord takes."""
        if state.acked:
            self._violation(req, f"interaction {state.id} answered twice")
            raise HttpError(400, 40060, "Interaction has already been acknowledged.")
        late = asyncio.get_running_loop().time() - state.dispatched_at
        if late > self.interaction_deadline:
            what = _interaction_label(state)
            self._violation(req, f"interaction not answered within 3 s ({what}: {late:.2f} s)")
            raise HttpError(404, 10062, "Unknown interaction")
        if ctype not in CALLBACK_TYPES.get(state.type, ()) or (
            ctype in (6, 7) and state.message_id is None
        ):
            what = f"callback type {ctype} is not an answer to interaction type {state.type}"
            self._check_body(req, [Problem(("type",), "INTERACTION_RESPONSE_TYPE_INVALID", what)])
        body = req.json if isinstance(req.json, dict) else {}
        data = body.get("data")
        if ctype == 4:
            self._check_body(req, prefixed("data", check_message(data, files=len(req.uploads))))
        elif ctype == 7:
            current = self.world.find_message(None, state.message_id or 0)
            found = check_message(data or {}, files=len(req.uploads), edit=True, current=current)
            self._check_body(req, prefixed("data", found))
        elif ctype == 8:
            self._check_body(req, check_autocomplete(data))
        elif ctype == 9:
            self._check_body(req, check_modal(data))

    # --- helpers used by the REST side ------------------------------------------------------
    def _store_attachment(
        self,
        filename: str,
        data: bytes,
        content_type: str | None,
        entry: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        aid = self.snowflake()
        self.attachment_blobs[aid] = (filename, data, content_type)
        url = f"{self.base_url}/attachments/{aid}/{quote(filename)}"
        out: dict[str, Any] = {
            "id": str(aid),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }
        if entry and entry.get("description"):
            out["description"] = entry["description"]
        return out

    def _reaction_event_payload(
        self, event: str, msg: dict[str, Any], key: str, user_id: int
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": msg["channel_id"],
            "message_id": msg["id"],
            "emoji": emoji_payload(key),
            "type": 0,
            "burst": False,
            "burst_colors": [],
        }
        if event == "MESSAGE_REACTION_ADD":
            data["message_author_id"] = msg["author"]["id"]
        gid = msg.get("guild_id")
        if gid:
            data["guild_id"] = gid
            guild = self.world.guilds.get(int(gid))
            member = guild.members.get(user_id) if guild else None
            if event == "MESSAGE_REACTION_ADD" and guild is not None and member is not None:
                data["member"] = member_payload(self.world, guild, member)
        return data

    def _announce_delete(self, msg: dict[str, Any]) -> None:
        if int(msg.get("flags", 0)) & EPHEMERAL:
            return
        data = {"id": msg["id"], "channel_id": msg["channel_id"]}
        if msg.get("guild_id"):
            data["guild_id"] = msg["guild_id"]
        self._emit("MESSAGE_DELETE", data)

    def _announce_member_update(self, guild: FakeGuild, user_id: int) -> None:
        member = guild.members[user_id]
        self._emit(
            "GUILD_MEMBER_UPDATE",
            {"guild_id": str(guild.id), **member_payload(self.world, guild, member)},
        )

    async def _interaction_callback(self, rest: RestApi, iid: int, token: str, req: Req) -> Reply:
        state = self._itx_by_id.get(iid)
        if state is None or state.token != token:
            raise HttpError(404, 10062, "Unknown interaction")
        body = req.json if isinstance(req.json, dict) else {}
        ctype = int(body.get("type", 0))
        self._check_callback(state, req, ctype)
        data = body.get("data") or {}
        info: dict[str, Any] = {
            "id": str(iid),
            "type": state.type,
            "activity_instance_id": None,
            "response_message_id": None,
            "response_message_loading": False,
            "response_message_ephemeral": False,
        }
        resource: dict[str, Any] = {"type": ctype}
        if ctype in (4, 5):
            payload = (
                data
                if ctype == 4
                else {"content": "", "flags": int(data.get("flags") or 0) | LOADING}
            )
            msg_type = {2: 20, 3: 0, 5: 0}.get(state.type, 0)
            user = self.world.users[state.user_id]
            extra = {
                "webhook_id": str(self.app_id),
                "application_id": str(self.app_id),
                "interaction_metadata": {
                    "id": str(iid),
                    "type": state.type,
                    "user": user_payload(user),
                },
            }
            msg = rest._new_message(
                state.channel_id, payload, req.uploads, msg_type=msg_type, extra=extra
            )
            ephemeral = bool(int(msg["flags"]) & EPHEMERAL)
            self.world.store_message(msg, listed=not ephemeral)
            state.original_message_id = int(msg["id"])
            info.update(
                response_message_id=msg["id"],
                response_message_loading=ctype == 5,
                response_message_ephemeral=ephemeral,
            )
            rest._announce("MESSAGE_CREATE", msg)
            resource["message"] = msg
        elif ctype in (6, 7):
            if state.message_id is None:
                raise HttpError(400, 50035, "Invalid Form Body (no message to update)")
            state.original_message_id = state.message_id
            info["response_message_id"] = str(state.message_id)
            msg_or_none = self.world.find_message(None, state.message_id)
            if ctype == 7 and msg_or_none is not None:
                rest._apply_edit(msg_or_none, data, req.uploads)
                rest._announce("MESSAGE_UPDATE", msg_or_none)
                resource["message"] = msg_or_none
        elif ctype == 8:
            state.choices = list(data.get("choices") or [])
        elif ctype == 9:
            state.modal = data
            self.modals[str(data.get("custom_id"))] = data
        else:
            raise HttpError(400, 50035, f"Invalid Form Body (callback type {ctype})")
        state.acked = True
        state.acked_at = asyncio.get_running_loop().time()
        state.callback_type = ctype
        return Reply(200, {"interaction": info, "resource": resource})

    # --- injection: messages and reactions --------------------------------------------------
    async def post_message(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        content: str,
        *,
        attachments: Sequence[tuple[str, bytes, str]] = (),
        embeds: list[dict[str, Any]] | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE). Returns the full stored message.

        In an archived thread the post unarchives it first (THREAD_UPDATE), as on Discord.
        """
        channel = self.world.channels.get(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel {channel_id}")
        try:
            unarchives = check_post(self.world, channel, user_id)
        except HttpError as exc:
            raise ValueError(f"Discord refuses this post: {exc}") from None
        if unarchives:
            unarchive_for_post(self, channel)
        atts = [self._store_attachment(name, data, ctype) for name, data, ctype in attachments]
        extra: dict[str, Any] = {}
        if reply_to is not None:
            extra["type"] = 19
            extra["message_reference"] = {
                "message_id": str(reply_to),
                "channel_id": str(channel_id),
            }
            if guild_id:
                extra["message_reference"]["guild_id"] = str(guild_id)
            extra["referenced_message"] = self.world.find_message(None, reply_to)
        msg = message_payload(
            self.world,
            message_id=self.snowflake(),
            channel_id=channel_id,
            author_id=user_id,
            content=content,
            attachments=atts,
            embeds=embeds,
            extra=extra,
        )
        self.world.store_message(msg)
        if self.gateway.connected:
            await self.gateway.dispatch("MESSAGE_CREATE", msg)
        return msg

    async def delete_message(self, guild_id: int | None, channel_id: int, message_id: int) -> None:
        msg = self.world.remove_message(message_id)
        data = {"id": str(message_id), "channel_id": str(channel_id)}
        if guild_id:
            data["guild_id"] = str(guild_id)
        if msg is None:
            raise KeyError(f"unknown message {message_id}")
        if self.gateway.connected:
            await self.gateway.dispatch("MESSAGE_DELETE", data)

    def _message_or_raise(self, channel_id: int, message_id: int) -> dict[str, Any]:
        msg = self.world.find_message(channel_id, message_id)
        if msg is None:
            raise KeyError(f"unknown message {message_id} in channel {channel_id}")
        return msg

    def add_reaction_offline(
        self, guild_id: int | None, channel_id: int, message_id: int, user_id: int, emoji: str
    ) -> bool:
        """Change reaction state only (no gateway event), e.g. votes while the bot is down."""
        self._message_or_raise(channel_id, message_id)
        return self.world.add_reaction(message_id, emoji, user_id)

    def remove_reaction_offline(
        self, guild_id: int | None, channel_id: int, message_id: int, user_id: int, emoji: str
    ) -> bool:
        self._message_or_raise(channel_id, message_id)
        return self.world.remove_reaction(message_id, emoji, user_id)

    async def add_reaction(
        self,
        guild_id: int | None,
        channel_id: int,
        message_id: int,
        user_id: int,
        emoji: str,
        *,
        sync: bool = True,
    ) -> None:
        """A fan reacts; with ``sync=False`` return once the event is sent, not parsed.

        (Each sync is a server HEARTBEAT request the client answers, and discord.py counts
        those answers against its 120-per-minute gateway send limit.)
        """
        msg = self._message_or_raise(channel_id, message_id)
        self.world.add_reaction(message_id, emoji, user_id)
        payload = self._reaction_event_payload(
            "MESSAGE_REACTION_ADD", msg, emoji_key(emoji), user_id
        )
        await self.gateway.dispatch("MESSAGE_REACTION_ADD", payload, sync=sync)

    async def remove_reaction(
        self,
        guild_id: int | None,
        channel_id: int,
        message_id: int,
        user_id: int,
        emoji: str,
        *,
        sync: bool = True,
    ) -> None:
        """A fan takes a reaction back (``sync`` as for `add_reaction`)."""
        msg = self._message_or_raise(channel_id, message_id)
        self.world.remove_reaction(message_id, emoji, user_id)
        payload = self._reaction_event_payload(
            "MESSAGE_REACTION_REMOVE", msg, emoji_key(emoji), user_id
        )
        await self.gateway.dispatch("MESSAGE_REACTION_REMOVE", payload, sync=sync)

    # --- injection: interactions ------------------------------------------------------------
    def _interaction_payload(
        self,
        itype: int,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        data: dict[str, Any] | None,
        message: dict[str, Any] | None = None,
    ) -> InteractionState:
        world = self.world
        iid = self.snowflake()
        token = f"itx-{secrets.token_urlsafe(24)}"
        channel = world.channels.get(channel_id)
        if channel is None:
            raise KeyError(f"unknown channel {channel_id}")
        user_perms = world.channel_permissions(channel_id, user_id)
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": itype,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "channel": {**channel_payload(world, channel), "permissions": str(user_perms)},
            "app_permissions": str(world.channel_permissions(channel_id, self.bot_user_id)),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if data is not None:
            payload["data"] = data
        if message is not None:
            payload["message"] = message
        if guild_id is not None:
            guild = self._guild(guild_id)
            member = guild.members.get(user_id)
            if member is None:
                raise KeyError(f"user {user_id} is not a member of guild {guild_id}")
            payload.update(
                guild_id=str(guild_id),
                guild={"id": str(guild_id), "locale": "en-US", "features": []},
                guild_locale="en-US",
                member=member_payload(world, guild, member, permissions=user_perms),
                authorizing_integration_owners={"0": str(guild_id)},
                context=0,
            )
        else:
            payload.update(
                user=user_payload(world.users[user_id]),
                authorizing_integration_owners={"0": str(user_id)},
                context=1,
            )
        return InteractionState(
            id=iid,
            token=token,
            type=itype,
            guild_id=guild_id,
            channel_id=channel_id,
            user_id=user_id,
            payload=payload,
            message_id=int(message["id"]) if message else None,
        )

    async def _fire(self, state: InteractionState, *, sync: bool = True) -> Interaction:
        since = len(self.requests)
        self.interactions.append(state)
        self._itx_by_id[state.id] = state
        self._itx_by_token[state.token] = state
        state.dispatched_at = asyncio.get_running_loop().time()
        sessions = await self.gateway.dispatch_to("INTERACTION_CREATE", state.payload, sync=sync)
        if not sessions:
            where = f"guild {state.guild_id}" if state.guild_id else "a DM"
            raise RuntimeError(
                f"INTERACTION_CREATE in {where} reached no session (connected shards: "
                f"{self.connected_shards()}); a user would see 'application did not respond'"
            )
        state.delivered_to = [s.pair for s in sessions]
        return Interaction(self, state, since)

    def _find_command(
        self, guild_id: int | None, name: str, types: tuple[int, ...]
    ) -> dict[str, Any]:
        pools = []
        if guild_id is not None:
            pools.append(self.guild_commands.get(guild_id, []))
        pools.append(self.global_commands)
        for pool in pools:
            for cmd in pool:
                if cmd["name"] == name and int(cmd.get("type", 1)) in types:
                    return cmd
        known = sorted({c["name"] for p in pools for c in p})
        raise LookupError(f"command {name!r} not synced (known: {known})")

    def _resolve_into(
        self, resolved: dict[str, dict[str, Any]], guild_id: int | None, kind: int, value: Any
    ) -> str:
        """Fill ``resolved`` for a user/role/channel/mentionable/attachment value; return the id."""
        world = self.world
        if kind == ATTACHMENT:
            if isinstance(value, tuple):
                filename, blob, ctype = value
                att = self._store_attachment(filename, blob, ctype)
            else:
                att = dict(value)
            resolved.setdefault("attachments", {})[att["id"]] = att
            return str(att["id"])
        sid = str(int(getattr(value, "id", value)))
        guild = world.guilds.get(guild_id) if guild_id is not None else None
        if kind in (USER, MENTIONABLE) and int(sid) in world.users:
            resolved.setdefault("users", {})[sid] = user_payload(world.users[int(sid)])
            if guild is not None and int(sid) in guild.members:
                mem = member_payload(world, guild, guild.members[int(sid)], with_user=False)
                mem["permissions"] = str(world.base_permissions(guild, int(sid)))
                resolved.setdefault("members", {})[sid] = mem
            return sid
        if kind in (ROLE, MENTIONABLE) and guild is not None and int(sid) in guild.roles:
            resolved.setdefault("roles", {})[sid] = role_payload(guild.roles[int(sid)])
            return sid
        if kind == CHANNEL and int(sid) in world.channels:
            ch = world.channels[int(sid)]
            resolved.setdefault("channels", {})[sid] = {
                **channel_payload(world, ch),
                "permissions": str(world.channel_permissions(ch.id, self.bot_user_id)),
            }
        return sid

    def _build_options(
        self,
        guild_id: int | None,
        spec: dict[str, Any],
        options: dict[str, Any],
        resolved: dict[str, dict[str, Any]],
        focused: str | None = None,
        focused_value: Any = None,
    ) -> list[dict[str, Any]]:
        by_name = {o["name"]: o for o in spec.get("options") or []}
        values = dict(options)
        if focused is not None:
            values[focused] = focused_value
        out = []
        for name, value in values.items():
            if value is None and name != focused:
                continue  # optional option not given
            opt = by_name.get(name)
            if opt is None or int(opt["type"]) in (SUB_COMMAND, SUB_COMMAND_GROUP):
                raise ValueError(f"unknown option {name!r}; known: {sorted(by_name)}")
            kind = int(opt["type"])
            entry: dict[str, Any] = {"name": name, "type": kind}
            if name == focused:
                entry["value"] = "" if value is None else str(value)
                entry["focused"] = True
            elif kind == STRING:
                entry["value"] = str(value)
            elif kind == INTEGER:
                entry["value"] = int(value)
            elif kind == NUMBER:
                entry["value"] = float(value)
            elif kind == BOOLEAN:
                entry["value"] = bool(value)
            else:
                entry["value"] = self._resolve_into(resolved, guild_id, kind, value)
            out.append(entry)
        return out

    def _command_data(
        self,
        guild_id: int | None,
        path: Sequence[str],
        options: dict[str, Any] | None,
        resolved: dict[str, Any] | None,
        focused: str | None = None,
        focused_value: Any = None,
    ) -> dict[str, Any]:
        if not path:
            raise ValueError("command path must not be empty")
        cmd = self._find_command(guild_id, path[0], (1,))
        chain: list[dict[str, Any]] = []
        node = cmd
        for name in path[1:]:
            subs = {
                o["name"]: o
                for o in node.get("options") or []
                if int(o["type"]) in (SUB_COMMAND, SUB_COMMAND_GROUP)
            }
            if name not in subs:
                raise ValueError(
                    f"unknown subcommand {name!r} under {node['name']!r}; known: {sorted(subs)}"
                )
            node = subs[name]
            chain.append(node)
        res: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (resolved or {}).items()}
        built = self._build_options(guild_id, node, options or {}, res, focused, focused_value)
        for sub in reversed(chain):
            built = [{"name": sub["name"], "type": int(sub["type"]), "options": built}]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": built}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        if res:
            data["resolved"] = res
        return data

    async def slash(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        *path: str,
        options: dict[str, Any] | None = None,
        resolved: dict[str, Any] | None = None,
        sync: bool = True,
    ) -> Interaction:
        """Invoke a synced chat-input command: ``slash(g, c, u, "poll", "create", options=...)``.

        ``sync=False`` skips the parse barrier (a gateway round trip), for benchmarks.
        """
        data = self._command_data(guild_id, path, options, resolved)
        state = self._interaction_payload(2, guild_id, channel_id, user_id, data)
        return await self._fire(state, sync=sync)

    async def autocomplete(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        path: Sequence[str],
        *,
        focused: str,
        value: Any = "",
        options: dict[str, Any] | None = None,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """Send an autocomplete interaction (type 4) and return the choices of callback type 8.

        A refused answer (see ``violations``) yields no choices, as a Discord client shows none.
        """
        data = self._command_data(guild_id, tuple(path), options, None, focused, value)
        state = self._interaction_payload(4, guild_id, channel_id, user_id, data)
        itx = await self._fire(state)
        cb = await itx.response(timeout)
        if cb.status >= 400:
            return []  # refused (too many or too long choices): the user sees none
        body = cb.json or {}
        return list((body.get("data") or {}).get("choices") or [])

    async def context_menu(
        self, guild_id: int | None, channel_id: int, user_id: int, name: str, target_id: int
    ) -> Interaction:
        """Message (type 3) or user (type 2) context-menu command on ``target_id``."""
        cmd = self._find_command(guild_id, name, (2, 3))
        resolved: dict[str, dict[str, Any]] = {}
        if int(cmd["type"]) == 3:
            msg = self.world.find_message(None, target_id)
            if msg is None:
                raise KeyError(f"unknown target message {target_id}")
            resolved["messages"] = {str(target_id): msg}
        else:
            self._resolve_into(resolved, guild_id, USER, target_id)
        data: dict[str, Any] = {
            "id": cmd["id"],
            "name": cmd["name"],
            "type": int(cmd["type"]),
            "target_id": str(target_id),
            "resolved": resolved,
        }
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        state = self._interaction_payload(2, guild_id, channel_id, user_id, data)
        return await self._fire(state)

    @staticmethod
    def _walk_components(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
        for comp in components:
            yield comp
            yield from FakeDiscord._walk_components(comp.get("components") or [])
            for key in ("accessory", "component"):
                if isinstance(comp.get(key), dict):
                    yield from FakeDiscord._walk_components([comp[key]])

    def _component(self, message_id: int, custom_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The message and the component with ``custom_id`` on it.

        A component that is no longer on the message (e.g. buttons removed by an edit) yields
        an empty dict: clicking a stale button from an old client is a legitimate scenario.
        """
        msg = self.world.find_message(None, message_id)
        if msg is None:
            raise KeyError(f"unknown message {message_id}")
        for comp in self._walk_components(msg.get("components") or []):
            if comp.get("custom_id") == custom_id:
                return msg, comp
        return msg, {}

    async def click(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        message_id: int,
        custom_id: str,
        *,
        sync: bool = True,
    ) -> Interaction:
        """A button click; with ``sync=False`` return once it is sent, not once it is parsed."""
        msg, _ = self._component(message_id, custom_id)
        data = {"custom_id": custom_id, "component_type": 2}
        state = self._interaction_payload(3, guild_id, channel_id, user_id, data, message=msg)
        return await self._fire(state, sync=sync)

    async def select(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        message_id: int,
        custom_id: str,
        values: Sequence[Any] = (),
    ) -> Interaction:
        msg, comp = self._component(message_id, custom_id)
        ctype = int(comp.get("type", 3))
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        kind = {5: USER, 6: ROLE, 7: MENTIONABLE, 8: CHANNEL}.get(ctype)
        if kind is not None:
            resolved: dict[str, dict[str, Any]] = {}
            data["values"] = [self._resolve_into(resolved, guild_id, kind, v) for v in values]
            data["resolved"] = resolved
        else:
            data["values"] = [str(v) for v in values]
        state = self._interaction_payload(3, guild_id, channel_id, user_id, data, message=msg)
        return await self._fire(state)

    def _modal_components(self, custom_id: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
        def submitted(comp: dict[str, Any]) -> dict[str, Any]:
            cid = comp.get("custom_id")
            value = fields.get(str(cid), "")
            out: dict[str, Any] = {"type": int(comp.get("type", 4)), "custom_id": cid}
            if "id" in comp:
                out["id"] = comp["id"]
            if isinstance(value, list | tuple):
                out["values"] = [str(v) for v in value]
            else:
                out["value"] = str(value)
            return out

        modal = self.modals.get(custom_id)
        if modal is None:
            return [
                {"type": 1, "components": [{"type": 4, "custom_id": k, "value": str(v)}]}
                for k, v in fields.items()
            ]
        result: list[dict[str, Any]] = []
        for top in modal.get("components") or []:
            if top.get("type") == 1:
                inner = [submitted(c) for c in top.get("components") or [] if c.get("custom_id")]
                result.append({"type": 1, "components": inner})
            elif top.get("type") == 18 and isinstance(top.get("component"), dict):
                label: dict[str, Any] = {"type": 18, "component": submitted(top["component"])}
                if "id" in top:
                    label["id"] = top["id"]
                result.append(label)
        return result

    async def submit_modal(
        self,
        guild_id: int | None,
        channel_id: int,
        user_id: int,
        custom_id: str,
        fields: dict[str, Any] | None = None,
        *,
        message_id: int | None = None,
    ) -> Interaction:
        """Submit a modal the bot sent earlier (structure mirrored from its type-9 callback)."""
        data = {
            "custom_id": custom_id,
            "components": self._modal_components(custom_id, fields or {}),
        }
        message = self.world.find_message(None, message_id) if message_id is not None else None
        state = self._interaction_payload(5, guild_id, channel_id, user_id, data, message=message)
        return await self._fire(state)


def _interaction_label(state: InteractionState) -> str:
    """Command name or custom id of an interaction, for violation messages."""
    data = state.payload.get("data") or {}
    return str(data.get("name") or data.get("custom_id") or f"type {state.type}")
