"""Problems for moderators: one shared table, one namespace per feature.

A feature reports what a moderator must fix (a missing permission, a deleted channel) and
clears it once fixed; `/config show` lists them all. A problem about one channel names the
channel, so the core forgets it when the channel is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.cache import GuildCache
from bot.clock import Clock
from bot.db import Database
from bot.timeutil import from_unix, to_unix


@dataclass(frozen=True)
class ProblemKey:
    """A problem's identity inside its feature."""

    name: str
    channel_id: int | None = None

    @property
    def key(self) -> str:
        """The stored key: the name, with the channel when there is one."""
        return self.name if self.channel_id is None else f"{self.name}:{self.channel_id}"


@dataclass(frozen=True)
class Problem:
    """Something a moderator must fix."""

    feature: str
    key: str
    message: str
    first_seen: datetime
    last_seen: datetime
    channel_id: int | None = None


ProblemList = list[Problem]


class Problems:
    """SQL for `guild_problems`.

    A guild's problems are read once and kept (`/config show` and every feature's status
    read them), and dropped whenever one of them is reported or cleared (see `bot.cache`).
    """

    def __init__(
        self, db: Database, clock: Clock, owns: Callable[[int], bool] = lambda _guild_id: True
    ) -> None:
        """Use `db` for storage and `clock` for timestamps; cache the guilds `owns` says."""
        self._db = db
        self._clock = clock
        self._cache: GuildCache[ProblemList] = GuildCache(owns)

    def of(self, feature: str) -> FeatureProblems:
        """The namespace of one feature."""
        return FeatureProblems(self, feature)

    async def report(self, guild_id: int, feature: str, key: ProblemKey, message: str) -> None:
        """Record (or refresh) a problem."""
        now = to_unix(self._clock.now())
        async with self._cache.writing(guild_id):
            await self._db.execute(
                "INSERT INTO guild_problems (guild_id, feature, problem_key, message, "
                "first_seen, last_seen, channel_id) VALUES (:guild_id, :feature, :key, "
                ":message, :now, :now, :channel_id) ON CONFLICT (guild_id, feature, problem_key) "
                "DO UPDATE SET message = excluded.message, last_seen = excluded.last_seen",
                {
                    "guild_id": guild_id,
                    "feature": feature,
                    "key": key.key,
                    "message": message,
                    "now": now,
                    "channel_id": key.channel_id,
                },
            )

    async def clear(self, guild_id: int, feature: str, key: ProblemKey) -> None:
        """Forget a problem once it is fixed."""
        known = self._cache.peek(guild_id, None)
        if known is not None and not any(p.feature == feature and p.key == key.key for p in known):
            return  # not reported: nothing to delete (this process knows the guild's list)
        async with self._cache.writing(guild_id):
            await self._db.execute(
                "DELETE FROM guild_problems WHERE guild_id = :guild_id AND feature = :feature "
                "AND problem_key = :key",
                {"guild_id": guild_id, "feature": feature, "key": key.key},
            )

    async def channel_deleted(self, guild_id: int, channel_id: int) -> int:
        """Forget every problem about a deleted channel; return how many."""
        async with self._cache.writing(guild_id):
            return await self._db.execute(
                "DELETE FROM guild_problems WHERE guild_id = :guild_id "
                "AND channel_id = :channel_id",
                {"guild_id": guild_id, "channel_id": channel_id},
            )

    async def list(self, guild_id: int, feature: str | None = None) -> list[Problem]:
        """The open problems of a guild, optionally of one feature, oldest first."""
        every = await self._cache.get(guild_id, None, lambda: self._load(guild_id))
        return [problem for problem in every if feature is None or problem.feature == feature]

    async def _load(self, guild_id: int) -> ProblemList:
        rows = await self._db.fetch_all(
            "SELECT feature, problem_key, message, first_seen, last_seen, channel_id "
            "FROM guild_problems WHERE guild_id = :guild_id ORDER BY first_seen, problem_key",
            {"guild_id": guild_id},
        )
        return [
            Problem(
                row["feature"],
                row["problem_key"],
                row["message"],
                from_unix(row["first_seen"]),
                from_unix(row["last_seen"]),
                row["channel_id"],
            )
            for row in rows
        ]


class FeatureProblems:
    """One feature's problems: it can only see and change its own."""

    def __init__(self, problems: Problems, feature: str) -> None:
        """Bind the shared table to one feature's name."""
        self._problems = problems
        self.feature = feature

    async def report(self, guild_id: int, key: ProblemKey, message: str) -> None:
        """Record (or refresh) a problem for moderators to see."""
        await self._problems.report(guild_id, self.feature, key, message)

    async def clear(self, guild_id: int, key: ProblemKey) -> None:
        """Forget a problem once it is fixed."""
        await self._problems.clear(guild_id, self.feature, key)

    async def list(self, guild_id: int) -> list[Problem]:
        """This feature's open problems in a guild."""
        return await self._problems.list(guild_id, self.feature)
