"""Store tests: real aiosqlite on a temp file with every migration applied."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time

import pytest

from bot.db import Database, IntegrityError
from bot.errors import Conflict
from cogs.airtime.records import Drama
from cogs.airtime.schedule import Slot
from cogs.airtime.store import AirtimeStore, forget_moved

NOW = datetime(2018, 6, 1, tzinfo=UTC)
WED_THU = (Slot(2, time(21, 30)), Slot(3, time(21, 30)))
KIM = Drama(0, 1, "Secretary Kim", ("김비서",), "tvN", WED_THU, date(2018, 6, 6), 16, 70)


@pytest.fixture
def store(db: Database) -> AirtimeStore:
    return AirtimeStore(db)


async def test_round_trip_and_duplicate_title_per_guild(store: AirtimeStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    got = await store.get_drama(1, drama_id)
    assert got == replace(KIM, drama_id=drama_id)
    with pytest.raises(Conflict):
        await store.add_drama(replace(KIM, title="SECRETARY KIM"), created_by=5, now=NOW)
    await store.add_drama(replace(KIM, guild_id=2), created_by=5, now=NOW)  # other guild: fine
    assert await store.get_drama(2, drama_id) is None  # never across guilds
    assert [d.title for d in await store.list_dramas(1)] == ["Secretary Kim"]


async def test_update_rejects_duplicate_and_unknown_columns(store: AirtimeStore) -> None:
    first = await store.add_drama(KIM, created_by=5, now=NOW)
    await store.add_drama(replace(KIM, title="Goblin"), created_by=5, now=NOW)
    with pytest.raises(Conflict):
        await store.update_drama(first, {"title": "goblin"})
    with pytest.raises(ValueError, match="not editable"):
        await store.update_drama(first, {"guild_id": 9})
    await store.update_drama(first, {"episodes": 18, "aliases": ("a", "b")})
    got = await store.get_drama(1, first)
    assert got is not None
    assert (got.episodes, got.aliases, got.title) == (18, ("a", "b"), "Secretary Kim")


async def test_exceptions_load_into_the_model(store: AirtimeStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    await store.add_skip(drama_id, date(2018, 6, 20), "World Cup", NOW)
    with pytest.raises(Conflict):
        await store.add_skip(drama_id, date(2018, 6, 20), "", NOW)
    moved = datetime(2018, 6, 30, 12, 0, tzinfo=UTC)
    await store.set_move(drama_id, 9, moved, NOW)
    await store.set_move(drama_id, 9, moved.replace(hour=13), NOW)  # replaces
    special_id = await store.add_special(
        drama_id, datetime(2018, 6, 9, 10, tzinfo=UTC), "Recap", NOW
    )
    got = await store.get_drama(1, drama_id)
    assert got is not None
    assert got.skips == {date(2018, 6, 20)}
    assert got.moves == {9: moved.replace(hour=13)}
    assert [s.special_id for s in got.specials] == [special_id]
    assert len(got.episode_list()) == 17
    assert (await store.all_dramas())[0].skips == got.skips
    assert await store.remove_skip(drama_id, date(2018, 6, 20)) == 1


async def test_claim_is_exactly_once_and_removal_cascades(store: AirtimeStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    drama = replace(KIM, drama_id=drama_id)
    assert await store.claim(drama, ("1", "onair"), 77, NOW) is True
    assert await store.claim(drama, ("1", "onair"), 77, NOW) is False
    await store.finish(drama, ("1", "onair"), "sent", NOW, message_id=123)
    assert await store.claim(drama, ("1", "onair"), 77, NOW) is False
    ledger = await store.ledger(drama_id)
    assert ledger[("1", "onair")].state == "sent"
    assert ledger[("1", "onair")].message_id == 123
    assert (await store.states_since(NOW))[drama_id] == {("1", "onair"): "sent"}
    await store.remove_drama(drama_id)
    assert await store.ledger(drama_id) == {}
    count = await store.db.fetch_value("SELECT COUNT(*) FROM airtime_exceptions")
    assert count == 0


async def test_forget_moved_keeps_unchanged_broadcasts(store: AirtimeStore) -> None:
    drama_id = await store.add_drama(KIM, created_by=5, now=NOW)
    before = replace(KIM, drama_id=drama_id)
    for key in ("1", "2", "3"):
        await store.finish(before, (key, "remind30"), "sent", NOW)
    after = replace(before, skips=frozenset({date(2018, 6, 7)}))  # ep 2 onwards shift
    assert await forget_moved(store, before, after, NOW) == 2
    assert set(await store.ledger(drama_id)) == {("1", "remind30")}


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
