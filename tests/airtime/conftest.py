"""Airtime's e2e bed: the shared BotEnv, loading only the core cogs and airtime.

Other features are being written in the same tree; loading only what these tests need
keeps their half-finished work from breaking airtime's runs (and vice versa).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv

EXTENSIONS = ["cogs.config", "cogs.help", "cogs.airtime"]


@pytest.fixture
async def env(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The real bot with airtime, against the fake, on a fresh database."""
    bot_env = BotEnv(
        fake=fake, db_path=tmp_path / "bot.sqlite3", settings_overrides={}, extensions=EXTENSIONS
    )
    bot_env.build_world()
    await bot_env.start()
    try:
        yield bot_env
    finally:
        await bot_env.stop()
        bot_env.stop_travel()
