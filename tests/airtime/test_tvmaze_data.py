"""Pure tests: TVmaze JSON → typed records, malformed answers, and show references."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from bot.errors import InvalidInput, NotFound, UserFacingError
from cogs.airtime.tvmaze_data import (
    TvmazeMalformed,
    TvmazeNotFound,
    episode_from_json,
    episodes_from_json,
    parse_show_ref,
    search_from_json,
    show_from_json,
    updates_from_json,
)
from tests.faketvmaze import GLASS_GARDEN, HARBOR_LIGHTS, SECRETARY_KIM, UNTITLED, FakeTvmaze

FIXTURES = FakeTvmaze()


def raw_show(show_id: int) -> dict[str, Any]:
    return copy.deepcopy(FIXTURES.shows[show_id])


def raw_episode(show_id: int = SECRETARY_KIM, index: int = 0) -> dict[str, Any]:
    return copy.deepcopy(FIXTURES.episodes[show_id][index])


def test_broadcast_show_reads_network_country_zone_and_schedule() -> None:
    show = show_from_json(raw_show(SECRETARY_KIM))
    assert (show.id, show.name, show.channel, show.web) == (
        36960,
        "What's Wrong with Secretary Kim",
        "tvN",
        False,
    )
    assert (show.country, show.timezone, show.language) == ("KR", "Asia/Seoul", "Korean")
    assert show.days == (2, 3)
    assert show.time == time(21, 30)
    assert show.premiered == date(2018, 6, 6)
    assert (show.runtime, show.average_runtime, show.status) == (70, 70, "Ended")
    assert show.url.startswith("https://www.tvmaze.com/shows/36960/")
    assert show.updated == 1_700_000_000
    assert show.label() == "What's Wrong with Secretary Kim · tvN · 2018"


def test_streaming_show_has_web_channel_without_country_or_time() -> None:
    show = show_from_json(raw_show(GLASS_GARDEN))
    assert (show.channel, show.web, show.country, show.timezone) == ("Netflix", True, None, None)
    assert show.time is None
    assert show.runtime is None
    assert show.average_runtime == 61


def test_announced_show_has_no_premiere_days_or_time() -> None:
    show = show_from_json(raw_show(UNTITLED))
    assert (show.premiered, show.days, show.time) == (None, (), None)
    assert show.label() == "Untitled Han River Project · tvN"


def test_us_show_keeps_its_country_and_zone() -> None:
    show = show_from_json(raw_show(HARBOR_LIGHTS))
    assert (show.country, show.timezone, show.language) == ("US", "America/New_York", "English")


def test_episode_airstamp_is_aware_and_specials_have_no_number() -> None:
    episodes = episodes_from_json(FIXTURES.episodes[SECRETARY_KIM])
    first = episodes[0]
    assert (first.id, first.season, first.number, first.type) == (1468001, 1, 1, "regular")
    assert first.airdate == date(2018, 6, 6)
    assert first.airtime == time(21, 30)
    assert first.airstamp == datetime(2018, 6, 6, 12, 30, tzinfo=UTC)
    assert not first.special
    specials = [ep for ep in episodes if ep.special]
    assert [(ep.number, ep.type, ep.name) for ep in specials] == [
        (None, "significant_special", "Secretary Kim: The Making Of")
    ]


def test_streaming_episode_has_a_date_and_no_time() -> None:
    episode = episode_from_json(raw_episode(GLASS_GARDEN))
    assert episode.airdate == date(2024, 5, 10)
    assert episode.airtime is None
    assert episode.airstamp == datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


def test_episode_without_date_has_none() -> None:
    raw = raw_episode() | {"airdate": "", "airtime": "", "airstamp": None, "runtime": None}
    episode = episode_from_json(raw)
    assert (episode.airdate, episode.airtime, episode.airstamp, episode.runtime) == ((None,) * 4)


def _drop(raw: dict[str, Any], key: str) -> dict[str, Any]:
    raw.pop(key)
    return raw


@pytest.mark.parametrize(
    "value",
    [
        None,
        [],
        "show",
        _drop(raw_show(SECRETARY_KIM), "id"),
        raw_show(SECRETARY_KIM) | {"id": "36960"},
        raw_show(SECRETARY_KIM) | {"id": True},
        raw_show(SECRETARY_KIM) | {"name": None},
        raw_show(SECRETARY_KIM) | {"premiered": "2018-02-30"},
        raw_show(SECRETARY_KIM) | {"schedule": {"time": "25:00", "days": ["Wednesday"]}},
        raw_show(SECRETARY_KIM) | {"schedule": {"time": "21:30", "days": ["Someday"]}},
        raw_show(SECRETARY_KIM) | {"schedule": {"time": "21:30", "days": "Wednesday"}},
        raw_show(SECRETARY_KIM) | {"network": "tvN"},
        raw_show(SECRETARY_KIM) | {"network": {"id": 57, "name": None}},
        raw_show(SECRETARY_KIM) | {"runtime": "70"},
    ],
)
def test_malformed_show_is_refused(value: object) -> None:
    with pytest.raises(TvmazeMalformed) as caught:
        show_from_json(value)
    assert "couldn't read" in caught.value.message


@pytest.mark.parametrize(
    "changes",
    [
        {"airstamp": "2018-06-06T12:30:00"},  # no offset
        {"airstamp": "yesterday"},
        {"airdate": "2018-13-01"},
        {"airtime": "9pm"},
        {"number": "1"},
        {"id": None},
    ],
)
def test_malformed_episode_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(TvmazeMalformed):
        episode_from_json(raw_episode() | changes)


@pytest.mark.parametrize(
    ("parse", "value"),
    [
        (episodes_from_json, {}),
        (episodes_from_json, None),
        (episodes_from_json, "[]"),
        (episodes_from_json, [1]),
        (search_from_json, {"score": 1}),
        (search_from_json, [{"score": 1}]),
        (search_from_json, [{"score": 1, "show": []}]),
    ],
)
def test_malformed_lists_are_refused(parse: Any, value: object) -> None:
    with pytest.raises(TvmazeMalformed):
        parse(value)


def test_search_hits_and_updates_parse() -> None:
    hits = [
        {"score": 0.9, "show": raw_show(SECRETARY_KIM)},
        {"score": 0.4, "show": raw_show(UNTITLED)},
    ]
    assert [show.id for show in search_from_json(hits)] == [SECRETARY_KIM, UNTITLED]
    assert updates_from_json({"36960": 1700000000, "1": 5}) == {36960: 1700000000, 1: 5}
    with pytest.raises(TvmazeMalformed):
        updates_from_json({"x": 1})
    with pytest.raises(TvmazeMalformed):
        updates_from_json([])


def test_errors_are_user_facing_and_not_found_is_a_not_found() -> None:
    error = TvmazeNotFound("no such show")
    assert isinstance(error, NotFound)
    assert isinstance(error, UserFacingError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("36960", 36960),
        ("  36960 ", 36960),
        ("https://www.tvmaze.com/shows/36960/whats-wrong-with-secretary-kim", 36960),
        ("http://tvmaze.com/shows/36960", 36960),
        ("www.tvmaze.com/shows/36960/x?utm=1", 36960),
        ("https://api.tvmaze.com/shows/36960", 36960),
        ("HTTPS://WWW.TVMAZE.COM/SHOWS/7/", 7),
        ("What's Wrong with  Secretary Kim", "What's Wrong with Secretary Kim"),
        ("김비서가 왜 그럴까", "김비서가 왜 그럴까"),
        ("18 Again", "18 Again"),
        ("１２３", "１２３"),  # full-width digits are a title, not an id
    ],
)
def test_show_ref_is_an_id_or_a_title(text: str, expected: int | str) -> None:
    assert parse_show_ref(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Give a title"),
        ("   ", "Give a title"),
        ("0", "start at 1"),
        ("https://evil.example/shows/36960", "not a TVmaze show page"),
        ("https://www.tvmaze.com/people/5/someone", "not a TVmaze show page"),
        ("www.imdb.com/title/tt8115560", "not a TVmaze show page"),
        ("x" * 101, "limit is 100"),
    ],
)
def test_bad_show_refs_say_what_to_type(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_show_ref(text)
