"""Per-guild caches: kept for owned guilds, dropped around writes, never stale across processes."""

from __future__ import annotations

import asyncio

from bot.cache import GuildCache
from bot.clock import SystemClock
from bot.db import Database
from bot.guild_settings import GuildSettings
from bot.problems import ProblemKey

OWNED = 100
OTHER = 200


class Loads:
    """A loader that counts its calls and can be held half-way."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.calls = 0
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self) -> str:
        self.calls += 1
        await self.gate.wait()
        return self.value


async def test_an_owned_guild_is_loaded_once_and_another_processs_guild_every_time() -> None:
    cache: GuildCache[str] = GuildCache(lambda guild_id: guild_id == OWNED)
    load = Loads("x")
    for _ in range(3):
        assert await cache.get(OWNED, "k", load) == "x"
        assert await cache.get(OTHER, "k", load) == "x"
    assert load.calls == 1 + 3


async def test_a_load_that_overlaps_a_write_is_not_kept() -> None:
    cache: GuildCache[str] = GuildCache(lambda _guild_id: True)
    old = Loads("old")
    old.gate.clear()
    reading = asyncio.ensure_future(cache.get(OWNED, "k", old))
    await asyncio.sleep(0)
    async with cache.writing(OWNED):
        pass  # the write happened while the read was on its way
    old.gate.set()
    assert await reading == "old"
    new = Loads("new")
    assert await cache.get(OWNED, "k", new) == "new"
    assert new.calls == 1


async def test_a_read_during_a_write_is_not_answered_from_the_cache_nor_kept() -> None:
    cache: GuildCache[str] = GuildCache(lambda _guild_id: True)
    await cache.get(OWNED, "k", Loads("old"))
    during = Loads("old")
    async with cache.writing(OWNED):
        assert await cache.get(OWNED, "k", during) == "old"
    assert during.calls == 1
    after = Loads("new")
    assert await cache.get(OWNED, "k", after) == "new"


async def test_the_least_recently_used_guilds_are_forgotten_first() -> None:
    cache: GuildCache[int] = GuildCache(lambda _guild_id: True, max_guilds=2)

    async def value(guild_id: int) -> int:
        return await cache.get(guild_id, None, lambda: asyncio.sleep(0, guild_id))

    for guild_id in (1, 2, 1, 3):
        await value(guild_id)
    assert cache.peek(1, None) == 1
    assert cache.peek(2, None) is None
    assert cache.peek(3, None) == 3


async def test_a_switch_or_problem_written_by_the_owner_is_seen_by_every_process(
    db: Database,
) -> None:
    # Two processes on one database: `mine` serves OWNED, `theirs` serves OTHER. Each sees
    # at once what the other wrote about a guild it does not serve (nothing is cached there).
    clock = SystemClock()
    mine = GuildSettings(db, clock, owns=lambda guild_id: guild_id == OWNED)
    theirs = GuildSettings(db, clock, owns=lambda guild_id: guild_id == OTHER)
    for guild_id, writer, reader in ((OWNED, mine, theirs), (OTHER, theirs, mine)):
        assert not await reader.feature_enabled(guild_id, 7, "polls")
        assert await reader.problems(guild_id) == []
        await writer.set_channel_feature(guild_id, 7, "polls", True)
        await writer.set_mod_role(guild_id, 55)
        await writer.problem_table.report(guild_id, "polls", ProblemKey("p", 7), "fix it")
        assert await reader.feature_enabled(guild_id, 7, "polls")
        assert (await reader.get(guild_id)).mod_role_id == 55
        assert [p.message for p in await reader.problems(guild_id)] == ["fix it"]


async def test_the_owner_sees_its_own_writes_at_once(db: Database) -> None:
    settings = GuildSettings(db, SystemClock(), owns=lambda _guild_id: True)
    problems = settings.problem_table
    assert await settings.channel_features(OWNED) == []
    assert (await settings.get(OWNED)).announce_channel_id is None
    await settings.set_channel_feature(OWNED, 7, "trivia", False)
    await settings.set_announce_channel(OWNED, 9)
    assert [(s.channel_id, s.enabled) for s in await settings.channel_features(OWNED)] == [
        (7, False)
    ]
    assert (await settings.get(OWNED)).announce_channel_id == 9
    await problems.report(OWNED, "polls", ProblemKey("p", 7), "first")
    await problems.report(OWNED, "trivia", ProblemKey("q"), "second")
    assert [p.message for p in await problems.list(OWNED, "trivia")] == ["second"]
    await problems.clear(OWNED, "trivia", ProblemKey("q"))
    await problems.clear(OWNED, "trivia", ProblemKey("never reported"))
    assert [p.message for p in await problems.list(OWNED)] == ["first"]
    assert await problems.channel_deleted(OWNED, 7) == 1
    await settings.forget_channel(OWNED, 7)
    assert await problems.list(OWNED) == []
    assert await settings.channel_features(OWNED) == []
