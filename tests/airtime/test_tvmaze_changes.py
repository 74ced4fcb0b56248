"""Pure tests: what changed between two checks of TVmaze, and the fans' notice lines."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from cogs.airtime.schedule import DramaSpec, Slot, Special
from cogs.airtime.tvmaze_changes import (
    NOTICE_LINES,
    EpisodeCountChanged,
    EpisodeMoved,
    PreemptionAdded,
    PreemptionRemoved,
    PremiereMoved,
    ScheduleChange,
    SlotsChanged,
    SpecialAdded,
    SpecialCancelled,
    SpecialMoved,
    kst_when,
    notice,
    schedule_changes,
    special_changes,
)
from cogs.airtime.tvmaze_import import plan_import
from tests.airtime.tvmaze_support import kst, listing
from tests.faketvmaze import BAKERY, SECRETARY_KIM, FakeTvmaze

WED, THU = 2, 3
DURING_KIM = kst(2018, 6, 25, 12, 0)  # episode 8 of 16 has not aired yet
DURING_BAKERY = kst(2024, 4, 1, 12, 0)


def unix(at: datetime) -> int:
    return int(at.timestamp())


def spec_of(show_id: int, fake: FakeTvmaze) -> DramaSpec:
    return plan_import(*listing(show_id, fake)).spec()


def check_again(show_id: int, fake: FakeTvmaze, now: datetime) -> list[ScheduleChange]:
    """Import, let the test change the fake, import again: what changed?"""
    before = spec_of(show_id, FakeTvmaze())
    return schedule_changes(before, spec_of(show_id, fake), now)


def test_kst_when_is_short_kst_with_a_discord_timestamp() -> None:
    at = kst(2018, 7, 12)
    assert kst_when(at) == f"Thu 12 Jul 21:30 KST (<t:{unix(at)}:F>)"


def test_pre_emption_appearing_between_checks() -> None:
    fake = FakeTvmaze()
    fake.preempt(SECRETARY_KIM, date(2018, 7, 4))
    changes = check_again(SECRETARY_KIM, fake, DURING_KIM)
    assert changes == [
        PreemptionAdded(date(2018, 7, 4), 9, kst(2018, 7, 5)),
        EpisodeMoved(16, kst(2018, 7, 26), kst(2018, 8, 1), finale=True),
    ]
    assert [change.line() for change in changes] == [
        "No episode on Wed 4 Jul (pre-empted): episode 9 now airs Thu 5 Jul 21:30 KST "
        f"(<t:{unix(kst(2018, 7, 5))}:F>)",
        f"Finale (episode 16) moved: now Wed 1 Aug 21:30 KST (<t:{unix(kst(2018, 8, 1))}:F>)",
    ]


def test_moved_episode() -> None:
    fake = FakeTvmaze()
    fake.move_episode(SECRETARY_KIM, 9, kst(2018, 7, 12))
    changes = check_again(SECRETARY_KIM, fake, DURING_KIM)
    assert changes == [EpisodeMoved(9, kst(2018, 7, 4), kst(2018, 7, 12))]
    assert changes[0].line() == (
        f"Episode 9 moved: now Thu 12 Jul 21:30 KST (<t:{unix(kst(2018, 7, 12))}:F>)"
    )


def test_extension() -> None:
    fake = FakeTvmaze()
    fake.extend(SECRETARY_KIM, 2)
    changes = check_again(SECRETARY_KIM, fake, DURING_KIM)
    assert changes == [EpisodeCountChanged(16, 18, kst(2018, 8, 2))]
    assert changes[0].line() == (
        "Extended to 18 episodes (was 16): the finale airs Thu 2 Aug 21:30 KST "
        f"(<t:{unix(kst(2018, 8, 2))}:F>)"
    )


def test_new_special() -> None:
    fake = FakeTvmaze()
    fake.add_special(SECRETARY_KIM, "Secretary Kim: *Wedding* Special", kst(2018, 7, 28, 20, 0))
    changes = check_again(SECRETARY_KIM, fake, DURING_KIM)
    assert changes == [SpecialAdded("Secretary Kim: Wedding Special", kst(2018, 7, 28, 20, 0))]
    assert changes[0].line().startswith("New special “Secretary Kim: Wedding Special”: Sat 28 Jul")


def test_finale_moved_again() -> None:
    fake = FakeTvmaze()
    fake.move_episode(BAKERY, 12, kst(2024, 4, 20, 22, 30))
    changes = check_again(BAKERY, fake, DURING_BAKERY)
    assert changes == [
        EpisodeMoved(12, kst(2024, 4, 14, 22, 30), kst(2024, 4, 20, 22, 30), finale=True)
    ]
    assert changes[0].line().startswith("Finale (episode 12) moved: now Sat 20 Apr 22:30 KST")


def test_nothing_changed_means_no_notice() -> None:
    assert check_again(SECRETARY_KIM, FakeTvmaze(), DURING_KIM) == []
    assert notice("Secretary Kim", []) is None


def test_changes_to_broadcasts_already_past_are_not_announced() -> None:
    fake = FakeTvmaze()
    fake.move_episode(SECRETARY_KIM, 3, kst(2018, 6, 15))
    fake.preempt(SECRETARY_KIM, date(2018, 6, 20))
    assert check_again(SECRETARY_KIM, fake, kst(2018, 8, 30)) == []


BASE = plan_import(*listing(SECRETARY_KIM)).spec()


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (
            replace(BASE, premiere=date(2018, 6, 13), specials=()),
            [
                PremiereMoved(date(2018, 6, 6), date(2018, 6, 13), kst(2018, 6, 13)),
                EpisodeMoved(16, kst(2018, 7, 26), kst(2018, 8, 2), finale=True),
            ],
        ),
        (
            replace(BASE, slots=(Slot(WED, time(22, 0)), Slot(THU, time(22, 0))), specials=()),
            [
                SlotsChanged(BASE.slots, (Slot(WED, time(22, 0)), Slot(THU, time(22, 0)))),
                EpisodeMoved(16, kst(2018, 7, 26), kst(2018, 7, 26, 22, 0), finale=True),
            ],
        ),
        (
            replace(BASE, episodes=14, specials=()),
            [EpisodeCountChanged(16, 14, kst(2018, 7, 19))],
        ),
    ],
)
def test_premiere_slot_and_count_changes(after: DramaSpec, expected: list[ScheduleChange]) -> None:
    before = replace(BASE, specials=())
    assert schedule_changes(before, after, kst(2018, 6, 1)) == expected


def test_premiere_slot_and_cut_lines() -> None:
    assert PremiereMoved(date(2018, 6, 6), date(2018, 6, 13), None).line() == (
        "Premiere moved to Wed 13 Jun (was Wed 6 Jun)"
    )
    slots = (Slot(WED, time(22, 0)), Slot(THU, time(22, 0)))
    assert SlotsChanged(BASE.slots, slots).line() == (
        "New broadcast slot: Wed+Thu 22:00 KST (was Wed+Thu 21:30 KST)"
    )
    assert EpisodeCountChanged(16, 14, None).line() == "Cut to 14 episodes (was 16)"


def test_pre_emption_removed_says_which_episode_airs_that_day() -> None:
    before = replace(BASE, skips=frozenset({date(2018, 7, 4)}))
    changes = schedule_changes(before, BASE, DURING_KIM)
    assert changes[0] == PreemptionRemoved(date(2018, 7, 4), 9, kst(2018, 7, 4))
    assert changes[0].line().startswith("Wed 4 Jul is no longer pre-empted: episode 9 airs Wed 4")
    assert changes[1] == EpisodeMoved(16, kst(2018, 8, 1), kst(2018, 7, 26), finale=True)


def test_pre_emption_of_a_date_with_no_episode() -> None:
    after = replace(BASE, skips=frozenset({date(2018, 8, 8)}))
    assert schedule_changes(BASE, after, DURING_KIM) == [PreemptionAdded(date(2018, 8, 8))]
    assert PreemptionAdded(date(2018, 8, 8)).line() == "No episode on Wed 8 Aug (pre-empted)"


def test_specials_matched_by_id_then_by_title() -> None:
    now = kst(2018, 6, 1)
    recap = Special(1, kst(2018, 7, 1, 18, 0), "Recap")
    diary = Special(2, kst(2018, 7, 8, 18, 0), "Diary")
    before = (recap, diary)
    after = (
        Special(1, kst(2018, 7, 2, 18, 0), "Recap"),  # same id, new time
        Special(7, kst(2018, 7, 9, 18, 0), "Diary"),  # new id (re-added), same title
        Special(8, kst(2018, 7, 10, 18, 0), "Bloopers"),
    )
    assert special_changes(before, after, now) == [
        SpecialMoved("Recap", recap.at, kst(2018, 7, 2, 18, 0)),
        SpecialMoved("Diary", diary.at, kst(2018, 7, 9, 18, 0)),
        SpecialAdded("Bloopers", kst(2018, 7, 10, 18, 0)),
    ]
    assert special_changes(before, (), now) == [
        SpecialCancelled("Recap", recap.at),
        SpecialCancelled("Diary", diary.at),
    ]
    assert special_changes(before, (), kst(2018, 7, 5)) == [SpecialCancelled("Diary", diary.at)]
    assert SpecialCancelled("Re*cap*", recap.at).line() == (
        "Special “Re\\*cap\\*” cancelled (was Sun 1 Jul 18:00 KST)"
    )


def test_notice_names_the_drama_and_tvmaze_and_caps_its_lines() -> None:
    changes: list[ScheduleChange] = [
        EpisodeMoved(n, None, kst(2018, 7, 4)) for n in range(1, NOTICE_LINES + 4)
    ]
    text = notice("Kim *Secretary* @everyone", changes)
    assert text is not None
    lines = text.split("\n")
    assert lines[0] == (
        "📢 Schedule change for **Kim \\*Secretary\\* @\u200beveryone** (schedule data: TVmaze):"
    )
    assert len(lines) == 1 + NOTICE_LINES + 1
    assert lines[1].startswith("• Episode 1 moved: now Wed 4 Jul 21:30 KST")
    assert lines[-1] == "• …and 3 more (see `/airtime episodes`)"
    assert len(text) <= 2000
