"""Pure tests: a refresh writes only what TVmaze changed, and never what a moderator set."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time

import pytest

from cogs.airtime.schedule import Slot
from cogs.airtime.tvmaze_import import ImportedSpecial, plan_import
from cogs.airtime.tvmaze_merge import (
    FIELDS,
    ImportUpdate,
    first_import,
    merge_import,
    move_key,
    override_keys,
    override_notice,
    skip_key,
    special_key,
)
from tests.airtime.tvmaze_support import kst, listing
from tests.faketvmaze import BAKERY, SECRETARY_KIM

KIM = plan_import(*listing(SECRETARY_KIM))
BAKERY_SNAPSHOT = plan_import(*listing(BAKERY))
LATE_SLOTS = (Slot(2, time(22, 0)), Slot(3, time(22, 0)))


def test_first_import_writes_everything() -> None:
    update = merge_import(None, BAKERY_SNAPSHOT)
    assert update == first_import(BAKERY_SNAPSHOT)
    assert set(update.fields) == set(FIELDS)
    assert update.fields["slots"] == BAKERY_SNAPSHOT.slots
    assert update.add_skips == BAKERY_SNAPSHOT.skips
    assert update.set_moves == BAKERY_SNAPSHOT.moves
    assert not update.empty


def test_unchanged_show_writes_nothing() -> None:
    update = merge_import(KIM, replace(KIM, updated=KIM.updated + 60))
    assert update == ImportUpdate()
    assert update.empty


@pytest.mark.parametrize(
    ("changes", "overrides", "written", "kept"),
    [
        ({"title": "Secretary Kim"}, (), {"title": "Secretary Kim"}, set()),
        ({"title": "Secretary Kim"}, ("title",), {}, {"title"}),
        ({"slots": LATE_SLOTS, "episodes": 18}, ("slots",), {"episodes": 18}, {"slots"}),
        (
            {"runtime_min": 80, "network": "tvN Drama"},
            ("episodes",),
            {"runtime_min": 80, "network": "tvN Drama"},
            set(),
        ),
        ({"premiere": date(2018, 6, 13)}, ("premiere", "title"), {}, {"premiere"}),
    ],
)
def test_fields_tvmaze_changed_are_written_unless_overridden(
    changes: dict[str, object],
    overrides: tuple[str, ...],
    written: dict[str, object],
    kept: set[str],
) -> None:
    update = merge_import(KIM, replace(KIM, **changes), overrides)  # type: ignore[arg-type]
    assert dict(update.fields) == written
    assert update.kept == kept


def test_pre_emptions_follow_tvmaze_except_an_overridden_date() -> None:
    before = replace(KIM, skips=frozenset({date(2018, 7, 4), date(2018, 7, 5)}))
    after = replace(KIM, skips=frozenset({date(2018, 7, 5), date(2018, 7, 11), date(2018, 7, 12)}))
    update = merge_import(before, after, [skip_key(date(2018, 7, 12))])
    assert update.add_skips == {date(2018, 7, 11)}
    assert update.remove_skips == {date(2018, 7, 4)}
    assert update.kept == {"skip:2018-07-12"}


def test_moves_are_set_changed_or_undone_except_an_overridden_episode() -> None:
    before = replace(KIM, moves={9: kst(2018, 7, 4, 23, 0), 12: kst(2018, 7, 12, 22, 0)})
    after = replace(
        KIM, moves={9: kst(2018, 7, 4, 23, 30), 12: kst(2018, 7, 13, 22, 0), 16: kst(2018, 7, 27)}
    )
    update = merge_import(before, after, [move_key(12)])
    assert update.set_moves == {9: kst(2018, 7, 4, 23, 30), 16: kst(2018, 7, 27)}
    assert update.remove_moves == frozenset()
    assert update.kept == {"move:12"}
    undone = merge_import(before, KIM)
    assert (undone.set_moves, undone.remove_moves) == ({}, {9, 12})


def test_specials_are_added_removed_and_replaced_by_tvmaze_episode_id() -> None:
    recap = ImportedSpecial(1, kst(2018, 7, 1, 18, 0), "Recap")
    diary = ImportedSpecial(2, kst(2018, 7, 8, 18, 0), "Diary")
    moved_recap = replace(recap, at=kst(2018, 7, 2, 18, 0))
    bloopers = ImportedSpecial(3, kst(2018, 7, 9, 18, 0), "Bloopers")
    update = merge_import(
        replace(KIM, specials=(recap, diary)), replace(KIM, specials=(moved_recap, bloopers))
    )
    assert update.add_specials == (moved_recap, bloopers)
    assert update.remove_specials == {1, 2}
    held = merge_import(
        replace(KIM, specials=(recap, diary)),
        replace(KIM, specials=(moved_recap, bloopers)),
        [special_key(2)],
    )
    assert held.remove_specials == {1}
    assert held.kept == {"special:2"}


def test_moderators_own_values_survive_when_tvmaze_does_not_touch_them() -> None:
    # The moderator retitled the drama by hand (no override recorded); TVmaze only extends it.
    update = merge_import(KIM, replace(KIM, episodes=18))
    assert dict(update.fields) == {"episodes": 18}


def test_override_keys_from_an_edit() -> None:
    changes = {"title": "Kim", "slots": LATE_SLOTS, "aliases": ("x",), "streaming": "Viki"}
    assert override_keys(changes) == {"title", "slots"}
    assert override_keys({}, move=9, skip=date(2018, 7, 4)) == {"move:9", "skip:2018-07-04"}


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ((), None),
        (("aliases",), None),
        (("title",), "your change to the title stays"),
        (("slots", "title"), "your change to the title and the broadcast days and time stays"),
        (
            ("episodes", "network", "runtime_min"),
            "your change to the network, the episode count and the runtime stays",
        ),
        (("move:9", "runtime_min"), "your change to the runtime and the time of episode 9 stays"),
        (("skip:2018-06-20",), "your change to 2018-06-20 (pre-empted or not) stays"),
    ],
)
def test_override_notice_names_the_fields(keys: tuple[str, ...], expected: str | None) -> None:
    text = override_notice(keys)
    if expected is None:
        assert text is None
    else:
        assert text is not None
        assert expected in text
        assert text.startswith("This drama follows TVmaze")
