"""Test-facing builders and inspectors for threads, forums and scheduled events.

Mixed into :class:`~tests.fakediscord.FakeDiscord`. Builders change the world as a Discord user
or moderator would and send the gateway events fire-and-forget: ``await fake.sync()`` before
asserting on what the bot did about them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .builders import channel_payload, message_payload, scheduled_event_payload, thread_payload
from .events import EXTERNAL, automation
from .state import (
    GUILD_FORUM,
    PUBLIC_THREAD,
    REQUIRE_TAG,
    Channel,
    FakeGuild,
    ScheduledEvent,
    SnowflakeGen,
    World,
    utc_now,
)
from .threads import HAS_THREAD, announce_thread, new_thread, remove_thread, set_archived

if TYPE_CHECKING:
    from .gateway import Gateway


class _Base:
    world: World
    snowflake: SnowflakeGen
    bot_user_id: int
    gateway: Gateway

    def _emit(self, event: str, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def _guild(self, guild_id: int) -> FakeGuild:
        raise NotImplementedError


class ThreadHelpers(_Base):
    """Forums, threads and their state, as tests build and inspect them."""

    def add_forum(
        self,
        guild_id: int,
        name: str = "episode-talk",
        *,
        tags: Iterable[str] = ("Spoilers",),
        moderated: Iterable[str] = (),
        require_tag: bool = False,
        topic: str | None = None,
    ) -> int:
        """A forum channel (type 15) with ``tags``; returns its id (see ``forum_tag``)."""
        guild = self._guild(guild_id)
        locked_tags = set(moderated)
        forum = Channel(
            id=self.snowflake(),
            guild_id=guild_id,
            name=name,
            type=GUILD_FORUM,
            position=len(guild.channels),
            topic=topic,
            flags=REQUIRE_TAG if require_tag else 0,
        )
        forum.available_tags = [
            {
                "id": str(self.snowflake()),
                "name": tag,
                "moderated": tag in locked_tags,
                "emoji_id": None,
                "emoji_name": None,
            }
            for tag in tags
        ]
        guild.channels[forum.id] = forum
        self.world.channels[forum.id] = forum
        self._emit("CHANNEL_CREATE", channel_payload(self.world, forum))
        return forum.id

    def delete_forum_tag(self, forum_id: int, name: str) -> None:
        """A moderator deletes the forum's tag called ``name`` (CHANNEL_UPDATE follows)."""
        forum = self.world.channels[forum_id]
        tag_id = self.forum_tag(forum_id, name)
        forum.available_tags = [t for t in forum.available_tags if int(t["id"]) != tag_id]
        self._emit("CHANNEL_UPDATE", channel_payload(self.world, forum))

    def forum_tag(self, forum_id: int, name: str) -> int:
        """The id of the forum's tag called ``name``."""
        for tag in self.world.channels[forum_id].available_tags:
            if tag["name"] == name:
                return int(tag["id"])
        raise KeyError(f"forum {forum_id} has no tag {name!r}")

    def add_thread(
        self,
        guild_id: int,
        parent_id: int,
        name: str = "discussion",
        *,
        owner_id: int | None = None,
        message_id: int | None = None,
        content: str | None = None,
        applied_tags: Iterable[int | str] = (),
        auto_archive_duration: int = 1440,
        archived: bool = False,
        locked: bool = False,
    ) -> int:
        """A public thread a user (default: the guild owner) started; returns its id.

        In a forum it is a post whose starter message (``content``, default ``name``) shares
        its id; with ``message_id`` it is started from that message of ``parent_id``.
        """
        world = self.world
        parent = world.channels[parent_id]
        if parent.guild_id != guild_id:
            raise KeyError(f"channel {parent_id} is not in guild {guild_id}")
        owner = owner_id if owner_id is not None else self._guild(guild_id).owner_id
        starter = world.find_message(parent_id, message_id) if message_id is not None else None
        if message_id is not None and starter is None:
            raise KeyError(f"unknown message {message_id} in channel {parent_id}")
        tags = [
            self.forum_tag(parent_id, t) if isinstance(t, str) else int(t) for t in applied_tags
        ]
        thread = new_thread(
            world, parent, thread_id=message_id or self.snowflake(), name=name,
            kind=PUBLIC_THREAD, owner_id=owner, duration=auto_archive_duration, applied_tags=tags,
        )  # fmt: skip
        meta = thread.thread
        assert meta is not None
        meta.archived, meta.locked = archived, locked
        announce_thread(self, "THREAD_CREATE", thread)
        if starter is not None:
            starter["flags"] = int(starter.get("flags", 0)) | HAS_THREAD
            self._emit("MESSAGE_UPDATE", starter)
        elif parent.type == GUILD_FORUM:
            post = message_payload(
                world, message_id=thread.id, channel_id=thread.id, author_id=owner,
                content=content or name,
            )  # fmt: skip
            world.store_message(post)
            parent.last_message_id = thread.id
            self._emit("MESSAGE_CREATE", post)
        return thread.id

    def _thread(self, thread_id: int) -> Channel:
        channel = self.world.channels.get(thread_id)
        if channel is None or channel.thread is None:
            raise KeyError(f"unknown thread {thread_id}")
        return channel

    def thread(self, thread_id: int) -> dict[str, Any]:
        """A thread's current channel object (with the bot's thread member if it joined)."""
        return thread_payload(self.world, self._thread(thread_id), member_of=self.bot_user_id)

    def threads(
        self,
        guild_id: int | None = None,
        *,
        parent_id: int | None = None,
        archived: bool | None = None,
    ) -> list[dict[str, Any]]:
        """Threads (oldest first), optionally of one guild, one parent, or one archive state."""
        found = []
        for guild in self.world.guilds.values():
            if guild_id is not None and guild.id != guild_id:
                continue
            for thread in guild.threads.values():
                meta = thread.thread
                assert meta is not None
                if parent_id is not None and thread.parent_id != parent_id:
                    continue
                if archived is None or meta.archived == archived:
                    found.append(thread)
        return [thread_payload(self.world, t) for t in sorted(found, key=lambda t: t.id)]

    def set_thread(
        self,
        thread_id: int,
        *,
        archived: bool | None = None,
        locked: bool | None = None,
        name: str | None = None,
    ) -> None:
        """A moderator archives, locks or renames a thread (THREAD_UPDATE)."""
        thread = self._thread(thread_id)
        meta = thread.thread
        assert meta is not None
        if name is not None:
            thread.name = name
        if locked is not None:
            meta.locked = locked
        if archived is not None:
            set_archived(thread, archived)
        announce_thread(self, "THREAD_UPDATE", thread)

    def archive_idle_threads(self) -> list[int]:
        """Archive, as Discord does, active threads idle for their auto-archive duration.

        Idle time is measured on the wall clock, so time-machine moves it. Returns the ids of
        the threads archived now (THREAD_UPDATE for each).
        """
        now = time.time()
        archived = []
        for guild in self.world.guilds.values():
            for thread in list(guild.threads.values()):
                meta = thread.thread
                assert meta is not None
                if meta.archived or now - meta.last_activity < meta.auto_archive_duration * 60:
                    continue
                set_archived(thread, True)
                announce_thread(self, "THREAD_UPDATE", thread)
                archived.append(thread.id)
        return archived

    async def delete_thread(self, thread_id: int) -> None:
        """A moderator deletes a thread: REST on it answers 404 Unknown Channel; THREAD_DELETE."""
        payload = remove_thread(self.world, self._thread(thread_id))
        if self.gateway.connected:
            await self.gateway.dispatch("THREAD_DELETE", payload)


class EventHelpers(_Base):
    """Scheduled events as tests build and inspect them."""

    def _event(self, event_id: int) -> ScheduledEvent:
        for guild in self.world.guilds.values():
            if event_id in guild.scheduled_events:
                return guild.scheduled_events[event_id]
        raise KeyError(f"unknown scheduled event {event_id}")

    def scheduled_events(self, guild_id: int, *, finished: bool = True) -> list[dict[str, Any]]:
        """A guild's scheduled events by start time (``finished=False``: SCHEDULED/ACTIVE only).

        Deleted events are gone; completed and canceled ones stay here (not in Discord's list).
        """
        events = sorted(self._guild(guild_id).scheduled_events.values(), key=lambda e: e.start)
        return [
            scheduled_event_payload(self.world, e, with_user_count=True)
            for e in events
            if finished or e.open
        ]

    def scheduled_event(self, event_id: int) -> dict[str, Any] | None:
        """One scheduled event by id (None once deleted)."""
        try:
            event = self._event(event_id)
        except KeyError:
            return None
        return scheduled_event_payload(self.world, event, with_user_count=True)

    def add_scheduled_event(
        self,
        guild_id: int,
        name: str = "Watch party",
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        *,
        location: str = "Online",
        creator_id: int | None = None,
        description: str | None = None,
    ) -> int:
        """An EXTERNAL event a member (default: the owner) created; starts in an hour."""
        guild = self._guild(guild_id)
        begin = start or utc_now() + dt.timedelta(hours=1)
        event = ScheduledEvent(
            id=self.snowflake(),
            guild_id=guild_id,
            name=name,
            entity_type=EXTERNAL,
            start=begin,
            end=end or begin + dt.timedelta(hours=1),
            creator_id=creator_id if creator_id is not None else guild.owner_id,
            description=description,
            location=location,
        )
        guild.scheduled_events[event.id] = event
        self._emit("GUILD_SCHEDULED_EVENT_CREATE", scheduled_event_payload(self.world, event))
        return event.id

    def delete_scheduled_event(self, event_id: int) -> None:
        """A moderator deletes an event (GUILD_SCHEDULED_EVENT_DELETE)."""
        event = self._event(event_id)
        del self.world.guilds[event.guild_id].scheduled_events[event_id]
        self._emit("GUILD_SCHEDULED_EVENT_DELETE", scheduled_event_payload(self.world, event))

    def add_event_interest(self, event_id: int, user_id: int) -> None:
        """A member presses "Interested" (GUILD_SCHEDULED_EVENT_USER_ADD)."""
        event = self._event(event_id)
        if user_id not in event.interested:
            event.interested.append(user_id)
        data = {
            "guild_scheduled_event_id": str(event.id),
            "user_id": str(user_id),
            "guild_id": str(event.guild_id),
        }
        self._emit("GUILD_SCHEDULED_EVENT_USER_ADD", data)

    def update_event_statuses(self) -> list[tuple[int, int]]:
        """Apply Discord's status automation at the current (time-machine'd) time.

        EXTERNAL events become ACTIVE at their start and COMPLETED at their end; an event still
        SCHEDULED hours after its start is CANCELED. Returns ``(event id, new status)`` per
        move, each sent as GUILD_SCHEDULED_EVENT_UPDATE.
        """
        now = utc_now()
        moves = []
        for guild in self.world.guilds.values():
            for event in guild.scheduled_events.values():
                for status in automation(event, now):
                    event.status = status
                    payload = scheduled_event_payload(self.world, event)
                    self._emit("GUILD_SCHEDULED_EVENT_UPDATE", payload)
                    moves.append((event.id, status))
        return moves
