"""An open poll's tally is kept up to date vote by vote, and always equals a full count."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from cogs.polls import logic
from cogs.polls.logic import Option
from cogs.polls.state import EventKind, PollState, Tidy, clear_ops, vote_ops
from cogs.polls.store import Poll

OPTIONS = tuple(Option(emoji, f"option {n}") for n, emoji in enumerate(["🔥", "💋", "😭", "👑"]))


def poll(multi: bool) -> Poll:
    at = datetime(2026, 11, 26, tzinfo=UTC)
    return Poll(1, 2, 3, 4, 5, "Q?", multi, False, at, None, None, None, OPTIONS)


@pytest.mark.parametrize("multi", [False, True])
def test_the_kept_tally_equals_a_full_count_after_any_votes(multi: bool) -> None:
    rng = random.Random(7)
    state = PollState(poll(multi), {100: [1, 0], 101: [3]})
    tidy: list[Tidy] = []
    for step in range(3000):
        user = 100 + rng.randrange(40)
        roll = rng.random()
        if roll < 0.6:
            vote_ops(state, EventKind.ADD, user, rng.randrange(4), step, tidy)
        elif roll < 0.9:
            vote_ops(state, EventKind.REMOVE, user, rng.randrange(4), step, tidy)
        elif roll < 0.95:
            clear_ops(state, OPTIONS[rng.randrange(4)].key, step)
        elif roll < 0.97:
            clear_ops(state, None, step)
        else:
            state.set_choices(user, [])
        assert state.tally == logic.tally(len(OPTIONS), state.votes, multi), step
    state.replace_votes({7: [2, 1], 8: [2]})
    assert state.tally == logic.tally(len(OPTIONS), {7: [2, 1], 8: [2]}, multi)
