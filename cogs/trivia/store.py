"""The only home of trivia's SQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from bot.cache import GuildCache
from bot.db import Database, IntegrityError, Transaction
from bot.errors import Conflict
from bot.shards import GuildScope
from cogs.trivia.score_store import ScoreStore, Standing, standings

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


OweNotice = Callable[[Transaction, GameRow, list[Standing]], Awaitable[None]]
"""Writes the notice an interrupted game's channel is owed, in the closing transaction."""


class TriviaStore(ScoreStore):
    """SQL for packs, switches and games here; for answers and scores in `ScoreStore`.

    What commands list again and again (a guild's packs and switches, leaderboards, stats)
    is kept per guild (`bot.cache`: only guilds `owns` says this process serves, dropped
    whenever this store writes them).
    """

    def __init__(self, db: Database, owns: Callable[[int], bool] = lambda _guild_id: True) -> None:
        """Use the bot's database; cache the guilds `owns(guild_id)` says are this process's."""
        self.db = db
        self._packs: GuildCache[Any] = GuildCache(owns)
        self._scores: GuildCache[Any] = GuildCache(owns)

    # -- packs ----------------------------------------------------------------------
    async def save_pack(self, guild_id: int, pack: StoredPack) -> bool:
        """Insert or replace an uploaded pack; return True if it replaced one."""
        async with self._packs.writing(guild_id), self.db.transaction() as tx:
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
        summaries: list[PackSummary] = await self._packs.get(
            guild_id, "summaries", lambda: self._pack_summaries(guild_id)
        )
        return summaries

    async def _pack_summaries(self, guild_id: int) -> list[PackSummary]:
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
        async with self._packs.writing(guild_id), self.db.transaction() as tx:
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
        async with self._packs.writing(guild_id):
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
        keys: set[str] = await self._packs.get(
            guild_id, "disabled", lambda: self._disabled_keys(guild_id)
        )
        return set(keys)

    async def _disabled_keys(self, guild_id: int) -> set[str]:
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
                await owe(tx, row, standings(lines))
            if rows:
                await tx.execute(
                    "UPDATE trivia_games SET status = 'interrupted', ended_at = :at "
                    "WHERE status = 'running' AND game_id IN :game_ids",
                    {"at": at, "game_ids": [row.game_id for row in rows]},
                )
        return rows

    async def game_standings(self, game_id: int) -> list[Standing]:
        """A game's players by points."""
        return standings(await self.db.fetch_all(_STANDINGS, {"game_id": game_id}))
