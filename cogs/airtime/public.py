"""Airtime's public functions: what other features (trivia, previews) may ask about dramas.

Each returns the "nothing" value ([] / None) when the airtime cog is not loaded, so a consumer
works unchanged on a bot without airtime.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from cogs.airtime.api import TrackedDrama as TrackedDrama  # moved; re-exported for old callers

if TYPE_CHECKING:
    from bot.app import DramaBot

COG_NAME = "Airtime"


class _AirtimeService(Protocol):
    async def public_tracked(self, guild_id: int) -> list[TrackedDrama]: ...

    async def public_aired(self, guild_id: int, drama_title: str, at: datetime) -> int | None: ...

    async def public_next(
        self, guild_id: int, drama_id: int, after: datetime
    ) -> tuple[int, datetime] | None: ...


def _service(bot: DramaBot) -> _AirtimeService | None:
    cog = bot.get_cog(COG_NAME)
    return cog if cog is not None else None  # type: ignore[return-value]


async def tracked_dramas(bot: DramaBot, guild_id: int) -> list[TrackedDrama]:
    """Every drama the guild tracks, ordered by title; [] if airtime is not loaded."""
    service = _service(bot)
    if service is None:
        return []
    return await service.public_tracked(guild_id)


async def aired_episodes(
    bot: DramaBot, guild_id: int, drama_title: str, at: datetime
) -> int | None:
    """Number of the last numbered episode aired at or before `at`.

    The drama is matched by title or alias, case-insensitive, among the guild's dramas.
    Returns 0 if none has aired yet, None if the guild tracks no drama by that name (then no
    spoiler guard applies) or airtime is not loaded.
    """
    service = _service(bot)
    if service is None:
        return None
    return await service.public_aired(guild_id, drama_title, at)


async def next_episode(
    bot: DramaBot, guild_id: int, drama_id: int, after: datetime
) -> tuple[int, datetime] | None:
    """(episode number, aware UTC air time) of the first episode strictly after `after`.

    None if the drama has ended, is unknown in this guild, or airtime is not loaded.
    """
    service = _service(bot)
    if service is None:
        return None
    return await service.public_next(guild_id, drama_id, after)
