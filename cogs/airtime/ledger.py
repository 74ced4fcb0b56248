"""The only home of the announcement ledger's SQL: one row per announcement, claimed first.

The database decides every claim (`INSERT ... ON CONFLICT DO NOTHING RETURNING`): of two
processes (or two jobs) claiming one announcement, exactly one gets the row and sends.
Claims and settlements made at the same moment (a thousand posts due at one instant) are
written together, a transaction for all (`bot.batch.Batcher`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from bot.batch import Batcher
from bot.db import Database, Row, Transaction
from bot.shards import GuildScope
from bot.timeutil import from_unix, to_unix
from cogs.airtime.records import Drama, Ledger

Key = tuple[str, str]  # (episode key, kind)
Claim = tuple[Drama, Key, int, datetime]  # (drama, key, channel id, now)
Finish = tuple[Drama, Key, str, datetime, int | None]  # (drama, key, state, now, message id)


def _ledger(row: Row) -> Ledger:
    return Ledger(row["state"], row["channel_id"], row["message_id"], from_unix(row["claimed_at"]))


def _params(drama: Drama, key: Key, now: datetime, **extra: object) -> dict[str, object]:
    return {
        "guild_id": drama.guild_id,
        "drama_id": drama.drama_id,
        "episode_key": key[0],
        "kind": key[1],
        "now": to_unix(now),
        **extra,
    }


async def ledger_rows(conn: Database | Transaction, drama_id: int) -> dict[Key, Ledger]:
    """Every ledger row of a drama, by (episode key, kind), on an open connection."""
    rows = await conn.fetch_all(
        "SELECT episode_key, kind, state, channel_id, message_id, claimed_at "
        "FROM airtime_announcements WHERE drama_id = :drama_id",
        {"drama_id": drama_id},
    )
    return {(row["episode_key"], row["kind"]): _ledger(row) for row in rows}


async def ledger_rows_of(
    conn: Database | Transaction, drama_ids: list[int]
) -> dict[int, dict[Key, Ledger]]:
    """Every ledger row of these dramas (at most 500), by drama, then (episode key, kind)."""
    result: dict[int, dict[Key, Ledger]] = defaultdict(dict)
    if not drama_ids:
        return result
    rows = await conn.fetch_all(
        "SELECT drama_id, episode_key, kind, state, channel_id, message_id, claimed_at "
        "FROM airtime_announcements WHERE drama_id IN :ids",
        {"ids": drama_ids},
    )
    for row in rows:
        result[row["drama_id"]][(row["episode_key"], row["kind"])] = _ledger(row)
    return result


def _due(at: datetime, kind: str, stream_delay_min: int | None) -> datetime:
    """When an announcement of `kind` falls due for a broadcast at `at`."""
    if kind.startswith("remind") and kind[6:].isdigit():
        return at - timedelta(minutes=int(kind[6:]))
    if kind == "stream":
        return at + timedelta(minutes=stream_delay_min or 0)
    return at


async def forget_moved(tx: Transaction, before: Drama, after: Drama, now: datetime) -> int:
    """Drop ledger rows of broadcasts whose air time changed (skip, move, edit, undo).

    A row is dropped only when its announcement's new moment is still ahead: it is owed
    again for the new time. Rows whose new moment already passed (a reminder, after a
    short delay) stay, so nothing is announced twice or "late" because of a reschedule.
    """
    old = {ep.key: ep.at for ep in before.episode_list()}
    changed = {ep.key: ep.at for ep in after.episode_list() if old.get(ep.key) != ep.at}
    if not changed:
        return 0
    rows = await tx.fetch_all(
        "SELECT episode_key, kind FROM airtime_announcements WHERE drama_id = :drama_id "
        "AND episode_key IN :keys",
        {"drama_id": after.drama_id, "keys": list(changed)},
    )
    stale = [
        {"drama_id": after.drama_id, "key": key, "kind": kind}
        for key, kind in rows
        if _due(changed[key], kind, after.streaming_delay_min) > now
    ]
    await tx.execute_many(
        "DELETE FROM airtime_announcements WHERE drama_id = :drama_id "
        "AND episode_key = :key AND kind = :kind",
        stale,
    )
    return len(stale)


async def recent_states(
    conn: Database | Transaction, dramas: tuple[int, int], since: datetime, scope: GuildScope
) -> dict[int, dict[Key, str]]:
    """Recent ledger states of a page of dramas, by drama (for arming them).

    The rows claimed since `since`, of dramas whose ids lie in the inclusive `dramas` range,
    of `scope`'s guilds only.
    """
    owned, params = scope.where("guild_id")
    rows = await conn.fetch_all(
        "SELECT drama_id, episode_key, kind, state FROM airtime_announcements "  # noqa: S608 - generated condition
        f"WHERE drama_id BETWEEN :first AND :last AND claimed_at >= :since AND {owned}",
        {**params, "first": dramas[0], "last": dramas[1], "since": to_unix(since)},
    )
    result: dict[int, dict[Key, str]] = defaultdict(dict)
    for drama_id, episode_key, kind, state in rows:
        result[drama_id][(episode_key, kind)] = state
    return result


async def recent_states_of(
    conn: Database | Transaction, drama_ids: list[int], since: datetime
) -> dict[int, dict[Key, str]]:
    """Recent ledger states (claimed since `since`) of these dramas (at most 500), by drama."""
    result: dict[int, dict[Key, str]] = defaultdict(dict)
    if not drama_ids:
        return result
    rows = await conn.fetch_all(
        "SELECT drama_id, episode_key, kind, state FROM airtime_announcements "
        "WHERE drama_id IN :ids AND claimed_at >= :since",
        {"ids": drama_ids, "since": to_unix(since)},
    )
    for drama_id, episode_key, kind, state in rows:
        result[drama_id][(episode_key, kind)] = state
    return result


class LedgerStore:
    """SQL for `airtime_announcements`."""

    def __init__(self, db: Database) -> None:
        """Use `db` for storage."""
        self.db = db
        self._claims: Batcher[Claim, bool] = Batcher(self._claim_all)
        self._finishes: Batcher[Finish, None] = Batcher(self._finish_all)

    async def claim(self, drama: Drama, key: Key, channel_id: int, now: datetime) -> bool:
        """Record that this announcement is being sent; False if it already has a row.

        The database decides: of two processes claiming one announcement, one gets the row.
        """
        return await self._claims.submit((drama, key, channel_id, now))

    async def _claim_all(self, claims: list[Claim]) -> list[bool]:
        """One INSERT for many claims; each is True only for the request that got its row."""
        values: list[str] = []
        params: dict[str, object] = {}
        for n, (drama, key, channel_id, now) in enumerate(claims):
            values.append(f"(:g{n}, :d{n}, :e{n}, :k{n}, 'claimed', :c{n}, :n{n})")
            params |= {f"g{n}": drama.guild_id, f"d{n}": drama.drama_id, f"e{n}": key[0],
                       f"k{n}": key[1], f"c{n}": channel_id, f"n{n}": to_unix(now)}  # fmt: skip
        async with self.db.transaction() as tx:
            rows = await tx.fetch_all(
                "INSERT INTO airtime_announcements (guild_id, drama_id, episode_key, kind, "  # noqa: S608 - numbered placeholders only
                f"state, channel_id, claimed_at) VALUES {', '.join(values)} "
                "ON CONFLICT DO NOTHING RETURNING guild_id, drama_id, episode_key, kind",
                params,
            )
        got = {tuple(row) for row in rows}
        result = []
        for drama, key, _, _ in claims:
            ident = (drama.guild_id, drama.drama_id, *key)
            result.append(ident in got)
            got.discard(ident)  # the same announcement twice in one batch: the first gets it
        return result

    async def finish(
        self, drama: Drama, key: Key, state: str, now: datetime, message_id: int | None = None
    ) -> None:
        """Settle a claimed announcement: sent, skipped, failed or uncertain."""
        await self._finishes.submit((drama, key, state, now, message_id))

    async def _finish_all(self, finishes: list[Finish]) -> list[None]:
        await self.db.execute_many(
            "INSERT INTO airtime_announcements (guild_id, drama_id, episode_key, kind, state,"
            " message_id, claimed_at, done_at) VALUES (:guild_id, :drama_id, :episode_key, :kind,"
            " :state, :message_id, :now, :now) "
            "ON CONFLICT (guild_id, drama_id, episode_key, kind) DO UPDATE SET "
            "state = excluded.state, message_id = excluded.message_id, done_at = excluded.done_at",
            [
                _params(drama, key, now, state=state, message_id=message_id)
                for drama, key, state, now, message_id in finishes
            ],
        )
        return [None] * len(finishes)

    async def hand_over(
        self,
        drama: Drama,
        key: Key,
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
                _params(drama, key, now, channel_id=channel_id),
            )
            if handed is None:
                return False
            await owe(tx)
        return True

    async def settle_handed_over(
        self,
        tx: Transaction,
        ids: tuple[int, int],
        key: Key,
        state: str,
        message_id: int | None,
        now: datetime,
    ) -> None:
        """The outbox delivered (or gave up on) a handed-over announcement; in its transaction.

        `ids` is (guild id, drama id). An outbox `uncertain` stays `sent`: never re-sent.
        """
        await tx.execute(
            "UPDATE airtime_announcements SET state = :state, message_id = :message_id, "
            "done_at = :now WHERE guild_id = :guild_id AND drama_id = :drama_id "
            "AND episode_key = :episode_key AND kind = :kind",
            {
                "state": "failed" if state == "failed" else "sent",
                "message_id": message_id,
                "now": to_unix(now),
                "guild_id": ids[0],
                "drama_id": ids[1],
                "episode_key": key[0],
                "kind": key[1],
            },
        )

    async def ledger(self, drama_id: int) -> dict[Key, Ledger]:
        """Every ledger row of a drama, by (episode key, kind)."""
        async with self.db.reading() as conn:
            return await ledger_rows(conn, drama_id)
