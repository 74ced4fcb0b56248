"""Pure tests: the broadcast model, announcement rules, input validation, calendar."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.errors import InvalidInput
from cogs.airtime import announce, catalog, ics, render, schedule, validate
from cogs.airtime.schedule import KST, DramaSpec, Episode, Slot, Special

WED, THU, SAT, SUN = 2, 3, 5, 6


def kst(y: int, mo: int, d: int, h: int = 21, mi: int = 30) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=KST).astimezone(UTC)


def secretary_kim(**changes: object) -> DramaSpec:
    entry = catalog.find("Secretary Kim")
    assert entry is not None
    spec = DramaSpec(entry.slots, entry.premiere, entry.episodes, entry.runtime_min)
    return DramaSpec(**{**spec.__dict__, **changes})  # type: ignore[arg-type]


# The real broadcast dates of "What's Wrong with Secretary Kim" (tvN, Wed+Thu 21:30 KST).
REAL_DATES = [
    (1, date(2018, 6, 6)), (2, date(2018, 6, 7)), (3, date(2018, 6, 13)),
    (4, date(2018, 6, 14)), (5, date(2018, 6, 20)), (6, date(2018, 6, 21)),
    (7, date(2018, 6, 27)), (8, date(2018, 6, 28)), (9, date(2018, 7, 4)),
    (10, date(2018, 7, 5)), (11, date(2018, 7, 11)), (12, date(2018, 7, 12)),
    (13, date(2018, 7, 18)), (14, date(2018, 7, 19)), (15, date(2018, 7, 25)),
    (16, date(2018, 7, 26)),
]  # fmt: skip


def test_catalog_drama_has_its_sixteen_real_air_dates() -> None:
    episodes = schedule.episode_list(secretary_kim())
    assert [(ep.number, schedule.kst_date(ep.at)) for ep in episodes] == REAL_DATES
    assert all(ep.at.astimezone(KST).time() == time(21, 30) for ep in episodes)
    assert episodes[0].at == datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
    assert [ep.finale for ep in episodes] == [False] * 15 + [True]


@pytest.mark.parametrize(
    ("number", "expected"),
    [(1, kst(2018, 6, 6)), (12, kst(2018, 7, 12)), (16, kst(2018, 7, 26))],
)
def test_catalog_known_episodes(number: int, expected: datetime) -> None:
    episodes = {ep.number: ep.at for ep in schedule.episode_list(secretary_kim())}
    assert episodes[number] == expected


def test_catalog_validates_and_matches_aliases() -> None:
    assert catalog.check_data() == []
    for name in ("secretary kim", "김비서가 왜 그럴까", "WHAT'S WRONG WITH SECRETARY KIM"):
        found = catalog.find(name)
        assert found is not None
        assert found.key == "secretary-kim"
    assert catalog.find("Goblin") is None


def test_catalog_check_reports_bad_file(tmp_path) -> None:
    bad = tmp_path / "c.yaml"
    bad.write_text(
        "dramas:\n  - key: x\n    title: X\n    network: N\n    days: Funday\n"
        "    time: '21:30'\n    premiere: '2018-06-06'\n    episodes: 16\n"
    )
    assert catalog.check_data(bad)


def test_slot_across_midnight_is_the_previous_utc_day() -> None:
    # 00:10 KST on Sunday is 15:10 UTC on Saturday.
    spec = DramaSpec((Slot(SUN, time(0, 10)),), date(2024, 1, 1), 3)
    episodes = schedule.episode_list(spec)
    assert [ep.at for ep in episodes] == [
        datetime(2024, 1, 6, 15, 10, tzinfo=UTC),
        datetime(2024, 1, 13, 15, 10, tzinfo=UTC),
        datetime(2024, 1, 20, 15, 10, tzinfo=UTC),
    ]
    assert all(ep.at.weekday() == SAT for ep in episodes)
    assert all(schedule.kst_date(ep.at).weekday() == SUN for ep in episodes)


def test_several_slots_a_week_with_different_times() -> None:
    spec = DramaSpec(
        (Slot(SAT, time(22, 30)), Slot(SUN, time(21, 0)), Slot(0, time(20, 50))),
        date(2024, 3, 2),  # a Saturday
        5,
    )
    got = [(ep.number, ep.at) for ep in schedule.episode_list(spec)]
    assert got == [
        (1, kst(2024, 3, 2, 22, 30)),
        (2, kst(2024, 3, 3, 21, 0)),
        (3, kst(2024, 3, 4, 20, 50)),
        (4, kst(2024, 3, 9, 22, 30)),
        (5, kst(2024, 3, 10, 21, 0)),
    ]


def test_premiere_on_a_non_slot_day_starts_at_the_next_slot() -> None:
    spec = DramaSpec((Slot(WED, time(21, 30)),), date(2018, 6, 4), 2)  # a Monday
    assert [ep.at for ep in schedule.episode_list(spec)] == [kst(2018, 6, 6), kst(2018, 6, 13)]


def test_preemption_shifts_every_later_episode() -> None:
    base = schedule.episode_list(secretary_kim())
    skipped = schedule.episode_list(secretary_kim(skips=frozenset({date(2018, 6, 20)})))
    assert [ep.at for ep in skipped[:4]] == [ep.at for ep in base[:4]]
    assert skipped[4].number == 5
    assert skipped[4].at == kst(2018, 6, 21)  # ep 5 moves into ep 6's old slot
    assert [ep.at for ep in skipped[4:15]] == [ep.at for ep in base[5:16]]
    assert skipped[15].number == 16
    assert skipped[15].at == kst(2018, 8, 1)  # the finale moves a slot later
    assert skipped[15].finale


def test_shifted_by_skip_names_the_episode() -> None:
    spec = secretary_kim()
    moved = schedule.shifted_by_skip(spec, date(2018, 6, 20))
    assert moved is not None
    assert moved.number == 5
    assert schedule.shifted_by_skip(spec, date(2018, 6, 22)) is None


def test_moved_episode_changes_only_that_episode() -> None:
    new_time = kst(2018, 6, 22, 23, 0)
    base = schedule.episode_list(secretary_kim())
    moved = schedule.episode_list(secretary_kim(moves={5: new_time}))
    by_number = {ep.number: ep.at for ep in moved}
    assert by_number[5] == new_time
    assert [(n, at) for n, at in by_number.items() if n != 5] == [
        (ep.number, ep.at) for ep in base if ep.number != 5
    ]
    # The list stays in air order: ep 6 (Thu 21st) now airs before ep 5 (Fri 22nd).
    assert [ep.number for ep in moved][4:6] == [6, 5]


@pytest.mark.parametrize(("count", "finale_day"), [(18, date(2018, 8, 2)), (14, date(2018, 7, 19))])
def test_extension_or_cut_changes_the_finale(count: int, finale_day: date) -> None:
    episodes = schedule.episode_list(secretary_kim(episodes=count))
    assert len(episodes) == count
    last = schedule.finale(episodes)
    assert last is not None
    assert last.number == count
    assert schedule.kst_date(last.at) == finale_day
    assert [ep.number for ep in episodes if ep.finale] == [count]


def test_special_is_unnumbered_and_off_slot_specials_do_not_shift() -> None:
    special = Special(7, kst(2018, 6, 9, 19, 0), "Making of")
    episodes = schedule.episode_list(secretary_kim(specials=(special,)))
    assert len(episodes) == 17
    assert [ep.number for ep in episodes][:5] == [1, 2, None, 3, 4]
    assert episodes[2].key == "sp7"
    assert episodes[2].label() == "Special: Making of"
    assert schedule.aired_count(episodes, special.at) == 2


def test_special_in_a_regular_slot_preempts_it() -> None:
    special = Special(1, kst(2018, 6, 7), "Recap")
    episodes = schedule.episode_list(secretary_kim(specials=(special,)))
    assert (episodes[1].number, episodes[1].at) == (None, kst(2018, 6, 7))
    assert (episodes[2].number, episodes[2].at) == (2, kst(2018, 6, 13))


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (kst(2018, 6, 1, 0, 0), 1),
        (kst(2018, 6, 6) - timedelta(seconds=1), 1),
        (kst(2018, 6, 6), 2),  # at the exact instant ep 1 is airing, "next" is ep 2
        (kst(2018, 6, 6) + timedelta(seconds=1), 2),
        (kst(2018, 7, 12), 13),
        (kst(2018, 7, 26) - timedelta(seconds=1), 16),
        (kst(2018, 7, 26), None),  # ended
        (kst(2030, 1, 1), None),
    ],
)
def test_next_after(after: datetime, expected: int | None) -> None:
    found = schedule.next_after(schedule.episode_list(secretary_kim()), after)
    assert (found.number if found else None) == expected


@pytest.mark.parametrize(
    ("at", "aired"),
    [
        (kst(2018, 6, 6) - timedelta(seconds=1), 0),
        (kst(2018, 6, 6), 1),
        (kst(2018, 7, 12), 12),
        (kst(2019, 1, 1), 16),
    ],
)
def test_aired_count(at: datetime, aired: int) -> None:
    assert schedule.aired_count(schedule.episode_list(secretary_kim()), at) == aired


def test_ended_drama() -> None:
    spec = secretary_kim()
    episodes = schedule.episode_list(spec)
    end = kst(2018, 7, 26) + timedelta(minutes=70)
    assert not schedule.has_ended(episodes, spec, end - timedelta(seconds=1))
    assert schedule.has_ended(episodes, spec, end)


def test_every_date_skipped_gives_no_episodes_instead_of_hanging() -> None:
    spec = DramaSpec(
        (Slot(WED, time(21, 30)),),
        date(2018, 6, 6),
        1,
        skips=frozenset(date(2018, 6, 6) + timedelta(weeks=w) for w in range(52 * 12 + 1)),
    )
    assert schedule.episode_list(spec) == []


# -- announcements -----------------------------------------------------------------------------
def _plan(leads: tuple[int, ...] = (60, 10), delay: int | None = None) -> announce.Plan:
    return announce.Plan(leads, delay, datetime(2018, 1, 1, tzinfo=UTC))


def test_planned_announcements_in_order() -> None:
    ep = Episode(1, kst(2018, 6, 6))
    items = announce.planned([ep], _plan(delay=60))
    assert [(a.kind, a.due) for a in items] == [
        ("remind60", ep.at - timedelta(minutes=60)),
        ("remind10", ep.at - timedelta(minutes=10)),
        ("onair", ep.at),
        ("stream", ep.at + timedelta(minutes=60)),
    ]
    assert items[0].deadline == ep.at
    assert items[2].deadline == ep.at + timedelta(minutes=30)


def test_announcements_due_before_configuration_are_not_owed() -> None:
    ep = Episode(1, kst(2018, 6, 6))
    since = ep.at - timedelta(minutes=30)
    items = announce.planned([ep], announce.Plan((60, 10), None, since))
    assert [a.kind for a in items] == ["remind10", "onair"]


@pytest.mark.parametrize(
    ("kind", "offset", "decision"),
    [
        ("remind60", timedelta(0), announce.Decision.SEND),
        ("remind60", timedelta(seconds=60), announce.Decision.SEND),
        ("remind60", timedelta(seconds=61), announce.Decision.SEND_LATE),
        ("remind60", timedelta(minutes=59, seconds=59), announce.Decision.SEND_LATE),
        ("remind60", timedelta(minutes=60), announce.Decision.SKIP),  # air time: too late
        ("onair", timedelta(minutes=29, seconds=59), announce.Decision.SEND_LATE),
        ("onair", timedelta(minutes=30), announce.Decision.SKIP),
        ("stream", timedelta(minutes=31), announce.Decision.SKIP),
    ],
)
def test_grace_rules(kind: str, offset: timedelta, decision: announce.Decision) -> None:
    ep = Episode(1, kst(2018, 6, 6))
    item = next(a for a in announce.planned([ep], _plan(leads=(60,), delay=90)) if a.kind == kind)
    assert announce.decide(item, item.due + offset) is decision


def test_outstanding_drops_done_and_expired() -> None:
    eps = [Episode(1, kst(2018, 6, 6)), Episode(2, kst(2018, 6, 7))]
    items = announce.planned(eps, _plan(leads=(30,)))
    now = eps[0].at + timedelta(minutes=5)
    left = announce.outstanding(items, {("1", "onair")}, now)
    assert [a.key for a in left] == [("2", "remind30"), ("2", "onair")]
    left = announce.outstanding(items, set(), now)
    assert left[0].key == ("1", "onair")


def test_render_pings_only_the_role_and_escapes_the_title() -> None:
    ep = Episode(16, kst(2018, 7, 26), finale=True)
    item = announce.Announcement(ep, "onair", ep.at, ep.at)
    text = announce.render(item, announce.DramaText("Kim @everyone *x*", "tvN", None, 42))
    assert text.startswith("<@&42> ")
    assert "FINALE" in text
    assert "@everyone" not in text.replace("@\u200beveryone", "")
    assert "\\*x\\*" in text
    late = announce.render(
        item, announce.DramaText("K", "tvN", None, None), late=announce.Late.OFFLINE
    )
    assert late.endswith("(late: I was offline)")
    assert "<@&" not in late


def test_skip_notice_names_the_shifted_episode() -> None:
    moved = Episode(5, kst(2018, 6, 21))
    text = announce.skip_notice("Kim", "Wed 2018-06-20", moved)
    assert "No episode of **Kim** on Wed 2018-06-20" in text
    assert f"episode 5 now airs <t:{int(moved.at.timestamp())}:F>" in text
    assert "Thu 2018-06-21 21:30 KST" in text


def test_skip_notice_shows_the_reason_escaped() -> None:
    moved = Episode(5, kst(2018, 6, 21))
    text = announce.skip_notice("Kim", "Wed 2018-06-20", moved, "@everyone *Asian Games*")
    assert "No episode of **Kim** on Wed 2018-06-20 (KST): @\u200beveryone \\*Asian" in text
    assert "@everyone" not in text
    assert "episode 5 now airs" in text
    assert announce.skip_notice("Kim", "Wed 2018-06-20", None, "") == (
        "📢 No episode of **Kim** on Wed 2018-06-20 (KST)."
    )


def test_episode_list_shows_skipped_dates_with_their_reasons_in_order() -> None:
    spec = secretary_kim(skips=frozenset({date(2018, 6, 20), date(2018, 7, 5)}))
    info = render.DramaInfo(
        1, "Kim", "tvN", "Wed Thu", schedule.episode_list(spec), 70,
        skips=((date(2018, 7, 5), ""), (date(2018, 6, 20), "World Cup @here " + "x" * 400)),
    )  # fmt: skip
    lines = render.episode_lines(info, kst(2018, 6, 1))
    assert len(lines) == 18
    assert lines[4].startswith("No episode on Wed 2018-06-20 (KST): World Cup @\u200bhere x")
    assert len(lines[4]) < 300
    assert "Episode 4" in lines[3]
    assert "Episode 5" in lines[5]
    assert "Episode 8 " in lines[8]
    assert lines[9] == "No episode on Thu 2018-07-05 (KST)."
    pages = render.chunk(lines * 20)
    assert all(len(page) <= 2000 for page in pages)


# -- validation --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "days"),
    [("Wed Thu", [2, 3]), ("wed,thu", [2, 3]), ("Saturday and Sunday", [5, 6]),
     ("수 목", [2, 3]), ("Mon Mon", [0])],
)  # fmt: skip
def test_parse_days(text: str, days: list[int]) -> None:
    assert validate.parse_days(text) == days


@pytest.mark.parametrize("text", ["Funday", "", "Wed Thx", "8"])
def test_parse_days_rejects(text: str) -> None:
    with pytest.raises(InvalidInput):
        validate.parse_days(text)


@pytest.mark.parametrize("text", ["25:00", "24:00", "21:60", "9pm", "21.30", "-1:00", ""])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(InvalidInput):
        validate.parse_time(text)


def test_parse_time_accepts() -> None:
    assert validate.parse_time("00:10") == time(0, 10)
    assert validate.parse_time(" 9:05 ") == time(9, 5)


@pytest.mark.parametrize("text", ["2018-02-30", "2018-13-01", "06/06/2018", "2018-6-6", "x"])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(InvalidInput):
        validate.parse_date(text)


@pytest.mark.parametrize(
    ("day", "ok"),
    [(date(1989, 12, 31), False), (date(1990, 1, 1), True), (date(2026, 1, 1), True),
     (date(2028, 1, 1), True), (date(2029, 1, 1), False)],
)  # fmt: skip
def test_premiere_window(day: date, ok: bool) -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    if ok:
        assert validate.check_premiere(day, now) == day
    else:
        with pytest.raises(InvalidInput):
            validate.check_premiere(day, now)


@pytest.mark.parametrize(("count", "ok"), [(0, False), (1, True), (300, True), (500, False)])
def test_episode_count(count: int, ok: bool) -> None:
    if ok:
        assert validate.check_episodes(count) == count
    else:
        with pytest.raises(InvalidInput, match="between 1 and 300"):
            validate.check_episodes(count)


@pytest.mark.parametrize(
    "title",
    ["x" * 101, "", "   ", "@everyone watch", "<@123>", "<@&5>", "**bold**", "a_b", "bell\x07",
     "`code`", "spoiler ||x||"],
)  # fmt: skip
def test_title_rejects(title: str) -> None:
    with pytest.raises(InvalidInput):
        validate.check_title(title)


@pytest.mark.parametrize("control", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_title_refuses_bidi_controls(control: str) -> None:
    # U+202E shows "Kim Secretary" for "yraterceS miK": a title must read as it is stored.
    with pytest.raises(InvalidInput, match="direction"):
        validate.check_title(f"Secretary {control}miK")
    with pytest.raises(InvalidInput, match="direction"):
        validate.parse_aliases(f"ok; {control}evil")


def test_title_accepts_and_normalises() -> None:
    assert validate.check_title("  What's  Wrong with Secretary Kim ") == (
        "What's Wrong with Secretary Kim"
    )
    assert validate.check_title("x" * 100) == "x" * 100
    assert validate.check_title("#Alive") == "#Alive"
    assert validate.check_title("two\nlines") == "two lines"
    assert validate.check_title("김비서가 왜 그럴까") == "김비서가 왜 그럴까"


@pytest.mark.parametrize(
    ("text", "leads"),
    [(None, (30,)), ("", (30,)), ("60,10", (60, 10)), ("10 60 10", (60, 10)), ("none", ())],
)
def test_parse_leads(text: str | None, leads: tuple[int, ...]) -> None:
    assert validate.parse_leads(text) == leads


@pytest.mark.parametrize("text", ["-5", "abc", "2000", "1,2,3,4,5,6"])
def test_parse_leads_rejects(text: str) -> None:
    with pytest.raises(InvalidInput):
        validate.parse_leads(text)


def test_slots_round_trip() -> None:
    slots = validate.make_slots([6, 5], time(0, 10))
    assert validate.decode_slots(validate.encode_slots(slots)) == tuple(sorted(slots))
    assert validate.describe_slots(slots) == "Sat+Sun 00:10 KST"


# -- calendar ----------------------------------------------------------------------------------
def test_calendar_is_valid_rfc5545() -> None:
    episodes = schedule.episode_list(secretary_kim())
    text = ics.render_calendar(
        drama_id=3, title="What's Wrong with Secretary Kim, Part; 1", network="tvN",
        runtime_min=70, episodes=episodes, now=datetime(2018, 6, 1, tzinfo=UTC),
    )  # fmt: skip
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    assert text.count("BEGIN:VEVENT") == 16
    uids = [line for line in lines if line.startswith("UID:")]
    assert len(set(uids)) == 16
    assert "DTSTART:20180606T123000Z" in lines
    assert "DTEND:20180606T134000Z" in lines
    assert "DTSTART:20180726T123000Z" in lines
    assert "Secretary Kim\\, Part\\; 1" in text.replace("\r\n ", "")


def test_fold_never_splits_a_multibyte_character() -> None:
    line = "SUMMARY:" + "김비서가 왜 그럴까 " * 20
    folded = ics.fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode()) <= 75 for part in parts)
    assert "".join(p[1:] if i else p for i, p in enumerate(parts)) == line


SPECS = {
    "plain": secretary_kim(),
    "long": secretary_kim(episodes=300),
    "skips": secretary_kim(skips=frozenset({date(2018, 6, 20), date(2018, 7, 5)})),
    "moves": secretary_kim(episodes=50, moves={2: kst(2018, 9, 1), 40: kst(2018, 6, 1)}),
    "special": secretary_kim(specials=(Special(1, kst(2018, 6, 7), "Recap"),)),
    "midnight": DramaSpec((Slot(SUN, time(0, 10)), Slot(SAT, time(23, 50))), date(2024, 1, 1), 40),
}


@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.parametrize("days", [-30, 0, 1, 20, 45, 100, 400, 3000])
def test_episode_list_since_matches_the_full_list(name: str, days: int) -> None:
    spec = SPECS[name]
    since = kst(2018, 6, 6) + timedelta(days=days, seconds=1)
    if name == "midnight":
        since = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(days=days)
    full = [ep for ep in schedule.episode_list(spec) if ep.at >= since]
    assert schedule.episode_list(spec, since) == full


def parse_ics(text: str) -> list[dict[str, str]]:
    """A strict reader: CRLF only, unfold, split NAME:VALUE, unescape TEXT; one dict per block."""
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert "\r" not in text.replace("\r\n", "")
    unfolded = text.replace("\r\n ", "").split("\r\n")[:-1]
    blocks: list[dict[str, str]] = []
    stack: list[str] = []
    for line in unfolded:
        name, sep, value = line.partition(":")
        assert sep, line
        assert name, line
        assert name == name.upper(), line
        if name == "BEGIN":
            stack.append(value)
            blocks.append({"BEGIN": value})
        elif name == "END":
            assert stack.pop() == value
        else:
            assert name not in blocks[-1], f"{name} twice"
            unescaped = re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)
            bare = re.sub(r"\\.", "", value)  # what is left outside escapes
            assert ";" not in bare, value
            assert "," not in bare, value
            blocks[-1][name] = unescaped
    assert stack == []
    return blocks


def test_calendar_parses_back_with_every_required_property() -> None:
    title = "Kim, Part; 1 — 김비서가 왜 그럴까 " + "long title " * 5
    spec = secretary_kim(specials=(Special(7, kst(2018, 6, 9, 20, 0), "Recap, part 1; BTS"),))
    episodes = schedule.episode_list(spec)
    now = datetime(2018, 6, 1, 3, 4, 5, tzinfo=UTC)
    text = ics.render_calendar(drama_id=3, title=title, network="tvN, CJ", runtime_min=70,
                               episodes=episodes, now=now)  # fmt: skip
    blocks = parse_ics(text)
    calendar, events = blocks[0], blocks[1:]
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    assert calendar["X-WR-CALNAME"] == title
    assert len(events) == 17
    assert len({event["UID"] for event in events}) == 17
    for event, ep in zip(events, episodes, strict=True):
        assert event["DTSTAMP"] == "20180601T030405Z"
        start = datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        end = datetime.strptime(event["DTEND"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        assert (start, end - start) == (ep.at, timedelta(minutes=70))
        assert event["SUMMARY"] == f"{title} — {ep.label()}"
        assert event["LOCATION"] == "tvN, CJ"
    assert events[2]["SUMMARY"].endswith("Special: Recap, part 1; BTS")
