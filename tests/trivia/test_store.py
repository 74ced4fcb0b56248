"""Trivia store on a real database with every migration applied."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Database
from bot.errors import Conflict
from bot.shards import SHARD_SHIFT, GuildScope, shard_of
from bot.timeutil import from_unix
from cogs.trivia.game import Answer
from cogs.trivia.library import Library
from cogs.trivia.periods import period_key
from cogs.trivia.score_store import Standing
from cogs.trivia.store import DeleteResult, NewGame, StoredPack, TriviaStore

GUILD, CHANNEL = 10, 20
EVERYTHING = GuildScope.everything()
NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # a Wednesday
THIS_WEEK = int(datetime(2026, 3, 3, 20, tzinfo=UTC).timestamp())
EARLIER_THIS_MONTH = int(datetime(2026, 3, 1, 20, tzinfo=UTC).timestamp())
LAST_MONTH = int(datetime(2026, 2, 20, tzinfo=UTC).timestamp())


@pytest.fixture
def store(db: Database) -> TriviaStore:
    return TriviaStore(db)


def _game(channel: int = CHANNEL, started: int = 1000) -> NewGame:
    return NewGame(GUILD, channel, 1, "p", "P", "buttons", 20, 3, "[]", started)


def _answer(
    user: int, index: int, correct: bool, points: int, streak: int = 1, tries: int = 1
) -> Answer:
    return Answer(user, index, 0, correct, tries, 1.5, points, streak)


async def test_one_running_game_per_channel(store: TriviaStore) -> None:
    first = await store.create_game(_game())
    with pytest.raises(Conflict, match="already running"):
        await store.create_game(_game())
    other = await store.create_game(_game(channel=CHANNEL + 1))
    assert other != first
    assert await store.running_in_channel(CHANNEL) == first
    assert await store.end_game(first, "finished", 2000)
    assert not await store.end_game(first, "stopped", 2001)  # already over
    assert await store.running_in_channel(CHANNEL) is None
    assert await store.create_game(_game()) > other  # the channel is free again


async def test_answers_upsert_and_standings(store: TriviaStore) -> None:
    game = await store.create_game(_game())
    await store.record_answer(game, GUILD, _answer(1, 0, False, 0, 0), 1001)
    await store.record_answer(
        game, GUILD, _answer(1, 0, True, 140, 1, tries=2), 1002
    )  # typed retry
    await store.record_answer(game, GUILD, _answer(2, 0, False, 0, 0), 1003)
    await store.record_answer(game, GUILD, _answer(1, 1, True, 150, 2), 1010)
    rows = await store.db.fetch_all(
        "SELECT * FROM trivia_answers WHERE game_id = :game_id", {"game_id": game}
    )
    assert len(rows) == 3
    standings = await store.game_standings(game)
    assert [(s.user_id, s.points, s.correct, s.answers) for s in standings] == [
        (1, 290, 2, 2),
        (2, 0, 0, 1),
    ]


async def test_interrupted_games_are_closed_and_points_kept(store: TriviaStore) -> None:
    game = await store.create_game(_game())
    done = await store.create_game(_game(channel=99))
    await store.end_game(done, "finished", 1500)
    await store.record_answer(game, GUILD, _answer(1, 0, True, 150), 1001)
    owed: list[tuple[int, list[tuple[int, int]]]] = []

    async def owe(conn, row, standings) -> None:
        assert conn.in_transaction  # written in the transaction that closes the game
        owed.append((row.game_id, [(s.user_id, s.points) for s in standings]))

    closed = await store.close_interrupted(2000, owe, EVERYTHING)
    assert [(row.game_id, row.channel_id) for row in closed] == [(game, CHANNEL)]
    assert owed == [(game, [(1, 150)])]
    assert await store.close_interrupted(2001, owe, EVERYTHING) == []
    assert len(owed) == 1
    assert await store.running_in_channel(CHANNEL) is None
    assert (await store.player_stats(GUILD, 1)).points == 150


async def test_a_shard_scoped_start_closes_only_its_own_guilds_games(store: TriviaStore) -> None:
    # Shard 0 of 2 is this process; shard 1's games belong to another process sharing the
    # database, and may well be running there right now.
    mine, theirs = 2 << SHARD_SHIFT, 3 << SHARD_SHIFT
    assert (shard_of(mine, 2), shard_of(theirs, 2)) == (0, 1)
    own = await store.create_game(NewGame(mine, 100, 1, "p", "P", "buttons", 20, 3, "[]", 1))
    other = await store.create_game(NewGame(theirs, 200, 1, "p", "P", "buttons", 20, 3, "[]", 1))
    owed: list[int] = []

    async def owe(tx, row, standings) -> None:
        owed.append(row.guild_id)

    closed = await store.close_interrupted(2000, owe, GuildScope.of_shards(2, [0]))
    assert [row.game_id for row in closed] == [own]
    assert owed == [mine]
    assert await store.running_in_channel(100) is None
    assert await store.running_in_channel(200) == other
    # The other process, restarted, closes its own.
    closed = await store.close_interrupted(2001, owe, GuildScope.of_shards(2, [1]))
    assert [row.game_id for row in closed] == [other]
    assert owed == [mine, theirs]


async def test_leaderboard_periods_and_stats(store: TriviaStore) -> None:
    game = await store.create_game(_game())
    await store.record_answer(game, GUILD, _answer(1, 0, True, 150, 1), LAST_MONTH)
    await store.record_answer(game, GUILD, _answer(2, 0, True, 120, 1), THIS_WEEK)
    await store.record_answer(game, GUILD, _answer(2, 1, True, 130, 2), THIS_WEEK + 1)
    await store.record_answer(game, GUILD, _answer(3, 1, False, 0, 0), THIS_WEEK + 1)
    await store.record_answer(game, GUILD, _answer(4, 2, True, 50, 1), EARLIER_THIS_MONTH)
    other_guild = Answer(4, 0, 0, True, 1, 1.0, 999, 1)
    elsewhere = await store.create_game(NewGame(77, 1, 1, "p", "P", "typed", 20, 1, "[]", 1))
    await store.record_answer(elsewhere, 77, other_guild, THIS_WEEK)
    everyone = await store.leaderboard(GUILD, *period_key("all-time", NOW))
    # No zero scorers.
    assert [(s.user_id, s.points) for s in everyone] == [(2, 250), (1, 150), (4, 50)]
    month = await store.leaderboard(GUILD, *period_key("month", NOW))
    assert [(s.user_id, s.points) for s in month] == [(2, 250), (4, 50)]
    week = await store.leaderboard(GUILD, *period_key("week", NOW))
    assert [(s.user_id, s.points, s.correct, s.answers) for s in week] == [(2, 250, 2, 2)]
    assert await store.leaderboard(GUILD, *period_key("week", NOW), limit=0) == []
    stats = await store.player_stats(GUILD, 2)
    assert (stats.games, stats.answers, stats.correct, stats.points, stats.best_streak) == (
        1,
        2,
        2,
        250,
        2,
    )
    nobody = await store.player_stats(GUILD, 12345)
    assert nobody.answers == 0


async def test_a_retry_moves_its_points_between_periods(store: TriviaStore) -> None:
    # A typed retry replaces its question's row: the totals lose the old answer and gain the
    # new one, in the periods of each (here the retry lands in the next week and month).
    game = await store.create_game(_game())
    sunday_night = int(datetime(2026, 5, 31, 23, 59, 50, tzinfo=UTC).timestamp())
    await store.record_answer(game, GUILD, _answer(1, 0, False, 0, 0), sunday_night)
    await store.record_answer(game, GUILD, _answer(1, 0, True, 140, 1, tries=2), sunday_night + 20)
    await store.record_answers(
        [
            (game, GUILD, _answer(2, 0, False, 0, 0), sunday_night),
            (game, GUILD, _answer(2, 0, True, 90, 1, tries=2), sunday_night + 1),
        ]
    )
    before = datetime(2026, 5, 31, 12, tzinfo=UTC)
    after = datetime(2026, 6, 1, 12, tzinfo=UTC)
    for period in ("week", "month"):
        assert await store.leaderboard(GUILD, *period_key(period, before)) == [
            Standing(2, 90, 1, 1)
        ]
        assert await store.leaderboard(GUILD, *period_key(period, after)) == [
            Standing(1, 140, 1, 1)
        ]
    assert await store.leaderboard(GUILD, *period_key("all-time", after)) == [
        Standing(1, 140, 1, 1),
        Standing(2, 90, 1, 1),
    ]
    totals = await store.db.fetch_all(
        "SELECT period, period_start, user_id, points, correct, answers FROM trivia_totals "
        "WHERE guild_id = :guild_id AND answers = 0 AND points <> 0",
        {"guild_id": GUILD},
    )
    assert totals == []  # nothing left over from the replaced answers


async def test_kept_totals_equal_the_answers_added_up(store: TriviaStore) -> None:
    rng = random.Random(3)
    game = await store.create_game(_game())
    start = int(datetime(2026, 1, 20, tzinfo=UTC).timestamp())
    batch: list[tuple[int, int, Answer, int]] = []
    for n in range(400):
        user, question = rng.randrange(12), rng.randrange(30)
        right = rng.random() < 0.6
        at = start + n * 9000  # about three weeks and two months
        batch.append((game, GUILD, _answer(user, question, right, 100 * right, 1), at))
        if len(batch) == 25:
            await store.record_answers(batch)
            batch = []
    await store.record_answers(batch)
    for period in ("all-time", "month", "week"):
        for day in range(0, 40, 3):
            now = datetime(2026, 1, 20, tzinfo=UTC) + timedelta(days=day)
            key = period_key(period, now)
            assert await store.leaderboard(GUILD, *key, limit=100) == await _added_up(
                store, key[1], period
            ), (period, day)


async def _added_up(store: TriviaStore, since: int, period: str) -> list[Standing]:
    ends = {"all-time": 2**62, "month": since + 31 * 86400, "week": since + 7 * 86400}
    rows = await store.db.fetch_all(
        "SELECT user_id, answered_at, points, correct FROM trivia_answers WHERE guild_id = :g",
        {"g": GUILD},
    )
    totals: dict[int, list[int]] = {}
    for user, at, points, correct in rows:
        if since <= at < ends[period] and period_key(period, from_unix(at))[1] == since:
            total = totals.setdefault(user, [0, 0, 0])
            total[0] += points
            total[1] += correct
            total[2] += 1
    ranked = sorted(totals.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    return [Standing(user, *total) for user, total in ranked if total[0] > 0]


async def test_packs_and_switches(store: TriviaStore) -> None:
    pack = StoredPack("mine", "Mine", None, 2, "name: Mine", 5, 100)
    assert not await store.save_pack(GUILD, pack)
    assert await store.save_pack(GUILD, pack)  # replaced
    assert [p.name_key for p in await store.pack_summaries(GUILD)] == ["mine"]
    assert await store.pack_summaries(GUILD + 1) == []
    stored = await store.pack_source(GUILD, "mine")
    assert stored is not None
    assert stored.source == "name: Mine"
    assert await store.pack_source(GUILD + 1, "mine") is None
    assert await store.set_disabled(GUILD, "mine", True, 5, 100)
    assert not await store.set_disabled(GUILD, "mine", True, 5, 101)
    assert await store.disabled_keys(GUILD) == {"mine"}
    assert await store.set_disabled(GUILD, "mine", False, 5, 102)
    assert await store.disabled_keys(GUILD) == set()
    assert await store.delete_pack(GUILD, "mine") is DeleteResult.DELETED
    assert await store.pack_summaries(GUILD) == []


async def test_what_is_read_again_follows_every_write(store: TriviaStore) -> None:
    # Listings, leaderboards and stats are kept per guild between writes: each read below
    # comes after a write that changes it.
    game = await store.create_game(_game())
    week = period_key("week", NOW)
    assert await store.leaderboard(GUILD, *week) == []
    assert (await store.player_stats(GUILD, 1)).answers == 0
    await store.record_answer(game, GUILD, _answer(1, 0, True, 150), THIS_WEEK)
    assert await store.leaderboard(GUILD, *week) == [Standing(1, 150, 1, 1)]
    assert (await store.player_stats(GUILD, 1)).answers == 1
    await store.record_answer(game, GUILD, _answer(2, 0, True, 170), THIS_WEEK)
    assert [s.user_id for s in await store.leaderboard(GUILD, *week)] == [2, 1]
    assert await store.disabled_keys(GUILD) == set()
    assert await store.pack_summaries(GUILD) == []
    await store.save_pack(GUILD, StoredPack("mine", "Mine", None, 2, "name: Mine", 5, 100))
    await store.set_disabled(GUILD, "mine", True, 5, 100)
    assert [p.name_key for p in await store.pack_summaries(GUILD)] == ["mine"]
    assert await store.disabled_keys(GUILD) == {"mine"}


async def test_pack_listing_needs_no_parsing(store: TriviaStore) -> None:
    # /trivia packs must answer within Discord's 3 s even with 50 big uploads: the listing
    # reads stored columns and never re-parses a pack's YAML.
    broken = StoredPack("mine", "Mine", None, 2, "{{ not yaml", 5, 100, "Our own questions.")
    await store.save_pack(GUILD, broken)
    library = Library(store)
    entries = await library.entries(GUILD)
    mine = next(e for e in entries if e.key == "mine")
    assert mine.description == "Our own questions."
    assert mine.question_count == 2


async def test_listing_and_autocomplete_never_read_pack_files(store: TriviaStore) -> None:
    # Autocomplete lists packs on every keystroke: 50 uploads of 256 KiB must not be read
    # each time. Only the pack picked for a game has its file read, and only that one.
    source = "name: Big\nquestions:\n  - question: Q?\n    answers: [A]\n"
    for n in range(3):
        pack = StoredPack(f"big {n}", f"Big {n}", None, 1, source.replace("Big", f"Big {n}"), 5, 1)
        await store.save_pack(GUILD, pack)
    statements: list[str] = []
    store.db.trace(statements.append)
    library = Library(store)
    entries = await library.entries(GUILD)
    assert [e.key for e in entries if not e.shipped] == ["big 0", "big 1", "big 2"]
    assert statements
    assert not [s for s in statements if "source" in s]
    statements.clear()
    chosen = await library.find(GUILD, "big 1")
    assert chosen.name == "Big 1"
    reads = [s for s in statements if "source" in s]
    assert len(reads) == 1
    assert "name_key" in reads[0]
    store.db.trace(None)


async def test_a_game_is_not_closed_when_its_notice_cannot_be_written(store: TriviaStore) -> None:
    game = await store.create_game(_game())

    async def owe(conn, row, standings) -> None:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        await store.close_interrupted(2000, owe, EVERYTHING)
    assert await store.running_in_channel(CHANNEL) == game
