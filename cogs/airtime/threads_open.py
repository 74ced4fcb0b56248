"""Episode threads' front door: where they open, and opening each one exactly once.

At air time a job per drama opens the broadcast's thread (or forum post); the on-air post
asks for the same thread through the announcer's `extras` hook and links it. Both go through
`ensure`, which claims the episode's row (committed) before creating anything: whichever
comes first opens it, the other finds it, and a restart finds the claim. A claim a crash
left is looked up among the guild's active threads by its name; if it is not there and
cannot be proven absent, it is never opened twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.clock import Clock
from bot.problems import FeatureProblems
from bot.scheduler import Scheduler
from bot.shards import GuildScope
from cogs.airtime import threads
from cogs.airtime.announce import Announcement
from cogs.airtime.keys import (
    THREADS_JOB_PREFIX,
    threads_channel_gone,
    threads_job,
    threads_refused,
)
from cogs.airtime.native import Gone, LiveThread, Refused, Unsure
from cogs.airtime.records import Drama
from cogs.airtime.schedule import Episode
from cogs.airtime.store import AirtimeStore
from cogs.airtime.threads import ThreadSettings
from cogs.airtime.threads_store import ThreadStore

log = logging.getLogger(__name__)


class ThreadsApi(Protocol):
    """What the opener asks of Discord (`native_rest.NativeRest`)."""

    async def open_thread(self, channel_id: int, name: str, archive_min: int) -> int:
        """A public thread in a text channel; its id."""
        ...

    async def open_forum_post(
        self, forum_id: int, name: str, content: str, tag_id: int | None, archive_min: int
    ) -> int:
        """A forum post; its id."""
        ...

    async def active_threads(self, guild_id: int) -> list[LiveThread]:
        """The guild's active threads."""
        ...


@dataclass(frozen=True)
class ThreadsSet:
    """Threads turned on (settings) or off (None) for a drama."""

    drama: Drama
    settings: ThreadSettings | None
    next_at: datetime | None  # when the next thread opens


class ThreadOpener:
    """Opens each broadcast's discussion thread once, at air time."""

    def __init__(
        self,
        store: AirtimeStore,
        threads_store: ThreadStore,
        api: ThreadsApi,
        scheduler: Scheduler,
        clock: Clock,
        problems: FeatureProblems,
        ready: Callable[[], Awaitable[None]],
    ) -> None:
        """Wire the parts; nothing runs before `start`."""
        self._store = store
        self._threads = threads_store
        self._api = api
        self._scheduler = scheduler
        self._clock = clock
        self._problems = problems
        self._ready = ready
        self._locks: dict[tuple[int, str], asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._scope = GuildScope.everything()

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self, scope: GuildScope) -> None:
        """Arm `scope`'s dramas; once ready, settle claims a crash left."""
        self._scope = scope
        for settings in await self._threads.in_scope(scope):
            await self._arm(settings.guild_id, settings.drama_id)
        task = asyncio.ensure_future(self._recover(scope))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        """Drop the jobs; claims wait in the database."""
        self._scheduler.cancel_prefix(THREADS_JOB_PREFIX)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- moderators -------------------------------------------------------------------------
    async def turn_on(
        self,
        drama: Drama,
        channel_id: int,
        *,
        forum: bool,
        tag_id: int | None,
        archive_min: int,
    ) -> ThreadsSet:
        """Open the drama's episode threads in `channel_id` from the next broadcast on."""
        now = self._clock.now()
        settings = ThreadSettings(drama.drama_id, drama.guild_id, channel_id, forum, tag_id,
                                  archive_min, now)  # fmt: skip
        await self._threads.turn_on(settings)
        await self._problems.clear(drama.guild_id, threads_refused(drama.drama_id, channel_id))
        await self._problems.clear(drama.guild_id, threads_channel_gone(drama.drama_id))
        return ThreadsSet(drama, settings, await self._arm(drama.guild_id, drama.drama_id))

    async def turn_off(self, drama: Drama) -> ThreadsSet:
        """No more episode threads for the drama (open ones archive on their own)."""
        await self._threads.turn_off(drama.drama_id)
        self._scheduler.cancel(threads_job(drama.drama_id))
        await self._forget_problems(drama)
        return ThreadsSet(drama, None, None)

    async def _forget_problems(self, drama: Drama) -> None:
        """Drop what moderators were told about the drama's threads (off, or removed)."""
        guild_id, drama_id = drama.guild_id, drama.drama_id
        await self._problems.clear(guild_id, threads_channel_gone(drama_id))
        for problem in await self._problems.list(guild_id):
            if problem.channel_id is None:
                continue
            refused = threads_refused(drama_id, problem.channel_id)
            if problem.key == refused.key:
                await self._problems.clear(guild_id, refused)

    async def settings_of(self, guild_id: int) -> list[ThreadSettings]:
        """The guild's dramas with episode threads on."""
        return await self._threads.of_guild(guild_id)

    async def channel_deleted(self, guild_id: int, channel_id: int) -> None:
        """Tell moderators at once which dramas' threads need a new channel."""
        for drama_id in await self._threads.channel_gone(guild_id, channel_id):
            drama = await self._store.get_drama(guild_id, drama_id)
            if drama is not None:
                text = threads.channel_gone_problem(drama.title)
                await self._problems.report(guild_id, threads_channel_gone(drama_id), text)

    async def schedule_changed(self, before: Drama, after: Drama | None) -> None:
        """The airtime service's hook: re-arm at the (possibly moved) next broadcast."""
        if after is None:
            self._scheduler.cancel(threads_job(before.drama_id))
            await self._forget_problems(before)
            return
        await self._arm(after.guild_id, after.drama_id)

    # -- air time ---------------------------------------------------------------------------
    async def run(self, guild_id: int, drama_id: int) -> None:
        """The job: open the threads of broadcasts on air now, then arm the next one."""
        if not self._scope.owns(guild_id):
            return
        try:
            drama = await self._store.get_drama(guild_id, drama_id)
            settings = await self._threads.settings(drama_id)
            if drama is not None and settings is not None:
                for ep in threads.airing(drama, settings.since, self._clock.now()):
                    await self.ensure(drama, ep)
        except Exception:
            log.exception("thread job failed", extra={"guild_id": guild_id, "drama_id": drama_id})
        await self._arm(guild_id, drama_id)

    async def onair_line(self, drama: Drama, item: Announcement) -> str | None:
        """The announcer's extra line for an on-air post: the episode's live discussion."""
        if item.kind != "onair":
            return None
        thread_id = await self.ensure(drama, item.episode)
        return threads.link_line(thread_id) if thread_id is not None else None

    async def ensure(self, drama: Drama, ep: Episode) -> int | None:
        """The broadcast's thread id, opening it if it is owed and not yet claimed."""
        async with self._locks.setdefault((drama.drama_id, ep.key), asyncio.Lock()):
            row = await self._threads.get(drama.drama_id, ep.key)
            if row is not None:
                return row.thread_id if row.state == "open" else None
            settings = await self._threads.settings(drama.drama_id)
            if settings is None or ep.at < settings.since:
                return None
            return await self._open(drama, ep, settings)

    async def _open(self, drama: Drama, ep: Episode, settings: ThreadSettings) -> int | None:
        name = threads.thread_name(drama, ep)
        now = self._clock.now()
        claimed = await self._threads.claim(
            drama.guild_id, drama.drama_id, ep.key, settings.channel_id, name, now
        )
        if not claimed:
            return None
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id, "episode": ep.key}
        key = threads_refused(drama.drama_id, settings.channel_id)
        try:
            thread_id = await self._create(drama, ep, settings, name)
        except Gone:
            await self._threads.finish(drama.drama_id, ep.key, "failed")
            text = threads.channel_gone_problem(drama.title)
            await self._problems.report(drama.guild_id, threads_channel_gone(drama.drama_id), text)
            return None
        except Refused as error:
            await self._threads.finish(drama.drama_id, ep.key, "failed")
            log.warning("episode thread refused: %s", error.reason, extra=extra)
            text = threads.refused_problem(drama.title, settings.channel_id, error)
            await self._problems.report(drama.guild_id, key, text)
            return None
        except Unsure:
            log.warning("episode thread outcome unknown; claim kept", extra=extra)
            return None
        await self._threads.finish(drama.drama_id, ep.key, "open", thread_id)
        await self._problems.clear(drama.guild_id, key)
        log.info("episode thread opened", extra=extra)
        return thread_id

    async def _create(self, drama: Drama, ep: Episode, settings: ThreadSettings, name: str) -> int:
        if settings.forum:
            return await self._api.open_forum_post(
                settings.channel_id, name, threads.post_text(drama, ep), settings.tag_id,
                settings.archive_min,
            )  # fmt: skip
        return await self._api.open_thread(settings.channel_id, name, settings.archive_min)

    # -- helpers ----------------------------------------------------------------------------
    async def _arm(self, guild_id: int, drama_id: int) -> datetime | None:
        """Schedule the job at the next broadcast (now, if one is on air and owed)."""
        job = threads_job(drama_id)
        drama = await self._store.get_drama(guild_id, drama_id)
        settings = await self._threads.settings(drama_id)
        if drama is None or settings is None or not self._scope.owns(guild_id):
            self._scheduler.cancel(job)
            return None
        now = self._clock.now()
        owed = [
            ep for ep in threads.airing(drama, settings.since, now)
            if await self._threads.get(drama_id, ep.key) is None
        ]  # fmt: skip
        when = now if owed else threads.next_start(drama, now)
        if when is None:
            self._scheduler.cancel(job)
            return None
        self._scheduler.schedule(job, when, self.run, guild_id, drama_id)
        return when

    async def _recover(self, scope: GuildScope) -> None:
        """Settle claims a crash left: found among active threads → open; else uncertain."""
        await self._ready()
        by_guild: dict[int, list[LiveThread]] = {}
        for guild_id, row in await self._threads.claimed(scope):
            if guild_id not in by_guild:
                try:
                    by_guild[guild_id] = await self._api.active_threads(guild_id)
                except (Refused, Gone, Unsure):
                    by_guild[guild_id] = []
            found = next(
                (t for t in by_guild[guild_id]
                 if t.mine and t.name == row.name and t.parent_id == row.channel_id),
                None,
            )  # fmt: skip
            state = "open" if found is not None else "uncertain"
            await self._threads.finish(row.drama_id, row.episode_key, state,
                                       found.thread_id if found else None)  # fmt: skip
            log.info("thread claim settled after restart: %s", state,
                     extra={"guild_id": guild_id, "drama_id": row.drama_id})  # fmt: skip
