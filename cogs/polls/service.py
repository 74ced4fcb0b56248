"""Poll life cycle: post, attach, close (deadline, by hand, message gone), button votes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import discord

from bot.errors import Conflict, InvalidInput, MissingBotPermission, NotFound
from bot.replies import NO_PINGS
from cogs.polls import durations, logic, messages
from cogs.polls.announce import post_results
from cogs.polls.engine import PollEngine, manage_messages_key
from cogs.polls.logic import Option, Tally
from cogs.polls.reconcile import Reconciler
from cogs.polls.state import PollState, has_ended
from cogs.polls.store import OpKind, Poll, PollStore, VoteOp

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

UNKNOWN_EMOJI = 10014
RECONCILE_WAIT_SECONDS = 120.0
REACTION_PERMS = (
    "I could not add the voting reactions: ask a moderator to grant me Add Reactions and "
    "Read Message History in this channel, then try again."
)


def job_id(poll_id: int) -> str:
    """The scheduler job that closes a poll at its deadline."""
    return f"poll:close:{poll_id}"


@dataclass(frozen=True)
class NewPoll:
    """A validated poll request."""

    question: str
    options: tuple[Option, ...]
    multi: bool
    anonymous: bool
    duration: timedelta | None


@dataclass(frozen=True)
class Closed:
    """A poll this call closed, its final tally, and whether the results were posted."""

    poll: Poll
    result: Tally
    posted: bool


@dataclass(frozen=True)
class ClickResult:
    """A button vote, for the voter's ephemeral confirmation."""

    poll: Poll
    chosen: tuple[int, ...]
    position: int
    added: bool


class PollService:
    """Everything that changes a poll, shared by the commands, the listeners and `public`."""

    def __init__(self, bot: DramaBot, store: PollStore) -> None:
        """Build the engine and the reconciler."""
        self.bot = bot
        self.store = store
        self.engine = PollEngine(bot, store)
        self.reconciler = Reconciler(bot, self.engine)

    def now(self) -> datetime:
        """The bot's clock."""
        return self.bot.clock.now()

    # --- start-up ------------------------------------------------------------------------
    async def start(self) -> None:
        """Load open polls, start the writer, and schedule every deadline."""
        self.engine.start()
        for state in await self.engine.load():
            self.schedule_close(state.poll)
        self.engine.spawn(self._post_pending_results())

    async def _post_pending_results(self) -> None:
        """Post the results of polls that closed just before the bot stopped."""
        for poll in await self.store.pending_results():
            try:
                votes = await self.store.votes(poll.poll_id)
                result = logic.tally(len(poll.options), votes, poll.multi)
                await post_results(self.bot, poll, result)
                await self.store.results_posted(poll.poll_id)
            except Exception:
                log.exception(
                    "posting pending poll results failed", extra={"poll_id": poll.poll_id}
                )

    def schedule_close(self, poll: Poll) -> None:
        """(Re)schedule the deadline job; a passed deadline runs at once."""
        if poll.ends_at is not None:
            run_at = max(poll.ends_at, self.now())
            self.bot.scheduler.schedule(job_id(poll.poll_id), run_at, self.close_job, poll.poll_id)

    async def reconcile_all(self) -> None:
        """Reconcile every open poll with its message; close those whose message is gone."""
        outcomes = await self.reconciler.run_all(self._message_gone)
        log.info("polls reconciled", extra={"polls": len(outcomes)})

    async def _message_gone(self, poll_id: int, reason: str) -> None:
        await self.close(poll_id, reason, announce=False)

    # --- creating ------------------------------------------------------------------------
    async def post(
        self,
        channel: discord.abc.Messageable,
        guild_id: int,
        channel_id: int,
        author_id: int,
        request: NewPoll,
    ) -> Poll:
        """Store, post and arm a poll in `channel`; undo everything if posting fails."""
        state = await self._create(guild_id, channel_id, author_id, request)
        poll = state.poll
        try:
            embed = messages.poll_embed(poll)
            view = _view(poll)
            if view is None:
                message = await channel.send(embed=embed, allowed_mentions=NO_PINGS)
            else:
                message = await channel.send(embed=embed, view=view, allowed_mentions=NO_PINGS)
        except discord.Forbidden as error:
            await self._undo(poll.poll_id, None)
            raise MissingBotPermission(
                "I cannot post in this channel: ask a moderator to grant me Send Messages and "
                "Embed Links here, then try again."
            ) from error
        except BaseException:
            await self._undo(poll.poll_id, None)
            raise
        return await self._arm(state, message, owns_message=True)

    async def attach(
        self,
        message: discord.Message,
        question: str,
        options: Sequence[tuple[str, str]],
        *,
        author_id: int,
        multi: bool,
        duration: timedelta | None,
    ) -> int:
        """Turn a message the bot posted into a reaction poll; return the poll id."""
        if message.guild is None:
            raise InvalidInput("Reaction polls only work in servers.")
        request = NewPoll(
            logic.validate_question(question),
            tuple(logic.check_pairs(options)),
            multi,
            False,
            _checked_duration(duration),
        )
        state = await self._create(message.guild.id, message.channel.id, author_id, request)
        poll = await self._arm(state, message, owns_message=False)
        return poll.poll_id

    async def _create(
        self, guild_id: int, channel_id: int, author_id: int, request: NewPoll
    ) -> PollState:
        now = self.now()
        ends_at = now + request.duration if request.duration else None
        poll_id = await self.store.create(
            guild_id=guild_id,
            channel_id=channel_id,
            author_id=author_id,
            question=request.question,
            options=request.options,
            multi=request.multi,
            anonymous=request.anonymous,
            created_at=now,
            ends_at=ends_at,
        )
        poll = await self.store.get(poll_id)
        if poll is None:
            raise RuntimeError("poll vanished after insert")
        return self.engine.register(poll, {})

    async def _arm(self, state: PollState, message: discord.Message, *, owns_message: bool) -> Poll:
        """Bind the message, add the reactions in order, schedule the deadline.

        A message another feature posted is reconciled once afterwards, so a reaction made
        before the poll was bound still counts.

        If the reactions cannot be added the poll is forgotten, and its message deleted when
        the poll posted it (a message another feature posted is left alone).
        """
        poll = state.poll
        self.engine.bind_message(state, message.id)  # before any await: events count from here
        try:
            await self.store.set_message(poll.poll_id, message.id)
        except BaseException:
            await self._undo(poll.poll_id, message if owns_message else None)
            raise
        if not poll.anonymous:
            try:
                for option in poll.options:
                    await message.add_reaction(logic.reaction_form(option.emoji))
            except discord.HTTPException as error:
                await self._undo(poll.poll_id, message if owns_message else None)
                raise _reaction_error(error) from error
        self.schedule_close(state.poll)
        if not owns_message and not poll.anonymous:
            # Another feature posted the message before handing it over: a fan may have
            # reacted before it was bound. Read its reactions once, like after a restart.
            self.engine.spawn(self._reconcile_attached(state))
        log.info("poll opened", extra={"poll_id": poll.poll_id, "guild_id": poll.guild_id})
        return state.poll

    async def _reconcile_attached(self, state: PollState) -> None:
        outcome = await self.reconciler.reconcile_one(state)
        if outcome is not None and outcome.gone is not None:
            await self._message_gone(outcome.poll_id, outcome.gone)

    async def _undo(self, poll_id: int, message: discord.Message | None) -> None:
        self.engine.forget(poll_id)
        await self.store.delete(poll_id)
        if message is not None:
            try:
                await message.delete()
            except discord.HTTPException:
                log.warning("could not delete a half-made poll", extra={"poll_id": poll_id})

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
        """Close a poll once (its votes flushed first); announce the results if asked."""
        state = self.engine.by_id.get(poll_id)
        if state is not None and state.reconciling:
            await _wait(state, RECONCILE_WAIT_SECONDS)
        await self.engine.flush()
        # No await between the flush and forgetting the poll: a reaction that arrives from
        # now on is after the close and does not count.
        forgotten = self.engine.forget(poll_id)
        self.bot.scheduler.cancel(job_id(poll_id))
        try:
            closed = await self.store.close(
                poll_id, self.now(), reason, announce=announce, closed_by=closer_id
            )
        except BaseException:
            if forgotten is not None:  # not closed after all: keep counting, keep the deadline
                self.engine.register(forgotten.poll, forgotten.votes)
                self.schedule_close(forgotten.poll)
            raise
        if not closed:
            return None
        poll = await self.store.get(poll_id)
        if poll is None:
            return None
        result = logic.tally(len(poll.options), await self.store.votes(poll_id), poll.multi)
        log.info("poll closed", extra={"poll_id": poll_id, "reason": reason})
        posted = False
        if announce:
            posted = await post_results(self.bot, poll, result)
            await self.store.results_posted(poll_id)
        return Closed(poll, result, posted)

    async def close_channel(self, channel_id: int, *, guild_id: int | None = None) -> None:
        """A channel (or thread) went away: close its polls quietly, forget its problems."""
        for state in [s for s in self.engine.by_id.values() if s.poll.channel_id == channel_id]:
            await self.close(state.poll.poll_id, "channel deleted", announce=False)
        if guild_id is not None:
            # Nothing left to grant there: "give me Manage Messages in #gone" would stay forever.
            for key in (manage_messages_key(channel_id), f"add_reactions:{channel_id}"):
                await self.bot.guild_settings.clear_problem(guild_id, "polls", key)

    async def close_message(self, message_id: int) -> None:
        """A poll message was deleted: close its poll quietly."""
        state = self.engine.by_message.get(message_id)
        if state is not None:
            await self.close(state.poll.poll_id, "message deleted", announce=False)

    # --- anonymous votes -----------------------------------------------------------------
    async def click(self, poll_id: int, position: int, user_id: int) -> ClickResult:
        """Toggle a button vote; committed before the voter is answered."""
        state = self.engine.by_id.get(poll_id)
        if state is None:
            raise Conflict("This poll is closed; votes no longer count.")
        poll = state.poll
        if not 0 <= position < len(poll.options):
            raise NotFound("That option no longer exists; see `/poll results` for this poll.")
        now = int(self.now().timestamp())
        if has_ended(poll, now):
            raise Conflict("This poll has ended; its results are on their way.")
        history = state.votes.get(user_id, [])
        new, added = logic.after_click(history, position, poll.multi)
        ops = [VoteOp(OpKind.REMOVE, poll_id, user_id, p, now) for p in history if p not in new]
        ops += [VoteOp(OpKind.ADD, poll_id, user_id, p, now) for p in new if p not in history]
        _set_choices(state, user_id, new)
        try:
            await self.store.apply(ops)
        except BaseException:
            # Not saved: forget it (unless a later click already changed this fan's choices).
            if state.votes.get(user_id, []) == new:
                _set_choices(state, user_id, list(history))
            raise
        if self.engine.by_id.get(poll_id) is not state:
            # The poll closed while the vote was being written: the store ignored it.
            raise Conflict("This poll closed just before your vote; it did not count.")
        return ClickResult(poll, tuple(new), position, added)


def _set_choices(state: PollState, user_id: int, choices: list[int]) -> None:
    if choices:
        state.votes[user_id] = choices
    else:
        state.votes.pop(user_id, None)


def _checked_duration(duration: timedelta | None) -> timedelta | None:
    if duration is not None and not durations.MIN_DURATION <= duration <= durations.MAX_DURATION:
        raise InvalidInput("A poll lasts between 1 minute and 32 days.")
    return duration


def _reaction_error(error: discord.HTTPException) -> Exception:
    if isinstance(error, discord.Forbidden):
        return MissingBotPermission(REACTION_PERMS)
    if error.code == UNKNOWN_EMOJI:
        return InvalidInput(
            "Discord does not know one of the option emoji (a custom emoji may have been "
            "deleted): use standard emoji or this server's own."
        )
    return error


def _view(poll: Poll) -> discord.ui.View | None:
    if not poll.anonymous:
        return None
    from cogs.polls.views import vote_view

    return vote_view(poll)


async def _wait(state: PollState, seconds: float) -> None:
    try:
        await asyncio.wait_for(state.reconciled.wait(), timeout=seconds)
    except TimeoutError:
        log.warning("closing a poll before it reconciled", extra={"poll_id": state.poll.poll_id})
