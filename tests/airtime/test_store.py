"""Store tests on both backends (SQLite and PostgreSQL), every migration applied."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.db import Database, IntegrityError
from bot.errors import Conflict, NotFound
from bot.shards import SHARD_SHIFT, GuildScope
from cogs.airtime.ledger import LedgerStore
from cogs.airtime.records import AddSpecial, Drama, Edit, Move, Skip, Undo
from cogs.airtime.schedule import Slot
from cogs.airtime.store import AirtimeStore

NOW = datetime(2018, 6, 1, tzinfo=UTC)
WED_THU = (Slot(2, time(21, 30)), Slot(3, time(21, 30)))
KIM = Drama(0, 1, "Secretary Kim", ("김비서",), "tvN", WED_THU, date(2018, 6, 6), 16, 70)


@pytest.fixture
def store(db: Database) -> AirtimeStore:
    return AirtimeStore(db)


@pytest.fixture
def ledger(db: Database) -> LedgerStore:
    return LedgerStore(db)


def guild_on_shard(shard: int, count: int, n: int = 1) -> int:
    """A guild id Discord would deliver on `shard` of `count`."""
    return ((n * count + shard) << SHARD_SHIFT) | n


async def test_round_trip_and_duplicate_title_per_guild(store: AirtimeStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    got = await store.get_drama(1, drama_id)
    assert got == replace(KIM, drama_id=drama_id)
    with pytest.raises(Conflict):
        await store.add_drama(replace(KIM, title="SECRETARY KIM"), created_by=5, now=NOW)
    await store.add_drama(replace(KIM, guild_id=2), created_by=5, now=NOW)  # other guild: fine
    assert await store.get_drama(2, drama_id) is None  # never across guilds
    assert [d.title for d in await store.list_dramas(1)] == ["Secretary Kim"]


async def test_an_edit_refuses_a_duplicate_title_and_unknown_columns(
    store: AirtimeStore,
) -> None:
    first = await store.add_drama(KIM, created_by=5, now=NOW)
    await store.add_drama(replace(KIM, title="Goblin"), created_by=5, now=NOW)
    with pytest.raises(Conflict):
        await store.reschedule(1, first, [Edit({"title": "goblin"})], NOW)
    with pytest.raises(ValueError, match="not editable"):
        await store.reschedule(1, first, [Edit({"guild_id": 9})], NOW)
    await store.reschedule(1, first, [Edit({"episodes": 18, "aliases": ("a", "b")})], NOW)
    got = await store.get_drama(1, first)
    assert got is not None
    assert (got.episodes, got.aliases, got.title) == (18, ("a", "b"), "Secretary Kim")


async def test_exceptions_load_into_the_model(store: AirtimeStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    await store.reschedule(1, drama_id, [Skip(date(2018, 6, 20), "World Cup")], NOW)
    with pytest.raises(Conflict):
        await store.reschedule(1, drama_id, [Skip(date(2018, 6, 20), "")], NOW)
    moved = datetime(2018, 6, 30, 12, 0, tzinfo=UTC)
    await store.reschedule(1, drama_id, [Move(9, moved)], NOW)
    await store.reschedule(1, drama_id, [Move(9, moved.replace(hour=13))], NOW)  # replaces
    special = AddSpecial(datetime(2018, 6, 9, 10, tzinfo=UTC), "Recap")
    _, after = await store.reschedule(1, drama_id, [special], NOW)
    got = await store.get_drama(1, drama_id)
    assert got == after
    assert got.skips == {date(2018, 6, 20)}
    assert got.skip_reasons == ((date(2018, 6, 20), "World Cup"),)
    assert got.moves == {9: moved.replace(hour=13)}
    assert [(s.at, s.title) for s in got.specials] == [(special.at, "Recap")]
    assert len(got.episode_list()) == 17
    assert (await store.all_dramas())[0].skips == got.skips
    undo = [
        Undo("skip", "2018-06-20"),
        Undo("move", "9"),
        Undo("special", str(got.specials[0].special_id)),
    ]
    _, after = await store.reschedule(1, drama_id, undo, NOW)
    assert (after.skips, after.moves, after.specials) == (frozenset(), {}, ())


async def test_a_failed_change_changes_nothing(store: AirtimeStore, ledger: LedgerStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    drama = replace(KIM, drama_id=drama_id)
    await ledger.finish(drama, ("2", "remind30"), "sent", NOW)
    await store.reschedule(1, drama_id, [Skip(date(2018, 6, 20), "")], NOW)
    with pytest.raises(Conflict):  # the pre-emption of the 7th went in before the refusal
        await store.reschedule(
            1, drama_id, [Skip(date(2018, 6, 7), ""), Skip(date(2018, 6, 20), "")], NOW
        )
    got = await store.get_drama(1, drama_id)
    assert got is not None
    assert got.skips == {date(2018, 6, 20)}
    assert set(await ledger.ledger(drama_id)) == {("2", "remind30")}


async def test_a_change_of_another_guilds_drama_is_refused(store: AirtimeStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    with pytest.raises(NotFound):
        await store.reschedule(2, drama_id, [Edit({"episodes": 18})], NOW)
    got = await store.get_drama(1, drama_id)
    assert got is not None
    assert got.episodes == 16


async def test_claim_is_exactly_once_and_removal_cascades(
    store: AirtimeStore, ledger: LedgerStore
) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    drama = replace(KIM, drama_id=drama_id)
    assert await ledger.claim(drama, ("1", "onair"), 77, NOW) is True
    assert await ledger.claim(drama, ("1", "onair"), 77, NOW) is False
    await ledger.finish(drama, ("1", "onair"), "sent", NOW, message_id=123)
    assert await ledger.claim(drama, ("1", "onair"), 77, NOW) is False
    rows = await ledger.ledger(drama_id)
    assert rows[("1", "onair")].state == "sent"
    assert rows[("1", "onair")].message_id == 123
    await store.remove_drama(drama_id)
    assert await ledger.ledger(drama_id) == {}
    assert await store.all_dramas() == []


async def test_a_change_forgets_only_the_announcements_it_moves_ahead(
    store: AirtimeStore, ledger: LedgerStore
) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    before = replace(KIM, drama_id=drama_id)
    for key in ("1", "2", "3"):
        await ledger.finish(before, (key, "remind30"), "sent", NOW)
    # Thu 7 June pre-empted: episode 2 onwards shift, episode 1 keeps its time.
    await store.reschedule(1, drama_id, [Skip(date(2018, 6, 7), "")], NOW)
    assert set(await ledger.ledger(drama_id)) == {("1", "remind30")}


async def test_start_up_reads_only_the_owned_shards_dramas_and_ledger(
    store: AirtimeStore, ledger: LedgerStore
) -> None:
    scope = GuildScope.of_shards(2, [0])
    mine, theirs = guild_on_shard(0, 2), guild_on_shard(1, 2)
    ids = {}
    for guild_id in (mine, theirs):
        drama_id = await store.add_drama(replace(KIM, guild_id=guild_id), created_by=5, now=NOW)
        await store.set_announce(drama_id, channel_id=5, role_id=None, leads=(30,), now=NOW)
        await ledger.claim(
            replace(KIM, guild_id=guild_id, drama_id=drama_id), ("1", "onair"), 5, NOW
        )
        ids[guild_id] = drama_id
    pages = [page async for page in store.announcing_dramas(scope, 1, NOW)]
    assert [([d.guild_id for d in dramas], states) for dramas, states in pages] == [
        ([mine], {ids[mine]: {("1", "onair"): "claimed"}})
    ]
    pages = [page async for page in store.announcing_dramas(GuildScope.everything(), 1, NOW)]
    assert [[d.guild_id for d in dramas] for dramas, _ in pages] == [[mine], [theirs]]
    later = NOW + timedelta(seconds=1)
    pages = [page async for page in store.announcing_dramas(GuildScope.everything(), 5, later)]
    assert [states for _, states in pages] == [{}]


async def test_announce_since_restarts_when_settings_change(store: AirtimeStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    await store.set_announce(drama_id, channel_id=5, role_id=6, leads=(60, 10), now=NOW)
    later = datetime(2018, 7, 1, tzinfo=UTC)
    await store.set_announce(drama_id, channel_id=7, role_id=None, leads=(), now=later)
    got = await store.get_drama(1, drama_id)
    assert got is not None
    assert (got.channel_id, got.role_id, got.leads, got.announce_since) == (7, None, (), later)


async def test_schema_rejects_out_of_range_counts(store: AirtimeStore) -> None:
    with pytest.raises(IntegrityError) as refused:
        await store.add_drama(replace(KIM, episodes=0), created_by=5, now=NOW)
    assert refused.value.kind == "check"


@pytest.mark.parametrize("drama_id", [0, -1, 2**63, 10**30])
async def test_ids_no_database_can_hold_find_nothing(store: AirtimeStore, drama_id: int) -> None:
    await store.add_drama(KIM, created_by=5, now=NOW)
    assert await store.get_drama(1, drama_id) is None


async def test_announcements_turned_off_then_on_are_owed_from_the_new_start(
    store: AirtimeStore,
) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    await store.set_announce(drama_id, channel_id=5, role_id=6, leads=(30,), now=NOW)
    off = datetime(2018, 6, 10, tzinfo=UTC)
    await store.set_announce(drama_id, channel_id=None, role_id=None, leads=(30,), now=off)
    got = await store.get_drama(1, drama_id)
    assert got is not None
    assert got.announce_since is None
    on = datetime(2018, 7, 1, tzinfo=UTC)
    await store.set_announce(drama_id, channel_id=5, role_id=6, leads=(30,), now=on)
    got = await store.get_drama(1, drama_id)
    assert got is not None
    assert got.announce_since == on


async def test_two_processes_racing_for_one_announcement_post_it_once(pg_url: str) -> None:
    """Two bots on one PostgreSQL claim the same announcements at once: one wins each."""
    first, second = Database(pg_url), Database(pg_url)
    await first.connect()
    await second.connect()
    try:
        drama_id = await AirtimeStore(first).add_drama(KIM, created_by=5, now=NOW)
        drama = replace(KIM, drama_id=drama_id)
        keys = [(str(episode), kind) for episode in range(1, 17) for kind in ("remind30", "onair")]
        claims = [
            LedgerStore(db).claim(drama, key, 77, NOW) for key in keys for db in (first, second)
        ]
        won = await asyncio.gather(*claims)
        by_key = [won[i : i + 2] for i in range(0, len(won), 2)]
        assert all(sorted(pair) == [False, True] for pair in by_key), by_key
        assert len(await LedgerStore(second).ledger(drama_id)) == len(keys)
    finally:
        await first.close()
        await second.close()
