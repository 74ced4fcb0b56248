"""Start-up (and re-identify) reconciliation: the message's real reactions are the truth.

While a poll reconciles, its live events are held back (in order); the message and its
reactions are read over REST; then `merge` combines what the bot knew, that snapshot and the
held events into the poll's votes in one step, without replaying the events on top. Events
that arrived before the read are already in it, and replaying them as "newest" made the bot
tidy away the reaction a fan had added last. See `cogs.polls.merge` for the rule.

Single-choice polls where a fan holds several reactions afterwards keep the latest (by event
order where the bot saw the events, else the snapshot rule) and the others are tidied away
like any replaced vote.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import discord

from bot.timeutil import to_unix
from cogs.polls import logic
from cogs.polls.engine import PollEngine
from cogs.polls.merge import Change, Cleared, Reacted, diff, merge
from cogs.polls.problems import Need
from cogs.polls.state import EventKind, PollState, ReactionEvent, Tidy, tidy_item
from cogs.polls.store import OpKind, Poll, VoteOp

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

PAGE = 100
NORMAL: Literal[0] = 0  # reaction types when listing who reacted
BURST: Literal[1] = 1
UNKNOWN_CHANNEL = 10003
CONCURRENCY = 8


@dataclass(frozen=True)
class Outcome:
    """What reconciling one poll found."""

    poll_id: int
    added: int = 0
    removed: int = 0
    gone: str | None = None  # close reason when the message or channel no longer exists


def _key(emoji: Mapping[str, Any]) -> str:
    return str(emoji["id"]) if emoji.get("id") else logic.emoji_key(emoji.get("name") or "")


class Reconciler:
    """Fetches polls' messages and reactions, and brings the votes in line."""

    def __init__(self, bot: DramaBot, engine: PollEngine) -> None:
        """Work on `engine`'s open polls."""
        self.bot = bot
        self.engine = engine
        self._lock = asyncio.Lock()

    async def run(
        self,
        which: Callable[[Poll], bool],
        on_gone: Callable[[int, str], Awaitable[object]],
    ) -> list[Outcome]:
        """Reconcile the open polls `which` picks, a few at a time.

        `on_gone(id, reason)` closes those whose message (or channel) is gone.
        """
        async with self._lock:
            states = [s for s in self.engine.by_id.values() if which(s.poll)]
            for state in states:
                state.reconciling = True
                state.reconciled.clear()
            await self.engine.flush()
            gate = asyncio.Semaphore(CONCURRENCY)

            async def one(state: PollState) -> Outcome:
                async with gate:
                    return await self._guarded(state)

            outcomes = await asyncio.gather(*(one(s) for s in states))
        for outcome in outcomes:
            if outcome.gone is not None:
                await on_gone(outcome.poll_id, outcome.gone)
        return list(outcomes)

    async def reconcile_one(self, state: PollState) -> Outcome | None:
        """Reconcile one freshly attached poll (its live events wait meanwhile).

        Returns None when the poll closed before its turn came.
        """
        async with self._lock:
            if self.engine.by_id.get(state.poll.poll_id) is not state:
                return None
            state.reconciling = True
            state.reconciled.clear()
            await self.engine.flush()
            return await self._guarded(state)

    async def _guarded(self, state: PollState) -> Outcome:
        try:
            return await self.reconcile(state)
        except Exception:
            log.exception("reconciliation failed", extra={"poll_id": state.poll.poll_id})
            return Outcome(state.poll.poll_id)
        finally:
            self._finish(state)

    def _finish(self, state: PollState) -> None:
        state.reconciling = False
        deferred, state.deferred = state.deferred, []
        self.engine.requeue_front(deferred)
        state.reconciled.set()

    async def reconcile(self, state: PollState) -> Outcome:
        """Bring one poll's votes in line with its message; says if the message is gone."""
        poll = state.poll
        if poll.message_id is None:
            return Outcome(poll.poll_id, gone="message deleted")
        try:
            message = await self.bot.http.get_message(poll.channel_id, poll.message_id)
        except discord.NotFound as error:
            reason = "channel deleted" if error.code == UNKNOWN_CHANNEL else "message deleted"
            return Outcome(poll.poll_id, gone=reason)
        except discord.Forbidden:
            await self.engine.problems.report(poll.guild_id, Need.READ_ACCESS, poll.channel_id)
            log.warning("cannot read a poll message", extra={"poll_id": poll.poll_id})
            return Outcome(poll.poll_id)
        await self.engine.problems.clear(poll.guild_id, Need.READ_ACCESS, poll.channel_id)
        if poll.anonymous:
            return Outcome(poll.poll_id)
        real = await self._real_votes(state, message.get("reactions") or [])
        return self._apply(state, real)

    async def _real_votes(self, state: PollState, reactions: Sequence[Any]) -> dict[int, set[int]]:
        real: dict[int, set[int]] = {}
        self._readd_missing(state, reactions)
        for reaction in reactions:
            emoji = reaction.get("emoji") or {}
            position = state.keys.get(_key(emoji))
            if position is None:
                await self._clear_foreign(state, emoji)
                continue
            form = logic.reaction_form(state.poll.options[position].emoji)
            for user_id in await self._reactors(state, form, reaction):
                real.setdefault(user_id, set()).add(position)
        return real

    async def _reactors(
        self, state: PollState, emoji: str, reaction: Mapping[str, Any]
    ) -> list[int]:
        """Everyone holding the reaction: Discord lists super (burst) reactions separately."""
        details = reaction.get("count_details") or {}
        burst = int(details.get("burst") or 0)
        normal = int(details.get("normal", int(reaction.get("count") or 0) - burst) or 0)
        users = await self._users(state, emoji, normal, NORMAL) if normal > 0 else []
        if burst > 0:
            users += await self._users(state, emoji, burst, BURST)
        return users

    async def _users(
        self, state: PollState, emoji: str, count: int, kind: Literal[0, 1]
    ) -> list[int]:
        poll = state.poll
        me = self.bot.user.id if self.bot.user else 0
        users: list[int] = []
        after: int | None = None
        while count > 0:
            page = await self.bot.http.get_reaction_users(
                poll.channel_id, poll.message_id or 0, emoji, PAGE, after=after, type=kind
            )
            users += [int(u["id"]) for u in page if int(u["id"]) != me and not u.get("bot")]
            if len(page) < PAGE:
                break
            after = int(page[-1]["id"])
        return users

    def _readd_missing(self, state: PollState, reactions: Sequence[Any]) -> None:
        """Add back option reactions the bot does not hold (it stopped while adding them)."""
        held = {_key(r.get("emoji") or {}) for r in reactions if r.get("me")}
        missing = {option.key for option in state.poll.options} - held
        if missing:
            self.engine.spawn(self.engine.readd_reactions(state.poll, missing))

    async def _clear_foreign(self, state: PollState, emoji: Mapping[str, Any]) -> None:
        poll = state.poll
        form = f"{emoji.get('name')}:{emoji['id']}" if emoji.get("id") else emoji.get("name", "")
        try:
            await self.bot.http.clear_single_reaction(poll.channel_id, poll.message_id or 0, form)
        except discord.Forbidden:
            # Same as a refused removal while live: moderators learn what to grant.
            await self.engine.removal_refused(poll.guild_id, poll.channel_id)
        except discord.HTTPException:
            log.info("could not clear a stray poll reaction", extra={"poll_id": poll.poll_id})
        else:
            await self.engine.removal_allowed(poll.guild_id, poll.channel_id)

    def _apply(self, state: PollState, real: dict[int, set[int]]) -> Outcome:
        """Merge knowledge, snapshot and held events; no await, so no event slips in between.

        The writes join the engine's queue ahead of any later event's, and the poll stops
        reconciling in the same step, so later events apply on top of the merged votes.
        """
        poll = state.poll
        now = to_unix(self.bot.clock.now())
        held, state.deferred = state.deferred, []
        state.reconciling = False
        merged = merge(state.votes, real, self._changes(state, held))
        gone, written = diff(state.votes, merged)
        ops = [VoteOp(OpKind.REMOVE, poll.poll_id, u, p, now) for u, p in gone]
        ops += [VoteOp(OpKind.ADD, poll.poll_id, u, p, now) for u, p in written]
        state.replace_votes(merged)
        self.engine.queue_ops(ops)
        if not poll.multi:
            self._tidy_superseded(state)
        if ops:
            log.info(
                "poll reconciled",
                extra={"poll_id": poll.poll_id, "written": len(written), "removed": len(gone)},
            )
        return Outcome(poll.poll_id, added=len(written), removed=len(gone))

    def _changes(self, state: PollState, events: list[ReactionEvent]) -> list[Change]:
        """The held events as vote changes; a foreign emoji is tidied, a clear re-adds options."""
        poll = state.poll
        me = self.bot.user.id if self.bot.user else 0
        changes: list[Change] = []
        for event in events:
            position = None if event.key is None else state.keys.get(event.key)
            if event.kind is EventKind.CLEAR:
                if event.key is None or position is not None:
                    changes.append(Cleared(position))
                    keys = None if event.key is None else {event.key}
                    self.engine.spawn(self.engine.readd_reactions(poll, keys))
            elif event.is_bot or event.user_id == me:
                continue
            elif position is None:
                if event.kind is EventKind.ADD:
                    tidy = tidy_item(poll, event.emoji, event.user_id)
                    self.engine.spawn(self.engine.remove_reaction(tidy))
            else:
                changes.append(Reacted(event.user_id, position, event.kind is EventKind.ADD))
        return changes

    def _tidy_superseded(self, state: PollState) -> None:
        poll = state.poll
        for user_id, history in state.votes.items():
            for old in history[:-1]:
                emoji = logic.reaction_form(poll.options[old].emoji)
                item = Tidy(poll.guild_id, poll.channel_id, poll.message_id or 0, emoji, user_id)
                self.engine.spawn(self.engine.remove_reaction(item))
