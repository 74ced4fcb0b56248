"""Migration 0008 fills the kept leaderboard totals from the answers already stored."""

from __future__ import annotations

import random
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.db import Database
from bot.migrate import migrate
from bot.timeutil import from_unix
from cogs.trivia.periods import PERIODS, period_key
from tests.pg import PostgresCluster

ROOT = Path(__file__).resolve().parents[2]
BEFORE_TOTALS = 7
GUILDS = (10, 11)


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    cluster: PostgresCluster | None = None
    if request.param == "postgresql":
        cluster = request.getfixturevalue("pg_cluster")
        url = cluster.new_database()
        database = Database(url)
    else:
        database = Database(tmp_path / "old.sqlite3")
    await database.connect()
    try:
        yield database
    finally:
        await database.close()
        if cluster is not None:
            cluster.drop_database(url)


def older_migrations(tmp_path: Path) -> Path:
    """The migrations as they were before the totals (SQLite and PostgreSQL editions)."""
    folder = tmp_path / "migrations"
    (folder / "postgresql").mkdir(parents=True)
    for sub in ("", "postgresql"):
        for number in range(1, BEFORE_TOTALS + 1):
            (found,) = (ROOT / "migrations" / sub).glob(f"{number:04d}_*.sql")
            shutil.copy(found, folder / sub / found.name)
    return folder


async def test_totals_are_filled_from_the_stored_answers(
    empty_db: Database, tmp_path: Path
) -> None:
    db = empty_db
    assert await migrate(db, older_migrations(tmp_path)) == list(range(1, BEFORE_TOTALS + 1))
    rng = random.Random(8)
    answers = []
    for guild_id in GUILDS:
        game = await db.insert(
            "INSERT INTO trivia_games (guild_id, channel_id, starter_id, pack_key, pack_name, "
            "mode, seconds, question_count, plan, status, started_at) VALUES (:guild_id, 1, 1, "
            "'p', 'P', 'buttons', 20, 50, '[]', 'finished', 0) RETURNING game_id",
            {"guild_id": guild_id},
        )
        start = int(datetime(2026, 1, 25, tzinfo=UTC).timestamp())
        for question in range(50):
            for user in range(6):
                right = rng.random() < 0.5
                at = start + question * 40_000 + user
                answers.append(
                    {"game": game, "q": question, "user": user, "guild": guild_id,
                     "correct": int(right), "points": 100 * right, "at": at}
                )  # fmt: skip
    await db.execute_many(
        "INSERT INTO trivia_answers (game_id, question_index, user_id, guild_id, choice_index, "
        "correct, tries, points, streak, elapsed_ms, answered_at) VALUES (:game, :q, :user, "
        ":guild, 0, :correct, 1, :points, 1, 1000, :at)",
        answers,
    )
    await migrate(db)
    expected: dict[tuple[int, str, int, int], list[int]] = {}
    for row in answers:
        for period in PERIODS:
            key = (row["guild"], *period_key(period, from_unix(row["at"])), row["user"])
            total = expected.setdefault(key, [0, 0, 0])
            total[0] += row["points"]
            total[1] += row["correct"]
            total[2] += 1
    rows = await db.fetch_all(
        "SELECT guild_id, period, period_start, user_id, points, correct, answers "
        "FROM trivia_totals"
    )
    assert {(r[0], r[1], r[2], r[3]): [r[4], r[5], r[6]] for r in rows} == expected
    assert len({key[2] for key in expected if key[1] == "month"}) >= 2  # spans months, weeks
