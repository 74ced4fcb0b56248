"""Start-up (and re-identify) reconciliation: the message's real reactions are the truth.

While a poll reconciles, its live events are deferred; the snapshot is taken after the
gateway is connected, so anything that changes later arrives as an event and is replayed
on top of the reconciled state.

Single-choice polls where a fan holds several reactions after downtime: the options the
bot already knew stay older, the ones added while it was away count as newer, and among
several new ones the first in option order wins (Discord does not say which came first).
The other reactions are then tidied away like any replaced vote.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import discord

from cogs.polls import logic
from cogs.polls.engine import PollEngine
from cogs.polls.state import PollState, Tidy
from cogs.polls.store import OpKind, VoteOp, Votes

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

PAGE = 100
NORMAL: Literal[0] = 0  # reaction types when listing who reacted
BURST: Literal[1] = 1
UNKNOWN_CHANNEL = 10003
READ_HINT = (
    "I cannot read the poll messages in <#{channel_id}>: grant me View Channel and Read "
    "Message History there so votes cast while I was away count."
)
CONCURRENCY = 8


@dataclass(frozen=True)
class Outcome:
    """What reconciling one poll found."""

    poll_id: int
    added: int = 0
    removed: int = 0
    gone: str | None = None  # close reason when the message or channel no longer exists


def merge(known: Votes, real: Mapping[int, set[int]]) -> tuple[Votes, list[tuple[int, int]]]:
    """New per-voter histories and the (voter, option) pairs that were added while away.

    Known options still present keep their order; options added while away come after
    them, the lowest option position last (so it is the "latest" for single-choice).
    """
    merged: Votes = {}
    added: list[tuple[int, int]] = []
    for user_id in sorted(set(known) | set(real)):
        now_held = real.get(user_id, set())
        kept = [p for p in known.get(user_id, []) if p in now_held]
        new = sorted(now_held - set(kept), reverse=True)
        if kept or new:
            merged[user_id] = kept + new
        added += [(user_id, p) for p in new]
    return merged, added


def removed_pairs(known: Votes, real: Mapping[int, set[int]]) -> list[tuple[int, int]]:
    """(voter, option) pairs the database holds but the message no longer shows."""
    return [
        (user_id, p)
        for user_id, history in known.items()
        for p in history
        if p not in real.get(user_id, set())
    ]


def _key(emoji: Mapping[str, Any]) -> str:
    return str(emoji["id"]) if emoji.get("id") else logic.emoji_key(emoji.get("name") or "")


def _read_key(channel_id: int) -> str:
    return f"read_access:{channel_id}"


class Reconciler:
    """Fetches polls' messages and reactions, and brings the votes in line."""

    def __init__(self, bot: DramaBot, engine: PollEngine) -> None:
        """Work on `engine`'s open polls."""
        self.bot = bot
        self.engine = engine
        self._lock = asyncio.Lock()

    async def run_all(self, on_gone: Callable[[int, str], Awaitable[object]]) -> list[Outcome]:
        """Reconcile every open poll, a few at a time; `on_gone(id, reason)` closes lost ones."""
        async with self._lock:
            states = list(self.engine.by_id.values())
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
            await self.bot.guild_settings.report_problem(
                poll.guild_id,
                "polls",
                _read_key(poll.channel_id),
                READ_HINT.format(channel_id=poll.channel_id),
            )
            log.warning("cannot read a poll message", extra={"poll_id": poll.poll_id})
            return Outcome(poll.poll_id)
        await self.bot.guild_settings.clear_problem(
            poll.guild_id, "polls", _read_key(poll.channel_id)
        )
        if poll.anonymous:
            return Outcome(poll.poll_id)
        real = await self._real_votes(state, message.get("reactions") or [])
        return await self._apply(state, real)

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

    async def _apply(self, state: PollState, real: dict[int, set[int]]) -> Outcome:
        poll = state.poll
        now = int(self.bot.clock.now().timestamp())
        gone = removed_pairs(state.votes, real)
        merged, added = merge(state.votes, real)
        ops = [VoteOp(OpKind.REMOVE, poll.poll_id, u, p, now) for u, p in gone]
        ops += [VoteOp(OpKind.ADD, poll.poll_id, u, p, now) for u, p in added]
        await self.engine.store.apply(ops)
        state.votes = merged
        if not poll.multi:
            self._tidy_superseded(state)
        if ops:
            log.info(
                "poll reconciled",
                extra={"poll_id": poll.poll_id, "added": len(added), "removed": len(gone)},
            )
        return Outcome(poll.poll_id, added=len(added), removed=len(gone))

    def _tidy_superseded(self, state: PollState) -> None:
        poll = state.poll
        for user_id, history in state.votes.items():
            for old in history[:-1]:
                emoji = logic.reaction_form(poll.options[old].emoji)
                item = Tidy(poll.guild_id, poll.channel_id, poll.message_id or 0, emoji, user_id)
                self.engine.spawn(self.engine.remove_reaction(item))
