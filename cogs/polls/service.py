"""The polls service, the feature's only front door: ids and values in, results out.

It runs the poll life cycle (start-up for this process's guilds, deadlines, closing, the
channel or message going away), takes votes (reaction events, button clicks) and answers the
questions the commands ask. It never sees an Interaction and never replies to anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.errors import Conflict, NotFound
from bot.shards import GuildScope, shard_of
from bot.timeutil import to_unix
from cogs.polls import logic
from cogs.polls.announce import post_results
from cogs.polls.api import NAME, ReactionPolls
from cogs.polls.ballot import ButtonVotes, ClickResult
from cogs.polls.engine import PollEngine
from cogs.polls.logic import Tally
from cogs.polls.opening import NewPoll, Opener
from cogs.polls.problems import Need, PollProblems
from cogs.polls.reconcile import Reconciler
from cogs.polls.state import PollState, ReactionEvent, has_ended
from cogs.polls.store import OpKind, Poll, PollStore, VoteOp, VoteRow

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

RECONCILE_WAIT_SECONDS = 120.0
JOB_PREFIX = "poll:close:"


def job_id(poll_id: int) -> str:
    """The scheduler job that closes a poll at its deadline."""
    return f"{JOB_PREFIX}{poll_id}"


@dataclass(frozen=True)
class Closed:
    """A poll this call closed, its final tally, and whether the results were posted."""

    poll: Poll
    result: Tally
    posted: bool


@dataclass(frozen=True)
class OpenPoll:
    """An open poll and how many fans hold a vote in it."""

    poll: Poll
    voters: int


@dataclass(frozen=True)
class Export:
    """A poll's tally, and its stored votes in the order cast, a page at a time."""

    poll: Poll
    result: Tally
    pages: AsyncIterator[list[VoteRow]]


class PollService(ReactionPolls, ButtonVotes):
    """Everything that changes or reads a poll, for the commands, listeners and other features."""

    def __init__(self, bot: DramaBot, store: PollStore) -> None:
        """Build the engine, the reconciler and the opener over `store`."""
        self._bot = bot
        self._store = store
        self._problems = PollProblems(bot.guild_settings.problem_table.of(NAME))
        self._engine = PollEngine(bot, store, self._problems)
        self._reconciler = Reconciler(bot, self._engine)
        self._opener = Opener(bot, store, self._engine, self._armed)
        self._after_ready: asyncio.Task[None] | None = None
        self._live = False  # the first READY was handled: later READYs reconcile again

    def _now(self) -> datetime:
        return self._bot.clock.now()

    # --- life cycle ----------------------------------------------------------------------
    async def start(self, scope: GuildScope) -> None:
        """Load the open polls of `scope`'s guilds and arm their deadlines.

        Once the gateway is ready, posts results a crash kept back and reconciles every
        loaded poll with its message. Guilds of other processes are never touched.
        """
        self._engine.start()
        states = await self._engine.load(scope)
        for state in states:
            self._schedule_close(state.poll)
        log.info("polls loaded", extra={"polls": len(states), "scope": scope.describe()})
        self._after_ready = asyncio.create_task(self._when_ready(scope), name="polls: ready")

    async def stop(self) -> None:
        """Commit every queued vote (a graceful stop loses none) and drop the deadline jobs."""
        if self._after_ready is not None:
            self._after_ready.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._after_ready
        await self._engine.stop()
        self._bot.scheduler.cancel_prefix(JOB_PREFIX)

    async def _when_ready(self, scope: GuildScope) -> None:
        await self._bot.wait_until_ready()
        self._live = True
        self._engine.spawn(self._post_pending_results(scope))
        await self._reconcile(lambda _poll: True)

    def shard_ready(self, shard_id: int) -> None:
        """A shard started a new gateway session: its events in between may be lost.

        Its guilds' polls are reconciled again (the first READY is handled by `start`).
        """
        if not self._live:
            return
        count = self._bot.shard_count or 1
        self._engine.spawn(self._reconcile(lambda poll: shard_of(poll.guild_id, count) == shard_id))

    async def _reconcile(self, which: Callable[[Poll], bool]) -> None:
        outcomes = await self._reconciler.run(which, self._message_gone)
        log.info("polls reconciled", extra={"polls": len(outcomes)})

    async def _post_pending_results(self, scope: GuildScope) -> None:
        """Post the results of polls that closed just before the bot stopped."""
        for poll in await self._store.pending_results(scope):
            try:
                result = await self.tally(poll)
                await post_results(self._bot, self._problems, poll, result)
                await self._store.results_posted(poll.poll_id)
            except Exception:
                log.exception(
                    "posting pending poll results failed", extra={"poll_id": poll.poll_id}
                )

    def _schedule_close(self, poll: Poll) -> None:
        """(Re)schedule the deadline job; a passed deadline runs at once."""
        if poll.ends_at is not None:
            run_at = max(poll.ends_at, self._now())
            self._bot.scheduler.schedule(job_id(poll.poll_id), run_at, self.close_job, poll.poll_id)

    def _armed(self, state: PollState, *, reconcile: bool) -> None:
        """A new poll is bound to its message: arm its deadline, read missed reactions."""
        self._schedule_close(state.poll)
        if reconcile:
            self._engine.spawn(self._reconcile_attached(state))

    async def _reconcile_attached(self, state: PollState) -> None:
        outcome = await self._reconciler.reconcile_one(state)
        if outcome is not None and outcome.gone is not None:
            await self._message_gone(outcome.poll_id, outcome.gone)

    async def _message_gone(self, poll_id: int, reason: str) -> None:
        await self.close(poll_id, reason, announce=False)

    # --- opening -------------------------------------------------------------------------
    async def post(self, guild_id: int, channel_id: int, author_id: int, request: NewPoll) -> Poll:
        """Store, post and arm a poll in the channel; undo everything if posting fails.

        Raises:
            MissingBotPermission: Discord refused the message or its reactions.
            InvalidInput: Discord does not know one of the emoji.
        """
        return await self._opener.post(guild_id, channel_id, author_id, request)

    async def attach(
        self,
        message: discord.Message,
        question: str,
        options: Sequence[tuple[str, str]],
        *,
        author_id: int,
        multi: bool = False,
        duration: timedelta | None = None,
    ) -> int:
        """See `ReactionPolls.attach`."""
        return await self._opener.attach(
            message, question, options, author_id=author_id, multi=multi, duration=duration
        )

    # --- closing -------------------------------------------------------------------------
    async def close_job(self, poll_id: int) -> None:
        """Scheduler entry point at the deadline."""
        try:
            await self.close(poll_id, "ended", announce=True)
        except Exception:
            log.exception("closing a poll failed", extra={"poll_id": poll_id})

    async def close(
        self, poll_id: int, reason: str, *, announce: bool, closer_id: int | None = None
    ) -> Closed | None:
        """Close a poll once (its votes flushed first); announce the results if asked.

        Returns None when it was already closed (by someone else, or its deadline).
        """
        state = self._engine.by_id.get(poll_id)
        if state is not None and state.reconciling:
            await _wait(state, RECONCILE_WAIT_SECONDS)
        await self._engine.flush()
        # No await between the flush and forgetting the poll: a reaction that arrives from
        # now on is after the close and does not count.
        forgotten = self._engine.forget(poll_id)
        self._bot.scheduler.cancel(job_id(poll_id))
        try:
            closed = await self._store.close(
                poll_id, self._now(), reason, announce=announce, closed_by=closer_id
            )
        except BaseException:
            if forgotten is not None:  # not closed after all: keep counting, keep the deadline
                self._engine.register(forgotten.poll, forgotten.votes)
                self._schedule_close(forgotten.poll)
            raise
        poll = await self._store.get(poll_id) if closed else None
        if poll is None:
            return None
        result = await self.tally(poll)
        log.info("poll closed", extra={"poll_id": poll_id, "reason": reason})
        posted = False
        if announce:
            posted = await post_results(self._bot, self._problems, poll, result)
            await self._store.results_posted(poll_id)
        return Closed(poll, result, posted)

    async def channel_deleted(self, guild_id: int, channel_id: int) -> None:
        """A channel (or thread) went away: close its polls quietly, forget its problems."""
        for state in [s for s in self._engine.by_id.values() if s.poll.channel_id == channel_id]:
            await self.close(state.poll.poll_id, "channel deleted", announce=False)
        # Nothing is left to grant there ("give me Manage Messages in #gone" would stay).
        await self._problems.forget_channel(guild_id, channel_id)

    async def message_deleted(self, message_id: int) -> None:
        """A poll message was deleted: close its poll quietly."""
        state = self._engine.by_message.get(message_id)
        if state is not None:
            await self.close(state.poll.poll_id, "message deleted", announce=False)

    # --- votes ---------------------------------------------------------------------------
    def reaction(self, event: ReactionEvent) -> None:
        """Queue a reaction change (synchronously, so events keep their gateway order)."""
        self._engine.submit(event)

    async def click(self, poll_id: int, position: int, user_id: int) -> ClickResult:
        """Toggle a button vote; committed before the voter is answered."""
        state = self._engine.by_id.get(poll_id)
        if state is None:
            raise Conflict("This poll is closed; votes no longer count.")
        poll = state.poll
        if not 0 <= position < len(poll.options):
            raise NotFound("That option no longer exists; see `/poll results` for this poll.")
        now = to_unix(self._now())
        if has_ended(poll, now):
            raise Conflict("This poll has ended; its results are on their way.")
        history = state.votes.get(user_id, [])
        new, added = logic.after_click(history, position, poll.multi)
        ops = [VoteOp(OpKind.REMOVE, poll_id, user_id, p, now) for p in history if p not in new]
        ops += [VoteOp(OpKind.ADD, poll_id, user_id, p, now) for p in new if p not in history]
        state.set_choices(user_id, new)
        try:
            await self._store.apply(ops)
        except BaseException:
            # Not saved: forget it (unless a later click already changed this fan's choices).
            if state.votes.get(user_id, []) == new:
                state.set_choices(user_id, list(history))
            raise
        if self._engine.by_id.get(poll_id) is not state:
            # The poll closed while the vote was being written: the store ignored it.
            raise Conflict("This poll closed just before your vote; it did not count.")
        return ClickResult(poll, tuple(new), position, added)

    # --- questions -----------------------------------------------------------------------
    async def get(self, poll_id: int) -> Poll | None:
        """A poll, open or closed, or None.

        An open poll of this process's guilds is the one in memory (this process alone
        changes it: another process never handles this guild's polls); a closed poll never
        changes again, so the store may keep it.
        """
        state = self._engine.by_id.get(poll_id)
        if state is not None:
            return state.poll
        return await self._store.get(poll_id)

    async def tally(self, poll: Poll) -> Tally:
        """The poll's current (or final) tally, without counting its votes one by one.

        Open polls are counted in memory as votes arrive; a closed poll once, when it
        closed. A poll in neither state (being posted) is counted by the database.
        """
        state = self._engine.by_id.get(poll.poll_id)
        if state is not None:
            return state.tally
        if poll.is_open:
            return await self._store.count(poll)
        return await self._store.final_result(poll)

    def open_polls(self, guild_id: int) -> list[OpenPoll]:
        """The guild's open polls, oldest first, with their voter counts."""
        states = [s for s in self._engine.by_id.values() if s.poll.guild_id == guild_id]
        return [
            OpenPoll(s.poll, s.tally.voters) for s in sorted(states, key=lambda s: s.poll.poll_id)
        ]

    async def export(self, poll: Poll) -> Export:
        """The poll's tally and its stored votes, read a page at a time."""
        return Export(poll, await self.tally(poll), self._store.vote_pages(poll.poll_id))

    async def untidy_channels(self, guild_id: int) -> list[int]:
        """Channels with open reaction polls where I cannot tidy votes, not yet reported."""
        channels = sorted(
            {p.poll.channel_id for p in self.open_polls(guild_id) if not p.poll.anonymous}
        )
        reported = await self._problems.reported_in(guild_id, Need.MANAGE_MESSAGES, channels)
        return [
            channel_id
            for channel_id in channels
            if channel_id not in reported and self._engine.cannot_tidy(guild_id, channel_id)
        ]

    # --- for tests and benchmarks --------------------------------------------------------
    async def idle(self) -> None:
        """Return once queued votes are committed and reaction requests have finished."""
        await self._engine.idle()

    def reconciling(self, poll_id: int) -> bool:
        """Whether the open poll is being reconciled with its message right now."""
        state = self._engine.by_id.get(poll_id)
        return state is not None and state.reconciling

    async def reconciled(self, poll_id: int) -> None:
        """Return once the open poll is reconciled (at once if it is not open)."""
        state = self._engine.by_id.get(poll_id)
        if state is not None:
            await state.reconciled.wait()


async def _wait(state: PollState, seconds: float) -> None:
    try:
        await asyncio.wait_for(state.reconciled.wait(), timeout=seconds)
    except TimeoutError:
        log.warning("closing a poll before it reconciled", extra={"poll_id": state.poll.poll_id})
