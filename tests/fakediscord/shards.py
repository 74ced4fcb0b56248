"""Gateway sharding as Discord does it: who owns a guild, and shard-aware test helpers.

Discord routes every event of a guild to the sessions whose ``shard`` (sent in IDENTIFY as
``[shard_id, shard_count]``) satisfies ``(guild_id >> 22) % shard_count == shard_id``; events
without a guild (DMs) go to shard 0. A session that sent no ``shard`` is shard 0 of 1: it sees
everything. Several sessions may hold the same shard; each receives the shard's events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .gateway import Gateway

DEFAULT_GUILDS_PER_SHARD = 2500  # Discord closes with 4011 beyond this many guilds on a session
GUILD_ID_EVENTS = ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE")  # carry the guild as "id"


def shard_for(guild_id: int, shard_count: int) -> int:
    """The shard id Discord routes ``guild_id`` to."""
    return (guild_id >> 22) % shard_count


def parse_shard(value: Any) -> tuple[int, int] | None:
    """IDENTIFY's ``shard`` field: None when absent; ValueError when Discord answers 4010."""
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"shard must be [shard_id, shard_count], got {value!r}")
    shard_id, count = value
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (shard_id, count)):
        raise ValueError(f"shard values must be integers, got {value!r}")
    if count < 1 or not 0 <= shard_id < count:
        raise ValueError(f"shard id {shard_id} is not one of {count} shard(s)")
    return shard_id, count


def event_guild_id(event: str, data: dict[str, Any]) -> int | None:
    """The guild an event belongs to (None for DMs and other guild-less events)."""
    raw = data.get("id") if event in GUILD_ID_EVENTS else data.get("guild_id")
    return int(raw) if raw else None


def owns(shard: tuple[int, int] | None, guild_id: int | None) -> bool:
    """Whether a session with ``shard`` (None: unsharded) receives ``guild_id``'s events."""
    shard_id, count = shard or (0, 1)
    if guild_id is None:
        return shard_id == 0
    return shard_for(guild_id, count) == shard_id


@dataclass(frozen=True)
class Delivery:
    """One dispatch written to one session's websocket."""

    event: str
    data: dict[str, Any]  # as that session received it (intent-redacted)
    session_id: str
    shard: tuple[int, int]  # (0, 1) for an unsharded session
    client: str | None  # the tag of the URL the session connected with (see api_url_for)

    @property
    def guild_id(self) -> int | None:
        return event_guild_id(self.event, self.data)


@dataclass(frozen=True)
class SessionInfo:
    """A connected, identified gateway session as a test sees it."""

    session_id: str
    shard_id: int
    shard_count: int
    sharded: bool  # whether IDENTIFY carried a shard
    client: str | None
    intents: int
    ready: bool  # READY and every GUILD_CREATE written

    @property
    def shard(self) -> tuple[int, int]:
        return self.shard_id, self.shard_count


class ShardHelpers:
    """Sharding helpers of :class:`~tests.fakediscord.FakeDiscord` (mixed into it)."""

    gateway: Gateway
    recommended_shards: int
    max_guilds_per_shard: int

    @staticmethod
    def shard_of(guild_id: int, shard_count: int) -> int:
        """The shard id Discord routes ``guild_id`` to among ``shard_count`` shards."""
        return shard_for(guild_id, shard_count)

    def sessions(self) -> list[SessionInfo]:
        """Connected sessions (identified or resumed), ordered by shard."""
        return self.gateway.session_infos()

    def connected_shards(self) -> list[tuple[int, int]]:
        """``(shard_id, shard_count)`` of every connected session, sorted (repeats allowed)."""
        return [info.shard for info in self.sessions()]

    async def wait_for_shards(
        self, shard_ids: Iterable[int], shard_count: int | None = None, timeout: float = 10.0
    ) -> None:
        """Wait until a ready session holds each of ``shard_ids`` (of ``shard_count`` if given)."""
        wanted = set(shard_ids)

        def check() -> bool:
            held = {
                info.shard_id
                for info in self.sessions()
                if info.ready and (shard_count is None or info.shard_count == shard_count)
            }
            return wanted <= held

        await self.gateway.wait_for(check, timeout, f"shards {sorted(wanted)} ready")

    def deliveries(
        self,
        event: str | None = None,
        *,
        guild_id: int | None = None,
        shard_id: int | None = None,
    ) -> list[Delivery]:
        """Dispatches written to sessions, oldest first, optionally filtered."""
        return [
            d
            for d in self.gateway.deliveries
            if (event is None or d.event == event)
            and (guild_id is None or d.guild_id == guild_id)
            and (shard_id is None or d.shard[0] == shard_id)
        ]

    def delivered_shards(self, event: str, guild_id: int) -> list[tuple[int, int]]:
        """Which shards received ``event`` for ``guild_id`` (one entry per delivery)."""
        return [d.shard for d in self.deliveries(event, guild_id=guild_id)]
