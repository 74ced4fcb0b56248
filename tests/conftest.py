"""Shared fixtures: a fake Discord and the real bot running against it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

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
