"""One open poll's live state, the reaction events that change it, and the vote rules on it."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
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
    """One open poll: its row, who holds which options, and its reconciliation status.

    Its tally is kept up to date as votes change (`set_choices`, `replace_votes`: the only
    ways to change `votes`), so `/poll results` and `/poll list` never count voters.
    """

    poll: Poll
    votes: Votes
    keys: dict[str, int] = field(default_factory=dict)
    reconciling: bool = False
    deferred: list[ReactionEvent] = field(default_factory=list)
    reconciled: asyncio.Event = field(default_factory=asyncio.Event)
    _counts: list[int] = field(default_factory=list, init=False, repr=False)
    _voters: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        """Index the options by emoji key and count the votes."""
        self.keys = {option.key: i for i, option in enumerate(self.poll.options)}
        if not self.reconciling:
            self.reconciled.set()
        self.replace_votes(self.votes)

    @property
    def tally(self) -> logic.Tally:
        """The current tally (as `logic.tally` of `votes` would count it)."""
        return logic.Tally(tuple(self._counts), self._voters)

    def set_choices(self, user_id: int, history: list[int]) -> None:
        """Set one voter's options, oldest first (none: the voter holds no vote)."""
        self._count(self.votes.get(user_id, ()), -1)
        if history:
            self.votes[user_id] = history
        else:
            self.votes.pop(user_id, None)
        self._count(history, 1)

    def replace_votes(self, votes: Votes) -> None:
        """Set every voter's options at once, and count them again."""
        self.votes = votes
        result = logic.tally(len(self.poll.options), votes, self.poll.multi)
        self._counts, self._voters = list(result.counts), result.voters

    def _count(self, history: Sequence[int], sign: int) -> None:
        chosen = logic.counted(history, len(self._counts), self.poll.multi)
        if chosen:
            self._voters += sign
        for position in chosen:
            self._counts[position] += sign


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
        state.set_choices(user_id, logic.after_remove(history, position))
        return [VoteOp(OpKind.REMOVE, poll.poll_id, user_id, position, now)]
    new, superseded = logic.after_add(history, position, poll.multi)
    state.set_choices(user_id, new)
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
        state.set_choices(user_id, [p for p in history if p not in gone])
    return ops


def has_ended(poll: Poll, now: int) -> bool:
    """Whether the poll's deadline (if any) has passed at unix time `now`."""
    return poll.ends_at is not None and now >= to_unix(poll.ends_at)


def tidy_item(poll: Poll, emoji: str, user_id: int) -> Tidy:
    """The removal of `user_id`'s `emoji` reaction on the poll's message."""
    return Tidy(poll.guild_id, poll.channel_id, poll.message_id or 0, emoji, user_id)
