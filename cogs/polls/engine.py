"""Live poll state and the vote pipeline: events in order, batched commits, reaction tidying.

Reaction events are queued synchronously by the listeners (so their order is kept) and a
single writer task applies them to the in-memory state of each open poll and commits them
in small batches: whatever queued while the previous commit ran goes into the next one.
Removing superseded or foreign reactions happens after the commit, off the writer's path.
A failed commit keeps its votes and retries them first (with a short back-off), so a
locked or busy database delays votes but never drops them. A graceful close flushes the
queue; after a crash, start-up reconciliation restores what the queue held, from the
message's real reactions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Collection, Coroutine
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import discord

from bot.db import IntegrityError
from bot.shards import GuildScope
from bot.timeutil import to_unix
from cogs.polls import logic
from cogs.polls.problems import Need, PollProblems
from cogs.polls.state import (
    EventKind,
    PollState,
    ReactionEvent,
    Tidy,
    clear_ops,
    has_ended,
    tidy_item,
    vote_ops,
)
from cogs.polls.store import Poll, PollStore, VoteOp, Votes

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

RETRY_FORBIDDEN_SECONDS = 300.0
RETRY_COMMIT_SECONDS = (0.05, 0.2, 1.0, 5.0)  # waits between attempts at a failed commit
MAX_REST_IN_FLIGHT = 8


class PollEngine:
    """Open polls in memory, keyed by poll id and by message id, and the vote writer."""

    def __init__(self, bot: DramaBot, store: PollStore, problems: PollProblems) -> None:
        """Start empty; `load()` fills the state from the database."""
        self.bot = bot
        self.store = store
        self.problems = problems
        self.by_id: dict[int, PollState] = {}
        self.by_message: dict[int, PollState] = {}
        self._queue: deque[ReactionEvent] = deque()
        self._unsaved: list[VoteOp] = []  # applied in memory, not yet committed (in order)
        self._failures = 0
        self._wake = asyncio.Event()
        self._batch_done = asyncio.Event()
        self._busy = False
        self._writer: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._rest = asyncio.Semaphore(MAX_REST_IN_FLIGHT)
        self._forbidden: dict[int, float] = {}  # channel id -> loop time of the last 403
        self._refused_despite_cache: set[int] = set()  # 403 although the cache said granted
        self._cleared: set[int] = set()  # channels whose problem was cleared in this process

    # --- state -----------------------------------------------------------------------
    async def load(self, scope: GuildScope) -> list[PollState]:
        """Load the open polls of `scope`'s guilds with their votes.

        Reaction polls then wait for reconciliation before live events count.
        """
        votes = await self.store.open_votes(scope)
        for poll in await self.store.open_polls(scope):
            self.register(poll, votes.get(poll.poll_id, {}), reconciling=not poll.anonymous)
        return list(self.by_id.values())

    def register(self, poll: Poll, votes: Votes, *, reconciling: bool = False) -> PollState:
        """Track an open poll."""
        state = PollState(poll, votes, reconciling=reconciling)
        self.by_id[poll.poll_id] = state
        if poll.message_id is not None:
            self.by_message[poll.message_id] = state
        return state

    def forget(self, poll_id: int) -> PollState | None:
        """Stop tracking a poll (closed or deleted)."""
        state = self.by_id.pop(poll_id, None)
        if state is not None and state.poll.message_id is not None:
            self.by_message.pop(state.poll.message_id, None)
        return state

    def bind_message(self, state: PollState, message_id: int) -> None:
        """Index a poll by its freshly posted message."""
        state.poll = _with_message(state.poll, message_id)
        self.by_message[message_id] = state

    # --- the writer --------------------------------------------------------------------
    def start(self) -> None:
        """Start the writer task."""
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="polls-writer")

    async def stop(self) -> None:
        """Flush what is queued, then stop the writer and wait for REST tidying."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.flush(), timeout=10)
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer
        for task in list(self._tasks):
            task.cancel()

    def submit(self, event: ReactionEvent) -> None:
        """Queue an event for a poll message (called synchronously by listeners)."""
        if event.message_id in self.by_message:
            self._queue.append(replace(event, at=to_unix(self.bot.clock.now())))
            self._wake.set()

    def queue_ops(self, ops: list[VoteOp]) -> None:
        """Commit vote changes decided elsewhere (reconciliation) ahead of later events'."""
        if ops:
            self._unsaved.extend(ops)
            self._wake.set()

    def requeue_front(self, events: list[ReactionEvent]) -> None:
        """Put deferred events back at the head of the queue, in their original order."""
        if events:
            self._queue.extendleft(reversed(events))
            self._wake.set()

    async def flush(self) -> None:
        """Return once every event queued so far is committed."""
        while self._queue or self._busy or self._unsaved:
            self._batch_done.clear()
            self._wake.set()
            await self._batch_done.wait()

    async def idle(self) -> None:
        """Return once queued events are committed and reaction requests have finished."""
        while True:
            await self.flush()
            if not self._tasks:
                return
            await asyncio.wait(list(self._tasks))

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._queue or self._unsaved:
                batch = list(self._queue)
                self._queue.clear()
                self._busy = True
                try:
                    await self._attempt(batch)
                finally:
                    self._busy = False
            self._batch_done.set()

    async def _attempt(self, batch: list[ReactionEvent]) -> None:
        """Commit one batch; on failure its votes stay in `_unsaved` for the next attempt."""
        try:
            try:
                await self._commit_batch(batch)
            except IntegrityError:
                # Not transient: save what the database accepts, one vote at a time.
                log.exception("vote batch refused", extra={"unsaved": len(self._unsaved)})
                await self._save_one_by_one()
            self._failures = 0
        except Exception:
            log.exception("vote batch failed", extra={"unsaved": len(self._unsaved)})
            await asyncio.sleep(RETRY_COMMIT_SECONDS[self._failures])
            self._failures = min(self._failures + 1, len(RETRY_COMMIT_SECONDS) - 1)

    async def _save_one_by_one(self) -> None:
        ops, self._unsaved = self._unsaved, []
        for index, op in enumerate(ops):
            try:
                await self.store.apply([op])
            except IntegrityError:
                log.warning("vote refused by the database", extra={"poll_id": op.poll_id})
            except Exception:
                self._unsaved = ops[index:] + self._unsaved
                raise

    async def _commit_batch(self, batch: list[ReactionEvent]) -> None:
        ops: list[VoteOp] = []
        tidy: list[Tidy] = []
        now = to_unix(self.bot.clock.now())
        for event in batch:
            state = self.by_message.get(event.message_id)
            if state is None:
                continue
            if state.reconciling:
                state.deferred.append(event)
                continue
            self._apply(state, event, event.at or now, ops, tidy)
        self._unsaved += ops
        pending = list(self._unsaved)
        try:
            await self.store.apply(pending)
            # Ops queued while this commit ran (by `queue_ops`) stay for the next one.
            del self._unsaved[: len(pending)]
        finally:
            for item in tidy:
                self.spawn(self.remove_reaction(item))

    def _apply(
        self,
        state: PollState,
        event: ReactionEvent,
        now: int,
        ops: list[VoteOp],
        tidy: list[Tidy],
    ) -> None:
        bot_user = self.bot.user
        if event.is_bot or (bot_user is not None and event.user_id == bot_user.id):
            return
        if has_ended(state.poll, now):
            return  # the close job is on its way; the result is what stood at the deadline
        if event.kind is EventKind.CLEAR:
            ops += clear_ops(state, event.key, now)
            keys = None if event.key is None else {event.key}
            self.spawn(self.readd_reactions(state.poll, keys))
            return
        position = None if event.key is None else state.keys.get(event.key)
        if position is None or state.poll.anonymous:
            if event.kind is EventKind.ADD:
                tidy.append(tidy_item(state.poll, event.emoji, event.user_id))
            return
        ops += vote_ops(state, event.kind, event.user_id, position, now, tidy)

    # --- reactions over REST --------------------------------------------------------------
    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a side task, keeping a reference until it ends."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def remove_reaction(self, item: Tidy) -> None:
        """Remove one fan's reaction; a 403 is reported to moderators, not retried at once."""
        if self._paused(item.guild_id, item.channel_id):
            return
        try:
            async with self._rest:
                await self.bot.http.remove_reaction(
                    item.channel_id, item.message_id, item.emoji, item.user_id
                )
        except discord.Forbidden:
            await self.removal_refused(item.guild_id, item.channel_id)
        except discord.HTTPException as error:
            log.warning(
                "could not remove a reaction: %s",
                error.status,
                extra={"channel_id": item.channel_id, "message_id": item.message_id},
            )
        else:
            await self.removal_allowed(item.guild_id, item.channel_id)

    def _paused(self, guild_id: int, channel_id: int) -> bool:
        """Whether removals in the channel wait after a recent 403.

        They resume at once when the cached permissions show Manage Messages granted since
        (a moderator fixed it), unless the cache already claimed it when Discord refused.
        """
        last = self._forbidden.get(channel_id)
        if last is None or asyncio.get_running_loop().time() - last >= RETRY_FORBIDDEN_SECONDS:
            return False
        if channel_id in self._refused_despite_cache:
            return True
        return not self._cached_manage_messages(guild_id, channel_id)

    def _cached_manage_messages(self, guild_id: int, channel_id: int) -> bool:
        """Manage Messages in the channel, per the gateway cache (False when unknown)."""
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        if guild is None or channel is None or guild.me is None:
            return False
        return channel.permissions_for(guild.me).manage_messages

    async def removal_refused(self, guild_id: int, channel_id: int) -> None:
        """Discord refused to remove a reaction (403): tell moderators to grant Manage Messages.

        Removals in that channel then pause for a while instead of failing one by one (or
        until the permission shows up granted in the cache).
        """
        self._forbidden[channel_id] = asyncio.get_running_loop().time()
        if self._cached_manage_messages(guild_id, channel_id):
            self._refused_despite_cache.add(channel_id)
        else:
            self._refused_despite_cache.discard(channel_id)
        self._cleared.discard(channel_id)
        await self.problems.report(guild_id, Need.MANAGE_MESSAGES, channel_id)
        log.info(
            "missing Manage Messages for polls",
            extra={"guild_id": guild_id, "channel_id": channel_id},
        )

    async def removal_allowed(self, guild_id: int, channel_id: int) -> None:
        """A reaction was removed: any missing Manage Messages problem there is fixed.

        Cleared once per channel and process (a problem may predate a restart), and again
        whenever the channel was reported since.
        """
        self._forbidden.pop(channel_id, None)
        self._refused_despite_cache.discard(channel_id)
        if channel_id not in self._cleared:
            self._cleared.add(channel_id)
            await self.problems.clear(guild_id, Need.MANAGE_MESSAGES, channel_id)

    def cannot_tidy(self, guild_id: int, channel_id: int) -> bool:
        """Whether I lack Manage Messages in the channel.

        Per the gateway cache; for a channel the cache does not know, whether a removal
        there was refused recently.
        """
        guild = self.bot.get_guild(guild_id)
        channel = guild.get_channel_or_thread(channel_id) if guild is not None else None
        if guild is None or channel is None or guild.me is None:
            return channel_id in self._forbidden
        return not channel.permissions_for(guild.me).manage_messages

    async def readd_reactions(self, poll: Poll, keys: Collection[str] | None) -> None:
        """Put the bot's option reactions (all, or those of `keys`) back, in option order."""
        if poll.message_id is None or poll.anonymous:
            return
        for option in poll.options:
            if keys is not None and option.key not in keys:
                continue
            try:
                async with self._rest:
                    await self.bot.http.add_reaction(
                        poll.channel_id, poll.message_id, logic.reaction_form(option.emoji)
                    )
            except discord.Forbidden:
                await self.problems.report(poll.guild_id, Need.ADD_REACTIONS, poll.channel_id)
                log.warning(
                    "no permission to re-add poll reactions", extra={"poll_id": poll.poll_id}
                )
                return
            except discord.HTTPException:
                log.warning("could not re-add a poll reaction", extra={"poll_id": poll.poll_id})
                return
        await self.problems.clear(poll.guild_id, Need.ADD_REACTIONS, poll.channel_id)


def _with_message(poll: Poll, message_id: int) -> Poll:
    return replace(poll, message_id=message_id)
