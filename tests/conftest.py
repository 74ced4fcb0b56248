"""Shared fixtures: a fake Discord and the real bot running against it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.db import Database
from bot.migrate import migrate
from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv
from tests.pg import PostgresCluster, PostgresMissing, start_cluster, stop_cluster

BACKENDS = ["sqlite", "postgresql"]
MIGRATED_TEMPLATE = "dramabot_migrated"


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A started fake Discord; fails the test on a route it lacks or a request Discord refuses."""
    server = FakeDiscord()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    assert not server.unknown_routes, f"bot called unknown routes: {server.unknown_routes}"
    assert not server.violations, "real Discord would refuse:\n" + "\n".join(server.violations)


@pytest.fixture
async def env(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The real bot, running against the fake with a fresh database."""
    bot_env = BotEnv(fake=fake, db_path=tmp_path / "bot.sqlite3", settings_overrides={})
    bot_env.build_world()
    await bot_env.start()
    try:
        yield bot_env
    finally:
        await bot_env.stop()
        bot_env.stop_travel()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    """One throwaway PostgreSQL for the session, with a migrated template database.

    Missing PostgreSQL fails the tests that need it (scripts/test.sh installs it); set
    DRAMABOT_SKIP_POSTGRES=1 to skip them instead on a machine without it.
    """
    try:
        cluster = start_cluster()
    except PostgresMissing as error:
        if os.environ.get("DRAMABOT_SKIP_POSTGRES") == "1":
            pytest.skip(str(error))
        raise
    try:
        cluster.psql(f"CREATE DATABASE {MIGRATED_TEMPLATE}")
        # Fixtures may be set up inside a running loop: migrate on a thread of its own.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _migrate_url(cluster.url(MIGRATED_TEMPLATE))).result()
        cluster.psql(f"CREATE DATABASE {MIGRATED_TEMPLATE}_shared TEMPLATE {MIGRATED_TEMPLATE}")
        yield cluster
    finally:
        stop_cluster(cluster)


async def _migrate_url(url: str) -> None:
    database = Database(url)
    await database.connect()
    try:
        await migrate(database)
    finally:
        await database.close()


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> Iterator[str]:
    """A fresh, fully migrated PostgreSQL database for one test."""
    url = pg_cluster.new_database(template=MIGRATED_TEMPLATE)
    try:
        yield url
    finally:
        pg_cluster.drop_database(url)


@pytest.fixture(params=BACKENDS)
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A real, fully migrated, empty database for store tests, on both backends."""
    if request.param == "postgresql":
        cluster: PostgresCluster = request.getfixturevalue("pg_cluster")
        database = Database(cluster.url(MIGRATED_TEMPLATE + "_shared"))
        await database.connect()
        await _empty(database)
    else:
        database = Database(tmp_path / "x.db")
        await database.connect()
        await migrate(database)
    try:
        yield database
    finally:
        await database.close()


async def _empty(database: Database) -> None:
    # Emptying one shared database is ten times faster than cloning one per test.
    tables = [name for name in await database.table_names() if name != "schema_version"]
    await database.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated SQLite database, for tests of SQLite-only behaviour."""
    database = Database(tmp_path / "x.db")
    await database.connect()
    await migrate(database)
    try:
        yield database
    finally:
        await database.close()
