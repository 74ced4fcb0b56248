"""Migrations: numbered, gap-free, atomic and idempotent."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from bot.db import Database
from bot.migrate import (
    MigrationError,
    MigrationsMissing,
    current_version,
    discover,
    folder_for,
    migrate,
)
from tests.pg import PostgresCluster

ROOT = Path(__file__).resolve().parents[2]


async def _open(path: Path) -> Database:
    db = Database(path)
    await db.connect()
    return db


def test_shipped_migrations_have_no_gaps() -> None:
    migrations = discover()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))


def test_the_top_level_migrations_folder_is_what_ships() -> None:
    in_tree = sorted(path.name for path in (ROOT / "migrations").glob("*.sql"))
    assert [m.name for m in discover()] == in_tree


@pytest.mark.parametrize("folder", ["empty", "absent"])
def test_no_migrations_is_an_error_not_up_to_date(tmp_path: Path, folder: str) -> None:
    if folder == "empty":
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "README.txt").write_text("no SQL here")
    with pytest.raises(MigrationsMissing, match="no database migrations found"):
        discover(tmp_path / folder)


def test_an_install_without_migrations_refuses_to_start(tmp_path: Path) -> None:
    # What `pip install .` used to produce: the packages without the SQL files.
    site = tmp_path / "site"
    for package in ("bot", "cogs"):
        shutil.copytree(ROOT / package, site / package, ignore=shutil.ignore_patterns("*.pyc"))
    dependencies = sysconfig.get_paths()["purelib"]
    for command in ("migrate", "check", "run"):
        result = subprocess.run(  # noqa: S603 - our own CLI
            # -S: no site hooks, so the editable install cannot supply bot.migrations
            [sys.executable, "-S", "-m", "bot", command],
            cwd=tmp_path,
            env={
                "PATH": os.environ.get("PATH", ""),
                "PYTHONPATH": f"{site}{os.pathsep}{dependencies}",
                "DISCORD_TOKEN": "MTE4MDcxMjM0NTY3ODkwMTI0OA.Gx1Z2a.abcdefghijklmnopqrstuvwxyz0123",
                "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert "no database migrations found" in lines[0]
        assert "reinstall" in lines[0]
        assert "up to date" not in result.stdout + result.stderr
    assert not (tmp_path / "bot.sqlite3").exists()


def test_both_backends_share_one_schema_history() -> None:
    sqlite = [m.name for m in discover(folder_for("sqlite"))]
    postgres = [m.name for m in discover(folder_for("postgresql"))]
    assert postgres == sqlite


async def test_migrate_to_latest_and_idempotent(tmp_path: Path) -> None:
    db = await _open(tmp_path / "db.sqlite3")
    try:
        applied = await migrate(db)
        assert applied == [m.version for m in discover()]
        assert await current_version(db) == len(discover())
        assert await migrate(db) == []
        assert await db.fetch_value("PRAGMA foreign_keys") == 1
        assert await db.fetch_value("PRAGMA journal_mode") == "wal"
    finally:
        await db.close()


async def test_failing_migration_leaves_database_untouched(tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_base.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0002_broken.sql").write_text(
        "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (1);\nTHIS IS NOT SQL;"
    )
    db = await _open(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(MigrationError, match=r"0002_broken\.sql failed and was rolled back"):
            await migrate(db, folder)
        assert await current_version(db) == 1
        tables = {row[0] for row in await db.fetch_all("SELECT name FROM sqlite_master")}
        assert "a" in tables
        assert "b" not in tables
        assert await db.fetch_value("SELECT count(*) FROM a") == 0
        # The database is still usable and a fixed migration applies.
        (folder / "0002_broken.sql").write_text("CREATE TABLE b (y INTEGER);")
        assert await migrate(db, folder) == [2]
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["0001_a.sql", "0003_c.sql"], "expected migration number 0002"),
        (["0002_b.sql"], "expected migration number 0001"),
        (["0001_a.sql", "1_b.sql"], "named NNNN_lower_name.sql"),
    ],
)
def test_discover_refuses_gaps_and_bad_names(
    tmp_path: Path, names: list[str], message: str
) -> None:
    for name in names:
        (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=message):
        discover(tmp_path)


async def test_database_newer_than_code_is_refused(tmp_path: Path) -> None:
    db = await _open(tmp_path / "db.sqlite3")
    try:
        await db.execute("PRAGMA user_version = 999")
        with pytest.raises(MigrationError, match="newer than this code"):
            await migrate(db)
    finally:
        await db.close()


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await _open(tmp_path / "db.sqlite3")
    try:
        await migrate(db)

        async def failing_write() -> None:
            async with db.transaction() as tx:
                await tx.execute("INSERT INTO guild_settings (guild_id, updated_at) VALUES (1, 0)")
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await failing_write()
        assert await db.fetch_value("SELECT count(*) FROM guild_settings") == 0
    finally:
        await db.close()


async def test_postgresql_migrates_from_empty_once_even_when_two_processes_race(
    pg_cluster: PostgresCluster,
) -> None:
    url = pg_cluster.new_database()
    first, second = Database(url), Database(url)
    await first.connect()
    await second.connect()
    try:
        applied = await asyncio.gather(migrate(first), migrate(second))
        expected = [m.version for m in discover(folder_for("postgresql"))]
        # Each migration ran exactly once, whichever process got there first.
        assert sorted(applied[0] + applied[1]) == expected
        assert await current_version(first) == len(expected)
        assert await migrate(first) == []
        assert set(await first.table_names()) >= {"polls", "airtime_dramas", "trivia_games"}
    finally:
        await first.close()
        await second.close()
        pg_cluster.drop_database(url)


async def test_failing_postgresql_migration_leaves_database_untouched(
    tmp_path: Path, pg_cluster: PostgresCluster
) -> None:
    folder = tmp_path / "migrations"
    (folder / "postgresql").mkdir(parents=True)
    (folder / "postgresql" / "0001_base.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "postgresql" / "0002_broken.sql").write_text(
        "CREATE TABLE b (y INTEGER);\nINSERT INTO a VALUES (1);\nTHIS IS NOT SQL;"
    )
    url = pg_cluster.new_database()
    db = Database(url)
    await db.connect()
    try:
        with pytest.raises(MigrationError, match=r"0002_broken\.sql failed and was rolled back"):
            await migrate(db, folder)
        assert await current_version(db) == 1
        assert set(await db.table_names()) == {"a", "schema_version"}
        assert await db.fetch_value("SELECT count(*) FROM a") == 0
    finally:
        await db.close()
        pg_cluster.drop_database(url)


async def test_both_backends_build_the_same_tables_and_columns(
    sqlite_db: Database, pg_url: str
) -> None:
    postgres = Database(pg_url)
    await postgres.connect()
    try:
        sqlite_tables = set(await sqlite_db.table_names())
        assert set(await postgres.table_names()) == sqlite_tables | {"schema_version"}
        for table in sorted(sqlite_tables):
            lite = [row["name"] for row in await sqlite_db.fetch_all(f"PRAGMA table_info({table})")]
            pg = [
                row["column_name"]
                for row in await postgres.fetch_all(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                    "ORDER BY ordinal_position",
                    {"t": table},
                )
            ]
            assert pg == lite, table
    finally:
        await postgres.close()
