"""Pure tests: a TVmaze show → the airtime model, and the model airs exactly when TVmaze says."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from cogs.airtime.schedule import KST, DramaSpec, Slot, Special, episode_list, kst_date, to_utc
from cogs.airtime.tvmaze_data import Episode, Show
from cogs.airtime.tvmaze_import import (
    DEFAULT_RELEASE_TIME,
    NoSchedule,
    NotKorean,
    Snapshot,
    effective_instants,
    plain,
    plan_import,
    schedule_slots,
    snapshot_from_json,
    snapshot_to_json,
)
from cogs.airtime.validate import check_title
from tests.airtime.tvmaze_support import kst, listing
from tests.faketvmaze import (
    BAKERY,
    GLASS_GARDEN,
    HARBOR_LIGHTS,
    MOONRISE,
    SECRETARY_KIM,
    SPRING_LETTER,
    UNTITLED,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
IMPORTABLE = [SECRETARY_KIM, BAKERY, GLASS_GARDEN, MOONRISE]


def model_instants(snapshot: Snapshot) -> tuple[dict[int, datetime], dict[int, datetime]]:
    episodes = episode_list(snapshot.spec())
    numbered = {ep.number: ep.at for ep in episodes if ep.number is not None}
    specials = {ep.special_id: ep.at for ep in episodes if ep.special_id is not None}
    return numbered, specials


@pytest.mark.parametrize("show_id", IMPORTABLE)
def test_model_airs_every_fixture_episode_at_its_tvmaze_instant(show_id: int) -> None:
    show, episodes = listing(show_id)
    snapshot = plan_import(show, episodes)
    assert model_instants(snapshot) == effective_instants(show, episodes)


def test_secretary_kim_is_wed_thu_2130_sixteen_episodes_and_a_special() -> None:
    snapshot = plan_import(*listing(SECRETARY_KIM))
    assert snapshot.title == "What's Wrong with Secretary Kim"
    assert snapshot.network == "tvN"
    assert snapshot.slots == (Slot(WED, time(21, 30)), Slot(THU, time(21, 30)))
    assert (snapshot.premiere, snapshot.episodes, snapshot.runtime_min) == (
        date(2018, 6, 6),
        16,
        70,
    )
    assert (snapshot.skips, dict(snapshot.moves)) == (frozenset(), {})
    assert [(sp.episode_id, sp.at, sp.title) for sp in snapshot.specials] == [
        (1468100, kst(2018, 7, 1, 18, 0), "Secretary Kim: The Making Of")
    ]
    assert not snapshot.time_assumed
    assert not snapshot.web
    assert snapshot.url.endswith("/shows/36960/whats-wrong-with-secretary-kim")


def test_pre_empted_week_is_two_skips_and_the_moved_finale_is_a_move() -> None:
    snapshot = plan_import(*listing(BAKERY))
    assert snapshot.slots == (Slot(FRI, time(22, 30)), Slot(SAT, time(22, 30)))
    assert snapshot.skips == {date(2024, 3, 15), date(2024, 3, 16)}
    assert snapshot.moves == {12: kst(2024, 4, 14, 22, 30)}


def test_special_in_a_slot_shifts_the_episodes_without_any_exception() -> None:
    snapshot = plan_import(*listing(MOONRISE))
    assert (snapshot.skips, dict(snapshot.moves)) == (frozenset(), {})
    assert [sp.title for sp in snapshot.specials] == [
        "Hotel Moonrise: Check-In Recap",
        "Behind the Front Desk",
    ]


def test_streaming_show_without_times_releases_at_the_default_time() -> None:
    snapshot = plan_import(*listing(GLASS_GARDEN))
    assert snapshot.network == "Netflix"
    assert snapshot.web
    assert snapshot.time_assumed
    assert snapshot.slots == (Slot(FRI, DEFAULT_RELEASE_TIME),)
    assert snapshot.runtime_min == 61  # averageRuntime when runtime varies
    numbered, _ = model_instants(snapshot)
    assert numbered[1] == numbered[4] == kst(2024, 5, 10, 16, 0)
    assert numbered[8] == kst(2024, 5, 24, 16, 0)


def test_streaming_show_takes_the_release_time_a_moderator_gives() -> None:
    snapshot = plan_import(*listing(GLASS_GARDEN), release_time=time(17, 0))
    assert snapshot.slots == (Slot(FRI, time(17, 0)),)
    assert not snapshot.time_assumed
    assert model_instants(snapshot)[0][1] == kst(2024, 5, 10, 17, 0)


def test_non_korean_show_is_refused_by_name() -> None:
    with pytest.raises(NotKorean) as caught:
        plan_import(*listing(HARBOR_LIGHTS))
    assert caught.value.message.startswith("“Harbor Lights” (NBC in US) is not a Korean show")
    assert "/drama add" in caught.value.message


def test_streaming_show_in_another_language_is_refused() -> None:
    show, episodes = listing(GLASS_GARDEN)
    with pytest.raises(NotKorean, match="Netflix"):
        plan_import(replace(show, language="English"), episodes)


def test_broadcast_show_without_times_asks_for_the_time() -> None:
    with pytest.raises(NoSchedule, match=r"no broadcast time for “Spring Letter”.*21:30"):
        plan_import(*listing(SPRING_LETTER))


def test_broadcast_show_without_times_imports_with_the_given_time() -> None:
    snapshot = plan_import(*listing(SPRING_LETTER), release_time=time(21, 50))
    assert snapshot.slots == (Slot(MON, time(21, 50)), Slot(TUE, time(21, 50)))
    assert (snapshot.premiere, snapshot.episodes, snapshot.runtime_min) == (date(2024, 6, 3), 4, 60)
    assert not snapshot.time_assumed


def test_announced_show_without_episodes_is_refused() -> None:
    with pytest.raises(NoSchedule, match="no episodes"):
        plan_import(*listing(UNTITLED))


# -- synthetic shows: the nasty cases ------------------------------------------------------

BASE_SHOW, _ = listing(SECRETARY_KIM)
WED_THU = [kst(2018, 6, 6) + timedelta(weeks=w, days=d) for w in range(8) for d in (0, 1)]


def episodes_at(
    instants: list[datetime | None],
    specials: tuple[tuple[datetime, str], ...] = (),
    season: int = 1,
) -> tuple[Episode, ...]:
    episodes = [
        Episode(
            id=100 * season + number,
            season=season,
            number=number,
            type="regular",
            name=f"Episode {number}",
            airdate=kst_date(at) if at else None,
            airtime=at.astimezone(KST).time() if at else None,
            airstamp=at,
            runtime=70,
        )
        for number, at in enumerate(instants, start=1)
    ]
    episodes += [
        Episode(9000 + i, season, None, "significant_special", name, kst_date(at), time(0), at, 60)
        for i, (at, name) in enumerate(specials)
    ]
    return tuple(episodes)


def check_round_trip(show: Show, episodes: tuple[Episode, ...]) -> Snapshot:
    """Import, and check every dated broadcast airs where TVmaze says (undated ones are free)."""
    snapshot = plan_import(show, episodes)
    numbered, specials = model_instants(snapshot)
    dated, dated_specials = effective_instants(show, episodes)
    assert {number: numbered.get(number) for number in dated} == dated
    assert specials == dated_specials
    return snapshot


def test_moved_last_episode_is_one_move() -> None:
    instants: list[datetime | None] = [*WED_THU[:15], kst(2018, 7, 27, 22, 0)]
    snapshot = check_round_trip(BASE_SHOW, episodes_at(instants))
    assert (snapshot.skips, dict(snapshot.moves)) == (frozenset(), {16: kst(2018, 7, 27, 22, 0)})


def test_last_episode_on_a_later_slot_is_a_move_not_a_pre_emption() -> None:
    instants: list[datetime | None] = [*WED_THU[:15], kst(2018, 8, 1)]
    snapshot = check_round_trip(BASE_SHOW, episodes_at(instants))
    assert (snapshot.skips, dict(snapshot.moves)) == (frozenset(), {16: kst(2018, 8, 1)})


def test_one_pre_empted_date_shifts_every_later_episode_by_one_slot() -> None:
    # Wed 4 Jul pre-empted: episode 9 airs Thu 5 Jul, ..., episode 16 Wed 1 Aug.
    instants: list[datetime | None] = [*WED_THU[:8], *WED_THU[9:], kst(2018, 8, 1)]
    snapshot = check_round_trip(BASE_SHOW, episodes_at(instants))
    assert (snapshot.skips, dict(snapshot.moves)) == ({date(2018, 7, 4)}, {})


def test_whole_week_skipped_is_two_skips() -> None:
    later = [at + timedelta(weeks=1) for at in WED_THU[8:]]
    snapshot = check_round_trip(BASE_SHOW, episodes_at([*WED_THU[:8], *later]))
    assert snapshot.skips == {date(2018, 7, 4), date(2018, 7, 5)}
    assert dict(snapshot.moves) == {}


def test_episode_a_day_early_is_a_move_and_later_ones_stay() -> None:
    instants: list[datetime | None] = list(WED_THU)
    instants[8] = kst(2018, 7, 3)  # Tuesday instead of Wednesday
    snapshot = check_round_trip(BASE_SHOW, episodes_at(instants))
    assert (snapshot.skips, dict(snapshot.moves)) == (frozenset(), {9: kst(2018, 7, 3)})


def test_episode_moved_onto_a_day_another_episode_airs_is_a_move_not_a_skip() -> None:
    instants: list[datetime | None] = list(WED_THU)
    instants[8] = WED_THU[10]  # episode 9 swaps places with 11: no date can be skipped
    instants[10] = WED_THU[8]
    snapshot = check_round_trip(BASE_SHOW, episodes_at(instants))
    assert snapshot.skips == frozenset()
    assert set(snapshot.moves) == {9, 11}


def test_undated_later_episodes_take_their_predicted_slots() -> None:
    instants: list[datetime | None] = [*WED_THU[:10], *[None] * 8]
    snapshot = check_round_trip(BASE_SHOW, episodes_at(instants))
    assert snapshot.episodes == 18
    assert (snapshot.skips, dict(snapshot.moves)) == (frozenset(), {})
    assert model_instants(snapshot)[0][18] == kst(2018, 8, 2)


def test_untimed_episode_of_a_timed_show_airs_at_the_schedule_time() -> None:
    episodes = list(episodes_at(list(WED_THU)))
    episodes[8] = replace(episodes[8], airtime=None, airstamp=None)  # TVmaze lost its time
    snapshot = check_round_trip(BASE_SHOW, tuple(episodes))
    assert (snapshot.skips, dict(snapshot.moves), snapshot.time_assumed) == (frozenset(), {}, False)


def test_special_without_a_time_is_left_out() -> None:
    untimed = Episode(
        77, 1, None, "insignificant_special", "Recap", date(2018, 7, 1), None, None, 30
    )
    show = replace(BASE_SHOW, time=None)
    snapshot = check_round_trip(show, (*episodes_at(list(WED_THU)), untimed))
    assert snapshot.specials == ()
    assert not snapshot.time_assumed


def test_first_episode_without_a_date_is_refused() -> None:
    with pytest.raises(NoSchedule, match="first episode"):
        plan_import(BASE_SHOW, episodes_at([None, *WED_THU[1:]]))


def test_latest_season_is_imported() -> None:
    season_one = episodes_at(list(WED_THU), season=1)
    season_two = episodes_at(
        [kst(2020, 3, 7, 21, 0) + timedelta(weeks=w) for w in range(6)], season=2
    )
    show = replace(BASE_SHOW, days=(SAT,), time=time(21, 0))
    snapshot = check_round_trip(show, season_one + season_two)
    assert (snapshot.premiere, snapshot.episodes, snapshot.slots) == (
        date(2020, 3, 7),
        6,
        (Slot(SAT, time(21, 0)),),
    )


def test_stale_schedule_gives_way_to_the_days_episodes_air() -> None:
    show = replace(BASE_SHOW, days=(MON, TUE), time=time(22, 0))
    snapshot = check_round_trip(show, episodes_at(list(WED_THU)))
    assert snapshot.slots == (Slot(WED, time(21, 30)), Slot(THU, time(21, 30)))
    assert (snapshot.skips, dict(snapshot.moves)) == (frozenset(), {})


def test_too_many_episodes_are_refused() -> None:
    daily = [kst(2020, 1, 6, 20, 30) + timedelta(days=d) for d in range(301)]
    show = replace(BASE_SHOW, days=tuple(range(7)), time=time(20, 30))
    with pytest.raises(NoSchedule, match="at most 300"):
        plan_import(show, episodes_at(daily))


def test_schedule_time_in_another_zone_becomes_kst_weekday_and_time() -> None:
    show = replace(BASE_SHOW, days=(TUE,), time=time(21, 0), timezone="America/New_York")
    assert schedule_slots(show, date(2023, 9, 19), None) == (Slot(WED, time(10, 0)),)
    assert schedule_slots(show, date(2023, 12, 5), None) == (Slot(WED, time(11, 0)),)


def test_unknown_zone_is_read_as_kst() -> None:
    show = replace(BASE_SHOW, timezone="Mars/Olympus")
    assert schedule_slots(show, date(2018, 6, 6), None) == (
        Slot(WED, time(21, 30)),
        Slot(THU, time(21, 30)),
    )


def test_kst_has_no_dst_so_slots_keep_their_utc_instant_all_year() -> None:
    weekly = [kst(2023, 1, 4) + timedelta(weeks=w) for w in range(52)]
    show = replace(BASE_SHOW, days=(WED,))
    snapshot = check_round_trip(show, episodes_at(weekly))
    assert dict(snapshot.moves) == {}
    assert {at.astimezone(UTC).time() for at in model_instants(snapshot)[0].values()} == {
        time(12, 30)
    }


def test_hostile_title_is_made_plain_and_passes_the_title_check() -> None:
    show = replace(BASE_SHOW, name="Love *and* <Lies> @everyone `now`", channel="tvN | @here")
    snapshot = plan_import(show, episodes_at(list(WED_THU)))
    assert snapshot.title == "Love and Lies everyone now"
    assert check_title(snapshot.title) == snapshot.title
    assert snapshot.network == "tvN here"


@pytest.mark.parametrize(
    ("runtime", "average", "episode_runtime", "expected"),
    [(70, 65, 50, 70), (None, 65, 50, 65), (None, None, 50, 50), (None, None, None, 60)],
)
def test_runtime_falls_back_to_average_then_episodes_then_an_hour(
    runtime: int | None, average: int | None, episode_runtime: int | None, expected: int
) -> None:
    show = replace(BASE_SHOW, runtime=runtime, average_runtime=average)
    episodes = tuple(replace(ep, runtime=episode_runtime) for ep in episodes_at(list(WED_THU)))
    assert plan_import(show, episodes).runtime_min == expected


def test_plain_cuts_and_collapses() -> None:
    assert plain("  a\n\tb  ", 10) == "a b"
    assert plain("abcdef ghij", 7) == "abcdef"


@pytest.mark.parametrize("show_id", IMPORTABLE)
def test_snapshot_survives_json(show_id: int) -> None:
    snapshot = plan_import(*listing(show_id))
    assert snapshot_from_json(snapshot_to_json(snapshot)) == snapshot


# -- the property, on random schedules -----------------------------------------------------


def random_spec(rng: random.Random) -> DramaSpec:
    days = rng.sample(range(7), rng.randint(1, 3))
    times = [time(rng.choice([0, 9, 20, 21, 22, 23]), rng.choice([0, 10, 30, 50]))]
    if rng.random() < 0.3:
        times.append(time(rng.randint(0, 23), 0))
    slots = tuple(Slot(day, rng.choice(times)) for day in days)
    premiere = date(2018, 1, 1) + timedelta(days=rng.randint(0, 2000))
    count = rng.randint(1, 40)
    spec = DramaSpec(slots, premiere, count)
    regular = [ep.at for ep in episode_list(spec)]
    skips = frozenset(kst_date(at) for at in rng.sample(regular, rng.randint(0, min(3, count))))
    moves = {
        rng.randint(1, count): rng.choice(regular)
        + timedelta(minutes=rng.choice([-1440, 30, 10080]))
        for _ in range(rng.randint(0, 3))
    }
    specials = tuple(
        Special(
            i,
            rng.choice([rng.choice(regular), regular[0] + timedelta(hours=rng.randint(1, 500))]),
            f"sp{i}",
        )
        for i in range(rng.randint(0, 2))
    )
    return DramaSpec(slots, premiere, count, 60, skips, moves, specials)


def tvmaze_listing(spec: DramaSpec) -> tuple[Show, tuple[Episode, ...]]:
    """What TVmaze would list for a drama that airs as `spec` says."""
    episodes = []
    for ep in episode_list(spec):
        local = ep.at.astimezone(KST)
        number, kind = (
            (ep.number, "regular") if ep.number is not None else (None, "significant_special")
        )
        ident = ep.number if ep.number is not None else 1000 + (ep.special_id or 0)
        episodes.append(
            Episode(ident, 1, number, kind, ep.title, local.date(), local.time(), ep.at, 60)
        )
    first = spec.slots[0]
    show = replace(BASE_SHOW, days=tuple(s.weekday for s in spec.slots), time=first.at)
    return show, tuple(episodes)


@pytest.mark.parametrize("seed", range(300))
def test_import_reproduces_any_schedule_the_model_can_express(seed: int) -> None:
    spec = random_spec(random.Random(seed))
    show, episodes = tvmaze_listing(spec)
    snapshot = plan_import(show, episodes)
    expected = {ep.number: ep.at for ep in episode_list(spec) if ep.number is not None}
    assert model_instants(snapshot)[0] == expected
    assert snapshot.episodes == spec.episodes


def test_to_utc_is_the_kst_wall_clock() -> None:
    assert to_utc(date(2018, 6, 6), time(21, 30)) == datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
