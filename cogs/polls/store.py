"""The polls feature's SQL: polls, their options, and one vote row per (poll, voter, option)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from itertools import groupby

from bot.db import Database, Row, Transaction
from cogs.polls.logic import Option

_POLL_COLUMNS = (
    "poll_id, guild_id, channel_id, message_id, author_id, question, multi, anonymous, "
    "created_at, ends_at, closed_at, close_reason, closed_by"
)
# Votes only change while their poll is open: a write still in flight when the poll closes
# (a button click, a reconciliation) must not alter the results already announced.
_ADD = (
    "INSERT OR REPLACE INTO poll_votes (poll_id, user_id, position, voted_at) "
    "SELECT p.poll_id, ?, ?, ? FROM polls p WHERE p.poll_id = ? AND p.closed_at IS NULL"
)
_REMOVE = (
    "DELETE FROM poll_votes WHERE poll_id = ? AND user_id = ? AND position = ? AND EXISTS "
    "(SELECT 1 FROM polls p WHERE p.poll_id = poll_votes.poll_id AND p.closed_at IS NULL)"
)

Votes = dict[int, list[int]]
"""Voter id -> the options they hold, oldest first."""


@dataclass(frozen=True)
class Poll:
    """A stored poll."""

    poll_id: int
    guild_id: int
    channel_id: int
    message_id: int | None
    author_id: int
    question: str
    multi: bool
    anonymous: bool
    created_at: datetime
    ends_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    options: tuple[Option, ...]
    closed_by: int | None = None

    @property
    def is_open(self) -> bool:
        """Whether votes still count."""
        return self.closed_at is None


class OpKind(Enum):
    """What happened to one vote row."""

    ADD = "add"
    REMOVE = "remove"


@dataclass(frozen=True)
class VoteOp:
    """One vote change to persist."""

    kind: OpKind
    poll_id: int
    user_id: int
    position: int
    at: int


@dataclass(frozen=True)
class VoteRow:
    """One stored vote, for exports."""

    user_id: int
    position: int
    voted_at: datetime


def _unix(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def _when(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


class PollStore:
    """SQL for `polls`, `poll_options` and `poll_votes`."""

    def __init__(self, db: Database) -> None:
        """Use `db` for storage."""
        self._db = db

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        author_id: int,
        question: str,
        options: Sequence[Option],
        multi: bool,
        anonymous: bool,
        created_at: datetime,
        ends_at: datetime | None,
    ) -> int:
        """Store a poll and its options (no message yet); return its id."""
        async with self._db.transaction() as tx:
            poll_id = await tx.insert(
                "INSERT INTO polls (guild_id, channel_id, author_id, question, multi, anonymous, "
                "created_at, ends_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING poll_id",
                (
                    guild_id,
                    channel_id,
                    author_id,
                    question,
                    int(multi),
                    int(anonymous),
                    _unix(created_at),
                    _unix(ends_at),
                ),
            )
            await tx.execute_many(
                "INSERT INTO poll_options (poll_id, position, emoji, label) VALUES (?, ?, ?, ?)",
                [(poll_id, i, option.emoji, option.label) for i, option in enumerate(options)],
            )
        return poll_id

    async def set_message(self, poll_id: int, message_id: int) -> None:
        """Bind the poll to the message that carries it."""
        await self._db.execute(
            "UPDATE polls SET message_id = ? WHERE poll_id = ?", (message_id, poll_id)
        )

    async def delete(self, poll_id: int) -> None:
        """Forget a poll that could not be posted."""
        await self._db.execute("DELETE FROM polls WHERE poll_id = ?", (poll_id,))

    async def get(self, poll_id: int) -> Poll | None:
        """One poll with its options, or None."""
        polls = await self._load(f"SELECT {_POLL_COLUMNS} FROM polls WHERE poll_id = ?", (poll_id,))  # noqa: S608 - fixed columns
        return polls[0] if polls else None

    async def open_polls(self, guild_id: int | None = None) -> list[Poll]:
        """Open polls (of one guild, or all), newest first."""
        sql = f"SELECT {_POLL_COLUMNS} FROM polls WHERE closed_at IS NULL"  # noqa: S608 - fixed columns
        if guild_id is None:
            return await self._load(sql + " ORDER BY poll_id DESC", ())
        return await self._load(sql + " AND guild_id = ? ORDER BY poll_id DESC", (guild_id,))

    async def _load(self, sql: str, params: tuple[object, ...]) -> list[Poll]:
        rows = await self._db.fetch_all(sql, params)
        if not rows:
            return []
        ids = [row["poll_id"] for row in rows]
        options = await self._options(ids)
        return [_poll(row, options.get(row["poll_id"], ())) for row in rows]

    async def _options(self, poll_ids: Sequence[int]) -> dict[int, tuple[Option, ...]]:
        found: dict[int, list[Option]] = defaultdict(list)
        for start in range(0, len(poll_ids), 500):
            chunk = poll_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = await self._db.fetch_all(
                f"SELECT poll_id, emoji, label FROM poll_options WHERE poll_id IN ({marks}) "  # noqa: S608 - placeholders only
                "ORDER BY poll_id, position",
                chunk,
            )
            for row in rows:
                found[row["poll_id"]].append(Option(row["emoji"], row["label"]))
        return {poll_id: tuple(options) for poll_id, options in found.items()}

    async def votes(self, poll_id: int) -> Votes:
        """Voter -> options held, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT user_id, position FROM poll_votes WHERE poll_id = ? ORDER BY vote_id",
            (poll_id,),
        )
        votes: Votes = defaultdict(list)
        for row in rows:
            votes[row["user_id"]].append(row["position"])
        return dict(votes)

    async def open_votes(self) -> dict[int, Votes]:
        """Votes of every open poll: poll id -> voter -> options, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT v.poll_id, v.user_id, v.position FROM poll_votes v "
            "JOIN polls p ON p.poll_id = v.poll_id WHERE p.closed_at IS NULL ORDER BY v.vote_id"
        )
        result: dict[int, Votes] = defaultdict(lambda: defaultdict(list))
        for row in rows:
            result[row["poll_id"]][row["user_id"]].append(row["position"])
        return {poll_id: dict(votes) for poll_id, votes in result.items()}

    async def vote_rows(self, poll_id: int) -> list[VoteRow]:
        """Every stored vote of a poll, in the order cast."""
        rows = await self._db.fetch_all(
            "SELECT user_id, position, voted_at FROM poll_votes WHERE poll_id = ? ORDER BY vote_id",
            (poll_id,),
        )
        return [
            VoteRow(row["user_id"], row["position"], datetime.fromtimestamp(row["voted_at"], UTC))
            for row in rows
        ]

    async def apply(self, ops: Sequence[VoteOp]) -> None:
        """Persist vote changes, in order, in one committed transaction."""
        if not ops:
            return
        async with self._db.transaction() as tx:
            await _apply(tx, ops)

    async def close(
        self,
        poll_id: int,
        at: datetime,
        reason: str,
        *,
        announce: bool,
        closed_by: int | None = None,
    ) -> bool:
        """Mark the poll closed; False if it already was (or does not exist).

        With `announce`, the results stay pending until `results_posted`, so a crash before
        they reach Discord is caught up at start-up.
        """
        changed = await self._db.execute(
            "UPDATE polls SET closed_at = ?, close_reason = ?, results_pending = ?, closed_by = ? "
            "WHERE poll_id = ? AND closed_at IS NULL",
            (_unix(at), reason, int(announce), closed_by, poll_id),
        )
        return changed > 0

    async def results_posted(self, poll_id: int) -> None:
        """The closed poll's results are on Discord (or never will be)."""
        await self._db.execute("UPDATE polls SET results_pending = 0 WHERE poll_id = ?", (poll_id,))

    async def pending_results(self) -> list[Poll]:
        """Closed polls whose results were never posted (the bot stopped in between)."""
        return await self._load(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE results_pending = 1 ORDER BY poll_id",  # noqa: S608 - fixed columns
            (),
        )


async def _apply(tx: Transaction, ops: Iterable[VoteOp]) -> None:
    # Consecutive ops of one kind go in one executemany; order between kinds is kept.
    for kind, run in groupby(ops, key=lambda op: op.kind):
        if kind is OpKind.ADD:
            params = [(op.user_id, op.position, op.at, op.poll_id) for op in run]
            await tx.execute_many(_ADD, params)
        else:
            await tx.execute_many(_REMOVE, [(op.poll_id, op.user_id, op.position) for op in run])


def _poll(row: Row, options: tuple[Option, ...]) -> Poll:
    created = _when(row["created_at"])
    if created is None:
        raise ValueError("poll without created_at")
    return Poll(
        poll_id=row["poll_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        author_id=row["author_id"],
        question=row["question"],
        multi=bool(row["multi"]),
        anonymous=bool(row["anonymous"]),
        created_at=created,
        ends_at=_when(row["ends_at"]),
        closed_at=_when(row["closed_at"]),
        close_reason=row["close_reason"],
        options=options,
        closed_by=row["closed_by"],
    )
