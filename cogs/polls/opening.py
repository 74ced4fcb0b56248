"""Opening a poll: stored, bound to its message, reactions added in order; undone on failure."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

import discord

from bot.errors import InvalidInput, MissingBotPermission
from bot.replies import NO_PINGS
from cogs.polls import durations, logic, messages
from cogs.polls.engine import PollEngine
from cogs.polls.logic import Option
from cogs.polls.state import PollState
from cogs.polls.store import Poll, PollStore
from cogs.polls.views import vote_view

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

UNKNOWN_EMOJI = 10014
REACTION_PERMS = (
    "I could not add the voting reactions: ask a moderator to grant me Add Reactions and "
    "Read Message History in this channel, then try again."
)
POST_PERMS = (
    "I cannot post in this channel: ask a moderator to grant me Send Messages and Embed Links "
    "here, then try again."
)


@dataclass(frozen=True)
class NewPoll:
    """A validated poll request."""

    question: str
    options: tuple[Option, ...]
    multi: bool
    anonymous: bool
    duration: timedelta | None


class Armed(Protocol):
    """Called once a poll is bound to its message (`reconcile`: read reactions made before)."""

    def __call__(self, state: PollState, *, reconcile: bool) -> None:
        """Arm the poll."""


class Opener:
    """Creates polls: in a channel (`/poll create`) or on a message another feature posted."""

    def __init__(self, bot: DramaBot, store: PollStore, engine: PollEngine, armed: Armed) -> None:
        """Write to `store`, track in `engine`, call `armed` once a poll is live."""
        self._bot = bot
        self._store = store
        self._engine = engine
        self._armed = armed

    async def post(self, guild_id: int, channel_id: int, author_id: int, request: NewPoll) -> Poll:
        """Store, post and arm a poll in the channel; undo everything if posting fails."""
        state = await self._create(guild_id, channel_id, author_id, request)
        poll = state.poll
        channel = self._bot.get_partial_messageable(channel_id, guild_id=guild_id)
        try:
            message = await _send(channel, poll)
        except discord.Forbidden as error:
            await self._undo(poll.poll_id, None)
            raise MissingBotPermission(POST_PERMS) from error
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
        now = self._bot.clock.now()
        poll_id = await self._store.create(
            guild_id=guild_id,
            channel_id=channel_id,
            author_id=author_id,
            question=request.question,
            options=request.options,
            multi=request.multi,
            anonymous=request.anonymous,
            created_at=now,
            ends_at=now + request.duration if request.duration else None,
        )
        poll = await self._store.get(poll_id)
        if poll is None:
            raise RuntimeError("poll vanished after insert")
        return self._engine.register(poll, {})

    async def _arm(self, state: PollState, message: discord.Message, *, owns_message: bool) -> Poll:
        """Bind the message, add the reactions in order, then arm the poll.

        A message another feature posted is reconciled once afterwards, so a reaction made
        before the poll was bound still counts.

        If the reactions cannot be added the poll is forgotten, and its message deleted when
        the poll posted it (a message another feature posted is left alone).
        """
        poll = state.poll
        mine = message if owns_message else None
        self._engine.bind_message(state, message.id)  # before any await: events count from here
        try:
            await self._store.set_message(poll.poll_id, message.id)
        except BaseException:
            await self._undo(poll.poll_id, mine)
            raise
        if not poll.anonymous:
            try:
                for option in poll.options:
                    await message.add_reaction(logic.reaction_form(option.emoji))
            except discord.HTTPException as error:
                await self._undo(poll.poll_id, mine)
                raise _reaction_error(error) from error
        self._armed(state, reconcile=not owns_message and not poll.anonymous)
        log.info("poll opened", extra={"poll_id": poll.poll_id, "guild_id": poll.guild_id})
        return state.poll

    async def _undo(self, poll_id: int, message: discord.Message | None) -> None:
        self._engine.forget(poll_id)
        await self._store.delete(poll_id)
        if message is not None:
            try:
                await message.delete()
            except discord.HTTPException:
                log.warning("could not delete a half-made poll", extra={"poll_id": poll_id})


async def _send(channel: discord.PartialMessageable, poll: Poll) -> discord.Message:
    embed = messages.poll_embed(poll)
    if poll.anonymous:
        return await channel.send(embed=embed, view=vote_view(poll), allowed_mentions=NO_PINGS)
    return await channel.send(embed=embed, allowed_mentions=NO_PINGS)


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
