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
logged (`announce.decide`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.scheduler import Scheduler
from cogs.airtime import announce
from cogs.airtime.announce import Announcement, Decision, DramaText, Plan
from cogs.airtime.store import AirtimeStore, Drama, Ledger

log = logging.getLogger(__name__)

JOB_PREFIX = "airtime:"
# Ledger rows older than this cannot matter to any outstanding announcement
# (the longest grace is a 24 h reminder lead or a 48 h streaming delay + 30 min).
LEDGER_WINDOW = timedelta(days=3)
CLAIM_SLACK = timedelta(seconds=5)


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
    """Schedules, runs and rebuilds announcement jobs."""

    store: AirtimeStore
    scheduler: Scheduler
    clock: Clock
    sender: Sender
    problems: Problems

    # -- scheduling -------------------------------------------------------------------------
    async def rebuild(self) -> int:
        """Schedule every announcing drama's next job from the database; return the count."""
        now = self.clock.now()
        self.scheduler.cancel_prefix(JOB_PREFIX)
        ledgers = await self.store.ledgers_since(now - LEDGER_WINDOW)
        count = 0
        for drama in await self.store.all_dramas():
            if self._schedule(drama, ledgers.get(drama.drama_id, {}), now):
                count += 1
        log.info("airtime jobs rebuilt", extra={"jobs": count})
        return count

    async def refresh(self, guild_id: int, drama_id: int) -> datetime | None:
        """Re-plan one drama after a change; return when its next job runs."""
        drama = await self.store.get_drama(guild_id, drama_id)
        if drama is None:
            self.scheduler.cancel(job_id(drama_id))
            return None
        return self._schedule(drama, await self.store.ledger(drama_id), self.clock.now())

    def _schedule(
        self, drama: Drama, ledger: dict[tuple[str, str], Ledger], now: datetime
    ) -> datetime | None:
        plan = plan_of(drama)
        pending = {key for key, row in ledger.items() if row.state == "claimed"}
        done = set(ledger) - pending
        nxt = (
            announce.next_outstanding(drama.episode_list(), plan, done, now)
            if plan is not None
            else None
        )
        if nxt is None and not pending:
            self.scheduler.cancel(job_id(drama.drama_id))
            return None
        run_at = max(nxt.due, now) if nxt is not None and not pending else now
        self.scheduler.schedule(job_id(drama.drama_id), run_at, self.run, drama.guild_id,
                                drama.drama_id)  # fmt: skip
        return run_at

    # -- the job ----------------------------------------------------------------------------
    async def run(self, guild_id: int, drama_id: int) -> None:
        """Send everything due for one drama, then schedule its next announcement."""
        drama = await self.store.get_drama(guild_id, drama_id)
        plan = plan_of(drama) if drama is not None else None
        if drama is None or plan is None:
            return
        ledger = await self.store.ledger(drama_id)
        now = self.clock.now()
        items = {a.key: a for a in announce.planned(drama.episode_list(), plan)}
        for key, row in ledger.items():
            if row.state == "claimed":
                await self._recover(drama, items.get(key), key, row)
        done = set(ledger)
        for item in items.values():
            if item.due <= now and item.key not in done:
                await self._deliver(drama, item, self.clock.now())
        await self.refresh(guild_id, drama_id)

    async def _deliver(self, drama: Drama, item: Announcement, now: datetime) -> None:
        decision = announce.decide(item, now)
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id,
                 "episode": item.episode.key, "kind": item.kind}  # fmt: skip
        if decision is Decision.SKIP:
            await self.store.finish(drama, item.key, "skipped", now)
            log.warning("announcement skipped: missed beyond its grace", extra=extra)
            return
        channel_id = drama.channel_id
        if channel_id is None or not await self.store.claim(drama, item.key, channel_id, now):
            return
        late = decision is Decision.SEND_LATE
        await self._send(drama, item, channel_id, late=late)
        if late:
            log.info("announcement sent late", extra=extra)

    async def _send(self, drama: Drama, item: Announcement, channel_id: int, *, late: bool) -> None:
        content = announce.render(item, text_of(drama), late=late)
        try:
            message_id = await self.sender.send(channel_id, content, drama.role_id, drama.drama_id)
        except SendRefused as refused:
            await self.store.finish(drama, item.key, "failed", self.clock.now())
            log.warning(
                "announcement refused by Discord: %s",
                refused.reason,
                extra={"guild_id": drama.guild_id, "drama_id": drama.drama_id,
                       "channel_id": channel_id},
            )  # fmt: skip
            await self.problems.report_problem(
                drama.guild_id,
                "airtime",
                problem_key(drama.drama_id),
                f"Airtime announcements for {drama.title!r} cannot be posted in <#{channel_id}>: "
                f"{refused.reason}",
            )
            return
        await self.store.finish(drama, item.key, "sent", self.clock.now(), message_id)
        await self.problems.clear_problem(drama.guild_id, "airtime", problem_key(drama.drama_id))

    async def _recover(
        self, drama: Drama, item: Announcement | None, key: tuple[str, str], row: Ledger
    ) -> None:
        """Settle a claim left by a crash: found → sent; absent → send late; unknown → stop."""
        now = self.clock.now()
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id, "episode": key[0],
                 "kind": key[1]}  # fmt: skip
        channel_id = row.channel_id or drama.channel_id
        if item is None or channel_id is None or now >= item.deadline:
            await self.store.finish(drama, key, "uncertain", now)
            log.warning("claimed announcement left unsettled past its grace", extra=extra)
            return
        prefix = announce.render(item, text_of(drama))
        try:
            found = await self.sender.find_sent(channel_id, row.claimed_at - CLAIM_SLACK, prefix)
        except CannotCheck:
            await self.store.finish(drama, key, "uncertain", now)
            log.warning("claimed announcement unverifiable; not re-sent", extra=extra)
            return
        if found is not None:
            await self.store.finish(drama, key, "sent", now, found)
            log.info("claimed announcement was sent before the crash", extra=extra)
            return
        log.info("claimed announcement was not sent before the crash; sending", extra=extra)
        await self._send(drama, item, channel_id, late=True)
