"""`dramabot migrate --from-sqlite`: a whole, checked copy from SQLite into PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.db import Database
from bot.dbcopy import CopyError, copy_sqlite
from bot.migrate import migrate
from tests.pg import PostgresCluster


async def _filled_sqlite(path: Path) -> None:
    db = Database(path)
    await db.connect()
    await migrate(db)
    await db.execute(
        "INSERT INTO guild_settings (guild_id, announce_channel_id, updated_at) "
        "VALUES (1580000000000000001, 1580000000000000002, 10)"
    )
    poll_ids = []
    for question in ("Best kiss?", "Best OST?"):
        poll_ids.append(
            await db.insert(
                "INSERT INTO polls (guild_id, channel_id, author_id, question, multi, anonymous, "
                "created_at) VALUES (1, 2, 3, :q, 0, 0, 100) RETURNING poll_id",
                {"q": question},
            )
        )
    for poll_id in poll_ids:
        for position in range(3):
            await db.execute(
                "INSERT INTO poll_options (poll_id, position, emoji, label) "
                "VALUES (:poll, :pos, '🔥', 'x')",
                {"poll": poll_id, "pos": position},
            )
        for user in range(1, 7001 if poll_id == poll_ids[0] else 3):
            await db.execute(
                "INSERT INTO poll_votes (poll_id, user_id, position, voted_at) "
                "VALUES (:poll, :user, :pos, 5)",
                {"poll": poll_id, "user": user, "pos": user % 3},
            )
    await db.close()


async def test_copy_is_whole_and_ids_continue(tmp_path: Path, pg_cluster: PostgresCluster) -> None:
    source = tmp_path / "old.sqlite3"
    await _filled_sqlite(source)
    url = pg_cluster.new_database()
    target = Database(url)
    await target.connect()
    try:
        report = {copy.table: copy.rows for copy in await copy_sqlite(source, target)}
        assert report["polls"] == 2
        assert report["poll_votes"] == 7002  # more than one batch
        assert report["guild_settings"] == 1
        assert (
            await target.fetch_value(
                "SELECT announce_channel_id FROM guild_settings "
                "WHERE guild_id = 1580000000000000001"
            )
            == 1580000000000000002
        )
        # New rows get fresh ids after the copied ones.
        new_id = await target.insert(
            "INSERT INTO polls (guild_id, channel_id, author_id, question, multi, anonymous, "
            "created_at) VALUES (1, 2, 3, 'new', 0, 0, 100) RETURNING poll_id"
        )
        assert new_id == 3
        # A second copy into the now non-empty database is refused, changing nothing.
        with pytest.raises(CopyError, match="already has data"):
            await copy_sqlite(source, target)
        assert await target.fetch_value("SELECT COUNT(*) FROM polls") == 3
    finally:
        await target.close()
        pg_cluster.drop_database(url)


async def test_copy_refuses_a_missing_or_older_source(
    tmp_path: Path, pg_cluster: PostgresCluster
) -> None:
    url = pg_cluster.new_database()
    target = Database(url)
    await target.connect()
    try:
        with pytest.raises(CopyError, match="cannot open"):
            await copy_sqlite(tmp_path / "missing.sqlite3", target)
        old = Database(tmp_path / "old.sqlite3")
        await old.connect()
        await old.close()  # version 0: never migrated
        with pytest.raises(CopyError, match="run `dramabot migrate`"):
            await copy_sqlite(tmp_path / "old.sqlite3", target)
    finally:
        await target.close()
        pg_cluster.drop_database(url)


async def test_copy_needs_postgresql(tmp_path: Path) -> None:
    target = Database(tmp_path / "also.sqlite3")
    await target.connect()
    try:
        with pytest.raises(CopyError, match="DATABASE_URL"):
            await copy_sqlite(tmp_path / "x.sqlite3", target)
    finally:
        await target.close()
