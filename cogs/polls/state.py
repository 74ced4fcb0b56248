"""One open poll's live state, the reaction events that change it, and the vote rules on it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from enum import Enum

from bot.timeutil import to_unix
from cogs.polls import logic
from cogs.polls.store import OpKind, Poll, VoteOp, Votes


class EventKind(Enum):
    """What a gateway reaction event did."""

    ADD = "add"
    REMOVE = "remove"
    CLEAR = "clear"  # all reactions, or all of one emoji (key set), were removed


@dataclass(frozen=True)
class ReactionEvent:
    """A reaction change on a poll message, as the listeners saw it."""

    kind: EventKind
    message_id: int
    user_id: int = 0
    key: str | None = None
    emoji: str = ""  # the reaction form, for removing it
    is_bot: bool = False
    at: int = 0  # unix time it arrived (set by `submit`); decides whether it beat the deadline


@dataclass
class PollState:
    """One open poll: its row, who holds which options, and its reconciliation status."""

    poll: Poll
    votes: Votes
    keys: dict[str, int] = field(default_factory=dict)
    reconciling: bool = False
    deferred: list[ReactionEvent] = field(default_factory=list)
    reconciled: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        """Index the options by emoji key."""
        self.keys = {option.key: i for i, option in enumerate(self.poll.options)}
        if not self.reconciling:
            self.reconciled.set()


@dataclass(frozen=True)
class Tidy:
    """A reaction the bot should remove (a replaced vote or a stray emoji)."""

    guild_id: int
    channel_id: int
    message_id: int
    emoji: str
    user_id: int


def vote_ops(
    state: PollState,
    kind: EventKind,
    user_id: int,
    position: int,
    now: int,
    tidy: list[Tidy],
) -> list[VoteOp]:
    """Update one voter's state for an add/remove; return the rows to write."""
    poll = state.poll
    history = state.votes.get(user_id, [])
    if kind is EventKind.REMOVE:
        state.votes[user_id] = logic.after_remove(history, position)
        if not state.votes[user_id]:
            del state.votes[user_id]
        return [VoteOp(OpKind.REMOVE, poll.poll_id, user_id, position, now)]
    new, superseded = logic.after_add(history, position, poll.multi)
    state.votes[user_id] = new
    for old in superseded:
        tidy.append(tidy_item(poll, logic.reaction_form(poll.options[old].emoji), user_id))
    return [VoteOp(OpKind.ADD, poll.poll_id, user_id, position, now)]


def clear_ops(state: PollState, key: str | None, now: int) -> list[VoteOp]:
    """Drop every vote (or every vote of one emoji) after reactions were cleared."""
    position = None if key is None else state.keys.get(key)
    if key is not None and position is None:
        return []
    ops: list[VoteOp] = []
    for user_id, history in list(state.votes.items()):
        gone = [p for p in history if position is None or p == position]
        ops += [VoteOp(OpKind.REMOVE, state.poll.poll_id, user_id, p, now) for p in gone]
        left = [p for p in history if p not in gone]
        if left:
            state.votes[user_id] = left
        else:
            del state.votes[user_id]
    return ops


def has_ended(poll: Poll, now: int) -> bool:
    """Whether the poll's deadline (if any) has passed at unix time `now`."""
    return poll.ends_at is not None and now >= to_unix(poll.ends_at)


def tidy_item(poll: Poll, emoji: str, user_id: int) -> Tidy:
    """The removal of `user_id`'s `emoji` reaction on the poll's message."""
    return Tidy(poll.guild_id, poll.channel_id, poll.message_id or 0, emoji, user_id)
