"""Which guilds this process serves: Discord's own shard rule, no coordinator of ours.

A guild belongs to shard `(guild_id >> 22) % shard_count`. A process started with
`SHARD_IDS` serves only those shards' guilds: it starts, schedules, reconciles and interrupts
only their rows. Without shard settings one process serves every guild.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SHARD_SHIFT = 22  # the snowflake's timestamp bits, as Discord documents the shard formula


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard a guild's events arrive on."""
    return (guild_id >> SHARD_SHIFT) % shard_count


@dataclass(frozen=True)
class GuildScope:
    """The guilds one process owns: every guild, or those of some shards."""

    shard_count: int | None = None
    shard_ids: frozenset[int] = frozenset()

    @classmethod
    def everything(cls) -> GuildScope:
        """One process for every guild."""
        return cls()

    @classmethod
    def of_shards(cls, shard_count: int, shard_ids: Iterable[int]) -> GuildScope:
        """The guilds of `shard_ids` out of `shard_count` shards."""
        ids = frozenset(shard_ids)
        if shard_count < 1 or not ids or not all(0 <= i < shard_count for i in ids):
            raise ValueError(f"shard ids {sorted(ids)} do not fit {shard_count} shard(s)")
        return cls(shard_count, ids)

    @property
    def is_everything(self) -> bool:
        """Whether this process owns every guild."""
        return self.shard_count is None or len(self.shard_ids) == self.shard_count

    @property
    def owns_commands(self) -> bool:
        """Whether this process uploads the slash commands (the one that owns shard 0)."""
        return self.shard_count is None or 0 in self.shard_ids

    def owns(self, guild_id: int | None) -> bool:
        """Whether this process handles the guild (direct messages arrive on shard 0)."""
        if self.shard_count is None:
            return True
        if guild_id is None:
            return 0 in self.shard_ids
        return shard_of(guild_id, self.shard_count) in self.shard_ids

    def where(self, column: str = "guild_id") -> tuple[str, dict[str, Any]]:
        """A SQL condition (and its parameters) true for the rows of owned guilds.

        `column` must be a fixed column name; it is never user input.
        """
        if self.is_everything or self.shard_count is None:
            return "1 = 1", {}
        condition = f"(({column} >> {SHARD_SHIFT}) % :scope_shard_count) IN :scope_shard_ids"
        return condition, {
            "scope_shard_count": self.shard_count,
            "scope_shard_ids": sorted(self.shard_ids),
        }

    def describe(self) -> str:
        """For logs: `all guilds` or `shards 0,1 of 4`."""
        if self.shard_count is None:
            return "all guilds"
        return f"shards {','.join(map(str, sorted(self.shard_ids)))} of {self.shard_count}"
