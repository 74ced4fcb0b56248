"""REST side of the fake Discord: a tiny regex router on top of aiohttp."""

from __future__ import annotations

import json
import re
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import BodyPartReader, web

from .builders import (
    channel_payload,
    member_payload,
    mentions_for,
    message_payload,
    role_payload,
    thread_payload,
    user_payload,
)
from .events import EventRoutes
from .rest_types import Handler, HttpError, Recorded, Reply, Req, Upload, forbidden
from .state import (
    ADD_REACTIONS,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    EPHEMERAL,
    LOADING,
    MANAGE_MESSAGES,
    MANAGE_ROLES,
    READ_MESSAGE_HISTORY,
    VIEW_CHANNEL,
    Channel,
    FakeGuild,
    emoji_key,
    emoji_payload,
    iso_now,
)
from .threads import ThreadRoutes, check_active, check_post, send_permission, unarchive_for_post
from .validate import Problem, check_commands, check_message

if TYPE_CHECKING:
    from .fake import FakeDiscord, InteractionState

API_PREFIX = "/api/v10"
TOKEN_LIFETIME = 15 * 60  # seconds an interaction token can send followups and edits


_MSG = r"/channels/(?P<c>\d+)/messages/(?P<m>\d+)"
_WH = r"/webhooks/(?P<app>\d+)/(?P<tok>[^/]+)"


def _client_tag(path: str) -> tuple[str | None, str]:
    """Split ``/c/<tag>/api/v10/...`` (see FakeDiscord.api_url_for) into tag and path."""
    m = re.fullmatch(r"/c/([^/]+)(/.*)", path)
    if m is None:
        return None, path
    return unquote(m.group(1)), m.group(2)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> web.Response:
    hdrs = {"Content-Type": "application/json"}
    hdrs.update(headers or {})
    if status == 204 or body is None:
        return web.Response(status=204 if status < 300 else status, headers=headers)
    return web.Response(status=status, body=json.dumps(body).encode(), headers=hdrs)


class RestApi:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.world = fake.world
        self.check = fake._check_body
        r = self._route
        self.routes: list[tuple[str, re.Pattern[str], Handler, bool]] = []
        r("GET", r"/gateway", self.get_gateway, auth=False)
        r("GET", r"/gateway/bot", self.get_gateway_bot)
        r("GET", r"/users/@me", self.get_me)
        r("GET", r"/users/(?P<u>\d+)", self.get_user)
        r("POST", r"/users/@me/channels", self.create_dm)
        r("GET", r"/oauth2/applications/@me", self.get_app)
        r("GET", r"/applications/@me", self.get_app)
        r("GET", r"/applications/(?P<app>\d+)/commands", self.get_commands)
        r("PUT", r"/applications/(?P<app>\d+)/commands", self.put_commands)
        r("GET", r"/applications/(?P<app>\d+)/guilds/(?P<g>\d+)/commands", self.get_commands)
        r("PUT", r"/applications/(?P<app>\d+)/guilds/(?P<g>\d+)/commands", self.put_commands)
        r("POST", r"/interactions/(?P<i>\d+)/(?P<tok>[^/]+)/callback", self.callback, auth=False)
        r("POST", _WH, self.webhook_execute, auth=False)
        r("GET", _WH + r"/messages/(?P<m>@original|\d+)", self.webhook_get, auth=False)
        r("PATCH", _WH + r"/messages/(?P<m>@original|\d+)", self.webhook_edit, auth=False)
        r("DELETE", _WH + r"/messages/(?P<m>@original|\d+)", self.webhook_delete, auth=False)
        r("GET", r"/channels/(?P<c>\d+)", self.get_channel)
        r("POST", r"/channels/(?P<c>\d+)/typing", self.typing)
        r("GET", r"/channels/(?P<c>\d+)/messages", self.history)
        r("POST", r"/channels/(?P<c>\d+)/messages", self.create_message)
        r("GET", _MSG, self.get_message)
        r("PATCH", _MSG, self.edit_message)
        r("DELETE", _MSG, self.delete_message)
        r("PUT", _MSG + r"/reactions/(?P<e>[^/]+)/@me", self.add_own_reaction)
        r("DELETE", _MSG + r"/reactions/(?P<e>[^/]+)/@me", self.remove_own_reaction)
        r("DELETE", _MSG + r"/reactions/(?P<e>[^/]+)/(?P<u>\d+)", self.remove_user_reaction)
        r("GET", _MSG + r"/reactions/(?P<e>[^/]+)", self.reaction_users)
        r("DELETE", _MSG + r"/reactions/(?P<e>[^/]+)", self.clear_emoji)
        r("DELETE", _MSG + r"/reactions", self.clear_reactions)
        r("PUT", r"/channels/(?P<c>\d+)/pins/(?P<m>\d+)", self.pin)
        r("DELETE", r"/channels/(?P<c>\d+)/pins/(?P<m>\d+)", self.pin)
        r("PUT", r"/channels/(?P<c>\d+)/messages/pins/(?P<m>\d+)", self.pin)
        r("DELETE", r"/channels/(?P<c>\d+)/messages/pins/(?P<m>\d+)", self.pin)
        r("GET", r"/guilds/(?P<g>\d+)", self.get_guild)
        r("GET", r"/guilds/(?P<g>\d+)/roles", self.get_roles)
        r("GET", r"/guilds/(?P<g>\d+)/channels", self.get_guild_channels)
        r("GET", r"/guilds/(?P<g>\d+)/members", self.list_members)
        r("GET", r"/guilds/(?P<g>\d+)/members/(?P<u>\d+)", self.get_member)
        r("PUT", r"/guilds/(?P<g>\d+)/members/(?P<u>\d+)/roles/(?P<r>\d+)", self.add_role)
        r("DELETE", r"/guilds/(?P<g>\d+)/members/(?P<u>\d+)/roles/(?P<r>\d+)", self.remove_role)

        ThreadRoutes(self)
        EventRoutes(self)

    def _route(self, method: str, pattern: str, handler: Handler, *, auth: bool = True) -> None:
        self.routes.append((method, re.compile(pattern), handler, auth))

    # --- plumbing ---------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        client, path = _client_tag(request.path)
        path = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        req = await self._parse(request, path)
        req.client = client
        rec = Recorded(
            method=req.method,
            path=path,
            query=req.query,
            json=req.json,
            files=[(u.filename, u.data) for u in req.uploads],
            headers=req.headers,
            client=client,
        )
        fake = self.fake
        for method, pattern, handler, auth in self.routes:
            m = pattern.fullmatch(path)
            if m is None or method != req.method:
                continue
            if auth and req.headers.get("Authorization") != f"Bot {fake.token}":
                rec.status = 401
                fake._record(rec)
                return json_response(401, {"message": "401: Unauthorized", "code": 0})
            limited = fake._take_rate_limit(req.method, path)
            if limited is not None:
                rec.status = 429
                fake.rate_limited.append(rec)
                return self._rate_limit_response(limited)
            over_global = fake._take_global(path)
            if over_global is not None:
                rec.status = 429
                fake.rate_limited.append(rec)
                return self._rate_limit_response(over_global, is_global=True)
            await fake.pass_gates(req.method, path)
            try:
                reply = await handler(req, m)
            except HttpError as exc:
                body = {"message": exc.message, "code": exc.code}
                if exc.errors is not None:
                    body["errors"] = exc.errors
                reply = Reply(exc.status, body)
            rec.status = reply.status
            rec.response = reply.body
            fake._record(rec)
            return json_response(reply.status, reply.body, reply.headers)
        fake.unknown_routes.append(f"{req.method} {path}")
        rec.status = 404
        fake._record(rec)
        return json_response(404, {"message": "404: Not Found", "code": 0})

    @staticmethod
    def _rate_limit_response(retry_after: float, *, is_global: bool = False) -> web.Response:
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        headers = {
            "Via": "1.1 google",
            "Retry-After": str(max(1, int(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(retry_after),
            "X-RateLimit-Bucket": "fakebucket",
            "X-RateLimit-Scope": "global" if is_global else "user",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        return json_response(429, body, headers)

    async def _parse(self, request: web.Request, path: str) -> Req:
        body: Any = None
        uploads: list[Upload] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                if not isinstance(part, BodyPartReader):
                    continue
                raw = bytes(await part.read(decode=False))
                if part.name == "payload_json":
                    body = json.loads(raw)
                else:
                    uploads.append(
                        Upload(
                            field=part.name or "",
                            filename=part.filename or "file",
                            data=raw,
                            content_type=part.headers.get("Content-Type"),
                        )
                    )
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
        return Req(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=body,
            uploads=uploads,
            headers=dict(request.headers),
        )

    # --- lookups ----------------------------------------------------------------------------
    def _channel(self, channel_id: int, *, need: int = VIEW_CHANNEL) -> Channel:
        ch = self.world.channel(channel_id)
        if ch is None or channel_id in self.world.deleted_channels:
            raise HttpError(404, 10003, "Unknown Channel")
        perms = self.world.channel_permissions(channel_id, self.fake.bot_user_id)
        if not perms & VIEW_CHANNEL:
            raise HttpError(403, 50001, "Missing Access")
        if perms & need != need:
            raise forbidden()
        return ch

    def _message(self, channel_id: int, message_id: int) -> dict[str, Any]:
        msg = self.world.find_message(channel_id, message_id)
        # Ephemeral messages exist only for their interaction's webhook, never for the channel.
        if msg is None or int(msg.get("flags", 0)) & EPHEMERAL:
            raise HttpError(404, 10008, "Unknown Message")
        return msg

    def _guild(self, guild_id: int) -> FakeGuild:
        guild = self.world.guilds.get(guild_id)
        if guild is None:
            raise HttpError(404, 10004, "Unknown Guild")
        if self.fake.bot_user_id not in guild.members:  # the bot was removed from it
            raise HttpError(403, 50001, "Missing Access")
        return guild

    def _itx(self, token: str, req: Req | None = None) -> InteractionState:
        state = self.fake._itx_by_token.get(token)
        if state is None:
            raise HttpError(404, 10015, "Unknown Webhook")
        # The wall clock, which tests move: a followup after a long game or a scheduled job
        # must not use the interaction's token (valid 15 minutes on Discord).
        age = time.time() - state.created_wall
        if req is not None and age > TOKEN_LIFETIME:
            what = f"interaction token used {age / 60:.0f} min after the interaction (max 15)"
            self.fake._violation(req, what)
            raise HttpError(401, 50027, "Invalid Webhook Token")
        return state

    # --- gateway ----------------------------------------------------------------------------
    async def get_gateway(self, req: Req, m: re.Match[str]) -> Reply:
        return Reply(body={"url": self.fake.gateway_url_for(req.client)})

    async def get_gateway_bot(self, req: Req, m: re.Match[str]) -> Reply:
        fake = self.fake
        total = 1000
        limit = {
            "total": total,
            "remaining": max(0, total - fake.identify_count),
            "reset_after": 24 * 3600 * 1000,
            "max_concurrency": fake.max_concurrency,
        }
        body = {
            "url": fake.gateway_url_for(req.client),
            "shards": fake.recommended_shards,
            "session_start_limit": limit,
        }
        return Reply(body=body)

    # --- users / app ------------------------------------------------------------------------
    async def get_me(self, req: Req, m: re.Match[str]) -> Reply:
        bot = self.world.users[self.fake.bot_user_id]
        return Reply(body={**user_payload(bot), "verified": True, "mfa_enabled": False})

    async def get_user(self, req: Req, m: re.Match[str]) -> Reply:
        user = self.world.users.get(int(m["u"]))
        if user is None:
            raise HttpError(404, 10013, "Unknown User")
        return Reply(body=user_payload(user))

    async def create_dm(self, req: Req, m: re.Match[str]) -> Reply:
        uid = int((req.json or {}).get("recipient_id", 0))
        if uid not in self.world.users:
            raise HttpError(404, 10013, "Unknown User")
        return Reply(body=channel_payload(self.world, self.fake._dm_channel(uid)))

    async def get_app(self, req: Req, m: re.Match[str]) -> Reply:
        fake = self.fake
        owner = self.world.users[fake.app_owner_id]
        body: dict[str, Any] = {
            "id": str(fake.app_id),
            "name": "DramaBot",
            "icon": None,
            "description": "",
            "summary": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": user_payload(owner),
            "verify_key": "0" * 64,
            "team": None,
            # GATEWAY_MESSAGE_CONTENT_LIMITED: the intent is enabled in the Developer Portal.
            "flags": (1 << 19) if fake.message_content_allowed else 0,
            "bot": user_payload(self.world.users[fake.bot_user_id]),
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "integration_types_config": {},
        }
        return Reply(body=body)

    async def get_commands(self, req: Req, m: re.Match[str]) -> Reply:
        gid = m.groupdict().get("g")
        cmds = self.fake.guild_commands.get(int(gid), []) if gid else self.fake.global_commands
        return Reply(body=cmds)

    async def put_commands(self, req: Req, m: re.Match[str]) -> Reply:
        self.check(req, check_commands(req.json))
        gid = m.groupdict().get("g")
        out = []
        for cmd in req.json or []:
            full = {
                "id": str(self.fake.snowflake()),
                "application_id": str(self.fake.app_id),
                "version": str(self.fake.snowflake()),
                "type": 1,
                "description": "",
                "default_member_permissions": None,
                "dm_permission": True,
                "nsfw": False,
                **cmd,
            }
            if gid:
                full["guild_id"] = gid
            out.append(full)
        if gid:
            self.fake.guild_commands[int(gid)] = out
        else:
            self.fake.global_commands = out
        return Reply(body=out)

    # --- messages ---------------------------------------------------------------------------
    def _attachments(
        self, payload: dict[str, Any], uploads: list[Upload], existing: list[Any]
    ) -> Any:
        """Build the attachment list from payload['attachments'] + uploaded files."""
        by_index = {}
        for n, up in enumerate(uploads):
            mm = re.fullmatch(r"files\[(\d+)\]", up.field)
            by_index[int(mm.group(1)) if mm else n] = up
        old = {str(a["id"]): a for a in existing}
        result: list[dict[str, Any]] = []
        if "attachments" in payload and payload["attachments"] is not None:
            entries = payload["attachments"]
        else:
            entries = [{"id": i} for i in by_index]
            result = list(existing)
        for entry in entries:
            aid = str(entry.get("id"))
            if aid in old:
                result.append(old[aid])
                continue
            try:
                up = by_index[int(aid)]
            except (KeyError, ValueError):
                continue
            result.append(self.fake._store_attachment(up.filename, up.data, up.content_type, entry))
        return result

    def _new_message(
        self,
        channel_id: int,
        payload: dict[str, Any],
        uploads: list[Upload],
        *,
        msg_type: int = 0,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        msg = message_payload(
            self.world,
            message_id=self.fake.snowflake(),
            channel_id=channel_id,
            author_id=self.fake.bot_user_id,
            content=payload.get("content") or "",
            embeds=payload.get("embeds") or [],
            components=payload.get("components") or [],
            attachments=self._attachments(payload, uploads, []),
            flags=int(payload.get("flags") or 0),
            msg_type=msg_type,
            extra=extra,
        )
        if payload.get("tts"):
            msg["tts"] = True
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        ref = payload.get("message_reference")
        if ref:
            ref = {**ref, "channel_id": str(ref.get("channel_id") or channel_id)}
            msg["message_reference"] = ref
            msg["type"] = 19 if msg_type == 0 else msg_type
            refd = self.world.find_message(None, int(ref["message_id"]))
            msg["referenced_message"] = refd
        return msg

    def _reference_problems(self, channel_id: int, ref: Any) -> list[Problem]:
        """A reply to a message that is gone (unless fail_if_not_exists is false) or elsewhere."""
        if not isinstance(ref, dict) or int(ref.get("type") or 0) != 0:
            return []
        path: tuple[str | int, ...] = ("message_reference",)
        refd = self.world.find_message(None, int(ref.get("message_id") or 0))
        if refd is None or int(refd.get("flags", 0)) & EPHEMERAL:
            if ref.get("fail_if_not_exists") is False:
                return []
            return [Problem(path, "REPLIES_UNKNOWN_MESSAGE", "Unknown message")]
        if int(refd["channel_id"]) != channel_id:
            msg = "Cannot reply to a message in another channel"
            return [Problem(path, "REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL", msg)]
        return []

    def _apply_edit(
        self, msg: dict[str, Any], payload: dict[str, Any], uploads: list[Upload]
    ) -> None:
        if "content" in payload:
            msg["content"] = payload["content"] or ""
            msg["mentions"], msg["mention_roles"] = mentions_for(self.world, msg["content"])
        for key in ("embeds", "components"):
            if key in payload:
                msg[key] = payload[key] or []
        if "flags" in payload and payload["flags"] is not None:
            msg["flags"] = (int(msg.get("flags", 0)) & EPHEMERAL) | int(payload["flags"])
        msg["flags"] = int(msg.get("flags", 0)) & ~LOADING
        if "attachments" in payload or uploads:
            msg["attachments"] = self._attachments(payload, uploads, msg.get("attachments") or [])
        msg["edited_timestamp"] = iso_now()

    def _announce(self, event: str, msg: dict[str, Any]) -> None:
        if int(msg.get("flags", 0)) & EPHEMERAL:
            return
        self.fake.gateway.enqueue_dispatch(event, msg)

    async def get_channel(self, req: Req, m: re.Match[str]) -> Reply:
        channel = self._channel(int(m["c"]))
        if channel.is_thread:  # with the bot's thread member, when it joined
            return Reply(body=thread_payload(self.world, channel, member_of=self.fake.bot_user_id))
        return Reply(body=channel_payload(self.world, channel))

    async def typing(self, req: Req, m: re.Match[str]) -> Reply:
        channel = self._channel(int(m["c"]))
        self._channel(channel.id, need=VIEW_CHANNEL | send_permission(channel))
        return Reply(204)

    async def history(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        self._channel(cid, need=VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        limit = int(req.query.get("limit", 50))
        msgs = sorted(self.world.messages.get(cid, []), key=lambda x: int(x["id"]), reverse=True)
        if "before" in req.query:
            msgs = [x for x in msgs if int(x["id"]) < int(req.query["before"])]
        if "after" in req.query:
            msgs = [x for x in msgs if int(x["id"]) > int(req.query["after"])][::-1][:limit][::-1]
        return Reply(body=msgs[:limit])

    async def create_message(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        channel = self._channel(cid)
        need = VIEW_CHANNEL | send_permission(channel) | (ATTACH_FILES if req.uploads else 0)
        self._channel(cid, need=need)
        unarchives = check_post(self.world, channel, self.fake.bot_user_id)
        self.check(req, check_message(req.json, files=len(req.uploads)))
        payload = req.json if isinstance(req.json, dict) else {}
        self.check(req, self._reference_problems(cid, payload.get("message_reference")))
        if unarchives:
            unarchive_for_post(self.fake, channel)
        msg = self._new_message(cid, payload, req.uploads)
        self.world.store_message(msg)
        self._announce("MESSAGE_CREATE", msg)
        return Reply(body=msg)

    async def get_message(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        self._channel(cid, need=VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        return Reply(body=self._message(cid, int(m["m"])))

    async def edit_message(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        channel = self._channel(cid)
        msg = self._message(cid, int(m["m"]))
        check_active(self.world, channel, self.fake.bot_user_id, editing=True)
        if int(msg["author"]["id"]) != self.fake.bot_user_id:
            raise HttpError(403, 50005, "Cannot edit a message authored by another user")
        self.check(req, check_message(req.json, files=len(req.uploads), edit=True, current=msg))
        self._apply_edit(msg, req.json if isinstance(req.json, dict) else {}, req.uploads)
        self._announce("MESSAGE_UPDATE", msg)
        return Reply(body=msg)

    async def delete_message(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        self._channel(cid)
        msg = self._message(cid, int(m["m"]))
        if int(msg["author"]["id"]) != self.fake.bot_user_id:
            self._channel(cid, need=VIEW_CHANNEL | MANAGE_MESSAGES)
        self.world.remove_message(int(msg["id"]))
        self.fake._announce_delete(msg)
        return Reply(204)

    async def pin(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        self._channel(cid, need=VIEW_CHANNEL | MANAGE_MESSAGES)
        msg = self._message(cid, int(m["m"]))
        msg["pinned"] = req.method == "PUT"
        self._announce("MESSAGE_UPDATE", msg)
        return Reply(204)

    # --- reactions --------------------------------------------------------------------------
    def _reaction_event(
        self, event: str, msg: dict[str, Any], key: str, user_id: int
    ) -> dict[str, Any]:
        return self.fake._reaction_event_payload(event, msg, key, user_id)

    async def add_own_reaction(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        channel = self._channel(cid, need=VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        msg = self._message(cid, int(m["m"]))
        check_active(self.world, channel, self.fake.bot_user_id, editing=False)
        key = emoji_key(m["e"])
        bot_id = self.fake.bot_user_id
        existing = self.world.reactions.get(int(msg["id"]), {})
        if key not in existing:
            self._channel(cid, need=VIEW_CHANNEL | READ_MESSAGE_HISTORY | ADD_REACTIONS)
        if self.world.add_reaction(int(msg["id"]), key, bot_id):
            payload = self._reaction_event("MESSAGE_REACTION_ADD", msg, key, bot_id)
            self.fake.gateway.enqueue_dispatch("MESSAGE_REACTION_ADD", payload)
        return Reply(204)

    async def _remove(self, cid: int, mid: int, raw_emoji: str, user_id: int) -> Reply:
        msg = self._message(cid, mid)
        key = emoji_key(raw_emoji)
        if self.world.remove_reaction(mid, key, user_id):
            payload = self._reaction_event("MESSAGE_REACTION_REMOVE", msg, key, user_id)
            self.fake.gateway.enqueue_dispatch("MESSAGE_REACTION_REMOVE", payload)
        return Reply(204)

    async def remove_own_reaction(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        self._channel(cid)
        return await self._remove(cid, int(m["m"]), m["e"], self.fake.bot_user_id)

    async def remove_user_reaction(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        uid = int(m["u"])
        need = VIEW_CHANNEL | (MANAGE_MESSAGES if uid != self.fake.bot_user_id else 0)
        self._channel(cid, need=need)
        return await self._remove(cid, int(m["m"]), m["e"], uid)

    async def reaction_users(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        self._channel(cid, need=VIEW_CHANNEL | READ_MESSAGE_HISTORY)
        msg = self._message(cid, int(m["m"]))
        limit = max(1, min(100, int(req.query.get("limit", 25))))
        after = int(req.query.get("after", 0))
        burst = int(req.query.get("type", 0)) == 1  # type 1 lists super (burst) reactions only
        key = emoji_key(m["e"])
        ids = sorted(
            u
            for u in self.world.reaction_users(int(msg["id"]), m["e"])
            if u > after and ((int(msg["id"]), key, u) in self.world.burst) == burst
        )
        users = [user_payload(self.world.users[u]) for u in ids[:limit] if u in self.world.users]
        return Reply(body=users)

    async def clear_emoji(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        self._channel(cid, need=VIEW_CHANNEL | MANAGE_MESSAGES)
        msg = self._message(cid, int(m["m"]))
        key = emoji_key(m["e"])
        self.world.clear_reactions(int(msg["id"]), key)
        data: dict[str, Any] = {
            "channel_id": msg["channel_id"],
            "message_id": msg["id"],
            "emoji": emoji_payload(key),
        }
        if msg.get("guild_id"):
            data["guild_id"] = msg["guild_id"]
        self.fake.gateway.enqueue_dispatch("MESSAGE_REACTION_REMOVE_EMOJI", data)
        return Reply(204)

    async def clear_reactions(self, req: Req, m: re.Match[str]) -> Reply:
        cid = int(m["c"])
        self._channel(cid, need=VIEW_CHANNEL | MANAGE_MESSAGES)
        msg = self._message(cid, int(m["m"]))
        self.world.clear_reactions(int(msg["id"]))
        data: dict[str, Any] = {"channel_id": msg["channel_id"], "message_id": msg["id"]}
        if msg.get("guild_id"):
            data["guild_id"] = msg["guild_id"]
        self.fake.gateway.enqueue_dispatch("MESSAGE_REACTION_REMOVE_ALL", data)
        return Reply(204)

    # --- guilds -----------------------------------------------------------------------------
    async def get_guild(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self._guild(int(m["g"]))
        return Reply(
            body={
                "id": str(guild.id),
                "name": guild.name,
                "icon": None,
                "owner_id": str(guild.owner_id),
                "roles": [role_payload(r) for r in guild.roles.values()],
                "emojis": [],
                "stickers": [],
                "features": [],
                "preferred_locale": "en-US",
                "approximate_member_count": len(guild.members),
            }
        )

    async def get_roles(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self._guild(int(m["g"]))
        return Reply(body=[role_payload(r) for r in guild.roles.values()])

    async def get_guild_channels(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self._guild(int(m["g"]))
        return Reply(body=[channel_payload(self.world, c) for c in guild.channels.values()])

    async def list_members(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self._guild(int(m["g"]))
        limit = int(req.query.get("limit", 1))
        after = int(req.query.get("after", 0))
        ids = sorted(u for u in guild.members if u > after)[:limit]
        return Reply(body=[member_payload(self.world, guild, guild.members[u]) for u in ids])

    async def get_member(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self._guild(int(m["g"]))
        member = guild.members.get(int(m["u"]))
        if member is None:
            raise HttpError(404, 10007, "Unknown Member")
        return Reply(body=member_payload(self.world, guild, member))

    def _role_change(self, m: re.Match[str]) -> tuple[FakeGuild, int, int]:
        guild = self._guild(int(m["g"]))
        uid, rid = int(m["u"]), int(m["r"])
        if uid not in guild.members:
            raise HttpError(404, 10007, "Unknown Member")
        role = guild.roles.get(rid)
        if role is None:
            raise HttpError(404, 10011, "Unknown Role")
        bot_id = self.fake.bot_user_id
        if guild.owner_id != bot_id:
            perms = self.world.base_permissions(guild, bot_id)
            if guild.bot_perm_mask is not None and perms != ALL_PERMISSIONS:
                perms &= guild.bot_perm_mask
            if not perms & MANAGE_ROLES:
                raise forbidden()
            if (
                role.managed
                or rid == guild.id
                or role.position >= self.world.top_role_position(guild, bot_id)
            ):
                raise forbidden()
        return guild, uid, rid

    async def add_role(self, req: Req, m: re.Match[str]) -> Reply:
        guild, uid, rid = self._role_change(m)
        member = guild.members[uid]
        if rid not in member.roles:
            member.roles.append(rid)
            self.fake._announce_member_update(guild, uid)
        return Reply(204)

    async def remove_role(self, req: Req, m: re.Match[str]) -> Reply:
        guild, uid, rid = self._role_change(m)
        member = guild.members[uid]
        if rid in member.roles:
            member.roles.remove(rid)
            self.fake._announce_member_update(guild, uid)
        return Reply(204)

    # --- interactions -----------------------------------------------------------------------
    async def callback(self, req: Req, m: re.Match[str]) -> Reply:
        return await self.fake._interaction_callback(self, int(m["i"]), m["tok"], req)

    async def webhook_execute(self, req: Req, m: re.Match[str]) -> Reply:
        state = self._itx(m["tok"], req)
        if not state.acked:
            self.fake._violation(req, f"followup before interaction {state.id} was answered")
            raise HttpError(404, 10015, "Unknown Webhook")
        self.check(req, check_message(req.json, files=len(req.uploads)))
        payload = req.json if isinstance(req.json, dict) else {}
        msg = self._new_message(
            state.channel_id,
            payload,
            req.uploads,
            msg_type=0,
            extra={"webhook_id": str(self.fake.app_id), "application_id": str(self.fake.app_id)},
        )
        ephemeral = bool(msg["flags"] & EPHEMERAL)
        self.world.store_message(msg, listed=not ephemeral)
        state.message_ids.append(int(msg["id"]))
        self._announce("MESSAGE_CREATE", msg)
        if req.query.get("wait") in ("1", "true", "True"):
            return Reply(body=msg)
        return Reply(204)

    def _webhook_message(self, state: InteractionState, which: str) -> dict[str, Any]:
        mid = state.original_message_id if which == "@original" else int(which)
        msg = self.world.find_message(None, mid) if mid is not None else None
        if msg is None:
            raise HttpError(404, 10008, "Unknown Message")
        return msg

    async def webhook_get(self, req: Req, m: re.Match[str]) -> Reply:
        return Reply(body=self._webhook_message(self._itx(m["tok"], req), m["m"]))

    async def webhook_edit(self, req: Req, m: re.Match[str]) -> Reply:
        msg = self._webhook_message(self._itx(m["tok"], req), m["m"])
        self.check(req, check_message(req.json, files=len(req.uploads), edit=True, current=msg))
        self._apply_edit(msg, req.json if isinstance(req.json, dict) else {}, req.uploads)
        self._announce("MESSAGE_UPDATE", msg)
        return Reply(body=msg)

    async def webhook_delete(self, req: Req, m: re.Match[str]) -> Reply:
        msg = self._webhook_message(self._itx(m["tok"], req), m["m"])
        self.world.remove_message(int(msg["id"]))
        self.fake._announce_delete(msg)
        return Reply(204)
