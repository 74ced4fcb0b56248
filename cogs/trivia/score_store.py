"""The SQL of trivia answers and scores: answers with their players' kept totals, leaderboards.

Leaderboards read `trivia_totals`, kept per guild, period and player by the answer writer in
the transaction that writes the answers (see `totals`), so a leaderboard is the first rows
of an index: nothing is added up or sorted. `TriviaStore` is a `ScoreStore`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from bot.cache import GuildCache
from bot.db import Database, Row, Transaction
from cogs.trivia.game import Answer
from cogs.trivia.totals import AnswerKey, Recorded, Replaced, total_changes

_SAVE_ANSWER = (
    "INSERT INTO trivia_answers (game_id, question_index, user_id, guild_id, choice_index, "
    "correct, tries, points, streak, elapsed_ms, answered_at) VALUES (:game_id, "
    ":question_index, :user_id, :guild_id, :choice, :correct, :tries, :points, :streak, "
    ":elapsed_ms, :at) ON CONFLICT (game_id, question_index, user_id) DO UPDATE SET "
    "correct = excluded.correct, tries = excluded.tries, points = excluded.points, "
    "streak = excluded.streak, elapsed_ms = excluded.elapsed_ms, "
    "answered_at = excluded.answered_at"
)
_ADD_TOTALS = (
    "INSERT INTO trivia_totals (guild_id, period, period_start, user_id, points, correct, "
    "answers) VALUES (:guild_id, :period, :start, :user_id, :points, :correct, :answers) "
    "ON CONFLICT (guild_id, period, period_start, user_id) DO UPDATE SET "
    "points = trivia_totals.points + excluded.points, "
    "correct = trivia_totals.correct + excluded.correct, "
    "answers = trivia_totals.answers + excluded.answers"
)


@dataclass(frozen=True)
class Standing:
    """One line of a leaderboard or a game's final standings."""

    user_id: int
    points: int
    correct: int
    answers: int


@dataclass(frozen=True)
class PlayerStats:
    """A member's lifetime trivia numbers in one guild."""

    games: int
    answers: int
    correct: int
    points: int
    best_streak: int


class ScoreStore:
    """Answers, totals, leaderboards and stats (cached per guild in `_scores`)."""

    db: Database
    _scores: GuildCache[Any]

    # -- answers --------------------------------------------------------------------
    async def record_answer(self, game_id: int, guild_id: int, answer: Answer, at: int) -> None:
        """Write (or, for a typed retry, update) one answer, committed before returning."""
        await self.record_answers([(game_id, guild_id, answer, at)])

    async def record_answers(self, answers: list[Recorded]) -> None:
        """Write (game id, guild id, answer, unix time) rows in order, in one transaction.

        The players' totals per period change in the same transaction: by the new answer,
        less the row it replaced (a typed retry updates its question's row).
        """
        if not answers:
            return
        guilds = {guild_id for _, guild_id, _, _ in answers}
        async with self._scores.writing(*guilds), self.db.transaction() as tx:
            before = await _stored_rows(tx, answers)
            await tx.execute_many(_SAVE_ANSWER, [_answer_params(*item) for item in answers])
            await tx.execute_many(_ADD_TOTALS, total_changes(answers, before))

    async def leaderboard(
        self, guild_id: int, period: str, start: int, limit: int = 10
    ) -> list[Standing]:
        """The guild's top players of a period (see `periods.period_key`), by points.

        The first rows of the `trivia_totals_rank` index: nothing is added up or sorted.
        """
        key: Hashable = ("leaderboard", period, start, limit)
        standings: list[Standing] = await self._scores.get(
            guild_id, key, lambda: self._leaderboard(guild_id, period, start, limit)
        )
        return standings

    async def _leaderboard(
        self, guild_id: int, period: str, start: int, limit: int
    ) -> list[Standing]:
        rows = await self.db.fetch_all(
            "SELECT user_id, points, correct, answers FROM trivia_totals "
            "WHERE guild_id = :guild_id AND period = :period AND period_start = :start "
            "AND points > 0 ORDER BY points DESC, correct DESC, user_id LIMIT :limit",
            {"guild_id": guild_id, "period": period, "start": start, "limit": limit},
        )
        return standings(rows)

    async def player_stats(self, guild_id: int, user_id: int) -> PlayerStats:
        """A member's games, answers, right answers, points and best streak in the guild."""
        stats: PlayerStats = await self._scores.get(
            guild_id, ("stats", user_id), lambda: self._player_stats(guild_id, user_id)
        )
        return stats

    async def _player_stats(self, guild_id: int, user_id: int) -> PlayerStats:
        # Read from the `trivia_answers_player` index alone.
        row = await self.db.fetch_one(
            "SELECT COUNT(DISTINCT game_id), COUNT(*), COALESCE(SUM(correct), 0), "
            "COALESCE(SUM(points), 0), COALESCE(MAX(streak), 0) FROM trivia_answers "
            "WHERE guild_id = :guild_id AND user_id = :user_id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return (
            PlayerStats(*(int(value) for value in tuple(row)))
            if row
            else PlayerStats(0, 0, 0, 0, 0)
        )


def _answer_params(game_id: int, guild_id: int, answer: Answer, at: int) -> dict[str, Any]:
    return {
        "game_id": game_id,
        "question_index": answer.question_index,
        "user_id": answer.user_id,
        "guild_id": guild_id,
        "choice": answer.choice,
        "correct": int(answer.correct),
        "tries": answer.tries,
        "points": answer.points,
        "streak": answer.streak,
        "elapsed_ms": round(answer.elapsed * 1000),
        "at": at,
    }


async def _stored_rows(tx: Transaction, answers: list[Recorded]) -> dict[AnswerKey, Replaced]:
    """The rows these answers will replace (usually none: only typed retries replace one)."""
    users: dict[tuple[int, int], set[int]] = defaultdict(set)
    for game_id, _, answer, _ in answers:
        users[(game_id, answer.question_index)].add(answer.user_id)
    stored: dict[AnswerKey, Replaced] = {}
    for (game_id, question), ids in users.items():
        rows = await tx.fetch_all(
            "SELECT user_id, points, correct, answered_at FROM trivia_answers "
            "WHERE game_id = :game_id AND question_index = :question AND user_id IN :users",
            {"game_id": game_id, "question": question, "users": sorted(ids)},
        )
        for row in rows:
            stored[(game_id, question, row[0])] = Replaced(row[1], row[2], row[3])
    return stored


def standings(rows: list[Row]) -> list[Standing]:
    """(user, points, right answers, answers) rows as standings."""
    # Sums and counts come back as the backend's widest integer type: plain ints here.
    return [Standing(*(int(value) for value in tuple(row))) for row in rows]
