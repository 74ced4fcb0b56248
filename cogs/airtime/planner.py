"""Arming announcements: one scheduler job per announcing drama, at its NEXT due announcement.

Only announcements due within `HORIZON` get a scheduler job; later ones wait in a heap
(run time, guild, drama) that an hourly sweep moves into the scheduler. This keeps the job
count proportional to what airs soon, not to every server's dramas. Heap entries are hints:
the sweep re-reads the drama from the database.

Start-up arms only the dramas of the guilds this process owns, and does it in the
background, a page at a time, so that the bot connects and answers at once however many
servers it has. First the dramas that may fall due within `NEAR` (told from their stored
slots alone, `may_fall_due`), then, once the gateway is ready, all the others. Nothing due
meanwhile is lost or doubled: an announcement whose moment passed while its page waited is
still outstanding (its grace has not run out) and is sent as soon as its drama is armed;
the ledger claim keeps every announcement to one post. A drama a command or a job
re-planned during the pass (or the near pass armed) is left as they planned it.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.heap import bulk_build
from bot.scheduler import Scheduler
from bot.shards import GuildScope
from cogs.airtime import announce
from cogs.airtime.announce import ONAIR_GRACE, STREAM_GRACE, Plan
from cogs.airtime.keys import JOB_PREFIX, SWEEP_JOB, job_id
from cogs.airtime.ledger import Key, LedgerStore
from cogs.airtime.records import Drama, Outline
from cogs.airtime.schedule import KST, WEEK, kst_date
from cogs.airtime.store import AirtimeStore
from cogs.airtime.validate import decode_slots

log = logging.getLogger(__name__)

# Ledger rows older than this cannot matter to any outstanding announcement
# (the longest grace is a 24 h reminder lead or a 48 h streaming delay + 30 min).
LEDGER_WINDOW = timedelta(days=3)
RETRY_AFTER = timedelta(seconds=60)
HORIZON = timedelta(hours=6)
SWEEP_EVERY = timedelta(hours=1)
ARM_PAGE = 100  # dramas armed between two turns of the event loop at start-up
NEAR = timedelta(hours=1)  # start-up arms what may fall due this soon first
OUTLINE_PAGE = 500  # outlines looked at between two turns of the event loop
READY_WAIT = 60.0  # seconds the rest of the start-up pass waits for the gateway, at most
WEEK_MINUTES = 7 * 24 * 60

Job = Callable[[int, int], Awaitable[None]]  # (guild id, drama id)
Ready = Callable[[], Awaitable[object]]  # returns once the gateway is connected


def may_fall_due(outline: Outline, now: datetime, near: timedelta) -> bool:
    """Whether a drama may have an announcement due (or still owed) between now and `near`.

    A cheap superset from the stored slots alone: some weekly slot instant, on or after the
    premiere, lies where one of its announcements would fall due in the window or still be
    within its grace. Skips, the episode count and the finale are ignored, so a drama that
    may fall due is never left out; moved episodes and specials are looked at apart.
    """
    leads = [int(lead) for lead in outline.remind.split(",") if lead]
    after = timedelta(minutes=outline.streaming_delay_min or 0) + ONAIR_GRACE + STREAM_GRACE
    start = now - after
    end = now + near + timedelta(minutes=max(leads, default=0))
    if outline.premiere > kst_date(end).isoformat():
        return False
    if end - start >= WEEK:
        return True
    local = start.astimezone(KST)
    first = local.weekday() * 1440 + local.hour * 60 + local.minute
    length = (end - start) // timedelta(minutes=1) + 1
    for slot in decode_slots(outline.slots):
        minute = slot.weekday * 1440 + slot.at.hour * 60 + slot.at.minute
        if (minute - first) % WEEK_MINUTES <= length:
            return True
    return False


def plan_of(drama: Drama) -> Plan | None:
    """What the drama's announcements need, or None when announcing is not configured."""
    if drama.channel_id is None or drama.announce_since is None:
        return None
    return Plan(drama.leads, drama.streaming_delay_min, drama.announce_since)


@dataclass
class Planner:
    """Keeps each owned announcing drama's job at its next announcement."""

    store: AirtimeStore
    ledger: LedgerStore
    scheduler: Scheduler
    clock: Clock
    job: Job
    ready: Ready | None = None
    scope: GuildScope = field(default_factory=GuildScope.everything)
    later: list[tuple[datetime, int, int]] = field(default_factory=list)
    # Since when jobs have been running (the last start): only announcements due before
    # it were missed because the bot was offline, and only those say so.
    online_since: datetime | None = None
    _arming: asyncio.Task[int] | None = None
    _passing: bool = False
    _replanned: set[int] = field(default_factory=set)  # during the start-up pass
    _versions: dict[int, int] = field(default_factory=dict)  # drama id -> re-plans from the db

    # -- start-up ---------------------------------------------------------------------------
    def start(self, scope: GuildScope) -> None:
        """Arm `scope`'s guilds' announcements in the background (the bot need not wait).

        What may fall due within `NEAR` is armed first; the rest once the gateway is ready.
        """
        self._reset(scope)
        self._arming = asyncio.create_task(self._arm_all(near_first=True), name="airtime arming")

    async def rebuild(self, scope: GuildScope | None = None) -> int:
        """Arm every owned announcing drama now; return how many have a next announcement."""
        self._reset(scope or self.scope)
        return await self._arm_all()

    async def armed(self) -> int:
        """Wait for the start-up pass; return how many dramas it armed."""
        return await self._arming if self._arming is not None else 0

    async def stop(self) -> None:
        """Stop arming and drop every job (the database keeps what is owed)."""
        task, self._arming = self._arming, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._passing = False
        self.scheduler.cancel_prefix(JOB_PREFIX)
        self.scheduler.cancel(SWEEP_JOB)

    def _reset(self, scope: GuildScope) -> None:
        self.scope = scope
        self.scheduler.cancel_prefix(JOB_PREFIX)
        self.later = []
        self._replanned = set()
        self._passing = True  # until the pass ends: re-plans from now on win over it
        self.online_since = self.clock.now()

    async def _arm_all(self, *, near_first: bool = False) -> int:
        started = self.clock.now()
        self._ensure_sweep(started + SWEEP_EVERY, started)
        near = 0
        try:
            if near_first:
                near = await self._arm_near(started - LEDGER_WINDOW)
                await self._until_ready()
            with bulk_build():  # thousands of records and jobs that live until the next pass
                count = near + await self._arm_pages(started - LEDGER_WINDOW)
        finally:
            self._passing = False
            self._replanned = set()
        log.info(
            "airtime jobs armed",
            extra={"planned": count, "near": near,
                   "jobs": len(self.scheduler.job_ids(JOB_PREFIX)),
                   "scope": self.scope.describe(),
                   "seconds": round((self.clock.now() - started).total_seconds(), 3)},
        )  # fmt: skip
        return count

    async def _arm_near(self, ledger_since: datetime) -> int:
        """Arm the dramas that may fall due within `NEAR`; return how many have a next one."""
        started = self.clock.now()
        ids = set(await self.store.moved_between(started - 2 * WEEK, started + 2 * WEEK))
        async for outlines in self.store.announcing_outlines(self.scope, OUTLINE_PAGE):
            ids.update(o.drama_id for o in outlines if may_fall_due(o, started, NEAR))
            await asyncio.sleep(0)
        wanted = sorted(ids)
        count = 0
        for first in range(0, len(wanted), ARM_PAGE):
            page, states = await self.store.announcing_by_ids(
                self.scope, wanted[first : first + ARM_PAGE], ledger_since
            )
            count += self._arm_page(page, states)
            self._replanned.update(drama.drama_id for drama in page)  # armed: the pass skips it
            await asyncio.sleep(0)
        seconds = round((self.clock.now() - started).total_seconds(), 3)
        extra = {"looked_at": len(wanted), "planned": count, "seconds": seconds}
        log.info("airtime near jobs armed", extra=extra)
        return count

    async def _until_ready(self) -> None:
        """Wait (bounded) until the gateway is ready: the far jobs can wait, fans cannot."""
        if self.ready is None:
            return
        try:
            await asyncio.wait_for(self.ready(), READY_WAIT)
        except TimeoutError:
            log.warning("gateway not ready after %s s; arming the other dramas now", READY_WAIT)

    def _arm_page(self, page: list[Drama], states: dict[int, dict[Key, str]]) -> int:
        now = self.clock.now()
        count = 0
        for drama in page:
            if drama.drama_id in self._replanned:
                continue  # a command or a job planned it from fresher data
            if self._schedule(drama, states.get(drama.drama_id, {}), now, rebuilding=True):
                count += 1
        return count

    async def _arm_pages(self, ledger_since: datetime) -> int:
        count = 0
        pages = self.store.announcing_dramas(self.scope, ARM_PAGE, ledger_since)
        async for page, states in pages:
            count += self._arm_page(page, states)
            await asyncio.sleep(0)  # let the gateway, commands and due jobs run
        return count

    # -- the sweep --------------------------------------------------------------------------
    async def sweep(self) -> None:
        """Move announcements entering the horizon from the heap into the scheduler."""
        now = self.clock.now()
        failed: list[tuple[datetime, int, int]] = []
        try:
            while self.later and self.later[0][0] <= now + HORIZON:
                entry = heapq.heappop(self.later)
                try:
                    await self.refresh(entry[1], entry[2])
                except Exception:
                    # Keep the drama: a lost heap entry would silence it until a restart.
                    log.exception("airtime sweep failed for a drama",
                                  extra={"guild_id": entry[1], "drama_id": entry[2]})  # fmt: skip
                    failed.append((now + RETRY_AFTER, entry[1], entry[2]))
        finally:
            for entry in failed:
                heapq.heappush(self.later, entry)
            now = self.clock.now()
            self.scheduler.schedule(SWEEP_JOB, now + SWEEP_EVERY, self.sweep)
            if self.later:
                self._ensure_sweep(self.later[0][0] - HORIZON, now)

    def _ensure_sweep(self, by: datetime, now: datetime) -> None:
        """Make the sweep run no later than `by` (never in the past)."""
        current = self.scheduler.next_run(SWEEP_JOB)
        if current is None or current > by:
            self.scheduler.schedule(SWEEP_JOB, max(by, now), self.sweep)

    # -- one drama --------------------------------------------------------------------------
    async def refresh(self, guild_id: int, drama_id: int) -> datetime | None:
        """Re-plan one drama from the database; return when its next job runs.

        A `claimed` row seen here is a post in flight (its job settles it) or one whose
        outcome is unknown (retried in `RETRY_AFTER`), so it is checked again then, not now.
        Dramas of guilds this process does not own are never armed.
        """
        if self._passing:
            self._replanned.add(drama_id)
        self._versions[drama_id] = self._versions.get(drama_id, 0) + 1
        drama = await self.store.get_drama(guild_id, drama_id)
        if drama is None or not self.scope.owns(guild_id):
            self.cancel(drama_id)
            return None
        ledger = await self.ledger.ledger(drama_id)
        now = self.clock.now()
        states = {key: row.state for key, row in ledger.items()}
        return self._schedule(drama, states, now, now + RETRY_AFTER)

    def version(self, drama_id: int) -> int:
        """How often the drama was re-planned from the database (a change, by a command)."""
        return self._versions.get(drama_id, 0)

    async def replan(self, drama: Drama, states: dict[Key, str], version: int) -> None:
        """Plan the drama's next job from what a job just read and did, without reading again.

        If it was re-planned from the database since `version` (a moderator changed it while
        the job ran), it is read again instead: the change wins.
        """
        if self.version(drama.drama_id) != version:
            await self.refresh(drama.guild_id, drama.drama_id)
            return
        now = self.clock.now()
        self._schedule(drama, states, now, now + RETRY_AFTER)

    def retry(self, guild_id: int, drama_id: int) -> None:
        """Run the drama's job again in `RETRY_AFTER` (after an unexpected error)."""
        retry_at = self.clock.now() + RETRY_AFTER
        self.scheduler.schedule(job_id(drama_id), retry_at, self.job, guild_id, drama_id)

    def cancel(self, drama_id: int) -> None:
        """Drop the drama's job (its heap entry, a hint, finds the drama gone)."""
        self.scheduler.cancel(job_id(drama_id))

    def _schedule(
        self,
        drama: Drama,
        states: dict[Key, str],
        now: datetime,
        retry_at: datetime | None = None,
        *,
        rebuilding: bool = False,
    ) -> datetime | None:
        """One job at the next outstanding announcement (or now, to settle a crashed claim)."""
        plan = plan_of(drama)
        pending = any(state == "claimed" for state in states.values())
        nxt = None
        if plan is not None:
            window = (
                now - ONAIR_GRACE - STREAM_GRACE - timedelta(minutes=plan.stream_delay_min or 0)
            )
            episodes = drama.iter_episodes(since=window)
            nxt = announce.next_outstanding(episodes, plan, set(states), now)
        due = max(nxt.due, now) if nxt is not None else None
        if pending:
            run_at = min(retry_at or now, due or datetime.max.replace(tzinfo=now.tzinfo))
        elif due is not None:
            run_at = due
        else:
            self.cancel(drama.drama_id)
            return None
        if run_at > now + HORIZON:
            if not rebuilding:  # the start-up pass began by clearing every job
                self.cancel(drama.drama_id)
            heapq.heappush(self.later, (run_at, drama.guild_id, drama.drama_id))
            self._ensure_sweep(run_at - HORIZON, now)
            return run_at
        self.scheduler.schedule(job_id(drama.drama_id), run_at, self.job, drama.guild_id,
                                drama.drama_id)  # fmt: skip
        return run_at
