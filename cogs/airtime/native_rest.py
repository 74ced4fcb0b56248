"""Airtime's Discord-native calls over REST: scheduled events, threads and forum posts.

Discord's answers become the plain records and errors of `native.py` (`LiveEvent`,
`LiveThread`, `Refused`, `Gone`, `Unsure`): nothing above this module sees discord.py.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import aiohttp
import discord
from discord.http import Route

from bot.replies import NO_PINGS
from cogs.airtime.events import EventSpec
from cogs.airtime.native import Gone, LiveEvent, LiveThread, Refused, Unsure

if TYPE_CHECKING:
    from bot.app import DramaBot

EXTERNAL = 3
GUILD_ONLY = 2
ANNOUNCEMENT_THREAD: Literal[10] = 10
PUBLIC_THREAD: Literal[11] = 11
TOO_MANY_EVENTS = 30038
TAG_REQUIRED = 40067


def _reason(error: discord.HTTPException) -> str:
    if error.status == 403:
        return "I lack the permission"
    if error.code == TOO_MANY_EVENTS:
        return "the server has Discord's 100 scheduled events"
    if error.code == TAG_REQUIRED:
        return "the forum requires a tag"
    return f"Discord said {error.status} ({error.code})"


class _Call:
    """Turns one REST call's failure into `Gone`, `Refused` or `Unsure`."""

    async def __aenter__(self) -> None:
        return None

    async def __aexit__(self, kind: type[BaseException] | None, error: Any, tb: Any) -> bool:
        if isinstance(error, discord.NotFound):
            raise Gone(str(error.code)) from None
        if isinstance(error, discord.HTTPException):
            if error.status >= 500:
                raise Unsure(f"Discord said {error.status}") from None
            raise Refused(error.status, error.code, _reason(error)) from None
        if isinstance(error, aiohttp.ClientError | asyncio.TimeoutError | OSError):
            raise Unsure(type(error).__name__) from None
        return False


def _event_body(spec: EventSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "privacy_level": GUILD_ONLY,
        "entity_type": EXTERNAL,
        "entity_metadata": {"location": spec.location},
        "scheduled_start_time": spec.start.isoformat(),
        "scheduled_end_time": spec.end.isoformat(),
    }


class NativeRest:
    """Scheduled events and threads of the guilds this bot serves."""

    def __init__(self, bot: DramaBot) -> None:
        """Use the bot's REST client."""
        self.bot = bot

    @property
    def _me(self) -> int | None:
        return self.bot.user.id if self.bot.user else None

    # -- scheduled events -------------------------------------------------------------------
    async def list_events(self, guild_id: int) -> dict[int, LiveEvent]:
        """The guild's scheduled and active events, by id."""
        async with _Call():
            payload = await self.bot.http.get_scheduled_events(guild_id, False)
        me = self._me
        found = {}
        for item in payload:
            event_id = int(item["id"])
            creator = item.get("creator_id")
            found[event_id] = LiveEvent(
                event_id=event_id,
                mine=creator is not None and int(creator) == me,
                name=str(item.get("name", "")),
                start=datetime.fromisoformat(item["scheduled_start_time"]),
                status=int(item.get("status", 1)),
            )
        return found

    async def create_event(self, guild_id: int, spec: EventSpec) -> int:
        """Create an external event; its id."""
        async with _Call():
            payload = await self.bot.http.create_guild_scheduled_event(
                guild_id, reason="airtime: scheduled events", **_event_body(spec)
            )
        return int(payload["id"])

    async def edit_event(self, guild_id: int, event_id: int, spec: EventSpec) -> None:
        """Change an event to `spec` (the schedule moved, the drama was renamed…)."""
        async with _Call():
            await self.bot.http.edit_scheduled_event(
                guild_id, event_id, reason="airtime: schedule changed", **_event_body(spec)
            )

    async def set_status(self, guild_id: int, event_id: int, status: int) -> None:
        """End an active event (COMPLETED)."""
        async with _Call():
            await self.bot.http.edit_scheduled_event(
                guild_id, event_id, reason="airtime: episode aired", status=status
            )

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        """Delete an event."""
        async with _Call():
            await self.bot.http.delete_scheduled_event(
                guild_id, event_id, reason="airtime: event no longer wanted"
            )

    # -- threads ----------------------------------------------------------------------------
    async def open_thread(self, channel_id: int, name: str, archive_min: int) -> int:
        """Start a public thread in a text channel (an announcement thread in news); its id."""
        channel = self.bot.get_channel(channel_id)
        news = isinstance(channel, discord.TextChannel) and channel.is_news()
        async with _Call():
            payload = await self.bot.http.start_thread_without_message(
                channel_id,
                name=name,
                auto_archive_duration=archive_min,  # type: ignore[arg-type]
                type=ANNOUNCEMENT_THREAD if news else PUBLIC_THREAD,
                reason="airtime: episode discussion",
            )
        return int(payload["id"])

    async def open_forum_post(
        self, forum_id: int, name: str, content: str, tag_id: int | None, archive_min: int
    ) -> int:
        """Start a forum post (a thread with a first message); its id.

        A tag the forum no longer has (deleted since threads were turned on) is left off.
        """
        forum = self.bot.get_channel(forum_id)
        if isinstance(forum, discord.ForumChannel) and forum.get_tag(tag_id or 0) is None:
            tag_id = None
        body: dict[str, Any] = {
            "name": name,
            "auto_archive_duration": archive_min,
            "message": {"content": content, "allowed_mentions": NO_PINGS.to_dict()},
        }
        if tag_id is not None:
            body["applied_tags"] = [str(tag_id)]
        route = Route("POST", "/channels/{channel_id}/threads", channel_id=forum_id)
        async with _Call():
            payload = await self.bot.http.request(
                route, json=body, reason="airtime: episode discussion"
            )
        return int(payload["id"])

    async def active_threads(self, guild_id: int) -> list[LiveThread]:
        """The guild's active threads (a crash's claim is looked for among them)."""
        async with _Call():
            payload = await self.bot.http.get_active_threads(guild_id)
        me = self._me
        return [
            LiveThread(
                thread_id=int(item["id"]),
                parent_id=int(item.get("parent_id") or 0),
                mine=item.get("owner_id") is not None and int(item["owner_id"]) == me,
                name=str(item.get("name", "")),
                created=discord.utils.snowflake_time(int(item["id"])),
            )
            for item in payload.get("threads", [])
        ]
