"""PollStore against real databases (SQLite and PostgreSQL) with every migration applied."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.db import Database, IntegrityError
from bot.migrate import current_version, discover
from bot.shards import GuildScope, shard_of
from cogs.polls import logic
from cogs.polls.logic import Option
from cogs.polls.store import OpKind, PollStore, VoteOp

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
OPTIONS = [Option("🔥", "Ep 9"), Option("💋", "Ep 12"), Option("🇨", "Finale")]
EVERY = GuildScope.everything()


async def make(store: PollStore, **overrides: object) -> int:
    values: dict[str, object] = {
        "guild_id": 1,
        "channel_id": 2,
        "author_id": 3,
        "question": "Best kiss?",
        "options": OPTIONS,
        "multi": False,
        "anonymous": False,
        "created_at": T0,
        "ends_at": T0 + timedelta(hours=2),
    }
    values.update(overrides)
    return await store.create(**values)  # type: ignore[arg-type]


def add(poll: int, user: int, pos: int) -> VoteOp:
    return VoteOp(OpKind.ADD, poll, user, pos, int(T0.timestamp()))


def remove(poll: int, user: int, pos: int) -> VoteOp:
    return VoteOp(OpKind.REMOVE, poll, user, pos, int(T0.timestamp()))


async def test_migrations_have_no_gaps_and_end_at_latest(db: Database) -> None:
    assert await current_version(db) == len(discover())
    assert await current_version(db) >= 3


async def test_create_and_get_round_trip(db: Database) -> None:
    store = PollStore(db)
    poll_id = await make(store)
    await store.set_message(poll_id, 99)
    poll = await store.get(poll_id)
    assert poll is not None
    assert poll.options == tuple(OPTIONS)
    assert poll.message_id == 99
    assert poll.created_at == T0
    assert poll.ends_at == T0 + timedelta(hours=2)
    assert poll.is_open
    assert not poll.multi
    assert await store.get(poll_id + 1) is None


async def test_votes_are_ordered_and_idempotent(db: Database) -> None:
    store = PollStore(db)
    poll_id = await make(store)
    await store.apply([add(poll_id, 10, 0), add(poll_id, 10, 2), add(poll_id, 11, 1)])
    assert await store.votes(poll_id) == {10: [0, 2], 11: [1]}
    # A repeated add makes that option the latest; a repeated remove changes nothing.
    await store.apply([add(poll_id, 10, 0), remove(poll_id, 11, 1), remove(poll_id, 11, 1)])
    assert await store.votes(poll_id) == {10: [2, 0]}
    pages = [page async for page in store.vote_pages(poll_id)]
    assert [(row.user_id, row.position, row.latest) for page in pages for row in page] == [
        (10, 2, False),
        (10, 0, True),
    ]


async def test_failed_batch_changes_nothing(db: Database) -> None:
    store = PollStore(db)
    poll_id = await make(store)
    with pytest.raises(IntegrityError) as refused:
        await store.apply([add(poll_id, 10, 0), add(poll_id, 10, 7)])
    assert refused.value.kind == "foreign_key"
    assert await store.votes(poll_id) == {}


async def test_open_polls_and_close(db: Database) -> None:
    store = PollStore(db)
    first = await make(store)
    second = await make(store, guild_id=5)
    await store.apply([add(first, 1, 0), add(second, 1, 1)])
    assert [p.poll_id for p in await store.open_polls(EVERY)] == [second, first]
    assert await store.close(first, T0, "ended", announce=True)
    assert not await store.close(first, T0, "ended", announce=True)
    closed = await store.get(first)
    assert closed is not None
    assert closed.close_reason == "ended"
    assert not closed.is_open
    assert [p.poll_id for p in await store.open_polls(EVERY)] == [second]
    assert await store.open_votes(EVERY) == {second: {1: [1]}}


async def test_delete_cascades(db: Database) -> None:
    store = PollStore(db)
    poll_id = await make(store)
    await store.apply([add(poll_id, 1, 0)])
    await store.delete(poll_id)
    assert await db.fetch_value("SELECT COUNT(*) FROM poll_votes") == 0
    assert await db.fetch_value("SELECT COUNT(*) FROM poll_options") == 0


async def test_votes_that_reach_the_database_after_close_change_nothing(db: Database) -> None:
    # A button click or a reconciliation can be mid-flight while the poll closes: the
    # results posted at close must stay the results for good.
    store = PollStore(db)
    poll_id = await make(store)
    other = await make(store)
    await store.apply([add(poll_id, 10, 0), add(poll_id, 11, 1)])
    assert await store.close(poll_id, T0 + timedelta(hours=1), "closed", announce=False)
    await store.apply([add(poll_id, 12, 2), remove(poll_id, 10, 0), add(other, 12, 2)])
    assert await store.votes(poll_id) == {10: [0], 11: [1]}
    assert await store.votes(other) == {12: [2]}


async def test_a_readded_vote_becomes_the_latest_again(db: Database) -> None:
    # Single choice counts a fan's latest vote: taking back an older reaction and adding it
    # again must make it the latest on every backend.
    store = PollStore(db)
    poll_id = await make(store)
    await store.apply([add(poll_id, 10, 0)])
    await store.apply([add(poll_id, 10, 1)])
    await store.apply([add(poll_id, 10, 0)])
    assert await store.votes(poll_id) == {10: [1, 0]}
    await store.apply([add(poll_id, 11, 2), add(poll_id, 11, 0), add(poll_id, 11, 2)])
    assert await store.votes(poll_id) == {10: [1, 0], 11: [0, 2]}


def guild_on(shard: int, count: int = 2, start: int = 1) -> int:
    """A guild id on `shard` of `count` shards."""
    guild_id = start << 22
    while shard_of(guild_id, count) != shard:
        guild_id += 1 << 22
    return guild_id


async def test_start_up_queries_see_only_the_owned_shards(db: Database) -> None:
    store = PollStore(db)
    mine, theirs = guild_on(0), guild_on(1)
    kept = await make(store, guild_id=mine)
    other = await make(store, guild_id=theirs)
    await store.apply([add(kept, 1, 0), add(other, 2, 1)])
    for guild_id in (mine, theirs):
        closed = await make(store, guild_id=guild_id)
        await store.close(closed, T0, "ended", announce=True)
    scope = GuildScope.of_shards(2, [0])
    assert [p.poll_id for p in await store.open_polls(scope)] == [kept]
    assert await store.open_votes(scope) == {kept: {1: [0]}}
    assert [p.guild_id for p in await store.pending_results(scope)] == [mine]
    assert {p.poll_id for p in await store.open_polls(EVERY)} == {kept, other}
    assert {p.guild_id for p in await store.pending_results(EVERY)} == {mine, theirs}


@pytest.mark.parametrize("multi", [False, True])
async def test_the_database_counts_votes_as_the_rules_do(db: Database, multi: bool) -> None:
    store = PollStore(db)
    poll_id = await make(store, multi=multi)
    # Fan 10 switched from 0 to 2 (0 is still held: untidied), 11 holds 1, 12 came and went.
    await store.apply(
        [add(poll_id, 10, 0), add(poll_id, 11, 1), add(poll_id, 10, 2), add(poll_id, 12, 1)]
    )
    await store.apply([remove(poll_id, 12, 1), add(poll_id, 13, 2), add(poll_id, 13, 0)])
    poll = await store.get(poll_id)
    assert poll is not None
    expected = logic.tally(len(OPTIONS), await store.votes(poll_id), multi)
    assert await store.count(poll) == expected
    assert expected.counts == ((2, 1, 2) if multi else (1, 1, 1))


async def test_a_closed_polls_result_is_counted_once_and_kept(db: Database) -> None:
    store = PollStore(db)
    poll_id = await make(store)
    await store.apply([add(poll_id, 10, 0), add(poll_id, 11, 1), add(poll_id, 12, 1)])
    assert await store.close(poll_id, T0, "closed", announce=False)
    closed = await store.get(poll_id)
    assert closed is not None
    assert closed.result is None  # not counted yet
    final = await store.final_result(closed)
    assert final == logic.Tally((1, 2, 0), 3)
    # Read back from the row (by a fresh store: another process, or after a restart).
    again = await PollStore(db).get(poll_id)
    assert again is not None
    assert again.result == final
    assert await PollStore(db).final_result(again) == final


async def test_an_export_reads_every_vote_a_page_at_a_time(db: Database) -> None:
    store = PollStore(db)
    poll_id = await make(store)
    await store.apply([add(poll_id, 10 + n, n % 3) for n in range(5)])
    await store.apply([add(poll_id, 10, 2)])  # fan 10's latest vote
    pages = store.vote_pages(poll_id, size=2)
    first = await anext(pages)
    # A vote cast while the export is being written is not in it (it began before).
    await store.apply([add(poll_id, 99, 1)])
    rest = [page async for page in pages]
    assert [len(page) for page in [first, *rest]] == [2, 2, 2]
    rows = [row for page in [first, *rest] for row in page]
    assert [(row.user_id, row.position, row.latest) for row in rows] == [
        (10, 0, False),
        (11, 1, True),
        (12, 2, True),
        (13, 0, True),
        (14, 1, True),
        (10, 2, True),
    ]
    assert [page async for page in store.vote_pages(poll_id + 1)] == []


async def test_counting_and_exporting_look_up_each_fans_latest_vote_by_index(
    sqlite_db: Database, tmp_path: Path
) -> None:
    # "Is this the fan's latest vote?" is asked once per vote when a single-choice poll is
    # counted and when it is exported. Answered by walking the poll's votes instead of
    # seeking the fan's, counting a 10,000-vote poll took tens of seconds of CPU.
    store = PollStore(sqlite_db)
    poll_id = await make(store)
    await store.apply([add(poll_id, 10 + n, n % 3) for n in range(30)])
    poll = await store.get(poll_id)
    assert poll is not None
    statements: list[str] = []
    sqlite_db.trace(statements.append)
    assert (await store.count(poll)).voters == 30
    assert len([row async for page in store.vote_pages(poll_id) for row in page]) == 30
    sqlite_db.trace(None)
    latest = [s for s in statements if "MAX(w.vote_id)" in s]
    assert len(latest) == 2
    with closing(sqlite3.connect(tmp_path / "x.db")) as conn:
        for statement in latest:
            explain = "EXPLAIN QUERY PLAN " + statement
            plan = [row[3] for row in conn.execute(explain, [None] * statement.count("?"))]
            lookups = [step for step in plan if step.startswith("SEARCH w ")]
            assert lookups, plan
            assert all("user_id=?" in step for step in lookups), plan
