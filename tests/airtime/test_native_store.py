"""Scheduled events' and episode threads' stores, on both backends."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.db import Database
from bot.shards import SHARD_SHIFT, GuildScope
from cogs.airtime.events import EventSpec
from cogs.airtime.events_store import EventStore
from cogs.airtime.records import Drama
from cogs.airtime.schedule import Slot
from cogs.airtime.store import AirtimeStore
from cogs.airtime.threads import ThreadSettings
from cogs.airtime.threads_store import ThreadStore

NOW = datetime(2018, 6, 1, tzinfo=UTC)
KIM = Drama(0, 1, "Secretary Kim", (), "tvN", (Slot(2, time(21, 30)),), date(2018, 6, 6), 16, 70)
START = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)


def spec(key: str = "1", start: datetime = START) -> EventSpec:
    return EventSpec(key, f"Kim · Episode {key}", "desc", "tvN", start, start + timedelta(hours=1))


def on_shard(shard: int, count: int, n: int = 1) -> int:
    return ((n * count + shard) << SHARD_SHIFT) | n


async def test_an_episode_event_is_claimed_once_and_kept_until_forgotten(db: Database) -> None:
    drama_id = await AirtimeStore(db).add_drama(KIM, created_by=5, now=NOW)
    store = EventStore(db)
    await store.turn_on(1, drama_id, 2, NOW)
    assert await store.count_of(drama_id) == 2
    row_id = await store.claim(1, drama_id, spec(), NOW)
    assert row_id is not None
    assert await store.claim(1, drama_id, spec(), NOW) is None  # the database decides
    await store.opened(row_id, 777)
    moved = spec(start=START + timedelta(days=7))
    await store.edited(row_id, moved)
    (row,) = await store.rows(drama_id)
    assert (row.state, row.event_id, row.spec) == ("open", 777, moved)
    assert await store.event_ids(1) == {777}
    assert await store.open_count(1) == 1
    await store.mark_gone(row_id)
    assert await store.gone(1) == {drama_id: ["1"]}
    await store.turn_on(1, drama_id, 3, NOW)  # turning on again wants deleted events back
    assert await store.rows(drama_id) == []
    assert await store.turn_off(drama_id)
    assert not await store.turn_off(drama_id)


async def test_a_removed_dramas_events_are_dropped_and_may_be_claimed_again(db: Database) -> None:
    dramas = AirtimeStore(db)
    drama_id = await dramas.add_drama(KIM, created_by=5, now=NOW)
    store = EventStore(db)
    row_id = await store.claim(1, drama_id, spec(), NOW)
    assert row_id is not None
    await dramas.remove_drama(drama_id)
    assert await store.drop_orphans(GuildScope.everything()) == 1
    (row,) = await store.rows(drama_id)
    assert row.state == "dropping"
    assert await store.claim(1, drama_id, spec(), NOW) is not None  # a dropping row holds no key
    await store.forget(row_id)
    assert [r.state for r in await store.rows(drama_id)] == ["claimed"]


async def test_events_in_scope_are_only_the_shards_guilds(db: Database) -> None:
    dramas, store = AirtimeStore(db), EventStore(db)
    mine, theirs = on_shard(0, 2), on_shard(1, 2)
    first = await dramas.add_drama(replace(KIM, guild_id=mine), created_by=5, now=NOW)
    second = await dramas.add_drama(replace(KIM, guild_id=theirs), created_by=5, now=NOW)
    await store.turn_on(mine, first, 2, NOW)
    await store.turn_on(theirs, second, 2, NOW)
    assert await store.in_scope(GuildScope.of_shards(2, [0])) == [(mine, first)]


async def test_an_episode_thread_is_claimed_once_and_settled(db: Database) -> None:
    dramas, store = AirtimeStore(db), ThreadStore(db)
    drama_id = await dramas.add_drama(KIM, created_by=5, now=NOW)
    settings = ThreadSettings(drama_id, 1, 50, True, 60, 4320, NOW)
    await store.turn_on(settings)
    await store.turn_on(replace(settings, channel_id=51, since=NOW + timedelta(days=1)))
    got = await store.settings(drama_id)
    assert got == replace(settings, channel_id=51)  # `since` kept while threads stay on
    assert await store.claim(1, drama_id, "1", 51, "E1 · Kim", NOW)
    assert not await store.claim(1, drama_id, "1", 51, "E1 · Kim", NOW)
    assert [row.episode_key for _, row in await store.claimed(GuildScope.everything())] == ["1"]
    await store.finish(drama_id, "1", "open", 999)
    row = await store.get(drama_id, "1")
    assert row is not None
    assert (row.state, row.thread_id, row.name) == ("open", 999, "E1 · Kim")
    assert await store.claimed(GuildScope.everything()) == []
    assert await store.channel_gone(1, 51) == [drama_id]
    assert await store.turn_off(drama_id)
    assert await store.settings(drama_id) is None


async def test_thread_settings_in_scope_are_only_the_shards_guilds(db: Database) -> None:
    dramas, store = AirtimeStore(db), ThreadStore(db)
    mine, theirs = on_shard(0, 2), on_shard(1, 2)
    first = await dramas.add_drama(replace(KIM, guild_id=mine), created_by=5, now=NOW)
    second = await dramas.add_drama(replace(KIM, guild_id=theirs), created_by=5, now=NOW)
    await store.turn_on(ThreadSettings(first, mine, 50, False, None, 1440, NOW))
    await store.turn_on(ThreadSettings(second, theirs, 50, False, None, 1440, NOW))
    assert [s.drama_id for s in await store.in_scope(GuildScope.of_shards(2, [0]))] == [first]
