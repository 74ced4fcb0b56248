"""The airtime feature's public API: what other features (trivia, previews) may ask about dramas.

Another feature gets it with `bot.features.api(AirtimeSchedule)` (None when airtime is not
loaded, so a consumer works unchanged on a bot without airtime) and never reaches into the
airtime package otherwise.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TrackedDrama:
    """A drama a guild keeps in its airtime schedule."""

    drama_id: int
    title: str
    aliases: tuple[str, ...]


class AirtimeSchedule(ABC):
    """When a guild's dramas air."""

    @abstractmethod
    async def tracked_dramas(self, guild_id: int) -> list[TrackedDrama]:
        """Every drama the guild tracks, ordered by title."""

    @abstractmethod
    async def aired_episodes(self, guild_id: int, drama_title: str, at: datetime) -> int | None:
        """Number of the last numbered episode aired at or before `at`.

        The drama is matched by title or alias, case-insensitive, among the guild's dramas.
        Returns 0 if none has aired yet, None if the guild tracks no drama by that name (then
        no spoiler guard applies).
        """

    @abstractmethod
    async def next_episode(
        self, guild_id: int, drama_id: int, after: datetime
    ) -> tuple[int, datetime] | None:
        """(episode number, aware UTC air time) of the first episode strictly after `after`.

        None if the drama has ended or is unknown in this guild.
        """
