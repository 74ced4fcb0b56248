"""Pure rules of scheduled events and episode threads: what to do, names, inputs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.errors import InvalidInput
from cogs.airtime import events, threads
from cogs.airtime.events import EventRow, EventSpec
from cogs.airtime.native import ACTIVE, COMPLETED, SCHEDULED, LiveEvent
from cogs.airtime.records import Drama
from cogs.airtime.schedule import Episode, Slot

NOW = datetime(2018, 6, 6, 10, 0, tzinfo=UTC)
EP1 = datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
KIM = Drama(1, 1, "What's Wrong with Secretary Kim", ("Kim",), "tvN",
            (Slot(2, time(21, 30)), Slot(3, time(21, 30))), date(2018, 6, 6), 16, 70,
            streaming="Viki")  # fmt: skip


def spec(key: str, start: datetime, name: str | None = None) -> EventSpec:
    end = start + timedelta(minutes=70)
    return EventSpec(key, name or f"Kim · Episode {key}", "d", "tvN", start, end)


def row(key: str, start: datetime, state: str = "open", event_id: int | None = 10) -> EventRow:
    return EventRow(int(key) if key.isdigit() else 99, state, event_id, spec(key, start))


def live(event_id: int, start: datetime, status: int = SCHEDULED, name: str = "") -> LiveEvent:
    return LiveEvent(event_id, True, name or "Kim · Episode 1", start, status)


LATER = EP1 + timedelta(days=7)


@pytest.mark.parametrize(
    ("rows", "want", "listed", "now", "expect"),
    [
        pytest.param([], [spec("1", EP1)], {}, NOW, {"create": ["1"]}, id="new"),
        pytest.param([row("1", EP1)], [spec("1", EP1)], {10: live(10, EP1)}, NOW, {},
                     id="unchanged"),
        pytest.param([row("1", EP1)], [spec("1", LATER)], {10: live(10, EP1)}, NOW,
                     {"edit": ["1"]}, id="moved"),
        pytest.param([row("1", EP1)], [spec("2", LATER)], {10: live(10, EP1)}, NOW,
                     {"delete": ["1"], "create": ["2"]}, id="no-longer-wanted"),
        pytest.param([row("1", EP1)], [spec("2", LATER)], {10: live(10, EP1, ACTIVE)},
                     EP1 + timedelta(minutes=5), {"create": ["2"]}, id="airing-stays"),
        pytest.param([row("1", EP1)], [], {10: live(10, EP1, ACTIVE)},
                     EP1 + timedelta(minutes=5), {"delete": ["1"]}, id="airing-but-off"),
        pytest.param([row("1", EP1)], [spec("2", LATER)], {10: live(10, EP1, ACTIVE)},
                     EP1 + timedelta(minutes=71), {"close": ["1"], "create": ["2"]},
                     id="aired"),
        pytest.param([row("1", EP1)], [spec("1", EP1)], {}, NOW, {"gone": ["1"]},
                     id="deleted-by-a-person"),
        pytest.param([row("1", EP1)], [], {}, EP1 + timedelta(hours=2), {"forget": ["1"]},
                     id="ended-by-discord"),
        pytest.param([row("1", EP1, "gone")], [spec("1", EP1)], {}, NOW, {},
                     id="gone-is-not-recreated"),
        pytest.param([row("1", EP1, "claimed", None)], [spec("1", EP1)],
                     {5: live(5, EP1)}, NOW, {"settled": ["1"]}, id="crash-after-create"),
        pytest.param([row("1", EP1, "claimed", None)], [spec("1", EP1)], {}, NOW,
                     {"forget": ["1"], "create": ["1"]}, id="crash-before-create"),
        pytest.param([row("1", EP1, "dropping")], [], {10: live(10, EP1)}, NOW,
                     {"delete": ["1"]}, id="removed-drama"),
        pytest.param([row("1", EP1, "dropping")], [], {}, NOW, {"forget": ["1"]},
                     id="removed-drama-already-gone"),
        pytest.param([], [spec("1", NOW + timedelta(seconds=30))], {}, NOW, {},
                     id="too-soon-to-create"),
    ],
)  # fmt: skip
def test_plan(
    rows: list[EventRow],
    want: list[EventSpec],
    listed: dict[int, LiveEvent],
    now: datetime,
    expect: dict[str, list[str]],
) -> None:
    done = events.plan(rows, want, listed, now)
    got = {
        "settled": [r.key for r, _ in done.settled],
        "forget": [r.key for r in done.forget],
        "gone": [r.key for r in done.gone],
        "close": [r.key for r, _ in done.close],
        "delete": [r.key for r in done.delete],
        "edit": [r.key for r, _ in done.edit],
        "create": [s.key for s in done.create],
    }
    assert {k: v for k, v in got.items() if v} == expect


def test_the_next_two_broadcasts_and_the_finale_marker() -> None:
    wanted = events.wanted(KIM, 2, NOW)
    assert [s.key for s in wanted] == ["1", "2"]
    assert wanted[0].start == EP1
    assert wanted[0].end == EP1 + timedelta(minutes=70)
    assert wanted[0].location == "tvN · Viki"
    last = events.wanted(KIM, 2, datetime(2018, 7, 26, 10, 0, tzinfo=UTC))
    assert [s.key for s in last] == ["16"]
    assert last[0].name.endswith("Episode 16 (finale)")
    assert "finale" in last[0].description
    airing = events.wanted(KIM, 1, EP1 + timedelta(minutes=69))
    assert [s.key for s in airing] == ["1"]  # on air until its end


@pytest.mark.parametrize(("count", "ok"), [(None, 2), (1, 1), (100, 100), (0, None),
                                           (200, None), (-1, None)])  # fmt: skip
def test_count_is_one_to_a_hundred(count: int | None, ok: int | None) -> None:
    if ok is None:
        with pytest.raises(InvalidInput, match="at most 100"):
            events.check_count(count)
    else:
        assert events.check_count(count) == ok


def test_room_counts_other_events_and_other_dramas() -> None:
    events.check_room(98, foreign=1, reserved=1)
    with pytest.raises(InvalidInput, match="at most 97"):
        events.check_room(98, foreign=2, reserved=1)
    with pytest.raises(InvalidInput, match=r"server\. My other dramas keep up to 99 events, so"):
        events.check_room(2, foreign=0, reserved=99)


def test_close_completes_an_active_event_and_deletes_an_unstarted_one() -> None:
    assert events.close_status(ACTIVE) == COMPLETED
    assert events.close_status(SCHEDULED) is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [(None, 1440), ("", 1440), ("1h", 60), ("24H", 1440), ("3d", 4320), ("1w", 10080),
     ("60", 60)],
)  # fmt: skip
def test_archive_after(text: str | None, minutes: int) -> None:
    assert threads.parse_archive(text) == minutes


@pytest.mark.parametrize("text", ["2h", "0", "forever", "-1"])
def test_archive_after_refuses_what_discord_does_not_offer(text: str) -> None:
    with pytest.raises(InvalidInput, match="1h"):
        threads.parse_archive(text)


def test_thread_names_fit_discord() -> None:
    ep9 = Episode(9, EP1)
    assert threads.thread_name(KIM, ep9) == (
        "E9 · What's Wrong with Secretary Kim — live discussion, spoilers inside"
    )
    long = replace(KIM, title="A" * 300)
    assert len(threads.thread_name(long, ep9)) <= 100
    special = Episode(None, EP1, title="Recap", special_id=3)
    assert threads.thread_name(KIM, special).startswith("Special · ")


def test_threads_are_owed_while_on_air_after_they_were_turned_on() -> None:
    assert threads.airing(KIM, NOW, EP1 - timedelta(seconds=1)) == []
    assert [ep.number for ep in threads.airing(KIM, NOW, EP1)] == [1]
    assert threads.airing(KIM, EP1 + timedelta(minutes=1), EP1 + timedelta(minutes=5)) == []
    assert threads.airing(KIM, NOW, EP1 + timedelta(minutes=70)) == []
    assert threads.next_start(KIM, NOW) == EP1


def test_the_forum_tag_is_the_one_named_like_the_drama() -> None:
    assert threads.tag_for(KIM, [(1, "Spoilers"), (2, "kim")]) == 2
    assert threads.tag_for(KIM, [(1, "Spoilers")]) is None
