"""Shared fixtures: a fake Discord and the real bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.db import Database
from bot.migrate import migrate
from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv


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


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A real database on a temp file with every migration applied (for store tests)."""
    database = Database(tmp_path / "x.db")
    await database.connect()
    await migrate(database)
    try:
        yield database
    finally:
        await database.close()
