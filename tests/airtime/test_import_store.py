"""The TVmaze import's storage on both backends (SQLite and PostgreSQL), every migration applied.

An import is written through the airtime store's own schedule changes (`Imported`,
`Overridden`), as the importer writes it; reads go through `ImportStore`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.db import Database
from bot.errors import Conflict
from bot.shards import SHARD_SHIFT, GuildScope
from cogs.airtime.import_store import ImportStore
from cogs.airtime.records import Drama, Edit, Imported, Move, Overridden
from cogs.airtime.store import AirtimeStore
from cogs.airtime.tvmaze_import import Snapshot, plan_import
from tests.airtime.tvmaze_support import kst, listing
from tests.faketvmaze import BAKERY, SECRETARY_KIM

NOW = datetime(2018, 6, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(db: Database) -> AirtimeStore:
    return AirtimeStore(db)


@pytest.fixture
def imports(db: Database) -> ImportStore:
    return ImportStore(db)


def snapshot(show_id: int = SECRETARY_KIM) -> Snapshot:
    show, episodes = listing(show_id)
    return plan_import(show, episodes)


def drama_of(snap: Snapshot, guild_id: int = 1, title: str | None = None) -> Drama:
    return Drama(0, guild_id, title or snap.title, (), snap.network, snap.slots, snap.premiere,
                 snap.episodes, snap.runtime_min, tvmaze_id=snap.show_id)  # fmt: skip


async def imported(
    store: AirtimeStore, snap: Snapshot, guild_id: int = 1, title: str | None = None
) -> int:
    return await store.add_drama(
        drama_of(snap, guild_id, title), created_by=5, now=NOW, changes=[Imported(snap)]
    )


def guild_on_shard(shard: int, count: int, n: int = 1) -> int:
    return ((n * count + shard) << SHARD_SHIFT) | n


async def test_an_import_writes_the_drama_with_tvmazes_exceptions(
    store: AirtimeStore, imports: ImportStore
) -> None:
    snap = snapshot(BAKERY)
    assert snap.skips  # the fixture's pre-empted week
    assert snap.moves  # and its moved finale
    drama_id = await imported(store, snap)
    drama = await store.get_drama(1, drama_id)
    assert drama is not None
    assert drama.tvmaze_id == BAKERY
    assert drama.skips == snap.skips
    assert drama.moves == dict(snap.moves)
    row = await imports.get(1, drama_id)
    assert row is not None
    assert row.snapshot == snap
    assert row.show_id == BAKERY
    assert row.next_check_at == NOW + timedelta(days=1)
    assert await imports.get(2, drama_id) is None  # another guild's id reads nothing


async def test_a_show_is_imported_once_per_guild(store: AirtimeStore) -> None:
    snap = snapshot()
    await imported(store, snap)
    with pytest.raises(Conflict, match="already follows that show"):
        await imported(store, snap, title="Another title")
    assert len(await store.list_dramas(1)) == 1  # nothing of the refused import stayed
    await imported(store, snap, guild_id=2)  # another server may follow it too


async def test_a_refresh_writes_only_tvmazes_changes_and_keeps_overrides(
    store: AirtimeStore, imports: ImportStore
) -> None:
    snap = snapshot()
    drama_id = await imported(store, snap)
    await store.reschedule(1, drama_id, [Overridden(frozenset({"episodes"})),
                                         Edit({"episodes": 18})], NOW)  # fmt: skip
    await store.reschedule(1, drama_id, [Move(3, kst(2018, 6, 14, 23, 0))], NOW)  # by hand
    moved = kst(2018, 7, 5, 22, 0)
    new = replace(snap, episodes=14, moves={9: moved}, runtime_min=75)
    _, after = await store.reschedule(1, drama_id, [Imported(new)], NOW)
    assert after.episodes == 18  # the moderator's
    assert after.runtime_min == 75  # TVmaze's change of a field nobody overrode
    assert after.moves == {3: kst(2018, 6, 14, 23, 0), 9: moved}  # the hand move stays too
    row = await imports.get(1, drama_id)
    assert row is not None
    assert row.snapshot == new
    assert row.overrides == frozenset({"episodes"})
    # The same import again writes nothing.
    _, again = await store.reschedule(1, drama_id, [Imported(new)], NOW)
    assert again == after


async def test_overrides_of_a_drama_added_by_hand_are_not_recorded(
    store: AirtimeStore, imports: ImportStore
) -> None:
    drama_id = await store.add_drama(drama_of(snapshot(), title="By hand"), created_by=5, now=NOW)
    await store.reschedule(1, drama_id, [Overridden(frozenset({"title"}))], NOW)
    assert await imports.get(1, drama_id) is None


async def test_due_checks_are_those_of_the_process_guilds(
    store: AirtimeStore, imports: ImportStore
) -> None:
    mine, theirs = guild_on_shard(0, 2), guild_on_shard(1, 2)
    await imported(store, snapshot(), guild_id=theirs)
    drama_id = await imported(store, snapshot(), guild_id=mine)
    scope = GuildScope.of_shards(2, [0])
    later = NOW + timedelta(days=2)
    assert [row.drama_id for row in await imports.due(scope, later, 10)] == [drama_id]
    assert await imports.next_due(scope) == NOW + timedelta(days=1)
    assert len(await imports.due(GuildScope.everything(), later, 10)) == 2
    assert await imports.due(scope, NOW, 10) == []  # not due yet


async def test_a_failed_check_is_counted_until_one_succeeds(
    store: AirtimeStore, imports: ImportStore
) -> None:
    snap = snapshot()
    drama_id = await imported(store, snap)
    retry = NOW + timedelta(minutes=10)
    first = await imports.failed(drama_id, NOW, retry)
    second = await imports.failed(drama_id, NOW + timedelta(minutes=10), retry)
    assert (first.failures, second.failures) == (1, 2)
    assert second.failing_since == NOW
    assert second.next_check_at == retry
    planned = await imports.checked(drama_id, snap, NOW + timedelta(hours=1))
    row = await imports.get(1, drama_id)
    assert row is not None
    assert (row.failures, row.failing_since, row.next_check_at) == (0, None, planned)


async def test_removing_the_drama_forgets_its_import(
    store: AirtimeStore, imports: ImportStore
) -> None:
    drama_id = await imported(store, snapshot())
    await store.remove_drama(drama_id)
    assert await imports.get(1, drama_id) is None
    assert await imports.next_due(GuildScope.everything()) is None
