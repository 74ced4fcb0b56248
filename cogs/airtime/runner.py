"""Announcement jobs: one scheduler job per announcing drama, always at its NEXT due announcement.

Exactly-once delivery, as far as Discord allows:

1. Before sending, the job INSERTs a `claimed` ledger row keyed (guild, drama, episode, kind)
   and commits it. A key that already has a row is never sent again, so two jobs, a restart
   or a re-run can never post twice.
2. It sends, then marks the row `sent` (or `failed` when Discord refuses: channel gone, no
   permission; those are reported to moderators).
3. A crash between 1 and 3 leaves a `claimed` row whose outcome is unknown. On the next run
   the job looks at the channel's messages after the claim: if ours is there, the row becomes
   `sent`; if it is provably absent and the grace has not run out, it is sent (late); if the
   channel cannot be read, the row becomes `uncertain` and is NOT re-sent — a duplicate ping
   to a whole role is worse than one missed post, and the window is a few milliseconds.

Announcements missed by downtime are sent late within their grace (saying so) or skipped and
logged (`announce.decide`). A late post owed after a restart (missed while offline, or a claim
a crash left unsent) is handed to the bot's outbox in the transaction that decides it, so
further crashes cannot lose it; `late.LateCourier` delivers it and settles its ledger row.
"""

from __future__ import annotations

import heapq
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import Transaction
from bot.outbox import Outbox
from bot.scheduler import Scheduler
from cogs.airtime import announce
from cogs.airtime.announce import (
    ONAIR_GRACE,
    STREAM_GRACE,
    Announcement,
    Decision,
    DramaText,
    Late,
    Plan,
)
from cogs.airtime.records import Drama, Ledger
from cogs.airtime.store import AirtimeStore

log = logging.getLogger(__name__)

JOB_PREFIX = "airtime:"
# Ledger rows older than this cannot matter to any outstanding announcement
# (the longest grace is a 24 h reminder lead or a 48 h streaming delay + 30 min).
LEDGER_WINDOW = timedelta(days=3)
CLAIM_SLACK = timedelta(seconds=5)
RETRY_AFTER = timedelta(seconds=60)
# Announcements due within the horizon get a scheduler job; the sweep refills it hourly.
HORIZON = timedelta(hours=6)
SWEEP_EVERY = timedelta(hours=1)
SWEEP_JOB = "airtime-sweep"
NOTICE_FEATURE = "airtime"  # the outbox's name for airtime's late posts


class SendRefused(Exception):
    """Discord refused the post for a reason a moderator must fix."""

    def __init__(self, reason: str) -> None:
        """`reason` completes "Airtime announcements for X cannot be posted: …"."""
        super().__init__(reason)
        self.reason = reason


class CannotCheck(Exception):
    """The channel's history could not be read."""


class Sender(Protocol):
    """How announcements reach Discord (the cog's implementation, or a bench stand-in)."""

    async def send(self, channel_id: int, content: str, role_id: int | None, drama_id: int) -> int:
        """Post and return the message id; raise `SendRefused` when Discord refuses."""
        ...

    async def find_sent(self, channel_id: int, after: datetime, prefix: str) -> int | None:
        """Id of our message starting with `prefix` posted after `after`, or None."""
        ...


class Problems(Protocol):
    """The moderators' problem list (bot.guild_settings)."""

    async def report_problem(self, guild_id: int, feature: str, key: str, message: str) -> None:
        """Record a problem."""
        ...

    async def clear_problem(self, guild_id: int, feature: str, key: str) -> None:
        """Forget a problem."""
        ...


def job_id(drama_id: int) -> str:
    """The scheduler job of one drama."""
    return f"{JOB_PREFIX}{drama_id}"


def problem_key(drama_id: int) -> str:
    """The problem-list key of one drama's announcements."""
    return f"announce:{drama_id}"


def plan_of(drama: Drama) -> Plan | None:
    """What the drama's announcements need, or None when announcing is not configured."""
    if drama.channel_id is None or drama.announce_since is None:
        return None
    return Plan(drama.leads, drama.streaming_delay_min, drama.announce_since)


def text_of(drama: Drama) -> DramaText:
    """What the wording needs."""
    return DramaText(drama.title, drama.network, drama.streaming, drama.role_id)


@dataclass
class Announcer:
    """Schedules, runs and rebuilds announcement jobs.

    Only announcements due within `HORIZON` get a scheduler job; later ones wait in a heap
    (run time, guild, drama) that an hourly sweep moves into the scheduler. This keeps the
    job count (and start-up time) proportional to what airs soon, not to every server's
    dramas. Heap entries are hints: the sweep re-reads the drama from the database.
    """

    store: AirtimeStore
    scheduler: Scheduler
    clock: Clock
    sender: Sender
    problems: Problems
    outbox: Outbox
    later: list[tuple[datetime, int, int]] = field(default_factory=list)
    # Since when jobs have been running (the last rebuild): only announcements due before
    # it were missed because the bot was offline, and only those say so.
    online_since: datetime | None = None

    # -- scheduling -------------------------------------------------------------------------
    async def rebuild(self) -> int:
        """Plan every announcing drama's next announcement from the database; return how many."""
        now = self.clock.now()
        self.scheduler.cancel_prefix(JOB_PREFIX)
        self.later = []
        self.online_since = now
        states = await self.store.states_since(now - LEDGER_WINDOW)
        count = 0
        async for drama in self.store.announcing_dramas():
            if self._schedule(drama, states.get(drama.drama_id, {}), now, rebuilding=True):
                count += 1
        self._ensure_sweep(now + SWEEP_EVERY, now)
        log.info(
            "airtime jobs rebuilt",
            extra={"planned": count, "jobs": len(self.scheduler.job_ids(JOB_PREFIX))},
        )
        return count

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

    async def refresh(self, guild_id: int, drama_id: int) -> datetime | None:
        """Re-plan one drama from the database; return when its next job runs.

        A `claimed` row seen here is a post in flight (its job settles it) or one whose
        outcome is unknown (retried in `RETRY_AFTER`), so it is checked again then, not now.
        """
        drama = await self.store.get_drama(guild_id, drama_id)
        if drama is None:
            self.scheduler.cancel(job_id(drama_id))
            return None
        ledger = await self.store.ledger(drama_id)
        now = self.clock.now()
        states = {key: row.state for key, row in ledger.items()}
        return self._schedule(drama, states, now, now + RETRY_AFTER)

    def _schedule(
        self,
        drama: Drama,
        states: dict[tuple[str, str], str],
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
            self.scheduler.cancel(job_id(drama.drama_id))
            return None
        if run_at > now + HORIZON:
            if not rebuilding:  # the rebuild already cleared every job
                self.scheduler.cancel(job_id(drama.drama_id))
            heapq.heappush(self.later, (run_at, drama.guild_id, drama.drama_id))
            self._ensure_sweep(run_at - HORIZON, now)
            return run_at
        self.scheduler.schedule(job_id(drama.drama_id), run_at, self.run, drama.guild_id,
                                drama.drama_id)  # fmt: skip
        return run_at

    # -- the job ----------------------------------------------------------------------------
    async def run(self, guild_id: int, drama_id: int) -> None:
        """The job: announce what is due; on an unexpected error, retry in a minute."""
        try:
            await self._run(guild_id, drama_id)
        except Exception:
            log.exception("airtime job failed", extra={"guild_id": guild_id, "drama_id": drama_id})
            retry_at = self.clock.now() + RETRY_AFTER
            self.scheduler.schedule(job_id(drama_id), retry_at, self.run, guild_id, drama_id)

    async def _run(self, guild_id: int, drama_id: int) -> None:
        """Send everything due for one drama, then schedule its next announcement."""
        drama = await self.store.get_drama(guild_id, drama_id)
        plan = plan_of(drama) if drama is not None else None
        if drama is None or plan is None:
            self.scheduler.cancel(job_id(drama_id))
            return
        ledger = await self.store.ledger(drama_id)
        now = self.clock.now()
        items = {a.key: a for a in announce.planned(drama.episode_list(), plan)}
        states = {key: row.state for key, row in ledger.items()}
        outcomes: list[str] = []
        for key, row in ledger.items():
            if row.state == "claimed":
                states[key] = await self._recover(drama, items.get(key), key, row)
                outcomes.append(states[key])
        for item in items.values():
            if item.due <= now and item.key not in states:
                states[item.key] = await self._deliver(drama, item, self.clock.now())
                outcomes.append(states[item.key])
        if "sent" in outcomes and _was_failing(ledger):
            await self.problems.clear_problem(drama.guild_id, "airtime", problem_key(drama_id))
        # Re-read: a moderator may have changed the drama while the posts were in flight.
        await self.refresh(guild_id, drama_id)

    async def _deliver(self, drama: Drama, item: Announcement, now: datetime) -> str:
        decision = announce.decide(item, now)
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id,
                 "episode": item.episode.key, "kind": item.kind}  # fmt: skip
        if decision is Decision.SKIP:
            await self.store.finish(drama, item.key, "skipped", now)
            log.warning("announcement skipped: missed beyond its grace", extra=extra)
            return "skipped"
        channel_id = drama.channel_id
        if channel_id is None:
            return "claimed"
        if decision is Decision.SEND_LATE and (
            self.online_since is None or item.due < self.online_since
        ):
            log.info("announcement owed late after downtime", extra=extra)
            return await self._hand_over(drama, item, channel_id, now)
        if not await self.store.claim(drama, item.key, channel_id, now):
            return "claimed"
        return await self._send(drama, item, channel_id, late=None)

    async def _hand_over(
        self, drama: Drama, item: Announcement, channel_id: int, now: datetime
    ) -> str:
        """Owe a late post through the outbox (ledger row and notice in one transaction)."""
        content = announce.render(item, text_of(drama), late=Late.OFFLINE)
        payload = {"drama_id": drama.drama_id, "role_id": drama.role_id, "title": drama.title,
                   "episode_key": item.key[0], "kind": item.key[1]}  # fmt: skip

        async def owe(tx: Transaction) -> None:
            await self.outbox.owe(
                tx,
                feature=NOTICE_FEATURE,
                key=f"airtime:{drama.guild_id}:{drama.drama_id}:{item.key[0]}:{item.key[1]}",
                guild_id=drama.guild_id,
                channel_id=channel_id,
                content=content,
                payload=payload,
            )

        if not await self.store.hand_over(drama, item.key, channel_id, now, owe):
            return "claimed"
        self.outbox.wake()
        return "sent"

    def _late_retry(self, item: Announcement, row: Ledger, now: datetime) -> Late | None:
        """Why a claimed post re-sent now is late: a crash (an earlier run) or Discord failing."""
        if self.online_since is None or row.claimed_at < self.online_since:
            return Late.OFFLINE
        return Late.DISCORD if announce.decide(item, now) is Decision.SEND_LATE else None

    async def _send(
        self, drama: Drama, item: Announcement, channel_id: int, *, late: Late | None
    ) -> str:
        content = announce.render(item, text_of(drama), late=late)
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id, "channel_id": channel_id}
        try:
            message_id = await self.sender.send(channel_id, content, drama.role_id, drama.drama_id)
        except SendRefused as refused:
            await self.store.finish(drama, item.key, "failed", self.clock.now())
            log.warning("announcement refused by Discord: %s", refused.reason, extra=extra)
            await self.problems.report_problem(
                drama.guild_id,
                "airtime",
                problem_key(drama.drama_id),
                f"Airtime announcements for {drama.title!r} cannot be posted in <#{channel_id}>: "
                f"{refused.reason}",
            )
            return "failed"
        except Exception:
            # Outcome unknown (a 5xx after retries, a dropped connection): the claim stays and
            # the next run checks the channel before sending again.
            log.exception("announcement send failed; will verify and retry", extra=extra)
            return "claimed"
        await self.store.finish(drama, item.key, "sent", self.clock.now(), message_id)
        return "sent"

    async def _recover(
        self, drama: Drama, item: Announcement | None, key: tuple[str, str], row: Ledger
    ) -> str:
        """Settle a claim left by a crash: found → sent; absent → send late; unknown → stop."""
        now = self.clock.now()
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id, "episode": key[0],
                 "kind": key[1]}  # fmt: skip
        channel_id = row.channel_id or drama.channel_id
        if item is None or channel_id is None or now >= item.deadline:
            await self.store.finish(drama, key, "uncertain", now)
            log.warning("claimed announcement left unsettled past its grace", extra=extra)
            return "uncertain"
        prefix = announce.render(item, text_of(drama))
        try:
            found = await self.sender.find_sent(channel_id, row.claimed_at - CLAIM_SLACK, prefix)
        except CannotCheck:
            await self.store.finish(drama, key, "uncertain", now)
            log.warning("claimed announcement unverifiable; not re-sent", extra=extra)
            return "uncertain"
        if found is not None:
            await self.store.finish(drama, key, "sent", now, found)
            log.info("claimed announcement was sent before the crash", extra=extra)
            return "sent"
        log.info("claimed announcement was not sent; sending", extra=extra)
        late = self._late_retry(item, row, now)
        if late is Late.OFFLINE:  # the claim is a crashed run's: owed after a restart
            return await self._hand_over(drama, item, channel_id, now)
        return await self._send(drama, item, channel_id, late=late)


def _was_failing(ledger: dict[tuple[str, str], Ledger]) -> bool:
    """Whether the drama's most recent settled announcement failed (a problem is open)."""
    settled = [row for row in ledger.values() if row.state != "claimed"]
    return bool(settled) and max(settled, key=lambda row: row.claimed_at).state == "failed"
