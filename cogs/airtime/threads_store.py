"""The only home of the episode threads' SQL: which dramas have threads, and each thread made.

A thread's row is claimed (`INSERT ... ON CONFLICT DO NOTHING RETURNING`) and committed
before the thread is created in Discord, so no restart, re-run or second job opens a second
one: the database decides.
"""

from __future__ import annotations

from datetime import datetime

from bot.db import Database, Row
from bot.shards import GuildScope
from bot.timeutil import from_unix, to_unix
from cogs.airtime.threads import ThreadRow, ThreadSettings

_SETTINGS = "drama_id, guild_id, channel_id, forum, tag_id, archive_min, since"
_ROW = "drama_id, episode_key, state, channel_id, thread_id, name, claimed_at"


def _settings(row: Row) -> ThreadSettings:
    return ThreadSettings(
        drama_id=row["drama_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        forum=bool(row["forum"]),
        tag_id=row["tag_id"],
        archive_min=row["archive_min"],
        since=from_unix(row["since"]),
    )


def _row(row: Row) -> ThreadRow:
    return ThreadRow(
        drama_id=row["drama_id"],
        episode_key=row["episode_key"],
        state=row["state"],
        channel_id=row["channel_id"],
        thread_id=row["thread_id"],
        name=row["name"],
        claimed_at=from_unix(row["claimed_at"]),
    )


class ThreadStore:
    """SQL for `airtime_thread_settings` and `airtime_threads`."""

    def __init__(self, db: Database) -> None:
        """Use `db` for storage."""
        self.db = db

    # -- settings ---------------------------------------------------------------------------
    async def settings(self, drama_id: int) -> ThreadSettings | None:
        """Where the drama's threads open (None: threads off)."""
        row = await self.db.fetch_one(
            f"SELECT {_SETTINGS} FROM airtime_thread_settings WHERE drama_id = :drama_id",  # noqa: S608 - fixed columns
            {"drama_id": drama_id},
        )
        return None if row is None else _settings(row)

    async def of_guild(self, guild_id: int) -> list[ThreadSettings]:
        """The guild's dramas with threads on."""
        rows = await self.db.fetch_all(
            f"SELECT {_SETTINGS} FROM airtime_thread_settings WHERE guild_id = :guild_id "  # noqa: S608 - fixed columns
            "ORDER BY drama_id",
            {"guild_id": guild_id},
        )
        return [_settings(row) for row in rows]

    async def in_scope(self, scope: GuildScope) -> list[ThreadSettings]:
        """Every drama with threads on in `scope`'s guilds."""
        owned, params = scope.where("guild_id")
        rows = await self.db.fetch_all(
            f"SELECT {_SETTINGS} FROM airtime_thread_settings WHERE {owned} ORDER BY drama_id",  # noqa: S608 - generated condition
            params,
        )
        return [_settings(row) for row in rows]

    async def turn_on(self, settings: ThreadSettings) -> None:
        """Threads on (or moved to another channel); `since` is kept when already on."""
        await self.db.execute(
            "INSERT INTO airtime_thread_settings (drama_id, guild_id, channel_id, forum, tag_id, "
            "archive_min, since) VALUES (:drama_id, :guild_id, :channel_id, :forum, :tag_id, "
            ":archive_min, :since) ON CONFLICT (drama_id) DO UPDATE SET channel_id = "
            "excluded.channel_id, forum = excluded.forum, tag_id = excluded.tag_id, "
            "archive_min = excluded.archive_min",
            {
                "drama_id": settings.drama_id,
                "guild_id": settings.guild_id,
                "channel_id": settings.channel_id,
                "forum": int(settings.forum),
                "tag_id": settings.tag_id,
                "archive_min": settings.archive_min,
                "since": to_unix(settings.since),
            },
        )

    async def turn_off(self, drama_id: int) -> bool:
        """Threads off; False if they were not on."""
        removed = await self.db.execute(
            "DELETE FROM airtime_thread_settings WHERE drama_id = :drama_id",
            {"drama_id": drama_id},
        )
        return removed > 0

    async def channel_gone(self, guild_id: int, channel_id: int) -> list[int]:
        """Ids of the guild's dramas whose threads open in `channel_id`."""
        rows = await self.db.fetch_all(
            "SELECT drama_id FROM airtime_thread_settings WHERE guild_id = :guild_id "
            "AND channel_id = :channel_id",
            {"guild_id": guild_id, "channel_id": channel_id},
        )
        return [row["drama_id"] for row in rows]

    # -- threads ----------------------------------------------------------------------------
    async def get(self, drama_id: int, episode_key: str) -> ThreadRow | None:
        """The episode's thread row, if it was claimed."""
        row = await self.db.fetch_one(
            f"SELECT {_ROW} FROM airtime_threads WHERE drama_id = :drama_id "  # noqa: S608 - fixed columns
            "AND episode_key = :key",
            {"drama_id": drama_id, "key": episode_key},
        )
        return None if row is None else _row(row)

    async def claimed(self, scope: GuildScope) -> list[tuple[int, ThreadRow]]:
        """(guild id, row) of `scope`'s claims whose outcome a crash left unknown."""
        owned, params = scope.where("guild_id")
        rows = await self.db.fetch_all(
            f"SELECT guild_id, {_ROW} FROM airtime_threads WHERE state = 'claimed' "  # noqa: S608 - generated condition
            f"AND {owned} ORDER BY claimed_at",
            params,
        )
        return [(row["guild_id"], _row(row)) for row in rows]

    async def claim(
        self,
        guild_id: int,
        drama_id: int,
        episode_key: str,
        channel_id: int,
        name: str,
        now: datetime,
    ) -> bool:
        """Claim the episode's thread; False if it was already claimed (by anyone, ever)."""
        row = await self.db.execute_returning(
            "INSERT INTO airtime_threads (guild_id, drama_id, episode_key, state, channel_id, "
            "name, claimed_at) VALUES (:guild_id, :drama_id, :key, 'claimed', :channel_id, "
            ":name, :now) ON CONFLICT (drama_id, episode_key) DO NOTHING RETURNING 1",
            {"guild_id": guild_id, "drama_id": drama_id, "key": episode_key,
             "channel_id": channel_id, "name": name, "now": to_unix(now)},
        )  # fmt: skip
        return row is not None

    async def finish(
        self, drama_id: int, episode_key: str, state: str, thread_id: int | None = None
    ) -> None:
        """Settle a claim: `open` (with the thread's id), `failed` or `uncertain`."""
        await self.db.execute(
            "UPDATE airtime_threads SET state = :state, thread_id = :thread_id "
            "WHERE drama_id = :drama_id AND episode_key = :key AND state = 'claimed'",
            {"drama_id": drama_id, "key": episode_key, "state": state, "thread_id": thread_id},
        )
