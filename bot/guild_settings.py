"""Moderator configuration shared by every feature, and the problems reported to moderators.

This is core, not a feature: every cog asks "is this feature on in this channel?", "who
moderates here?" and "tell the moderators about this", through the functions below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.cache import GuildCache
from bot.clock import Clock
from bot.db import Database
from bot.problems import Problem, ProblemKey, Problems
from bot.timeutil import to_unix


@dataclass(frozen=True)
class GuildConfig:
    """A guild's moderator configuration."""

    guild_id: int
    announce_channel_id: int | None
    mod_role_id: int | None


@dataclass(frozen=True)
class ChannelFeature:
    """One explicit per-channel switch."""

    channel_id: int
    feature: str
    enabled: bool


Switches = dict[tuple[int, str], bool]
"""(channel id, feature) -> on or off, for the switches a moderator set in a guild."""


class GuildSettings:
    """SQL for `guild_settings`, `channel_features` and `guild_problems`.

    Every command and many events ask "who moderates here?" and "is this feature on in this
    channel?": a guild's configuration and switches are read once and kept (see
    `bot.cache`: only guilds `owns` says this process serves, dropped on every write).
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        defaults: Callable[[], Mapping[str, bool]] | None = None,
        owns: Callable[[int], bool] = lambda _guild_id: True,
    ) -> None:
        """Use `db` for storage, `clock` for timestamps, `defaults` for unswitched channels.

        `defaults()` maps each switchable feature to its default (the registered features'
        own `ChannelSwitch.default`); `owns(guild_id)` says whether this process serves a
        guild (only those are cached).
        """
        self._db = db
        self._clock = clock
        self._defaults = defaults or (dict)
        self._configs: GuildCache[GuildConfig] = GuildCache(owns)
        self._switch_cache: GuildCache[Switches] = GuildCache(owns)
        self.problem_table = Problems(db, clock, owns)

    def default_for(self, feature: str) -> bool:
        """A switch's value in channels no moderator switched."""
        return self._defaults().get(feature, False)

    def _now(self) -> int:
        return to_unix(self._clock.now())

    async def get(self, guild_id: int) -> GuildConfig:
        """Return the guild's configuration (all unset for a new guild)."""
        return await self._configs.get(guild_id, None, lambda: self._load(guild_id))

    async def _load(self, guild_id: int) -> GuildConfig:
        row = await self._db.fetch_one(
            "SELECT announce_channel_id, mod_role_id FROM guild_settings "
            "WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        if row is None:
            return GuildConfig(guild_id, None, None)
        return GuildConfig(guild_id, row["announce_channel_id"], row["mod_role_id"])

    async def set_mod_role(self, guild_id: int, role_id: int | None) -> None:
        """Set (or clear) the role whose members count as moderators."""
        await self._upsert(guild_id, "mod_role_id", role_id)

    async def set_announce_channel(self, guild_id: int, channel_id: int | None) -> None:
        """Set (or clear) the guild's default announcement channel."""
        await self._upsert(guild_id, "announce_channel_id", channel_id)

    async def _upsert(self, guild_id: int, column: str, value: int | None) -> None:
        if column not in {"mod_role_id", "announce_channel_id"}:
            raise ValueError(column)
        async with self._configs.writing(guild_id):
            await self._db.execute(
                f"INSERT INTO guild_settings (guild_id, {column}, updated_at) "  # noqa: S608 - column is from the fixed set above
                "VALUES (:guild_id, :value, :now) "
                f"ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column}, "
                "updated_at = excluded.updated_at",
                {"guild_id": guild_id, "value": value, "now": self._now()},
            )

    async def set_channel_feature(
        self, guild_id: int, channel_id: int, feature: str, enabled: bool
    ) -> None:
        """Switch `feature` on or off in one channel."""
        async with self._switch_cache.writing(guild_id):
            await self._db.execute(
                "INSERT INTO channel_features (guild_id, channel_id, feature, enabled, "
                "updated_at) VALUES (:guild_id, :channel_id, :feature, :enabled, :now) "
                "ON CONFLICT (guild_id, channel_id, feature) DO UPDATE SET "
                "enabled = excluded.enabled, updated_at = excluded.updated_at",
                {
                    "guild_id": guild_id,
                    "channel_id": channel_id,
                    "feature": str(feature),
                    "enabled": int(enabled),
                    "now": self._now(),
                },
            )

    async def feature_enabled(self, guild_id: int, channel_id: int, feature: str) -> bool:
        """Whether `feature` is on in this channel (its default when never switched)."""
        value = (await self._switches(guild_id)).get((channel_id, str(feature)))
        return self.default_for(feature) if value is None else value

    async def channel_features(self, guild_id: int) -> list[ChannelFeature]:
        """Every explicit switch in the guild, by channel then feature."""
        switches = await self._switches(guild_id)
        return [
            ChannelFeature(channel_id, feature, enabled)
            for (channel_id, feature), enabled in sorted(switches.items())
        ]

    async def _switches(self, guild_id: int) -> Switches:
        return await self._switch_cache.get(guild_id, None, lambda: self._load_switches(guild_id))

    async def _load_switches(self, guild_id: int) -> Switches:
        rows = await self._db.fetch_all(
            "SELECT channel_id, feature, enabled FROM channel_features WHERE guild_id = :guild_id",
            {"guild_id": guild_id},
        )
        return {(row["channel_id"], str(row["feature"])): bool(row["enabled"]) for row in rows}

    async def forget_channel(self, guild_id: int, channel_id: int) -> None:
        """Drop a deleted channel's switches, so /config show lists only real channels."""
        async with self._switch_cache.writing(guild_id):
            await self._db.execute(
                "DELETE FROM channel_features WHERE guild_id = :guild_id "
                "AND channel_id = :channel_id",
                {"guild_id": guild_id, "channel_id": channel_id},
            )

    async def report_problem(self, guild_id: int, feature: str, key: str, message: str) -> None:
        """Record (or refresh) a problem for moderators to see (see `bot.problems`)."""
        await self.problem_table.report(guild_id, feature, ProblemKey(key), message)

    async def clear_problem(self, guild_id: int, feature: str, key: str) -> None:
        """Forget a problem once it is fixed."""
        await self.problem_table.clear(guild_id, feature, ProblemKey(key))

    async def problems(self, guild_id: int, feature: str | None = None) -> list[Problem]:
        """The open problems of a guild, optionally of one feature, oldest first."""
        return await self.problem_table.list(guild_id, feature)
