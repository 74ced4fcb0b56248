"""Per-guild read caches for what commands read again and again (settings, lists, scores).

Why a cached value cannot go stale: a process answers only its own guilds' interactions and
events (bot/shards.py), so every write about such a guild is made by this process, through
the store that owns the cache, and that store drops the guild's entries around the write
(`writing`). Guilds this process does not own are never cached: with several processes on
one PostgreSQL, another process may be changing them at any time. Nothing survives a
restart, so a cache is always rebuilt from the database.

A load that overlaps a write is not kept (the write may have missed it or it the write), so
a read never brings back what a write replaced. Size is bounded: the guilds used least
recently are forgotten first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

V = TypeVar("V")

MAX_GUILDS = 10_000


@dataclass
class _Guild:
    values: dict[Hashable, Any] = field(default_factory=dict)
    generation: int = 0


class GuildCache(Generic[V]):
    """Values by (guild, key), loaded on first use, dropped whenever the guild is written."""

    def __init__(self, owns: Callable[[int], bool], max_guilds: int = MAX_GUILDS) -> None:
        """Cache only guilds `owns(guild_id)` says this process serves."""
        self._owns = owns
        self._max = max_guilds
        self._guilds: OrderedDict[int, _Guild] = OrderedDict()

    async def get(self, guild_id: int, key: Hashable, load: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or `await load()` (kept unless the guild was written meanwhile)."""
        entry = self._guilds.get(guild_id)
        if entry is not None and key in entry.values:
            self._guilds.move_to_end(guild_id)
            value: V = entry.values[key]
            return value
        if not self._owns(guild_id):
            return await load()
        if entry is None:
            entry = self._guilds[guild_id] = _Guild()
            if len(self._guilds) > self._max:
                self._guilds.popitem(last=False)
        generation = entry.generation
        value = await load()
        if self._guilds.get(guild_id) is entry and entry.generation == generation:
            entry.values[key] = value
        return value

    def peek(self, guild_id: int, key: Hashable) -> V | None:
        """The cached value without loading it (None when not cached)."""
        entry = self._guilds.get(guild_id)
        return None if entry is None else entry.values.get(key)

    def forget(self, guild_id: int) -> None:
        """Drop every value of the guild; loads already running will not be kept."""
        entry = self._guilds.get(guild_id)
        if entry is not None:
            entry.values.clear()
            entry.generation += 1

    def clear(self) -> None:
        """Drop everything (a load already running is not kept either)."""
        for entry in self._guilds.values():
            entry.values.clear()
            entry.generation += 1

    @asynccontextmanager
    async def writing(self, *guild_ids: int) -> AsyncIterator[None]:
        """Around a write about these guilds: their values are dropped before and after it.

        Before, so no read during the write is answered from the cache; after, so a read
        that ran during the write (and may have seen the old rows) is not kept.
        """
        for guild_id in guild_ids:
            self.forget(guild_id)
        try:
            yield
        finally:
            for guild_id in guild_ids:
                self.forget(guild_id)
