"""The polls feature's SQL: polls, their options, and one vote row per (poll, voter, option)."""

from __future__ import annotations

import json
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from itertools import groupby
from typing import Any

from bot.db import Database, Row, Transaction
from bot.shards import GuildScope
from bot.timeutil import from_unix, from_unix_or_none, to_unix, to_unix_or_none
from cogs.polls.logic import Option, Tally

_POLL_COLUMNS = (
    "poll_id, guild_id, channel_id, message_id, author_id, question, multi, anonymous, "
    "created_at, ends_at, closed_at, close_reason, closed_by, result_counts, result_voters"
)
# Votes only change while their poll is open: a write still in flight when the poll closes
# (a button click, a reconciliation) must not alter the results already announced.
# A (re)added vote takes a new vote_id (the one its INSERT drew, on both backends), so it
# becomes the voter's latest: single-choice polls count the latest vote.
_ADD = (
    "INSERT INTO poll_votes (poll_id, user_id, position, voted_at) "
    "SELECT p.poll_id, :user_id, :position, :at FROM polls p "
    "WHERE p.poll_id = :poll_id AND p.closed_at IS NULL "
    "ON CONFLICT (poll_id, user_id, position) DO UPDATE SET "
    "vote_id = excluded.vote_id, voted_at = excluded.voted_at"
)
_REMOVE = (
    "DELETE FROM poll_votes WHERE poll_id = :poll_id AND user_id = :user_id "
    "AND position = :position AND EXISTS (SELECT 1 FROM polls p "
    "WHERE p.poll_id = poll_votes.poll_id AND p.closed_at IS NULL)"
)
_CHUNK = 500  # ids per IN list
EXPORT_PAGE = 500  # votes read (and written out) at a time by an export
CLOSED_KEPT = 1000  # closed polls kept in memory (they never change again)
# A single-choice poll counts each fan's latest vote: the row with their highest vote_id.
_LATEST = (
    "v.vote_id = (SELECT MAX(w.vote_id) FROM poll_votes w "
    "WHERE w.poll_id = v.poll_id AND w.user_id = v.user_id)"
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
    result: Tally | None = None  # counted once it closed

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
    """One stored vote, for exports; `latest` marks the fan's most recent one."""

    user_id: int
    position: int
    voted_at: datetime
    latest: bool = True


class PollStore:
    """SQL for `polls`, `poll_options` and `poll_votes`.

    Closed polls with their final tally are kept in memory (a bounded number): nothing
    about them changes again, in this process or any other.
    """

    def __init__(self, db: Database) -> None:
        """Use `db` for storage."""
        self._db = db
        self._closed: OrderedDict[int, Poll] = OrderedDict()

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
                "created_at, ends_at) VALUES (:guild_id, :channel_id, :author_id, :question, "
                ":multi, :anonymous, :created_at, :ends_at) RETURNING poll_id",
                {
                    "guild_id": guild_id,
                    "channel_id": channel_id,
                    "author_id": author_id,
                    "question": question,
                    "multi": int(multi),
                    "anonymous": int(anonymous),
                    "created_at": to_unix(created_at),
                    "ends_at": to_unix_or_none(ends_at),
                },
            )
            await tx.execute_many(
                "INSERT INTO poll_options (poll_id, position, emoji, label) "
                "VALUES (:poll_id, :position, :emoji, :label)",
                [
                    {
                        "poll_id": poll_id,
                        "position": i,
                        "emoji": option.emoji,
                        "label": option.label,
                    }
                    for i, option in enumerate(options)
                ],
            )
        return poll_id

    async def set_message(self, poll_id: int, message_id: int) -> None:
        """Bind the poll to the message that carries it."""
        await self._db.execute(
            "UPDATE polls SET message_id = :message_id WHERE poll_id = :poll_id",
            {"message_id": message_id, "poll_id": poll_id},
        )

    async def delete(self, poll_id: int) -> None:
        """Forget a poll that could not be posted."""
        await self._db.execute("DELETE FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id})

    async def get(self, poll_id: int) -> Poll | None:
        """One poll with its options, or None."""
        kept = self._closed.get(poll_id)
        if kept is not None:
            self._closed.move_to_end(poll_id)
            return kept
        polls = await self._load(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE poll_id = :poll_id",  # noqa: S608 - fixed columns
            {"poll_id": poll_id},
        )
        if not polls:
            return None
        poll = polls[0]
        if poll.closed_at is not None and poll.result is not None:
            self._closed[poll_id] = poll
            if len(self._closed) > CLOSED_KEPT:
                self._closed.popitem(last=False)
        return poll

    async def open_polls(self, scope: GuildScope) -> list[Poll]:
        """Open polls of the guilds `scope` owns, newest first."""
        owned, params = scope.where("guild_id")
        return await self._load(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE closed_at IS NULL AND {owned} "  # noqa: S608 - fixed columns and scope condition
            "ORDER BY poll_id DESC",
            params,
        )

    async def _load(self, sql: str, params: dict[str, Any]) -> list[Poll]:
        rows = await self._db.fetch_all(sql, params)
        if not rows:
            return []
        ids = [row["poll_id"] for row in rows]
        options = await self._options(ids)
        return [_poll(row, options.get(row["poll_id"], ())) for row in rows]

    async def _options(self, poll_ids: Sequence[int]) -> dict[int, tuple[Option, ...]]:
        found: dict[int, list[Option]] = defaultdict(list)
        for start in range(0, len(poll_ids), _CHUNK):
            rows = await self._db.fetch_all(
                "SELECT poll_id, emoji, label FROM poll_options WHERE poll_id IN :ids "
                "ORDER BY poll_id, position",
                {"ids": list(poll_ids[start : start + _CHUNK])},
            )
            for row in rows:
                found[row["poll_id"]].append(Option(row["emoji"], row["label"]))
        return {poll_id: tuple(options) for poll_id, options in found.items()}

    async def votes(self, poll_id: int) -> Votes:
        """Voter -> options held, oldest first."""
        rows = await self._db.fetch_all(
            "SELECT user_id, position FROM poll_votes WHERE poll_id = :poll_id ORDER BY vote_id",
            {"poll_id": poll_id},
        )
        votes: Votes = defaultdict(list)
        for row in rows:
            votes[row["user_id"]].append(row["position"])
        return dict(votes)

    async def open_votes(self, scope: GuildScope) -> dict[int, Votes]:
        """Votes of the open polls of the guilds `scope` owns: poll -> voter -> options."""
        owned, params = scope.where("p.guild_id")
        rows = await self._db.fetch_all(
            "SELECT v.poll_id, v.user_id, v.position FROM poll_votes v "  # noqa: S608 - fixed scope condition
            f"JOIN polls p ON p.poll_id = v.poll_id WHERE p.closed_at IS NULL AND {owned} "
            "ORDER BY v.vote_id",
            params,
        )
        result: dict[int, Votes] = defaultdict(lambda: defaultdict(list))
        for row in rows:
            result[row["poll_id"]][row["user_id"]].append(row["position"])
        return {poll_id: dict(votes) for poll_id, votes in result.items()}

    async def count(self, poll: Poll) -> Tally:
        """Count the poll's stored votes in the database (only the totals come back).

        One statement, so one consistent moment: per option, then (position -1) the voters.
        """
        latest = "" if poll.multi else f" AND {_LATEST}"
        rows = await self._db.fetch_all(
            f"SELECT v.position, COUNT(*) FROM poll_votes v WHERE v.poll_id = :poll_id{latest} "  # noqa: S608 - fixed conditions
            "GROUP BY v.position UNION ALL "
            f"SELECT -1, COUNT(DISTINCT v.user_id) FROM poll_votes v WHERE v.poll_id = :poll_id"
            f"{latest} AND v.position < :options",
            {"poll_id": poll.poll_id, "options": len(poll.options)},
        )
        counts = [0] * len(poll.options)
        voters = 0
        for position, count in rows:
            if position == -1:
                voters = int(count)
            elif 0 <= position < len(counts):
                counts[position] = int(count)
        return Tally(tuple(counts), voters)

    async def final_result(self, poll: Poll) -> Tally:
        """A closed poll's final tally: counted once, then read from its row."""
        if poll.result is not None:
            return poll.result
        result = await self.count(poll)
        await self._db.execute(
            "UPDATE polls SET result_counts = :counts, result_voters = :voters "
            "WHERE poll_id = :poll_id AND closed_at IS NOT NULL AND result_counts IS NULL",
            {
                "counts": json.dumps(list(result.counts)),
                "voters": result.voters,
                "poll_id": poll.poll_id,
            },
        )
        return result

    async def vote_pages(
        self, poll_id: int, size: int | None = None
    ) -> AsyncIterator[list[VoteRow]]:
        """Every vote of a poll in the order cast, `size` at a time (for exports).

        Only votes cast before the first page is read are listed, so a vote changed while
        an open poll is exported appears at most once (a closed poll's votes never change).
        """
        last = await self._db.fetch_value(
            "SELECT MAX(vote_id) FROM poll_votes WHERE poll_id = :poll_id", {"poll_id": poll_id}
        )
        after = 0
        while last is not None and after < last:
            rows = await self._db.fetch_all(
                "SELECT v.vote_id, v.user_id, v.position, v.voted_at, v.vote_id = (SELECT "
                "MAX(w.vote_id) FROM poll_votes w WHERE w.poll_id = v.poll_id AND "
                "w.user_id = v.user_id AND w.vote_id <= :last) AS latest "
                "FROM poll_votes v WHERE v.poll_id = :poll_id AND v.vote_id > :after "
                "AND v.vote_id <= :last ORDER BY v.vote_id LIMIT :size",
                {"poll_id": poll_id, "after": after, "last": last, "size": size or EXPORT_PAGE},
            )
            if not rows:
                return
            after = rows[-1]["vote_id"]
            yield [
                VoteRow(
                    row["user_id"], row["position"], from_unix(row["voted_at"]), bool(row["latest"])
                )
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
            "UPDATE polls SET closed_at = :at, close_reason = :reason, "
            "results_pending = :pending, closed_by = :closed_by "
            "WHERE poll_id = :poll_id AND closed_at IS NULL",
            {
                "at": to_unix(at),
                "reason": reason,
                "pending": int(announce),
                "closed_by": closed_by,
                "poll_id": poll_id,
            },
        )
        return changed > 0

    async def results_posted(self, poll_id: int) -> None:
        """The closed poll's results are on Discord (or never will be)."""
        await self._db.execute(
            "UPDATE polls SET results_pending = 0 WHERE poll_id = :poll_id", {"poll_id": poll_id}
        )

    async def pending_results(self, scope: GuildScope) -> list[Poll]:
        """Closed polls of owned guilds whose results never got out (the bot stopped between)."""
        owned, params = scope.where("guild_id")
        return await self._load(
            f"SELECT {_POLL_COLUMNS} FROM polls WHERE results_pending = 1 AND {owned} "  # noqa: S608 - fixed columns and scope condition
            "ORDER BY poll_id",
            params,
        )


async def _apply(tx: Transaction, ops: Iterable[VoteOp]) -> None:
    # Consecutive ops of one kind go in one executemany; order between kinds is kept.
    for kind, run in groupby(ops, key=lambda op: op.kind):
        if kind is OpKind.ADD:
            await tx.execute_many(_ADD, [_vote(op) | {"at": op.at} for op in run])
        else:
            await tx.execute_many(_REMOVE, [_vote(op) for op in run])


def _vote(op: VoteOp) -> dict[str, int]:
    return {"poll_id": op.poll_id, "user_id": op.user_id, "position": op.position}


def _poll(row: Row, options: tuple[Option, ...]) -> Poll:
    return Poll(
        poll_id=row["poll_id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        message_id=row["message_id"],
        author_id=row["author_id"],
        question=row["question"],
        multi=bool(row["multi"]),
        anonymous=bool(row["anonymous"]),
        created_at=from_unix(row["created_at"]),
        ends_at=from_unix_or_none(row["ends_at"]),
        closed_at=from_unix_or_none(row["closed_at"]),
        close_reason=row["close_reason"],
        options=options,
        closed_by=row["closed_by"],
        result=_result(row),
    )


def _result(row: Row) -> Tally | None:
    if row["result_counts"] is None or row["result_voters"] is None:
        return None
    return Tally(
        tuple(int(count) for count in json.loads(row["result_counts"])), row["result_voters"]
    )
