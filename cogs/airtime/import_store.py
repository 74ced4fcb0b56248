"""The only home of the TVmaze import's SQL: the last import of each drama, its overrides, checks.

An import's writes are decided inside the schedule change's own transaction (`import_steps`,
called by the airtime store), from the last import and the overrides as they are then: a
moderator's edit committed a moment earlier is never undone by a refresh that read before it.
Both take the import row's lock first, so on PostgreSQL they queue instead of interleaving.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from bot.db import Database, IntegrityError, Row, Transaction
from bot.errors import Conflict, NotFound
from bot.shards import GuildScope
from bot.timeutil import from_unix, from_unix_or_none, to_unix, to_unix_or_none
from cogs.airtime.import_rules import Current, next_check, steps_of
from cogs.airtime.records import Imported, ScheduleChange
from cogs.airtime.tvmaze_import import Snapshot, snapshot_from_json, snapshot_to_json
from cogs.airtime.tvmaze_merge import ImportUpdate, merge_import

_ROW = (
    "SELECT i.drama_id, i.guild_id, d.tvmaze_id, d.title, i.release_time, i.snapshot, "
    "i.checked_at, i.next_check_at, i.failures, i.failing_since "
    "FROM airtime_imports i JOIN airtime_dramas d ON d.drama_id = i.drama_id"
)


@dataclass(frozen=True)
class ImportRow:
    """One imported drama as the follower sees it."""

    drama_id: int
    guild_id: int
    show_id: int
    title: str
    release_time: time | None
    snapshot: Snapshot
    checked_at: datetime
    next_check_at: datetime | None
    failures: int
    failing_since: datetime | None
    overrides: frozenset[str] = frozenset()


def _row(row: Row, overrides: Iterable[str] = ()) -> ImportRow:
    release = row["release_time"]
    return ImportRow(
        drama_id=row["drama_id"],
        guild_id=row["guild_id"],
        show_id=row["tvmaze_id"],
        title=row["title"],
        release_time=time.fromisoformat(release) if release else None,
        snapshot=snapshot_from_json(row["snapshot"]),
        checked_at=from_unix(row["checked_at"]),
        next_check_at=from_unix_or_none(row["next_check_at"]),
        failures=row["failures"],
        failing_since=from_unix_or_none(row["failing_since"]),
        overrides=frozenset(overrides),
    )


def _release(value: time | None) -> str | None:
    return f"{value:%H:%M}" if value is not None else None


# -- inside a schedule change's transaction (called by `store._apply`) ----------------------
async def import_steps(
    tx: Transaction, drama_id: int, change: Imported, now: datetime
) -> list[ScheduleChange]:
    """Record the new import and return what it writes to the drama (overrides kept)."""
    await tx.execute(
        "UPDATE airtime_imports SET overridden_at = overridden_at WHERE drama_id = :drama_id",
        {"drama_id": drama_id},
    )  # the row's lock first, as `record_overrides` takes it
    found = await tx.fetch_one(
        "SELECT snapshot FROM airtime_imports WHERE drama_id = :drama_id", {"drama_id": drama_id}
    )
    new = change.snapshot
    values = {
        "drama_id": drama_id,
        "release": _release(change.release_time),
        "snapshot": snapshot_to_json(new),
        "now": to_unix(now),
        "next": to_unix_or_none(next_check(new.spec(), drama_id, now)),
    }
    if found is None:
        await _first(tx, drama_id, new.show_id, values)
        # The drama was made from this import: only its exceptions are left to write.
        update = replace(merge_import(None, new), fields={})
    else:
        await tx.execute(
            "UPDATE airtime_imports SET release_time = :release, snapshot = :snapshot, "
            "checked_at = :now, next_check_at = :next, failures = 0, failing_since = NULL "
            "WHERE drama_id = :drama_id",
            values,
        )
        overrides = await _overrides(tx, drama_id)
        update = merge_import(snapshot_from_json(found["snapshot"]), new, overrides)
    if update.empty:
        return []
    return steps_of(update, await _current(tx, drama_id, update))


async def _first(tx: Transaction, drama_id: int, show_id: int, values: dict[str, Any]) -> None:
    try:
        await tx.execute(
            "UPDATE airtime_dramas SET tvmaze_id = :show_id WHERE drama_id = :drama_id",
            {"show_id": show_id, "drama_id": drama_id},
        )
    except IntegrityError as error:
        if not error.is_duplicate:
            raise
        raise Conflict(
            "This server already follows that show from TVmaze; see `/drama list`."
        ) from None
    guild_id = await tx.fetch_value(
        "SELECT guild_id FROM airtime_dramas WHERE drama_id = :drama_id", {"drama_id": drama_id}
    )
    await tx.execute(
        "INSERT INTO airtime_imports (drama_id, guild_id, release_time, snapshot, checked_at, "
        "next_check_at, created_at) VALUES (:drama_id, :guild_id, :release, :snapshot, :now, "
        ":next, :now)",
        {**values, "guild_id": guild_id},
    )


async def _overrides(conn: Database | Transaction, drama_id: int) -> frozenset[str]:
    rows = await conn.fetch_all(
        "SELECT override_key FROM airtime_import_overrides WHERE drama_id = :drama_id",
        {"drama_id": drama_id},
    )
    return frozenset(row["override_key"] for row in rows)


async def _current(tx: Transaction, drama_id: int, update: ImportUpdate) -> Current:
    rows = await tx.fetch_all(
        "SELECT kind, day, tvmaze_episode_id, exception_id FROM airtime_exceptions "
        "WHERE drama_id = :drama_id AND kind IN ('skip', 'special')",
        {"drama_id": drama_id},
    )
    skipped = {date.fromisoformat(row["day"]) for row in rows if row["kind"] == "skip"}
    specials = {
        row["tvmaze_episode_id"]: row["exception_id"]
        for row in rows
        if row["kind"] == "special" and row["tvmaze_episode_id"] is not None
    }
    title = update.fields.get("title")
    taken = title is not None and await tx.fetch_one(
        "SELECT 1 FROM airtime_dramas WHERE title_key = :key AND drama_id <> :drama_id "
        "AND guild_id = (SELECT guild_id FROM airtime_dramas WHERE drama_id = :drama_id)",
        {"key": str(title).casefold(), "drama_id": drama_id},
    )
    return Current(skipped=skipped, specials=specials, title_taken=bool(taken))


async def record_overrides(
    tx: Transaction, drama_id: int, keys: frozenset[str], now: datetime
) -> None:
    """Remember what a moderator changed by hand on an imported drama (nothing if not one)."""
    locked = await tx.execute(
        "UPDATE airtime_imports SET overridden_at = :now WHERE drama_id = :drama_id",
        {"now": to_unix(now), "drama_id": drama_id},
    )
    if not locked or not keys:
        return
    await tx.execute_many(
        "INSERT INTO airtime_import_overrides (drama_id, override_key, created_at) "
        "VALUES (:drama_id, :key, :now) ON CONFLICT (drama_id, override_key) DO NOTHING",
        [{"drama_id": drama_id, "key": key, "now": to_unix(now)} for key in sorted(keys)],
    )


# -- the follower's reads and writes ---------------------------------------------------------
class ImportStore:
    """SQL for `airtime_imports` and `airtime_import_overrides`."""

    def __init__(self, db: Database) -> None:
        """Use `db` for storage."""
        self.db = db

    async def get(self, guild_id: int, drama_id: int) -> ImportRow | None:
        """One imported drama of this guild with its overrides (None if not imported)."""
        async with self.db.reading() as conn:
            row = await conn.fetch_one(
                f"{_ROW} WHERE i.drama_id = :drama_id AND i.guild_id = :guild_id",
                {"drama_id": drama_id, "guild_id": guild_id},
            )
            if row is None:
                return None
            return _row(row, await _overrides(conn, drama_id))

    async def due(self, scope: GuildScope, now: datetime, limit: int) -> list[ImportRow]:
        """Imported dramas of `scope`'s guilds whose check is due, most overdue first."""
        owned, params = scope.where("i.guild_id")
        rows = await self.db.fetch_all(
            f"{_ROW} WHERE i.next_check_at <= :now AND {owned} "
            "ORDER BY i.next_check_at, i.drama_id LIMIT :limit",
            {**params, "now": to_unix(now), "limit": limit},
        )
        return [_row(row) for row in rows]

    async def next_due(self, scope: GuildScope) -> datetime | None:
        """When the next check of `scope`'s guilds is due."""
        owned, params = scope.where("guild_id")
        value = await self.db.fetch_value(
            f"SELECT MIN(next_check_at) FROM airtime_imports WHERE {owned}",  # noqa: S608 - fixed fragments
            params,
        )
        return from_unix_or_none(value)

    async def checked(self, drama_id: int, snapshot: Snapshot, now: datetime) -> datetime | None:
        """A check found nothing to change: keep TVmaze's latest and plan the next check."""
        planned = next_check(snapshot.spec(), drama_id, now)
        await self.db.execute(
            "UPDATE airtime_imports SET snapshot = :snapshot, checked_at = :now, "
            "next_check_at = :next, failures = 0, failing_since = NULL WHERE drama_id = :drama_id",
            {
                "snapshot": snapshot_to_json(snapshot),
                "now": to_unix(now),
                "next": to_unix_or_none(planned),
                "drama_id": drama_id,
            },
        )
        return planned

    async def failed(self, drama_id: int, now: datetime, retry: datetime) -> ImportRow:
        """A check failed: count it and try again at `retry`; the row as it is now."""
        async with self.db.transaction() as tx:
            await tx.execute(
                "UPDATE airtime_imports SET failures = failures + 1, next_check_at = :retry, "
                "failing_since = COALESCE(failing_since, :now) WHERE drama_id = :drama_id",
                {"retry": to_unix(retry), "now": to_unix(now), "drama_id": drama_id},
            )
            row = await tx.fetch_one(f"{_ROW} WHERE i.drama_id = :drama_id", {"drama_id": drama_id})
        if row is None:
            raise NotFound("That drama was just removed; see `/drama list`.")
        return _row(row)
