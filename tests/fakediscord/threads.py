"""Threads and forum channels as Discord documents them: REST routes, rules, test builders.

A thread is a channel (type 10/11/12) under a text, announcement or forum channel; its
permissions are its parent's, except that posting needs SEND_MESSAGES_IN_THREADS. Posting into
an archived thread unarchives it unless it is locked. A forum (type 15) takes no messages of its
own: each post is a thread whose starter message shares the thread's id.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from .builders import thread_payload
from .rest_types import HttpError, Reply, Req, forbidden
from .state import (
    ANNOUNCEMENT_THREAD,
    ARCHIVE_DURATIONS,
    ATTACH_FILES,
    CREATE_PRIVATE_THREADS,
    CREATE_PUBLIC_THREADS,
    GUILD_ANNOUNCEMENT,
    GUILD_FORUM,
    GUILD_TEXT,
    MANAGE_THREADS,
    PRIVATE_THREAD,
    PUBLIC_THREAD,
    READ_MESSAGE_HISTORY,
    REQUIRE_TAG,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
    Channel,
    ThreadMeta,
    World,
    iso_now,
)
from .validate import Problem, _length, check_message, prefixed

if TYPE_CHECKING:
    from .fake import FakeDiscord
    from .server import RestApi

HAS_THREAD = 1 << 5  # message flag: a thread was started from this message
MAX_APPLIED_TAGS = 5
THREAD_TYPES_IN = {
    GUILD_TEXT: (PUBLIC_THREAD, PRIVATE_THREAD),
    GUILD_ANNOUNCEMENT: (ANNOUNCEMENT_THREAD,),
}
_MSG = r"/channels/(?P<c>\d+)/messages/(?P<m>\d+)"


def archived_error() -> HttpError:
    return HttpError(400, 50083, "Thread is archived")


def locked_error() -> HttpError:
    return HttpError(400, 160005, "Thread is locked")


# --- validation ------------------------------------------------------------------------------
def thread_problems(body: dict[str, Any], *, creating: bool = True) -> list[Problem]:
    """Name 1-100 and an auto-archive duration of 60, 1440, 4320 or 10080 minutes."""
    problems: list[Problem] = []
    if creating or "name" in body:
        problems += _length(("name",), body.get("name"), 1, 100)
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in ARCHIVE_DURATIONS:
        msg = f"Value must be one of {set(ARCHIVE_DURATIONS)}."
        problems.append(Problem(("auto_archive_duration",), "BASE_TYPE_CHOICES", msg))
    return problems


def tag_problems(forum: Channel, tags: Any) -> list[Problem]:
    """``applied_tags``: at most 5, each the id of one of the forum's tags."""
    if tags is None:
        return []
    path: tuple[str | int, ...] = ("applied_tags",)
    if not isinstance(tags, list):
        return [Problem(path, "BASE_TYPE_ARRAY", "Must be an array.")]
    problems = []
    if len(tags) > MAX_APPLIED_TAGS:
        msg = f"Must be {MAX_APPLIED_TAGS} or fewer in length."
        problems.append(Problem(path, "BASE_TYPE_MAX_LENGTH", msg))
    known = {str(tag["id"]) for tag in forum.available_tags}
    for i, tag in enumerate(tags):
        if str(tag) not in known:
            msg = f"Tag {tag} is not one of this forum's tags"
            problems.append(Problem((*path, i), "CHANNEL_INVALID_TAG", msg))
    return problems


def moderated_tags(forum: Channel | None, tags: set[int]) -> bool:
    """Whether any of ``tags`` is moderated (only MANAGE_THREADS may apply or remove it)."""
    if forum is None:
        return False
    return any(int(t["id"]) in tags and t.get("moderated") for t in forum.available_tags)


def send_permission(channel: Channel) -> int:
    """The permission that posts a message in ``channel``."""
    return SEND_MESSAGES_IN_THREADS if channel.is_thread else SEND_MESSAGES


def check_post(world: World, channel: Channel, user_id: int) -> bool:
    """Refuse a post like Discord (HttpError); True when the post will unarchive the thread."""
    if channel.type == GUILD_FORUM:
        raise HttpError(400, 40058, "Cannot send messages in a forum channel")
    meta = channel.thread
    if meta is None:
        return False
    if meta.locked and meta.archived:
        raise archived_error()
    if meta.locked and not world.channel_permissions(channel.id, user_id) & MANAGE_THREADS:
        raise locked_error()
    return meta.archived


def check_active(world: World, channel: Channel, user_id: int, *, editing: bool) -> None:
    """Edits and reactions need an active thread (and, when locked, MANAGE_THREADS to edit)."""
    meta = channel.thread
    if meta is None:
        return
    if meta.archived:
        raise archived_error()
    manage = world.channel_permissions(channel.id, user_id) & MANAGE_THREADS
    if editing and meta.locked and not manage:
        raise locked_error()


# --- shared state changes --------------------------------------------------------------------
def new_thread(
    world: World,
    parent: Channel,
    *,
    thread_id: int,
    name: str,
    kind: int,
    owner_id: int,
    duration: int = 1440,
    applied_tags: list[int] | None = None,
) -> Channel:
    guild = world.guilds[parent.guild_id or 0]
    meta = ThreadMeta(
        auto_archive_duration=duration, applied_tags=list(applied_tags or []), members={owner_id}
    )
    thread = Channel(
        id=thread_id,
        guild_id=parent.guild_id,
        name=name,
        type=kind,
        parent_id=parent.id,
        owner_id=owner_id,
        thread=meta,
    )
    guild.threads[thread.id] = thread
    world.channels[thread.id] = thread
    world.deleted_channels.discard(thread.id)
    return thread


def set_archived(thread: Channel, archived: bool) -> None:
    meta = thread.thread
    assert meta is not None
    if meta.archived != archived:
        meta.archived = archived
        meta.archive_timestamp = iso_now()
    if not archived:
        meta.touch()


def announce_thread(fake: FakeDiscord | Any, event: str, thread: Channel) -> None:
    """THREAD_CREATE/UPDATE of ``thread``; the starter message shows the thread's new state."""
    world = fake.world
    payload = thread_payload(world, thread, member_of=fake.bot_user_id)
    if event == "THREAD_CREATE":
        payload["newly_created"] = True
    starter = world.find_message(thread.parent_id, thread.id)
    if starter is not None:
        starter["thread"] = thread_payload(world, thread)
    fake._emit(event, payload)


def unarchive_for_post(fake: FakeDiscord, thread: Channel) -> None:
    set_archived(thread, False)
    announce_thread(fake, "THREAD_UPDATE", thread)


def remove_thread(world: World, thread: Channel) -> dict[str, Any]:
    """Forget a thread (its messages stay stored, unreachable); the THREAD_DELETE payload."""
    world.guilds[thread.guild_id or 0].threads.pop(thread.id, None)
    world.channels.pop(thread.id, None)
    world.deleted_channels.add(thread.id)
    starter = world.find_message(thread.parent_id, thread.id)
    if starter is not None:
        starter.pop("thread", None)
        starter["flags"] = int(starter.get("flags", 0)) & ~HAS_THREAD
    return {
        "id": str(thread.id),
        "guild_id": str(thread.guild_id),
        "parent_id": str(thread.parent_id),
        "type": thread.type,
    }


# --- REST ------------------------------------------------------------------------------------
class ThreadRoutes:
    """Start, read, modify and delete threads; forum posts."""

    def __init__(self, rest: RestApi) -> None:
        self.rest = rest
        self.fake = rest.fake
        self.world = rest.world
        r = rest._route
        r("POST", _MSG + r"/threads", self.start_from_message)
        r("POST", r"/channels/(?P<c>\d+)/threads", self.start_thread)
        r("PATCH", r"/channels/(?P<c>\d+)", self.modify)
        r("DELETE", r"/channels/(?P<c>\d+)", self.delete)
        r("GET", r"/guilds/(?P<g>\d+)/threads/active", self.active)

    @property
    def bot(self) -> int:
        return self.fake.bot_user_id

    def _created(self, thread: Channel, extra: dict[str, Any] | None = None) -> Reply:
        announce_thread(self.fake, "THREAD_CREATE", thread)
        body = thread_payload(self.world, thread, member_of=self.bot)
        return Reply(201, {**body, **(extra or {})})

    async def start_from_message(self, req: Req, m: re.Match[str]) -> Reply:
        cid, mid = int(m["c"]), int(m["m"])
        parent = self.rest._channel(cid)
        if parent.type not in THREAD_TYPES_IN:
            raise HttpError(400, 50024, "Cannot execute action on this channel type")
        need = VIEW_CHANNEL | READ_MESSAGE_HISTORY | CREATE_PUBLIC_THREADS
        self.rest._channel(cid, need=need)
        msg = self.rest._message(cid, mid)
        if mid in self.world.channels:
            raise HttpError(400, 160004, "A thread has already been created for this message")
        body = req.json if isinstance(req.json, dict) else {}
        self.rest.check(req, thread_problems(body))
        kind = THREAD_TYPES_IN[parent.type][0]
        duration = int(body.get("auto_archive_duration") or 1440)
        thread = new_thread(
            self.world, parent, thread_id=mid, name=body["name"], kind=kind, owner_id=self.bot,
            duration=duration,
        )  # fmt: skip
        msg["flags"] = int(msg.get("flags", 0)) | HAS_THREAD
        reply = self._created(thread)
        self.rest._announce("MESSAGE_UPDATE", msg)
        return reply

    async def start_thread(self, req: Req, m: re.Match[str]) -> Reply:
        parent = self.rest._channel(int(m["c"]))
        if parent.type == GUILD_FORUM:
            return await self._forum_post(req, parent)
        if parent.type not in THREAD_TYPES_IN:
            raise HttpError(400, 50024, "Cannot execute action on this channel type")
        body = req.json if isinstance(req.json, dict) else {}
        allowed = THREAD_TYPES_IN[parent.type]
        kind = body.get("type", PRIVATE_THREAD)  # Discord's default, as documented
        problems = thread_problems(body)
        if kind not in allowed:
            msg = f"Value must be one of {set(allowed)}."
            problems.append(Problem(("type",), "BASE_TYPE_CHOICES", msg))
        self.rest.check(req, problems)
        create = CREATE_PRIVATE_THREADS if kind == PRIVATE_THREAD else CREATE_PUBLIC_THREADS
        self.rest._channel(parent.id, need=VIEW_CHANNEL | create)
        thread = new_thread(
            self.world, parent, thread_id=self.fake.snowflake(), name=body["name"], kind=kind,
            owner_id=self.bot, duration=int(body.get("auto_archive_duration") or 1440),
        )  # fmt: skip
        return self._created(thread)

    def _forum_problems(self, req: Req, forum: Channel, body: dict[str, Any]) -> list[Problem]:
        problems = thread_problems(body) + tag_problems(forum, body.get("applied_tags"))
        message = body.get("message")
        if not isinstance(message, dict):
            problems.append(Problem(("message",), "BASE_TYPE_REQUIRED", "This field is required"))
        else:
            problems += prefixed("message", check_message(message, files=len(req.uploads)))
        return problems

    async def _forum_post(self, req: Req, forum: Channel) -> Reply:
        need = VIEW_CHANNEL | SEND_MESSAGES | (ATTACH_FILES if req.uploads else 0)
        self.rest._channel(forum.id, need=need)
        body = req.json if isinstance(req.json, dict) else {}
        self.rest.check(req, self._forum_problems(req, forum, body))
        tags = [int(t) for t in body.get("applied_tags") or []]
        if forum.flags & REQUIRE_TAG and not tags:
            raise HttpError(400, 40067, "A tag is required to create a forum post in this channel")
        manage = self.world.channel_permissions(forum.id, self.bot) & MANAGE_THREADS
        if moderated_tags(forum, set(tags)) and not manage:
            raise forbidden()
        thread = new_thread(
            self.world, forum, thread_id=self.fake.snowflake(), name=body["name"],
            kind=PUBLIC_THREAD, owner_id=self.bot, applied_tags=tags,
            duration=int(body.get("auto_archive_duration") or 1440),
        )  # fmt: skip
        msg = self.rest._new_message(thread.id, body["message"], req.uploads)
        msg["id"] = str(thread.id)  # a forum post's starter message shares the thread's id
        self.world.store_message(msg)
        forum.last_message_id = thread.id
        reply = self._created(thread, {"message": msg})
        self.rest._announce("MESSAGE_CREATE", msg)
        return reply

    def _thread_or_unsupported(self, req: Req, channel_id: int) -> Channel:
        channel = self.rest._channel(channel_id)
        if channel.thread is None:
            what = f"{req.method} {req.path} (the fake edits and deletes threads only)"
            self.fake.unknown_routes.append(what)
            raise HttpError(404, 0, "404: Not Found")
        return channel

    def _needs_manage(self, thread: Channel, body: dict[str, Any]) -> bool:
        """Whether a thread edit needs MANAGE_THREADS, as Discord's thread docs say."""
        meta = thread.thread
        assert meta is not None
        owner = thread.owner_id == self.bot
        if "locked" in body and bool(body["locked"]) != meta.locked:
            return True
        if body.get("rate_limit_per_user") is not None:
            return True
        if meta.archived and meta.locked:  # unarchiving a locked thread
            return True
        if "applied_tags" in body:
            old, new = set(meta.applied_tags), {int(t) for t in body["applied_tags"] or []}
            parent = self.world.channels.get(thread.parent_id or 0)
            if moderated_tags(parent, old ^ new):
                return True
        changes = {"name", "auto_archive_duration", "applied_tags"} & set(body)
        archiving = body.get("archived") is True and not meta.archived
        return bool(changes or archiving) and not owner

    def _check_modify(self, req: Req, thread: Channel, body: dict[str, Any]) -> None:
        meta = thread.thread
        assert meta is not None
        problems = thread_problems(body, creating=False)
        if "applied_tags" in body:
            parent = self.world.channels.get(thread.parent_id or 0)
            problems += tag_problems(parent, body["applied_tags"]) if parent else []
        self.rest.check(req, problems)
        if meta.archived and body.get("archived") is not False:
            raise archived_error()
        perms = self.world.channel_permissions(thread.id, self.bot)
        if self._needs_manage(thread, body) and not perms & MANAGE_THREADS:
            raise forbidden()
        if meta.archived and not perms & (MANAGE_THREADS | SEND_MESSAGES_IN_THREADS):
            raise forbidden()

    async def modify(self, req: Req, m: re.Match[str]) -> Reply:
        thread = self._thread_or_unsupported(req, int(m["c"]))
        meta = thread.thread
        assert meta is not None
        body = req.json if isinstance(req.json, dict) else {}
        self._check_modify(req, thread, body)
        if "name" in body:
            thread.name = body["name"]
        if body.get("auto_archive_duration") is not None:
            meta.auto_archive_duration = int(body["auto_archive_duration"])
            meta.archive_timestamp = iso_now()
            meta.touch()
        if "applied_tags" in body:
            meta.applied_tags = [int(t) for t in body["applied_tags"] or []]
        if "locked" in body:
            meta.locked = bool(body["locked"])
        if "archived" in body:
            set_archived(thread, bool(body["archived"]))
        announce_thread(self.fake, "THREAD_UPDATE", thread)
        return Reply(body=thread_payload(self.world, thread, member_of=self.bot))

    async def delete(self, req: Req, m: re.Match[str]) -> Reply:
        thread = self._thread_or_unsupported(req, int(m["c"]))
        self.rest._channel(thread.id, need=VIEW_CHANNEL | MANAGE_THREADS)
        body = thread_payload(self.world, thread)
        self.fake._emit("THREAD_DELETE", remove_thread(self.world, thread))
        return Reply(body=body)

    async def active(self, req: Req, m: re.Match[str]) -> Reply:
        guild = self.rest._guild(int(m["g"]))
        threads = [
            thread_payload(self.world, t)
            for t in guild.threads.values()
            if t.thread and not t.thread.archived and self.world.channel_permissions(t.id, self.bot)
        ]
        members = [
            {"id": t["id"], "user_id": str(self.bot), "join_timestamp": iso_now(), "flags": 0}
            for t in threads
            if self.bot in guild.threads[int(t["id"])].thread.members  # type: ignore[union-attr]
        ]
        return Reply(body={"threads": threads, "members": members})
