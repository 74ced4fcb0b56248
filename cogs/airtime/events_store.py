"""The only home of the scheduled events' SQL: which dramas have events, and each event made.

A row is claimed (`INSERT ... ON CONFLICT DO NOTHING RETURNING`) before its event is created
in Discord and holds the event's id once it exists: the database, not memory, says which
episode already has an event, across restarts and processes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.db import Database, Row
from bot.shards import GuildScope
from bot.timeutil import from_unix, to_unix
from cogs.airtime.events import EventRow, EventSpec

_ROW = "row_id, episode_key, state, event_id, name, description, location, starts_at, ends_at"


def _row(row: Row) -> EventRow:
    spec = EventSpec(
        key=row["episode_key"],
        name=row["name"],
        description=row["description"],
        location=row["location"],
        start=from_unix(row["starts_at"]),
        end=from_unix(row["ends_at"]),
    )
    return EventRow(row["row_id"], row["state"], row["event_id"], spec)


def _spec_params(spec: EventSpec) -> dict[str, Any]:
    return {
        "name": spec.name,
        "description": spec.description,
        "location": spec.location,
        "starts_at": to_unix(spec.start),
        "ends_at": to_unix(spec.end),
    }


class EventStore:
    """SQL for `airtime_event_settings` and `airtime_events`."""

    def __init__(self, db: Database) -> None:
        """Use `db` for storage."""
        self.db = db

    # -- settings ---------------------------------------------------------------------------
    async def count_of(self, drama_id: int) -> int | None:
        """How many upcoming episodes the drama keeps as events (None: events off)."""
        value = await self.db.fetch_value(
            "SELECT count FROM airtime_event_settings WHERE drama_id = :drama_id",
            {"drama_id": drama_id},
        )
        return None if value is None else int(value)

    async def counts(self, guild_id: int) -> dict[int, int]:
        """Drama id -> count, for the guild's dramas with events on."""
        rows = await self.db.fetch_all(
            "SELECT drama_id, count FROM airtime_event_settings WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return {row["drama_id"]: row["count"] for row in rows}

    async def turn_on(self, guild_id: int, drama_id: int, count: int, now: datetime) -> None:
        """Events on with `count`; events a person deleted are wanted again."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO airtime_event_settings (drama_id, guild_id, count, created_at) "
                "VALUES (:drama_id, :guild_id, :count, :now) ON CONFLICT (drama_id) "
                "DO UPDATE SET count = excluded.count",
                {"drama_id": drama_id, "guild_id": guild_id, "count": count, "now": to_unix(now)},
            )
            await tx.execute(
                "DELETE FROM airtime_events WHERE drama_id = :drama_id AND state = 'gone'",
                {"drama_id": drama_id},
            )

    async def turn_off(self, drama_id: int) -> bool:
        """Events off; False if they were not on."""
        removed = await self.db.execute(
            "DELETE FROM airtime_event_settings WHERE drama_id = :drama_id",
            {"drama_id": drama_id},
        )
        return removed > 0

    # -- events -----------------------------------------------------------------------------
    async def rows(self, drama_id: int) -> list[EventRow]:
        """Every stored event of a drama (a removed drama's too), by start."""
        rows = await self.db.fetch_all(
            f"SELECT {_ROW} FROM airtime_events WHERE drama_id = :drama_id "  # noqa: S608 - fixed columns
            "ORDER BY starts_at, row_id",
            {"drama_id": drama_id},
        )
        return [_row(row) for row in rows]

    async def event_ids(self, guild_id: int) -> set[int]:
        """Ids of every event the bot made in the guild (for counting the others)."""
        rows = await self.db.fetch_all(
            "SELECT event_id FROM airtime_events WHERE guild_id = :guild_id "
            "AND event_id IS NOT NULL",
            {"guild_id": guild_id},
        )
        return {row["event_id"] for row in rows}

    async def gone(self, guild_id: int) -> dict[int, list[str]]:
        """Drama id -> episode keys whose events a person deleted."""
        rows = await self.db.fetch_all(
            "SELECT drama_id, episode_key FROM airtime_events WHERE guild_id = :guild_id "
            "AND state = 'gone' ORDER BY starts_at",
            {"guild_id": guild_id},
        )
        found: dict[int, list[str]] = {}
        for row in rows:
            found.setdefault(row["drama_id"], []).append(row["episode_key"])
        return found

    async def open_count(self, guild_id: int) -> int:
        """How many of the guild's events the bot made and keeps open."""
        value = await self.db.fetch_value(
            "SELECT COUNT(*) FROM airtime_events WHERE guild_id = :guild_id AND state = 'open'",
            {"guild_id": guild_id},
        )
        return int(value or 0)

    async def claim(
        self, guild_id: int, drama_id: int, spec: EventSpec, now: datetime
    ) -> int | None:
        """Record that this episode's event is being created; its row id, or None if taken."""
        row = await self.db.execute_returning(
            "INSERT INTO airtime_events (guild_id, drama_id, episode_key, state, name, "
            "description, location, starts_at, ends_at, claimed_at) VALUES (:guild_id, "
            ":drama_id, :key, 'claimed', :name, :description, :location, :starts_at, :ends_at, "
            ":now) ON CONFLICT (drama_id, episode_key) WHERE state <> 'dropping' DO NOTHING "
            "RETURNING row_id",
            {"guild_id": guild_id, "drama_id": drama_id, "key": spec.key, "now": to_unix(now),
             **_spec_params(spec)},
        )  # fmt: skip
        return None if row is None else int(row["row_id"])

    async def opened(self, row_id: int, event_id: int) -> None:
        """The claimed event exists in Discord."""
        await self.db.execute(
            "UPDATE airtime_events SET state = 'open', event_id = :event_id "
            "WHERE row_id = :row_id AND state = 'claimed'",
            {"row_id": row_id, "event_id": event_id},
        )

    async def edited(self, row_id: int, spec: EventSpec) -> None:
        """The event was changed in Discord to `spec`."""
        await self.db.execute(
            "UPDATE airtime_events SET name = :name, description = :description, "
            "location = :location, starts_at = :starts_at, ends_at = :ends_at "
            "WHERE row_id = :row_id",
            {"row_id": row_id, **_spec_params(spec)},
        )

    async def mark_gone(self, row_id: int) -> None:
        """A person deleted the event: it is not recreated."""
        await self.db.execute(
            "UPDATE airtime_events SET state = 'gone' WHERE row_id = :row_id AND state = 'open'",
            {"row_id": row_id},
        )

    async def forget(self, row_id: int) -> None:
        """Nothing is left to do about this event."""
        await self.db.execute(
            "DELETE FROM airtime_events WHERE row_id = :row_id", {"row_id": row_id}
        )

    async def drop(self, drama_id: int) -> int:
        """The drama was removed: its events are to be deleted (its id may be reused)."""
        return await self.db.execute(
            "UPDATE airtime_events SET state = 'dropping' WHERE drama_id = :drama_id",
            {"drama_id": drama_id},
        )

    async def drop_orphans(self, scope: GuildScope) -> int:
        """Rows of `scope`'s dramas removed while the bot could not drop them (a crash)."""
        owned, params = scope.where("guild_id")
        return await self.db.execute(
            "UPDATE airtime_events SET state = 'dropping' WHERE state <> 'dropping' "  # noqa: S608 - generated condition
            f"AND {owned} AND NOT EXISTS (SELECT 1 FROM airtime_dramas d "
            "WHERE d.drama_id = airtime_events.drama_id)",
            params,
        )

    async def in_scope(self, scope: GuildScope) -> list[tuple[int, int]]:
        """(guild id, drama id) of `scope`'s dramas with events on or events stored."""
        owned, params = scope.where("guild_id")
        rows = await self.db.fetch_all(
            f"SELECT guild_id, drama_id FROM airtime_event_settings WHERE {owned} "  # noqa: S608 - generated condition
            f"UNION SELECT guild_id, drama_id FROM airtime_events WHERE {owned} "
            "ORDER BY drama_id",
            params,
        )
        return [(row["guild_id"], row["drama_id"]) for row in rows]
