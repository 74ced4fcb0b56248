"""The airtime feature's public API: what other features may ask about dramas, typed.

Another feature gets it with `bot.features.api(AirtimeSchedule)` (None when airtime is not
loaded, and then works as if no drama were tracked) and never reaches into the airtime
package otherwise.
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
    """The guilds' drama schedules, as other features may read them."""

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
