"""The only home of trivia's SQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from enum import StrEnum

from bot.db import Database, IntegrityError, Row, Transaction
from bot.errors import Conflict
from bot.shards import GuildScope
from cogs.trivia.game import Answer

_STANDINGS = (
    "SELECT user_id, SUM(points), SUM(correct), COUNT(*) FROM trivia_answers "
    "WHERE game_id = :game_id GROUP BY user_id ORDER BY SUM(points) DESC, SUM(correct) DESC, "
    "MIN(answered_at)"
)
RUNNING_CONFLICT = (
    "A trivia game is already running in this channel. Play along, or ask its starter or a "
    "moderator to `/trivia stop` it first."
)


class DeleteResult(StrEnum):
    """What deleting an uploaded pack did."""

    DELETED = "deleted"
    MISSING = "missing"
    RUNNING = "running"


@dataclass(frozen=True)
class StoredPack:
    """An uploaded pack's row."""

    name_key: str
    name: str
    drama: str | None
    question_count: int
    source: str
    uploaded_by: int
    uploaded_at: int
    description: str = ""


@dataclass(frozen=True)
class PackSummary:
    """An uploaded pack as listed: its stored columns, never its file."""

    name_key: str
    name: str
    drama: str | None
    question_count: int
    description: str


@dataclass(frozen=True)
class NewGame:
    """What is stored when a game starts."""

    guild_id: int
    channel_id: int
    starter_id: int
    pack_key: str
    pack_name: str
    mode: str
    seconds: int
    question_count: int
    plan: str
    started_at: int


@dataclass(frozen=True)
class GameRow:
    """A stored game (the parts the cog reads back)."""

    game_id: int
    guild_id: int
    channel_id: int
    pack_name: str
    status: str


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


OweNotice = Callable[[Transaction, GameRow, list[Standing]], Awaitable[None]]
"""Writes the notice an interrupted game's channel is owed, in the closing transaction."""


class TriviaStore:
    """SQL for packs, switches, games and answers."""

    def __init__(self, db: Database) -> None:
        """Use the bot's database."""
        self.db = db

    # -- packs ----------------------------------------------------------------------
    async def save_pack(self, guild_id: int, pack: StoredPack) -> bool:
        """Insert or replace an uploaded pack; return True if it replaced one."""
        async with self.db.transaction() as tx:
            existed = (
                await tx.fetch_value(
                    "SELECT 1 FROM trivia_packs WHERE guild_id = :guild_id AND name_key = :key",
                    {"guild_id": guild_id, "key": pack.name_key},
                )
                is not None
            )
            await tx.execute(
                "INSERT INTO trivia_packs (guild_id, name_key, name, drama, "
                "question_count, source, uploaded_by, uploaded_at, description) "
                "VALUES (:guild_id, :name_key, :name, :drama, :question_count, :source, "
                ":uploaded_by, :uploaded_at, :description) "
                "ON CONFLICT (guild_id, name_key) DO UPDATE "
                "SET name = excluded.name, drama = excluded.drama, "
                "question_count = excluded.question_count, source = excluded.source, "
                "uploaded_by = excluded.uploaded_by, uploaded_at = excluded.uploaded_at, "
                "description = excluded.description",
                {"guild_id": guild_id, **asdict(pack)},
            )
        return existed

    async def pack_summaries(self, guild_id: int) -> list[PackSummary]:
        """A guild's uploaded packs by name, without their files (cheap: for every listing)."""
        rows = await self.db.fetch_all(
            "SELECT name_key, name, drama, question_count, description FROM trivia_packs "
            "WHERE guild_id = :guild_id ORDER BY name_key",
            {"guild_id": guild_id},
        )
        return [PackSummary(*tuple(row)) for row in rows]

    async def pack_source(self, guild_id: int, key: str) -> StoredPack | None:
        """One uploaded pack with its file, for a game about to use it."""
        row = await self.db.fetch_one(
            "SELECT name_key, name, drama, question_count, source, uploaded_by, uploaded_at, "
            "description FROM trivia_packs WHERE guild_id = :guild_id AND name_key = :key",
            {"guild_id": guild_id, "key": key},
        )
        return None if row is None else StoredPack(*tuple(row))

    async def delete_pack(self, guild_id: int, key: str) -> DeleteResult:
        """Delete an uploaded pack and its switch, unless a game with it is running here.

        Games and answers keep their own copy of the pack's name: scores are untouched.
        """
        params = {"guild_id": guild_id, "key": key}
        async with self.db.transaction() as tx:
            running = await tx.fetch_value(
                "SELECT 1 FROM trivia_games WHERE guild_id = :guild_id AND pack_key = :key "
                "AND status = 'running' LIMIT 1",
                params,
            )
            if running is not None:
                return DeleteResult.RUNNING
            deleted = await tx.execute(
                "DELETE FROM trivia_packs WHERE guild_id = :guild_id AND name_key = :key", params
            )
            if deleted == 0:
                return DeleteResult.MISSING
            await tx.execute(
                "DELETE FROM trivia_disabled_packs WHERE guild_id = :guild_id AND name_key = :key",
                params,
            )
        return DeleteResult.DELETED

    async def set_disabled(self, guild_id: int, key: str, disabled: bool, by: int, at: int) -> bool:
        """Switch a pack off (or on); return whether anything changed."""
        params = {"guild_id": guild_id, "key": key, "by": by, "at": at}
        if disabled:
            changed = await self.db.execute_returning(
                "INSERT INTO trivia_disabled_packs (guild_id, name_key, disabled_by, "
                "disabled_at) VALUES (:guild_id, :key, :by, :at) "
                "ON CONFLICT (guild_id, name_key) DO NOTHING RETURNING 1",
                params,
            )
            return changed is not None
        deleted = await self.db.execute(
            "DELETE FROM trivia_disabled_packs WHERE guild_id = :guild_id AND name_key = :key",
            params,
        )
        return deleted > 0

    async def disabled_keys(self, guild_id: int) -> set[str]:
        """Keys of the packs switched off in the guild."""
        rows = await self.db.fetch_all(
            "SELECT name_key FROM trivia_disabled_packs WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return {row[0] for row in rows}

    # -- games ----------------------------------------------------------------------
    async def create_game(self, game: NewGame) -> int:
        """Store a running game; Conflict if the channel already has one."""
        try:
            return await self.db.insert(
                "INSERT INTO trivia_games (guild_id, channel_id, starter_id, pack_key, pack_name, "
                "mode, seconds, question_count, plan, status, started_at) "
                "VALUES (:guild_id, :channel_id, :starter_id, :pack_key, :pack_name, :mode, "
                ":seconds, :question_count, :plan, 'running', :started_at) RETURNING game_id",
                asdict(game),
            )
        except IntegrityError:
            raise Conflict(RUNNING_CONFLICT) from None

    async def running_in_channel(self, channel_id: int) -> int | None:
        """The id of the channel's running game, if any."""
        value = await self.db.fetch_value(
            "SELECT game_id FROM trivia_games WHERE channel_id = :channel_id "
            "AND status = 'running'",
            {"channel_id": channel_id},
        )
        return None if value is None else int(value)

    async def set_index(self, game_id: int, index: int) -> None:
        """Remember which question is being asked."""
        await self.db.execute(
            "UPDATE trivia_games SET current_index = :index WHERE game_id = :game_id",
            {"index": index, "game_id": game_id},
        )

    async def end_game(self, game_id: int, status: str, at: int) -> bool:
        """Close a running game with `status`; False if it was not running."""
        changed = await self.db.execute(
            "UPDATE trivia_games SET status = :status, ended_at = :at "
            "WHERE game_id = :game_id AND status = 'running'",
            {"status": status, "at": at, "game_id": game_id},
        )
        return changed > 0

    async def close_interrupted(self, at: int, owe: OweNotice, scope: GuildScope) -> list[GameRow]:
        """Mark the games a restart left running in `scope`'s guilds interrupted; return them.

        `owe(tx, game, standings)` runs for each game inside the same transaction (to write
        the notice its channel is owed), so a game is never closed without its notice. Games
        of guilds outside `scope` belong to another process and are left alone.
        """
        owned, params = scope.where("guild_id")
        async with self.db.transaction() as tx:
            rows = [
                GameRow(*tuple(row))
                for row in await tx.fetch_all(
                    "SELECT game_id, guild_id, channel_id, pack_name, status FROM trivia_games "  # noqa: S608 - fixed columns, generated condition
                    f"WHERE status = 'running' AND {owned} ORDER BY game_id",
                    params,
                )
            ]
            for row in rows:
                lines = await tx.fetch_all(_STANDINGS, {"game_id": row.game_id})
                await owe(tx, row, _standings(lines))
            if rows:
                await tx.execute(
                    "UPDATE trivia_games SET status = 'interrupted', ended_at = :at "
                    "WHERE status = 'running' AND game_id IN :game_ids",
                    {"at": at, "game_ids": [row.game_id for row in rows]},
                )
        return rows

    # -- answers --------------------------------------------------------------------
    async def record_answer(self, game_id: int, guild_id: int, answer: Answer, at: int) -> None:
        """Write (or, for a typed retry, update) one answer, committed before returning."""
        await self.record_answers([(game_id, guild_id, answer, at)])

    async def record_answers(self, answers: list[tuple[int, int, Answer, int]]) -> None:
        """Write (game id, guild id, answer, unix time) rows in order, in one transaction."""
        if not answers:
            return
        async with self.db.transaction() as tx:
            await tx.execute_many(
                "INSERT INTO trivia_answers (game_id, question_index, user_id, guild_id, "
                "choice_index, correct, tries, points, streak, elapsed_ms, answered_at) "
                "VALUES (:game_id, :question_index, :user_id, :guild_id, :choice, :correct, "
                ":tries, :points, :streak, :elapsed_ms, :at) "
                "ON CONFLICT (game_id, question_index, user_id) DO UPDATE SET "
                "correct = excluded.correct, tries = excluded.tries, points = excluded.points, "
                "streak = excluded.streak, elapsed_ms = excluded.elapsed_ms, "
                "answered_at = excluded.answered_at",
                [
                    {
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
                    for game_id, guild_id, answer, at in answers
                ],
            )

    async def game_standings(self, game_id: int) -> list[Standing]:
        """A game's players by points."""
        return _standings(await self.db.fetch_all(_STANDINGS, {"game_id": game_id}))

    async def leaderboard(
        self, guild_id: int, since: int | None, limit: int = 10
    ) -> list[Standing]:
        """The guild's top players by points since `since` (unix seconds; None = all time)."""
        rows = await self.db.fetch_all(
            "SELECT user_id, SUM(points), SUM(correct), COUNT(*) FROM trivia_answers "
            "WHERE guild_id = :guild_id AND answered_at >= :since GROUP BY user_id "
            "HAVING SUM(points) > 0 ORDER BY SUM(points) DESC, SUM(correct) DESC, user_id "
            "LIMIT :limit",
            {"guild_id": guild_id, "since": since or 0, "limit": limit},
        )
        return _standings(rows)

    async def player_stats(self, guild_id: int, user_id: int) -> PlayerStats:
        """A member's games, answers, right answers, points and best streak in the guild."""
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


def _standings(rows: list[Row]) -> list[Standing]:
    # Sums and counts come back as the backend's widest integer type: plain ints here.
    return [Standing(*(int(value) for value in tuple(row))) for row in rows]
