"""Poll end-to-end tests run the bot with only the cogs they need (others may be mid-work)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv

EXTENSIONS = ["cogs.config", "cogs.help", "cogs.polls"]


@pytest.fixture
async def env(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotEnv]:
    """The real bot with the polls cog, against the fake, on a fresh database."""
    bot_env = BotEnv(
        fake=fake,
        db_path=tmp_path / "bot.sqlite3",
        settings_overrides={},
        extensions=EXTENSIONS,
    )
    bot_env.build_world()
    await bot_env.start()
    try:
        yield bot_env
    finally:
        await bot_env.stop()
        bot_env.stop_travel()
