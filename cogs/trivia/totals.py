"""What writing trivia answers changes in the players' totals per period. Pure.

A leaderboard reads kept totals (guild, period, player) instead of adding up answers. The
answer writer changes them in the transaction that writes the answers: by each new answer,
less the row it replaces (a typed retry updates its question's row, maybe in another week).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from cogs.trivia.game import Answer
from cogs.trivia.periods import counted_in

Recorded = tuple[int, int, Answer, int]
"""An answer to write: (game id, guild id, answer, unix time)."""
AnswerKey = tuple[int, int, int]
"""(game id, question index, user id): one answer row."""


@dataclass(frozen=True)
class Replaced:
    """An answer row as it was before a write replaces it."""

    points: int
    correct: int
    at: int


def total_changes(
    answers: list[Recorded], before: dict[AnswerKey, Replaced]
) -> list[dict[str, Any]]:
    """What each player's totals gain (or lose) per period from writing `answers`."""
    last: dict[AnswerKey, tuple[int, Answer, int]] = {}
    for game_id, guild_id, answer, at in answers:  # several for one row: the last stays
        last[(game_id, answer.question_index, answer.user_id)] = (guild_id, answer, at)
    changes: dict[tuple[int, str, int, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    for key, (guild_id, answer, at) in last.items():
        user_id = answer.user_id
        old = before.get(key)
        if old is not None:
            for period, start in counted_in(old.at):
                change = changes[(guild_id, period, start, user_id)]
                change[0] -= old.points
                change[1] -= old.correct
                change[2] -= 1
        for period, start in counted_in(at):
            change = changes[(guild_id, period, start, user_id)]
            change[0] += answer.points
            change[1] += int(answer.correct)
            change[2] += 1
    return [
        {
            "guild_id": guild_id,
            "period": period,
            "start": start,
            "user_id": user_id,
            "points": points,
            "correct": correct,
            "answers": count,
        }
        for (guild_id, period, start, user_id), (points, correct, count) in changes.items()
        if (points, correct, count) != (0, 0, 0)
    ]
