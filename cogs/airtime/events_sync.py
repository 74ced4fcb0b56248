"""Scheduled events' front door: turn them on or off, and keep Discord in step with the schedule.

`sync` is the one way a drama's events change: it reads the stored rows (the truth), the
schedule and what Discord lists, asks `events.plan` what to do, and does it, claiming a row
before each create so a restart never makes a second event. It runs when a moderator turns
events on or off, when the schedule changes (the `schedule_changed` hook of the airtime
service: skip, move, extension, import change, removal), and by a job at the next aired
event's end (which closes it and creates the next).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.errors import UserFacingError
from bot.problems import FeatureProblems
from bot.scheduler import Scheduler
from bot.shards import GuildScope
from cogs.airtime import events
from cogs.airtime.events import EventRow, EventSpec, Plan
from cogs.airtime.events_store import EventStore
from cogs.airtime.keys import EVENTS_JOB_PREFIX, events_deleted, events_job, events_refused
from cogs.airtime.native import Gone, LiveEvent, Refused, Unsure
from cogs.airtime.records import Drama
from cogs.airtime.store import AirtimeStore

log = logging.getLogger(__name__)

RETRY_AFTER = timedelta(minutes=5)


class EventsApi(Protocol):
    """What the sync asks of Discord (`native_rest.NativeRest`)."""

    async def list_events(self, guild_id: int) -> dict[int, LiveEvent]:
        """The guild's scheduled and active events."""
        ...

    async def create_event(self, guild_id: int, spec: EventSpec) -> int:
        """Create; the event's id."""
        ...

    async def edit_event(self, guild_id: int, event_id: int, spec: EventSpec) -> None:
        """Change an event."""
        ...

    async def set_status(self, guild_id: int, event_id: int, status: int) -> None:
        """End an active event."""
        ...

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        """Delete an event."""
        ...


@dataclass(frozen=True)
class EventsSet:
    """Events turned on or off: the drama, its count (None: off), what Discord shows now."""

    drama: Drama
    count: int | None
    shown: list[EventSpec]
    problem: str | None  # what Discord refused, for the moderator
    kept: int = 0  # the episodes `count` really keeps: fewer when fewer are left to air


class EventSync:
    """A drama's next episodes as scheduled events, kept in step."""

    def __init__(
        self,
        store: AirtimeStore,
        events_store: EventStore,
        api: EventsApi,
        scheduler: Scheduler,
        clock: Clock,
        problems: FeatureProblems,
        ready: Callable[[], Awaitable[None]],
        present: Callable[[int], bool],
    ) -> None:
        """Wire the parts; nothing runs before `start`.

        `present(guild_id)` is False for a server the bot was removed from: its syncs stop.
        """
        self._store = store
        self._events = events_store
        self._api = api
        self._scheduler = scheduler
        self._clock = clock
        self._problems = problems
        self._ready = ready
        self._present = present
        self._locks: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._scope = GuildScope.everything()

    # -- lifecycle --------------------------------------------------------------------------
    async def start(self, scope: GuildScope) -> None:
        """Mark rows of dramas removed during a crash, then sync `scope`'s dramas once ready."""
        self._scope = scope
        await self._events.drop_orphans(scope)
        self._spawn(self._sync_all(scope))

    async def stop(self) -> None:
        """Drop the jobs and background syncs; the rows wait in the database."""
        self._scheduler.cancel_prefix(EVENTS_JOB_PREFIX)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _sync_all(self, scope: GuildScope) -> None:
        await self._ready()
        for guild_id, drama_id in await self._events.in_scope(scope):
            await self.run(guild_id, drama_id)

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- moderators -------------------------------------------------------------------------
    async def turn_on(self, drama: Drama, count: int | None) -> EventsSet:
        """Keep the drama's next `count` episodes (default 2) as events; 1-100 and room left."""
        value = events.check_count(count)
        guild_id = drama.guild_id
        async with self._lock(guild_id):
            try:
                live = await self._list(guild_id)
            except Unsure:
                raise UserFacingError(
                    "Discord did not answer when I asked for the server's events: nothing "
                    "changed, try again in a minute."
                ) from None
            mine = await self._events.event_ids(guild_id)
            foreign = sum(1 for event_id in live if event_id not in mine)
            events.check_room(value, foreign, await self._reserved(drama))
            await self._events.turn_on(guild_id, drama.drama_id, value, self._clock.now())
            problem = await self._sync_now(guild_id, drama.drama_id, live)
        shown = [row.spec for row in await self._events.rows(drama.drama_id) if row.state == "open"]
        kept = events.kept(drama, value, self._clock.now())
        return EventsSet(drama, value, shown, problem, kept)

    async def _reserved(self, drama: Drama) -> int:
        """The events the guild's other dramas keep: none for one that has finished airing."""
        now = self._clock.now()
        reserved = 0
        for drama_id, count in (await self._events.counts(drama.guild_id)).items():
            other = await self._store.get_drama(drama.guild_id, drama_id)
            if drama_id != drama.drama_id and other is not None:
                reserved += events.kept(other, count, now)
        return reserved

    async def turn_off(self, drama: Drama) -> EventsSet:
        """Stop keeping events for the drama; its upcoming events are deleted."""
        async with self._lock(drama.guild_id):
            await self._events.turn_off(drama.drama_id)
            problem = await self._sync_now(drama.guild_id, drama.drama_id, None)
        return EventsSet(drama, None, [], problem)

    async def _sync_now(
        self, guild_id: int, drama_id: int, live: dict[int, LiveEvent] | None
    ) -> str | None:
        """Sync for a moderator's command: Discord not answering clearly is retried later."""
        try:
            return await self._sync(guild_id, drama_id, live)
        except Unsure:
            self._arm(guild_id, drama_id, self._clock.now() + RETRY_AFTER)
            return "Discord did not answer clearly; I will try again in a few minutes."

    async def counts(self, guild_id: int) -> dict[int, int]:
        """Drama id -> how many upcoming episodes it keeps as events, for dramas with events on."""
        return await self._events.counts(guild_id)

    # -- the schedule listener and the job --------------------------------------------------
    async def schedule_changed(self, before: Drama, after: Drama | None) -> None:
        """The airtime service's hook: a drama's schedule changed, or it was removed."""
        if after is None:
            await self._events.drop(before.drama_id)
            for key in (events_refused(before.drama_id), events_deleted(before.drama_id)):
                await self._problems.clear(before.guild_id, key)
        self._spawn(self.run(before.guild_id, before.drama_id))

    async def run(self, guild_id: int, drama_id: int) -> None:
        """Sync one drama (the job, the hook); an unclear answer from Discord retries later."""
        if not self._scope.owns(guild_id):
            return
        if not self._present(guild_id):  # removed from the server: no retries, no warnings
            log.debug("events sync skipped: not in the server", extra={"guild_id": guild_id})
            self._scheduler.cancel(events_job(drama_id))
            return
        try:
            async with self._lock(guild_id):
                await self._sync(guild_id, drama_id, None)
        except Unsure as error:
            extra = {"guild_id": guild_id, "drama_id": drama_id}
            log.warning("events sync unsure (%s); retrying", error, extra=extra)
            self._arm(guild_id, drama_id, self._clock.now() + RETRY_AFTER)
        except Exception:
            log.exception("events sync failed", extra={"guild_id": guild_id, "drama_id": drama_id})
            self._arm(guild_id, drama_id, self._clock.now() + RETRY_AFTER)

    # -- the sync ---------------------------------------------------------------------------
    async def _sync(
        self, guild_id: int, drama_id: int, live: dict[int, LiveEvent] | None
    ) -> str | None:
        """Make Discord show what the drama wants; the problem Discord raised, if any."""
        now = self._clock.now()
        drama = await self._store.get_drama(guild_id, drama_id)
        count = await self._events.count_of(drama_id) if drama is not None else None
        rows = await self._events.rows(drama_id)
        want = events.wanted(drama, count, now) if drama is not None and count else []
        if not rows and not want:
            self._scheduler.cancel(events_job(drama_id))
            await self._report(guild_id, drama, None, [])
            return None
        if live is None:
            live = await self._list(guild_id)
        steps = events.plan(rows, want, live, now)
        problem = await self._apply(guild_id, drama_id, steps, now)
        after = await self._events.rows(drama_id)
        await self._report(guild_id, drama, problem, [r.key for r in after if r.state == "gone"])
        later = events.next_check(after, want, now)
        if later is not None:
            self._arm(guild_id, drama_id, later)
        else:
            self._scheduler.cancel(events_job(drama_id))
        return problem

    async def _apply(self, guild_id: int, drama_id: int, steps: Plan, now: datetime) -> str | None:
        for row, event_id in steps.settled:
            await self._events.opened(row.row_id, event_id)
        for row in steps.forget:
            await self._events.forget(row.row_id)
        for row in steps.gone:
            await self._events.mark_gone(row.row_id)
        for row, status in steps.close:
            await self._close(guild_id, row, status)
        try:  # a refusal keeps the rest for the next sync, and moderators are told
            for row in steps.delete:
                await self._delete(guild_id, row)
            for row, spec in steps.edit:
                await self._edit(guild_id, row, spec)
            for spec in steps.create:
                await self._create(guild_id, drama_id, spec, now)
        except Refused as refused:
            extra = {"guild_id": guild_id, "drama_id": drama_id}
            log.warning("scheduled event refused: %s", refused.reason, extra=extra)
            return self._problem_text(refused)
        return None

    async def _close(self, guild_id: int, row: EventRow, status: int) -> None:
        end = events.close_status(status)
        try:
            if end is None:
                await self._api.delete_event(guild_id, row.event_id or 0)
            else:
                await self._api.set_status(guild_id, row.event_id or 0, end)
        except (Gone, Refused):
            pass  # ended or deleted meanwhile, or not ours to end: nothing left to do
        await self._events.forget(row.row_id)

    async def _delete(self, guild_id: int, row: EventRow) -> None:
        with contextlib.suppress(Gone):
            await self._api.delete_event(guild_id, row.event_id or 0)
        await self._events.forget(row.row_id)

    async def _edit(self, guild_id: int, row: EventRow, spec: EventSpec) -> None:
        try:
            await self._api.edit_event(guild_id, row.event_id or 0, spec)
        except Gone:
            await self._events.mark_gone(row.row_id)
            return
        await self._events.edited(row.row_id, spec)

    async def _create(self, guild_id: int, drama_id: int, spec: EventSpec, now: datetime) -> None:
        row_id = await self._events.claim(guild_id, drama_id, spec, now)
        if row_id is None:
            return
        try:
            event_id = await self._api.create_event(guild_id, spec)
        except Refused:
            await self._events.forget(row_id)
            raise
        # Unsure: the claim stays; the next sync looks the event up by its name and start.
        await self._events.opened(row_id, event_id)
        extra = {"guild_id": guild_id, "drama_id": drama_id, "episode": spec.key}
        log.info("scheduled event created", extra=extra)

    # -- helpers ----------------------------------------------------------------------------
    async def _list(self, guild_id: int) -> dict[int, LiveEvent]:
        try:
            return await self._api.list_events(guild_id)
        except Refused as refused:
            # Without the list, a stored event would look deleted by hand: try again later.
            raise Unsure(f"could not list the events: {refused.reason}") from None

    @staticmethod
    def _problem_text(refused: Refused) -> str:
        if refused.code == events.TOO_MANY_EVENTS:
            return events.limit_problem()
        if refused.missing_permission:
            return events.missing_permission_problem()
        return f"Discord refused a scheduled event: {refused.reason}."

    async def _report(
        self, guild_id: int, drama: Drama | None, problem: str | None, gone: list[str]
    ) -> None:
        """Tell moderators what Discord refused, and which events a person deleted."""
        if drama is None:
            return
        for key, text in (
            (events_refused(drama.drama_id), problem),
            (
                events_deleted(drama.drama_id),
                events.gone_problem(drama.title, gone) if gone else None,
            ),
        ):
            if text is None:
                await self._problems.clear(guild_id, key)
            else:
                await self._problems.report(guild_id, key, text)

    def _arm(self, guild_id: int, drama_id: int, when: datetime) -> None:
        self._scheduler.schedule(events_job(drama_id), when, self.run, guild_id, drama_id)

    def _lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())
