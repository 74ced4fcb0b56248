"""The only home of airtime's SQL: dramas, schedule exceptions and the announcement ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.db import Database, IntegrityError, Row, Transaction
from bot.errors import Conflict
from cogs.airtime.records import Drama, Ledger
from cogs.airtime.schedule import Special
from cogs.airtime.validate import decode_slots, encode_slots

_COLUMNS = (
    "drama_id, guild_id, title, aliases, network, slots, premiere, episodes, runtime_min, "
    "streaming, streaming_delay_min, catalog_key, channel_id, role_id, remind, announce_since"
)
ID_LIMIT = 2**63  # ids are signed 64-bit integers in both backends
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


def _unix(instant: datetime) -> int:
    return int(instant.timestamp())


def _instant(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def _from_row(row: Row) -> Drama:
    remind = row["remind"]
    since = row["announce_since"]
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
        announce_since=_instant(since) if since is not None else None,
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
    """SQL for `airtime_dramas`, `airtime_exceptions` and `airtime_announcements`."""

    def __init__(self, db: Database) -> None:
        """Use `db` for storage."""
        self.db = db

    # -- dramas -----------------------------------------------------------------------------
    async def add_drama(self, drama: Drama, *, created_by: int, now: datetime) -> int:
        """Insert a drama; `Conflict` if the guild already has one with that title."""
        try:
            return await self.db.insert(
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
                    "created_at": _unix(now),
                },
            )
        except IntegrityError as error:
            raise _duplicate(drama.title, error) from None

    async def update_drama(self, drama_id: int, changes: dict[str, Any]) -> None:
        """Change editable columns; `Conflict` on a duplicate title."""
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
            await self.db.execute(
                f"UPDATE airtime_dramas SET {assignments} WHERE drama_id = :drama_id",  # noqa: S608 - names from EDITABLE
                {**values, "drama_id": drama_id},
            )
        except IntegrityError as error:
            raise _duplicate(str(changes.get("title")), error) from None

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
        since = _unix(now) if channel_id is not None else None
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

    async def remove_drama(self, drama_id: int) -> None:
        """Delete a drama with its exceptions and ledger rows."""
        await self.db.execute(
            "DELETE FROM airtime_dramas WHERE drama_id = :drama_id", {"drama_id": drama_id}
        )

    async def get_drama(self, guild_id: int, drama_id: int) -> Drama | None:
        """One drama of this guild, with its exceptions (None for ids no database can hold)."""
        if not 0 < drama_id < ID_LIMIT:
            return None
        found = await self._load(
            "WHERE guild_id = :guild_id AND drama_id = :drama_id",
            {"guild_id": guild_id, "drama_id": drama_id},
        )
        return found[0] if found else None

    async def list_dramas(self, guild_id: int) -> list[Drama]:
        """The guild's dramas by title."""
        return await self._load(
            "WHERE guild_id = :guild_id ORDER BY title_key", {"guild_id": guild_id}
        )

    async def all_dramas(self) -> list[Drama]:
        """Every drama of every guild."""
        return await self._load("ORDER BY drama_id", {})

    async def announcing_dramas(self, page: int = 2000) -> AsyncIterator[Drama]:
        """Every drama with announcements configured, a page at a time (start-up rebuild)."""
        last = 0
        while True:
            rows = await self.db.fetch_all(
                f"SELECT {_COLUMNS} FROM airtime_dramas WHERE drama_id > :last AND "  # noqa: S608 - fixed fragments
                "channel_id IS NOT NULL ORDER BY drama_id LIMIT :page",
                {"last": last, "page": page},
            )
            if not rows:
                return
            dramas = [_from_row(row) for row in rows]
            last = dramas[-1].drama_id
            exc_rows = await self.db.fetch_all(
                "SELECT * FROM airtime_exceptions WHERE drama_id BETWEEN :first AND :last",
                {"first": dramas[0].drama_id, "last": last},
            )
            for drama in _attach_exceptions(dramas, exc_rows):
                yield drama

    async def count_dramas(self, guild_id: int) -> int:
        """How many dramas the guild tracks."""
        value = await self.db.fetch_value(
            "SELECT COUNT(*) FROM airtime_dramas WHERE guild_id = :guild_id", {"guild_id": guild_id}
        )
        return int(value or 0)

    async def _load(self, where: str, params: dict[str, Any]) -> list[Drama]:
        rows = await self.db.fetch_all(f"SELECT {_COLUMNS} FROM airtime_dramas {where}", params)  # noqa: S608 - fixed fragments
        dramas = [_from_row(row) for row in rows]
        if not dramas:
            return []
        exc_rows: list[Row] = []
        ids = [drama.drama_id for drama in dramas]
        for start in range(0, len(ids), 500):
            exc_rows += await self.db.fetch_all(
                "SELECT * FROM airtime_exceptions WHERE drama_id IN :ids",
                {"ids": ids[start : start + 500]},
            )
        return _attach_exceptions(dramas, exc_rows)

    # -- exceptions -------------------------------------------------------------------------
    async def add_skip(self, drama_id: int, day: date, reason: str, now: datetime) -> None:
        """Pre-empt a KST date; `Conflict` if it is already skipped."""
        try:
            await self.db.execute(
                "INSERT INTO airtime_exceptions (drama_id, kind, day, label, created_at) "
                "VALUES (:drama_id, 'skip', :day, :label, :now)",
                {"drama_id": drama_id, "day": day.isoformat(), "label": reason, "now": _unix(now)},
            )
        except IntegrityError:
            raise Conflict(f"{day} is already marked as having no episode.") from None

    async def remove_skip(self, drama_id: int, day: date) -> int:
        """Undo a pre-emption; return how many rows went."""
        return await self.db.execute(
            "DELETE FROM airtime_exceptions WHERE drama_id = :drama_id AND kind = 'skip' "
            "AND day = :day",
            {"drama_id": drama_id, "day": day.isoformat()},
        )

    async def remove_change(self, drama_id: int, kind: str, key: str) -> int:
        """Undo a pre-emption (key: date), a move (episode) or a special (id); rows removed."""
        column = {"skip": "day", "move": "episode", "special": "exception_id"}[kind]
        value: str | int = key if kind == "skip" else int(key)
        return await self.db.execute(
            "DELETE FROM airtime_exceptions WHERE drama_id = :drama_id AND kind = :kind "  # noqa: S608 - column from a fixed map
            f"AND {column} = :value",
            {"drama_id": drama_id, "kind": kind, "value": value},
        )

    async def set_move(self, drama_id: int, episode: int, at: datetime, now: datetime) -> None:
        """Move one episode to another instant (replacing an earlier move)."""
        params = {"drama_id": drama_id, "episode": episode, "at": _unix(at), "now": _unix(now)}
        async with self.db.transaction() as tx:
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

    async def add_special(self, drama_id: int, at: datetime, title: str, now: datetime) -> int:
        """Add an un-numbered broadcast; return its id."""
        return await self.db.insert(
            "INSERT INTO airtime_exceptions (drama_id, kind, at, label, created_at) "
            "VALUES (:drama_id, 'special', :at, :label, :now) RETURNING exception_id",
            {"drama_id": drama_id, "at": _unix(at), "label": title, "now": _unix(now)},
        )

    # -- the announcement ledger ------------------------------------------------------------
    async def claim(
        self, drama: Drama, key: tuple[str, str], channel_id: int, now: datetime
    ) -> bool:
        """Record that this announcement is being sent; False if it already has a row.

        The database decides: of two processes claiming one announcement, one gets the row.
        """
        claimed = await self.db.execute_returning(
            "INSERT INTO airtime_announcements (guild_id, drama_id, episode_key, kind,"
            " state, channel_id, claimed_at) VALUES (:guild_id, :drama_id, :episode_key, :kind,"
            " 'claimed', :channel_id, :now) ON CONFLICT DO NOTHING RETURNING 1",
            {
                "guild_id": drama.guild_id,
                "drama_id": drama.drama_id,
                "episode_key": key[0],
                "kind": key[1],
                "channel_id": channel_id,
                "now": _unix(now),
            },
        )
        return claimed is not None

    async def finish(
        self,
        drama: Drama,
        key: tuple[str, str],
        state: str,
        now: datetime,
        message_id: int | None = None,
    ) -> None:
        """Settle a claimed announcement: sent, skipped, failed or uncertain."""
        await self.db.execute(
            "INSERT INTO airtime_announcements (guild_id, drama_id, episode_key, kind, state,"
            " message_id, claimed_at, done_at) VALUES (:guild_id, :drama_id, :episode_key, :kind,"
            " :state, :message_id, :now, :now) "
            "ON CONFLICT (guild_id, drama_id, episode_key, kind) DO UPDATE SET "
            "state = excluded.state, message_id = excluded.message_id, done_at = excluded.done_at",
            {
                "guild_id": drama.guild_id,
                "drama_id": drama.drama_id,
                "episode_key": key[0],
                "kind": key[1],
                "state": state,
                "message_id": message_id,
                "now": _unix(now),
            },
        )

    async def hand_over(
        self,
        drama: Drama,
        key: tuple[str, str],
        channel_id: int,
        now: datetime,
        owe: Callable[[Transaction], Awaitable[object]],
    ) -> bool:
        """Record a late announcement as handed to the outbox, with its notice, atomically.

        The ledger row (new, or the claim a crash left) becomes `sent` with no message yet;
        `owe(tx)` writes the outbox row in the same transaction, and the outbox fills in
        the message (or turns the row `failed`) when it delivers. False if the key already
        has a settled row.
        """
        async with self.db.transaction() as tx:
            handed = await tx.fetch_one(
                "INSERT INTO airtime_announcements (guild_id, drama_id, episode_key, kind, "
                "state, channel_id, claimed_at) VALUES (:guild_id, :drama_id, :episode_key, "
                ":kind, 'sent', :channel_id, :now) "
                "ON CONFLICT (guild_id, drama_id, episode_key, kind) DO UPDATE SET "
                "state = 'sent', channel_id = excluded.channel_id "
                "WHERE airtime_announcements.state = 'claimed' RETURNING 1",
                {
                    "guild_id": drama.guild_id,
                    "drama_id": drama.drama_id,
                    "episode_key": key[0],
                    "kind": key[1],
                    "channel_id": channel_id,
                    "now": _unix(now),
                },
            )
            if handed is None:
                return False
            await owe(tx)
        return True

    async def settle_handed_over(
        self,
        tx: Transaction,
        ids: tuple[int, int],
        key: tuple[str, str],
        state: str,
        message_id: int | None,
        now: datetime,
    ) -> None:
        """The outbox delivered (or gave up on) a handed-over announcement; in its transaction.

        `ids` is (guild id, drama id). An outbox `uncertain` stays `sent`: never re-sent.
        """
        ledger_state = "failed" if state == "failed" else "sent"
        await tx.execute(
            "UPDATE airtime_announcements SET state = :state, message_id = :message_id, "
            "done_at = :now WHERE guild_id = :guild_id AND drama_id = :drama_id "
            "AND episode_key = :episode_key AND kind = :kind",
            {
                "state": ledger_state,
                "message_id": message_id,
                "now": _unix(now),
                "guild_id": ids[0],
                "drama_id": ids[1],
                "episode_key": key[0],
                "kind": key[1],
            },
        )

    async def ledger(self, drama_id: int) -> dict[tuple[str, str], Ledger]:
        """Every ledger row of a drama, by (episode key, kind)."""
        rows = await self.db.fetch_all(
            "SELECT * FROM airtime_announcements WHERE drama_id = :drama_id",
            {"drama_id": drama_id},
        )
        return {(row["episode_key"], row["kind"]): _ledger(row) for row in rows}

    async def states_since(self, since: datetime) -> dict[int, dict[tuple[str, str], str]]:
        """Ledger states of rows claimed since `since`, by drama (start-up rebuild)."""
        rows = await self.db.fetch_all(
            "SELECT drama_id, episode_key, kind, state FROM airtime_announcements "
            "WHERE claimed_at >= :since",
            {"since": _unix(since)},
        )
        result: dict[int, dict[tuple[str, str], str]] = defaultdict(dict)
        for drama_id, episode_key, kind, state in rows:
            result[drama_id][(episode_key, kind)] = state
        return result


def _ledger(row: Row) -> Ledger:
    return Ledger(row["state"], row["channel_id"], row["message_id"], _instant(row["claimed_at"]))


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
            moves[drama_id][row["episode"]] = _instant(row["at"])
        else:
            specials[drama_id].append(
                Special(row["exception_id"], _instant(row["at"]), row["label"])
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


def _due(at: datetime, kind: str, stream_delay_min: int | None) -> datetime:
    """When an announcement of `kind` falls due for a broadcast at `at`."""
    if kind.startswith("remind") and kind[6:].isdigit():
        return at - timedelta(minutes=int(kind[6:]))
    if kind == "stream":
        return at + timedelta(minutes=stream_delay_min or 0)
    return at


async def forget_moved(store: AirtimeStore, before: Drama, after: Drama, now: datetime) -> int:
    """Drop ledger rows of broadcasts whose air time changed (skip, move, edit, undo).

    A row is dropped only when its announcement's new moment is still ahead: it is owed
    again for the new time. Rows whose new moment already passed (a reminder, after a
    short delay) stay, so nothing is announced twice or "late" because of a reschedule.
    """
    old = {ep.key: ep.at for ep in before.episode_list()}
    changed = {ep.key: ep.at for ep in after.episode_list() if old.get(ep.key) != ep.at}
    if not changed:
        return 0
    rows = await store.db.fetch_all(
        "SELECT episode_key, kind FROM airtime_announcements WHERE drama_id = :drama_id "
        "AND episode_key IN :keys",
        {"drama_id": after.drama_id, "keys": list(changed)},
    )
    removed = 0
    for key, kind in rows:
        if _due(changed[key], kind, after.streaming_delay_min) > now:
            removed += await store.db.execute(
                "DELETE FROM airtime_announcements WHERE drama_id = :drama_id "
                "AND episode_key = :key AND kind = :kind",
                {"drama_id": after.drama_id, "key": key, "kind": kind},
            )
    return removed
