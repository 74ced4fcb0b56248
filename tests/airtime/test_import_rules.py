"""The pure rules of following TVmaze: when to check, backing off, what a moderator overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from cogs.airtime.import_rules import (
    AFTER_END,
    BEFORE_AIR,
    DAILY,
    RETRY_MAX,
    SKIP_REASON,
    SPREAD,
    Current,
    keeps_failing,
    next_check,
    overrides_of,
    retry_at,
    spread,
    steps_of,
)
from cogs.airtime.records import AddSpecial, Edit, Move, Skip, Undo
from cogs.airtime.schedule import DramaSpec, Slot
from cogs.airtime.tvmaze_import import ImportedSpecial
from cogs.airtime.tvmaze_merge import ImportUpdate
from tests.airtime.tvmaze_support import kst

WED_THU = (Slot(2, time(21, 30)), Slot(3, time(21, 30)))
KIM = DramaSpec(WED_THU, date(2018, 6, 6), 16, 70)
EP1 = kst(2018, 6, 6)
FINALE_END = kst(2018, 7, 26) + timedelta(minutes=70)


@pytest.mark.parametrize("drama_id", [1, 2, 3, 1000, 2**40])
def test_spread_stays_inside_its_window(drama_id: int) -> None:
    assert timedelta(0) <= spread(drama_id) < SPREAD


def test_neighbouring_dramas_are_checked_apart() -> None:
    assert len({spread(n) for n in range(1, 11)}) == 10


@pytest.mark.parametrize(
    ("checked_at", "expected"),
    [
        # A week before the premiere: a day later.
        (EP1 - timedelta(days=7), EP1 - timedelta(days=6)),
        # The day before: in the hour before episode 1, not a day later.
        (EP1 - timedelta(hours=20), EP1 - BEFORE_AIR + spread(7)),
        # Just after that pre-air check: the next is before episode 2 (the next day, 21:30).
        (EP1 - timedelta(minutes=20), kst(2018, 6, 7) - BEFORE_AIR + spread(7)),
        # Between the last two broadcasts of a week: before Thursday's.
        (kst(2018, 6, 13, 23, 0), kst(2018, 6, 14) - BEFORE_AIR + spread(7)),
        # After the finale: daily until two days after it ends.
        (FINALE_END, FINALE_END + DAILY),
        (
            FINALE_END + AFTER_END - timedelta(minutes=1),
            FINALE_END + AFTER_END + DAILY - timedelta(minutes=1),
        ),
        (FINALE_END + AFTER_END, None),
    ],
)
def test_next_check_is_daily_and_in_the_hour_before_each_episode(
    checked_at: datetime, expected: datetime | None
) -> None:
    assert next_check(KIM, 7, checked_at) == expected


def test_a_broadcast_check_lands_between_an_hour_and_half_an_hour_before_air() -> None:
    for drama_id in range(1, 50):
        planned = next_check(KIM, drama_id, EP1 - timedelta(hours=3))
        assert planned is not None
        assert EP1 - BEFORE_AIR <= planned < EP1 - BEFORE_AIR + SPREAD


def test_retries_double_up_to_a_ceiling() -> None:
    now = datetime(2018, 6, 1, tzinfo=UTC)
    waits = [retry_at(failures, now) - now for failures in range(1, 8)]
    assert waits[:4] == [timedelta(minutes=m) for m in (10, 20, 40, 80)]
    assert waits[-1] == RETRY_MAX
    assert retry_at(10_000, now) - now == RETRY_MAX  # no overflow on a long outage


def test_moderators_hear_of_failures_after_a_day() -> None:
    since = datetime(2018, 6, 1, tzinfo=UTC)
    assert not keeps_failing(None, since + timedelta(days=5))
    assert not keeps_failing(since, since + timedelta(hours=23))
    assert keeps_failing(since, since + timedelta(days=1))


def test_override_keys_of_a_moderators_changes() -> None:
    at = kst(2018, 7, 5, 22, 0)
    changes = [
        Edit({"episodes": 18, "aliases": ("x",), "streaming": "Viki"}),
        Move(9, at),
        Skip(date(2018, 6, 20), "World Cup"),
        Undo("skip", "2018-06-27"),
        Undo("move", "3"),
        Undo("special", "41"),  # a special is matched by its TVmaze id, not overridden
        AddSpecial(at, "Making-of"),
    ]
    assert overrides_of(changes) == {
        "episodes",
        "move:9",
        "skip:2018-06-20",
        "skip:2018-06-27",
        "move:3",
    }


def test_an_imports_writes_as_schedule_changes() -> None:
    at = kst(2018, 7, 5, 22, 0)
    special = ImportedSpecial(501, kst(2018, 6, 10, 21, 0), "Special")
    update = ImportUpdate(
        fields={"title": "Taken title", "runtime_min": 75},
        add_skips=frozenset({date(2018, 6, 20), date(2018, 6, 13)}),
        remove_skips=frozenset({date(2018, 6, 27), date(2018, 7, 4)}),
        set_moves={9: at},
        remove_moves=frozenset({3}),
        add_specials=(special,),
        remove_specials=frozenset({400, 401}),
    )
    current = Current(
        skipped={date(2018, 6, 13), date(2018, 6, 27)},  # 06-13 pre-empted by hand already
        specials={400: 77},  # 401 was removed by hand
        title_taken=True,
    )
    assert steps_of(update, current) == [
        Edit({"runtime_min": 75}),  # another drama of the server has the new title
        Undo("skip", "2018-06-27"),  # 07-04 is not pre-empted: nothing to undo
        Skip(date(2018, 6, 20), SKIP_REASON),
        Undo("move", "3"),
        Move(9, at),
        Undo("special", "77"),
        AddSpecial(special.at, "Special", 501),
    ]
