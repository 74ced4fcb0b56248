"""The announcement job: what is due for one drama is claimed, posted and settled, once.

Exactly-once delivery, as far as Discord allows:

1. Before sending, the job INSERTs a `claimed` ledger row keyed (guild, drama, episode, kind)
   and commits it; the database decides (`ON CONFLICT DO NOTHING RETURNING`), so two jobs,
   a restart, a re-run or another process can never post twice.
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
When each drama's next job runs is the `Planner`'s business (`planner.py`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.db import Transaction
from bot.outbox import Outbox
from bot.pacing import FairPacer
from bot.problems import ProblemKey
from bot.scheduler import Scheduler
from bot.shards import GuildScope
from cogs.airtime import announce
from cogs.airtime.announce import (
    ONAIR_GRACE,
    STREAM_GRACE,
    Announcement,
    Decision,
    DramaText,
    Late,
)
from cogs.airtime.keys import NAME, cannot_announce, late_notice
from cogs.airtime.ledger import Key, LedgerStore
from cogs.airtime.planner import Planner, Ready, plan_of
from cogs.airtime.records import Drama, Ledger
from cogs.airtime.store import AirtimeStore

log = logging.getLogger(__name__)

CLAIM_SLACK = timedelta(seconds=5)
# An extra line for one broadcast's post (e.g. the link to its discussion thread), or None.
PostExtra = Callable[[Drama, Announcement], Awaitable[str | None]]


class SendRefused(Exception):
    """Discord refused the post for a reason a moderator must fix."""

    def __init__(self, reason: str) -> None:
        """`reason` completes "Airtime announcements for X cannot be posted: …"."""
        super().__init__(reason)
        self.reason = reason


class CannotCheck(Exception):
    """The channel's history could not be read."""


class Sender(Protocol):
    """How announcements reach Discord (the bot's REST client, or a stand-in)."""

    async def send(self, channel_id: int, content: str, role_id: int | None, drama_id: int) -> int:
        """Post and return the message id; raise `SendRefused` when Discord refuses."""
        ...

    async def find_sent(self, channel_id: int, after: datetime, prefix: str) -> int | None:
        """Id of our message starting with `prefix` posted after `after`, or None."""
        ...


class Problems(Protocol):
    """The feature's problems for moderators (`bot.problems.FeatureProblems`)."""

    async def report(self, guild_id: int, key: ProblemKey, message: str) -> None:
        """Record a problem."""
        ...

    async def clear(self, guild_id: int, key: ProblemKey) -> None:
        """Forget a problem."""
        ...


def text_of(drama: Drama) -> DramaText:
    """What the wording needs."""
    return DramaText(drama.title, drama.network, drama.streaming, drama.role_id)


@dataclass
class Announcer:
    """Runs the announcement jobs; its `planner` keeps them armed."""

    store: AirtimeStore
    ledger: LedgerStore
    scheduler: Scheduler
    clock: Clock
    sender: Sender
    problems: Problems
    outbox: Outbox
    ready: Ready | None = None  # returns once the gateway is connected (start-up waits for it)
    pace: FairPacer | None = None  # posts kept under Discord's global limit, servers in turn
    planner: Planner = field(init=False)
    # Lines other parts of the feature add to a post (`PostExtra`), in order.
    extras: list[PostExtra] = field(default_factory=list)

    def __post_init__(self) -> None:
        """The planner schedules this announcer's job."""
        self.planner = Planner(
            self.store, self.ledger, self.scheduler, self.clock, self.run, self.ready
        )

    # -- arming (see planner.py) ------------------------------------------------------------
    def start(self, scope: GuildScope) -> None:
        """Arm the announcements of `scope`'s guilds, in the background."""
        self.planner.start(scope)

    async def rebuild(self, scope: GuildScope | None = None) -> int:
        """Arm every owned announcing drama now; return how many have a next announcement."""
        return await self.planner.rebuild(scope)

    async def refresh(self, guild_id: int, drama_id: int) -> datetime | None:
        """Re-plan one drama from the database; return when its next job runs."""
        return await self.planner.refresh(guild_id, drama_id)

    async def stop(self) -> None:
        """Drop every job; what is owed waits in the database."""
        await self.planner.stop()

    # -- the job ----------------------------------------------------------------------------
    async def run(self, guild_id: int, drama_id: int) -> None:
        """The job: announce what is due; on an unexpected error, retry in a minute."""
        try:
            await self._run(guild_id, drama_id)
        except Exception:
            log.exception("airtime job failed", extra={"guild_id": guild_id, "drama_id": drama_id})
            self.planner.retry(guild_id, drama_id)

    async def _run(self, guild_id: int, drama_id: int) -> None:
        """Send everything due for one drama, then schedule its next announcement."""
        planned_as = self.planner.version(drama_id)
        drama, ledger = await self.store.with_ledger(guild_id, drama_id)
        plan = plan_of(drama) if drama is not None else None
        if drama is None or plan is None or not self.planner.scope.owns(guild_id):
            self.planner.cancel(drama_id)
            return
        now = self.clock.now()
        # Broadcasts whose every announcement is past its grace matter no more (a claim left
        # on one is settled `uncertain`, as it would be past its deadline).
        since = now - ONAIR_GRACE - STREAM_GRACE - timedelta(minutes=plan.stream_delay_min or 0)
        items = {a.key: a for a in announce.planned(list(drama.iter_episodes(since)), plan)}
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
            await self.problems.clear(drama.guild_id, cannot_announce(drama_id))
        # A moderator may have changed the drama while the posts were in flight: then it is
        # re-read; otherwise what this run read and did is the truth.
        await self.planner.replan(drama, states, planned_as)

    async def _deliver(self, drama: Drama, item: Announcement, now: datetime) -> str:
        decision = announce.decide(item, now)
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id,
                 "episode": item.episode.key, "kind": item.kind}  # fmt: skip
        if decision is Decision.SKIP:
            await self.ledger.finish(drama, item.key, "skipped", now)
            log.warning("announcement skipped: missed beyond its grace", extra=extra)
            return "skipped"
        channel_id = drama.channel_id
        if channel_id is None:
            return "claimed"
        if decision is Decision.SEND_LATE and (
            self.planner.online_since is None or item.due < self.planner.online_since
        ):
            log.info("announcement owed late after downtime", extra=extra)
            return await self._hand_over(drama, item, channel_id, now)
        if not await self.ledger.claim(drama, item.key, channel_id, now):
            return "claimed"
        return await self._send(drama, item, channel_id, late=None)

    async def _hand_over(
        self, drama: Drama, item: Announcement, channel_id: int, now: datetime
    ) -> str:
        """Owe a late post through the outbox (ledger row and notice in one transaction)."""
        content = await self._content(drama, item, Late.OFFLINE)
        payload = {"drama_id": drama.drama_id, "role_id": drama.role_id, "title": drama.title,
                   "episode_key": item.key[0], "kind": item.key[1]}  # fmt: skip

        async def owe(tx: Transaction) -> None:
            await self.outbox.owe(
                tx,
                feature=NAME,
                key=late_notice(drama.guild_id, drama.drama_id, item.key),
                guild_id=drama.guild_id,
                channel_id=channel_id,
                content=content,
                payload=payload,
            )

        if not await self.ledger.hand_over(drama, item.key, channel_id, now, owe):
            return "claimed"
        self.outbox.wake()
        return "sent"

    def _late_retry(self, item: Announcement, row: Ledger, now: datetime) -> Late | None:
        """Why a claimed post re-sent now is late: a crash (an earlier run) or Discord failing."""
        since = self.planner.online_since
        if since is None or row.claimed_at < since:
            return Late.OFFLINE
        return Late.DISCORD if announce.decide(item, now) is Decision.SEND_LATE else None

    async def _send(
        self, drama: Drama, item: Announcement, channel_id: int, *, late: Late | None
    ) -> str:
        content = await self._content(drama, item, late)
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id, "channel_id": channel_id}
        if self.pace is not None:
            await self.pace.turn(drama.guild_id)
        try:
            message_id = await self.sender.send(channel_id, content, drama.role_id, drama.drama_id)
        except SendRefused as refused:
            await self.ledger.finish(drama, item.key, "failed", self.clock.now())
            log.warning("announcement refused by Discord: %s", refused.reason, extra=extra)
            await self.problems.report(
                drama.guild_id,
                cannot_announce(drama.drama_id),
                announce.refused_problem(drama.title, channel_id, refused.reason),
            )
            return "failed"
        except Exception:
            # Outcome unknown (a 5xx after retries, a dropped connection): the claim stays and
            # the next run checks the channel before sending again.
            log.exception("announcement send failed; will verify and retry", extra=extra)
            return "claimed"
        await self.ledger.finish(drama, item.key, "sent", self.clock.now(), message_id)
        return "sent"

    async def _content(self, drama: Drama, item: Announcement, late: Late | None) -> str:
        """The post: its wording, then any extra lines (`extras`); a failing extra is left out."""
        content = announce.render(item, text_of(drama), late=late)
        for extra in self.extras:
            try:
                line = await extra(drama, item)
            except Exception:
                log.exception(
                    "extra line for a post failed",
                    extra={"guild_id": drama.guild_id, "drama_id": drama.drama_id},
                )
                continue
            if line:
                content += "\n" + line
        return content

    async def _recover(self, drama: Drama, item: Announcement | None, key: Key, row: Ledger) -> str:
        """Settle a claim left by a crash: found → sent; absent → send late; unknown → stop."""
        now = self.clock.now()
        extra = {"guild_id": drama.guild_id, "drama_id": drama.drama_id, "episode": key[0],
                 "kind": key[1]}  # fmt: skip
        channel_id = row.channel_id or drama.channel_id
        if item is None or channel_id is None or now >= item.deadline:
            await self.ledger.finish(drama, key, "uncertain", now)
            log.warning("claimed announcement left unsettled past its grace", extra=extra)
            return "uncertain"
        prefix = announce.render(item, text_of(drama))
        try:
            found = await self.sender.find_sent(channel_id, row.claimed_at - CLAIM_SLACK, prefix)
        except CannotCheck:
            await self.ledger.finish(drama, key, "uncertain", now)
            log.warning("claimed announcement unverifiable; not re-sent", extra=extra)
            return "uncertain"
        if found is not None:
            await self.ledger.finish(drama, key, "sent", now, found)
            log.info("claimed announcement was sent before the crash", extra=extra)
            return "sent"
        log.info("claimed announcement was not sent; sending", extra=extra)
        late = self._late_retry(item, row, now)
        if late is Late.OFFLINE:  # the claim is a crashed run's: owed after a restart
            return await self._hand_over(drama, item, channel_id, now)
        return await self._send(drama, item, channel_id, late=late)


def _was_failing(ledger: dict[Key, Ledger]) -> bool:
    """Whether the drama's most recent settled announcement failed (a problem is open)."""
    settled = [row for row in ledger.values() if row.state != "claimed"]
    return bool(settled) and max(settled, key=lambda row: row.claimed_at).state == "failed"
