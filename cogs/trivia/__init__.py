"""Scene trivia: packs, timed rounds (buttons or typed), scoring and leaderboards."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import DramaBot


async def setup(bot: DramaBot) -> None:
    """Add the trivia cog with its store."""
    from cogs.trivia.cog import TriviaCog
    from cogs.trivia.store import TriviaStore

    await bot.add_cog(TriviaCog(bot, TriviaStore(bot.db)))


def check_data() -> list[str]:
    """Validate the shipped trivia packs; an empty list means all is well."""
    from cogs.trivia.library import shipped_problems

    return shipped_problems()
