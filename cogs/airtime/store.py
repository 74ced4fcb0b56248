"""The only home of airtime's drama SQL: dramas, their schedule exceptions, schedule changes.

The announcement ledger's SQL lives beside it in `ledger.py`. A schedule change (an edit, a
move, a special, a pre-emption or its undoing) is one transaction together with forgetting
the ledger rows it makes stale.

A guild's drama list (what fans' commands and autocomplete read) is kept in memory between
writes (`bot.cache.GuildCache`): every method here that writes a drama or its exceptions drops
the guild's list before and after the write, and a new writing method must too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from bot.batch import Batcher
from bot.cache import GuildCache
from bot.db import Database, IntegrityError, Row, Transaction
from bot.errors import Conflict, NotFound
from bot.shards import GuildScope
from bot.timeutil import from_unix, from_unix_or_none, to_unix
from cogs.airtime.import_store import import_steps, record_overrides
from cogs.airtime.ledger import (
    Key,
    forget_moved,
    ledger_rows_of,
    recent_states,
    recent_states_of,
)
from cogs.airtime.records import (
    AddSpecial,
    Drama,
    Edit,
    Imported,
    Ledger,
    Move,
    Outline,
    Overridden,
    ScheduleChange,
    Skip,
    Undo,
)
from cogs.airtime.schedule import Special
from cogs.airtime.validate import decode_slots, encode_slots

_COLUMNS = (
    "drama_id, guild_id, title, aliases, network, slots, premiere, episodes, runtime_min, "
    "streaming, streaming_delay_min, catalog_key, channel_id, role_id, remind, announce_since, "
    "tvmaze_id"
)
_EXCEPTIONS = "exception_id, drama_id, kind, day, episode, at, label"
ID_LIMIT = 2**63  # ids are signed 64-bit integers in both backends
IN_LIST = 500  # ids per `IN :ids` list
EDITABLE = frozenset(
    {
        "title",
        "aliases",
        "network",
        "slots",
        "premiere",
        "episodes",
        "runtime_min",
        "streaming",
        "streaming_delay_min",
    }
)
Reader = Database | Transaction
LISTED_GUILDS = 2_000  # guilds whose drama lists are kept (the most recently used)


def _from_row(row: Row) -> Drama:
    remind = row["remind"]
    return Drama(
        drama_id=row["drama_id"],
        guild_id=row["guild_id"],
        title=row["title"],
        aliases=tuple(filter(None, row["aliases"].split("\n"))),
        network=row["network"],
        slots=decode_slots(row["slots"]),
        premiere=date.fromisoformat(row["premiere"]),
        episodes=row["episodes"],
        runtime_min=row["runtime_min"],
        streaming=row["streaming"],
        streaming_delay_min=row["streaming_delay_min"],
        catalog_key=row["catalog_key"],
        channel_id=row["channel_id"],
        role_id=row["role_id"],
        leads=tuple(int(x) for x in remind.split(",") if x),
        announce_since=from_unix_or_none(row["announce_since"]),
        tvmaze_id=row["tvmaze_id"],
    )


def _column_value(name: str, value: Any) -> Any:
    if name == "aliases":
        return "\n".join(value)
    if name == "slots":
        return encode_slots(value)
    if name == "premiere":
        return value.isoformat()
    return value


class AirtimeStore:
    """SQL for `airtime_dramas` and `airtime_exceptions`."""

    def __init__(self, db: Database, owns: Callable[[int], bool] | None = None) -> None:
        """Use `db` for storage; keep the drama lists of the guilds `owns` (none without it)."""
        self.db = db
        self._listed: GuildCache[tuple[Drama, ...]] = GuildCache(
            owns or (lambda _guild_id: False), max_guilds=LISTED_GUILDS
        )
        self._job_reads: Batcher[tuple[int, int], tuple[Drama | None, dict[Key, Ledger]]] = Batcher(
            self._with_ledger_all, max_batch=IN_LIST
        )

    async def _guild_of(self, drama_id: int) -> int:
        """The guild of a drama (0 when there is none), to drop its list around a write."""
        value = await self.db.fetch_value(
            "SELECT guild_id FROM airtime_dramas WHERE drama_id = :drama_id",
            {"drama_id": drama_id},
        )
        return int(value or 0)

    # -- dramas -----------------------------------------------------------------------------
    async def add_drama(
        self,
        drama: Drama,
        *,
        created_by: int,
        now: datetime,
        changes: Sequence[ScheduleChange] = (),
    ) -> int:
        """Insert a drama with its first `changes` (an import), in one transaction.

        `Conflict` if the guild already has one with that title (then nothing is written).
        """
        self._listed.forget(drama.guild_id)  # before and after: `GuildCache.writing`
        try:
            async with self.db.transaction() as tx:
                drama_id = await _insert(tx, drama, created_by, now)
                for change in changes:
                    await _apply(tx, drama_id, change, now)
            return drama_id
        finally:
            self._listed.forget(drama.guild_id)

    async def set_announce(
        self,
        drama_id: int,
        *,
        channel_id: int | None,
        role_id: int | None,
        leads: tuple[int, ...],
        now: datetime,
    ) -> None:
        """Where announcements go and whom they ping; owed from `now` on.

        Every (re)configuration restarts the count: what fell due before it (while
        announcements were off, or a reminder lead just added whose moment has passed) is
        not owed, so it is never posted "late" and never pings the role a second time.
        """
        since = to_unix(now) if channel_id is not None else None
        guild_id = await self._guild_of(drama_id)
        self._listed.forget(guild_id)
        await self.db.execute(
            "UPDATE airtime_dramas SET channel_id = :channel_id, role_id = :role_id, "
            "remind = :remind, announce_since = :since WHERE drama_id = :drama_id",
            {
                "channel_id": channel_id,
                "role_id": role_id,
                "remind": ",".join(map(str, leads)),
                "since": since,
                "drama_id": drama_id,
            },
        )
        self._listed.forget(guild_id)

    async def remove_drama(self, drama_id: int) -> None:
        """Delete a drama with its exceptions and ledger rows."""
        guild_id = await self._guild_of(drama_id)
        self._listed.forget(guild_id)
        await self.db.execute(
            "DELETE FROM airtime_dramas WHERE drama_id = :drama_id", {"drama_id": drama_id}
        )
        self._listed.forget(guild_id)

    async def get_drama(self, guild_id: int, drama_id: int) -> Drama | None:
        """One drama of this guild, with its exceptions (None for ids no database can hold)."""
        async with self.db.reading() as conn:
            return await _one(conn, guild_id, drama_id)

    async def with_ledger(
        self, guild_id: int, drama_id: int
    ) -> tuple[Drama | None, dict[Key, Ledger]]:
        """One drama of this guild and its announcement ledger, read together (for a job).

        Jobs running at the same moment are read together, in one read (`bot.batch`).
        """
        return await self._job_reads.submit((guild_id, drama_id))

    async def _with_ledger_all(
        self, wanted: list[tuple[int, int]]
    ) -> list[tuple[Drama | None, dict[Key, Ledger]]]:
        ids = [drama_id for _, drama_id in wanted if 0 < drama_id < ID_LIMIT]
        async with self.db.reading() as conn:
            dramas = await _load(conn, "WHERE drama_id IN :ids", {"ids": ids}) if ids else []
            ledgers = await ledger_rows_of(conn, [d.drama_id for d in dramas])
        found = {(d.guild_id, d.drama_id): d for d in dramas}
        result: list[tuple[Drama | None, dict[Key, Ledger]]] = []
        for guild_id, drama_id in wanted:
            drama = found.get((guild_id, drama_id))
            result.append((drama, ledgers.get(drama_id, {}) if drama is not None else {}))
        return result

    async def list_dramas(self, guild_id: int) -> list[Drama]:
        """The guild's dramas by title (kept in memory between writes)."""
        return list(await self._listed.get(guild_id, "dramas", lambda: self._list(guild_id)))

    async def _list(self, guild_id: int) -> tuple[Drama, ...]:
        async with self.db.reading() as conn:
            where = "WHERE guild_id = :guild_id ORDER BY title_key"
            return tuple(await _load(conn, where, {"guild_id": guild_id}))

    async def all_dramas(self) -> list[Drama]:
        """Every drama of every guild (tools and tests; the bot reads by guild)."""
        async with self.db.reading() as conn:
            return await _load(conn, "ORDER BY drama_id", {})

    async def announcing_dramas(
        self, scope: GuildScope, page: int, ledger_since: datetime
    ) -> AsyncIterator[tuple[list[Drama], dict[int, dict[Key, str]]]]:
        """Pages of the dramas with announcements configured, of `scope`'s guilds only.

        Each page comes with its dramas' ledger states claimed since `ledger_since`.
        """
        owned, params = scope.where("guild_id")
        last = 0
        while True:
            async with self.db.reading() as conn:
                dramas = await _load(
                    conn,
                    f"WHERE drama_id > :last AND channel_id IS NOT NULL AND {owned} "
                    "ORDER BY drama_id LIMIT :page",
                    {**params, "last": last, "page": page},
                )
                if not dramas:
                    return
                ids = (dramas[0].drama_id, dramas[-1].drama_id)
                states = await recent_states(conn, ids, ledger_since, scope)
            last = ids[1]
            yield dramas, states

    async def announcing_outlines(
        self, scope: GuildScope, page: int
    ) -> AsyncIterator[list[Outline]]:
        """Pages of what it takes to tell whether an announcing drama may fall due soon."""
        owned, params = scope.where("guild_id")
        last = 0
        while True:
            rows = await self.db.fetch_all(
                "SELECT drama_id, slots, premiere, remind, streaming_delay_min "  # noqa: S608 - generated condition
                "FROM airtime_dramas WHERE drama_id > :last AND channel_id IS NOT NULL "
                f"AND {owned} ORDER BY drama_id LIMIT :page",
                {**params, "last": last, "page": page},
            )
            if not rows:
                return
            last = rows[-1]["drama_id"]
            yield [Outline(*row) for row in rows]

    async def moved_between(self, start: datetime, end: datetime) -> list[int]:
        """Ids of dramas with a moved episode or a special airing between `start` and `end`."""
        rows = await self.db.fetch_all(
            "SELECT DISTINCT drama_id FROM airtime_exceptions WHERE kind IN ('move', 'special') "
            "AND at BETWEEN :start AND :end",
            {"start": to_unix(start), "end": to_unix(end)},
        )
        return [row["drama_id"] for row in rows]

    async def announcing_by_ids(
        self, scope: GuildScope, ids: list[int], ledger_since: datetime
    ) -> tuple[list[Drama], dict[int, dict[Key, str]]]:
        """Announcing dramas of `scope`'s guilds among `ids` (at most 500), with recent ledger."""
        owned, params = scope.where("guild_id")
        async with self.db.reading() as conn:
            dramas = await _load(
                conn,
                f"WHERE drama_id IN :ids AND channel_id IS NOT NULL AND {owned}",
                {**params, "ids": ids},
            )
            states = await recent_states_of(conn, [d.drama_id for d in dramas], ledger_since)
        return dramas, states

    async def count_dramas(self, guild_id: int) -> int:
        """How many dramas the guild tracks."""
        value = await self.db.fetch_value(
            "SELECT COUNT(*) FROM airtime_dramas WHERE guild_id = :guild_id", {"guild_id": guild_id}
        )
        return int(value or 0)

    # -- schedule changes -------------------------------------------------------------------
    async def reschedule(
        self, guild_id: int, drama_id: int, changes: Sequence[ScheduleChange], now: datetime
    ) -> tuple[Drama, Drama]:
        """Apply schedule changes and forget the ledger rows they make stale, atomically.

        Returns the drama before and after. `NotFound` if the drama is gone, `Conflict` on a
        duplicate title or an already pre-empted date (then nothing changed).
        """
        async with self._listed.writing(guild_id), self.db.transaction() as tx:
            before = await _one(tx, guild_id, drama_id)
            if before is None:
                raise NotFound("That drama was just removed; see `/drama list`.")
            for change in changes:
                await _apply(tx, drama_id, change, now)
            after = await _one(tx, guild_id, drama_id)
            if after is None:  # cannot happen: read back inside the same transaction
                raise NotFound("That drama was just removed; see `/drama list`.")
            await forget_moved(tx, before, after, now)
        return before, after


async def _insert(tx: Transaction, drama: Drama, created_by: int, now: datetime) -> int:
    try:
        return await tx.insert(
            "INSERT INTO airtime_dramas (guild_id, title, title_key, aliases, network, slots,"
            " premiere, episodes, runtime_min, streaming, streaming_delay_min, catalog_key,"
            " remind, created_by, created_at) VALUES (:guild_id, :title, :title_key, :aliases,"
            " :network, :slots, :premiere, :episodes, :runtime_min, :streaming,"
            " :streaming_delay_min, :catalog_key, :remind, :created_by, :created_at)"
            " RETURNING drama_id",
            {
                "guild_id": drama.guild_id,
                "title": drama.title,
                "title_key": drama.title.casefold(),
                "aliases": "\n".join(drama.aliases),
                "network": drama.network,
                "slots": encode_slots(drama.slots),
                "premiere": drama.premiere.isoformat(),
                "episodes": drama.episodes,
                "runtime_min": drama.runtime_min,
                "streaming": drama.streaming,
                "streaming_delay_min": drama.streaming_delay_min,
                "catalog_key": drama.catalog_key,
                "remind": ",".join(map(str, drama.leads)),
                "created_by": created_by,
                "created_at": to_unix(now),
            },
        )
    except IntegrityError as error:
        raise _duplicate(drama.title, error) from None


async def _one(conn: Reader, guild_id: int, drama_id: int) -> Drama | None:
    if not 0 < drama_id < ID_LIMIT:
        return None
    found = await _load(
        conn,
        "WHERE guild_id = :guild_id AND drama_id = :drama_id",
        {"guild_id": guild_id, "drama_id": drama_id},
    )
    return found[0] if found else None


async def _load(conn: Reader, where: str, params: dict[str, Any]) -> list[Drama]:
    rows = await conn.fetch_all(f"SELECT {_COLUMNS} FROM airtime_dramas {where}", params)  # noqa: S608 - fixed fragments
    dramas = [_from_row(row) for row in rows]
    if not dramas:
        return []
    ids = [drama.drama_id for drama in dramas]
    if len(ids) > IN_LIST:  # a page in id order: one range scan (rows of others are ignored)
        exc_rows = await conn.fetch_all(
            f"SELECT {_EXCEPTIONS} FROM airtime_exceptions "  # noqa: S608 - fixed columns
            "WHERE drama_id BETWEEN :first AND :last",
            {"first": min(ids), "last": max(ids)},
        )
    else:
        exc_rows = await conn.fetch_all(
            f"SELECT {_EXCEPTIONS} FROM airtime_exceptions WHERE drama_id IN :ids",  # noqa: S608 - fixed columns
            {"ids": ids},
        )
    return _attach_exceptions(dramas, exc_rows)


async def _apply(tx: Transaction, drama_id: int, change: ScheduleChange, now: datetime) -> None:
    stamp = to_unix(now)
    match change:
        case Edit(columns):
            await _edit(tx, drama_id, columns)
        case Move(episode, at):
            params = {"drama_id": drama_id, "episode": episode, "at": to_unix(at), "now": stamp}
            await tx.execute(
                "DELETE FROM airtime_exceptions WHERE drama_id = :drama_id AND kind = 'move' "
                "AND episode = :episode",
                params,
            )
            await tx.execute(
                "INSERT INTO airtime_exceptions (drama_id, kind, episode, at, created_at) "
                "VALUES (:drama_id, 'move', :episode, :at, :now)",
                params,
            )
        case AddSpecial(at, title, episode_id):
            await tx.execute(
                "INSERT INTO airtime_exceptions (drama_id, kind, at, label, created_at, "
                "tvmaze_episode_id) VALUES (:drama_id, 'special', :at, :label, :now, :episode)",
                {"drama_id": drama_id, "at": to_unix(at), "label": title, "now": stamp,
                 "episode": episode_id},
            )  # fmt: skip
        case Skip(day, reason):
            await _skip(tx, drama_id, day, reason, stamp)
        case Undo(kind, key):
            await _undo(tx, drama_id, kind, key)
        case Imported():
            for step in await import_steps(tx, drama_id, change, now):
                await _apply(tx, drama_id, step, now)
        case Overridden(keys):
            await record_overrides(tx, drama_id, keys, now)


async def _edit(tx: Transaction, drama_id: int, changes: dict[str, Any]) -> None:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    if not changes:
        return
    values = {name: _column_value(name, value) for name, value in changes.items()}
    if "title" in values:
        values["title_key"] = str(values["title"]).casefold()
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    try:
        await tx.execute(
            f"UPDATE airtime_dramas SET {assignments} WHERE drama_id = :drama_id",  # noqa: S608 - names from EDITABLE
            {**values, "drama_id": drama_id},
        )
    except IntegrityError as error:
        raise _duplicate(str(changes.get("title")), error) from None


async def _skip(tx: Transaction, drama_id: int, day: date, reason: str, stamp: int) -> None:
    # Decided by the database, without an error that would end PostgreSQL's transaction.
    added = await tx.fetch_one(
        "INSERT INTO airtime_exceptions (drama_id, kind, day, label, created_at) "
        "VALUES (:drama_id, 'skip', :day, :label, :now) "
        "ON CONFLICT (drama_id, day) WHERE kind = 'skip' DO NOTHING RETURNING exception_id",
        {"drama_id": drama_id, "day": day.isoformat(), "label": reason, "now": stamp},
    )
    if added is None:
        raise Conflict(f"{day} is already marked as having no episode.")


async def _undo(tx: Transaction, drama_id: int, kind: str, key: str) -> None:
    column = {"skip": "day", "move": "episode", "special": "exception_id"}[kind]
    value: str | int = key if kind == "skip" else int(key)
    await tx.execute(
        "DELETE FROM airtime_exceptions WHERE drama_id = :drama_id AND kind = :kind "  # noqa: S608 - column from a fixed map
        f"AND {column} = :value",
        {"drama_id": drama_id, "kind": kind, "value": value},
    )


def _duplicate(title: str, error: IntegrityError) -> Conflict:
    if not error.is_duplicate:
        raise error
    return Conflict(
        f"This server already tracks a drama called {title[:100]!r} (titles are "
        "case-insensitive). Use `/drama edit` to change it, or pick another title."
    )


def _attach_exceptions(dramas: list[Drama], rows: Iterable[Row]) -> list[Drama]:
    skips: dict[int, dict[date, str]] = defaultdict(dict)
    moves: dict[int, dict[int, datetime]] = defaultdict(dict)
    specials: dict[int, list[Special]] = defaultdict(list)
    for row in rows:
        drama_id = row["drama_id"]
        if row["kind"] == "skip":
            skips[drama_id][date.fromisoformat(row["day"])] = row["label"] or ""
        elif row["kind"] == "move":
            moves[drama_id][row["episode"]] = from_unix(row["at"])
        else:
            specials[drama_id].append(
                Special(row["exception_id"], from_unix(row["at"]), row["label"])
            )
    return [
        replace(
            drama,
            skips=frozenset(skips.get(drama.drama_id, ())),
            skip_reasons=tuple(sorted(skips.get(drama.drama_id, {}).items())),
            moves=moves.get(drama.drama_id, {}),
            specials=tuple(specials.get(drama.drama_id, ())),
        )
        if drama.drama_id in skips or drama.drama_id in moves or drama.drama_id in specials
        else drama
        for drama in dramas
    ]
