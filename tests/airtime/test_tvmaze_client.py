"""The TVmaze client against the fake TVmaze on 127.0.0.1: politeness, retries, typed errors.

Waiting is virtual: the client's clock and sleep and the fake's request log share one
`VirtualTime`, so "at most 20 calls in any 10 s" is checked on the fake's own timestamps.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import date
from itertools import pairwise

import pytest

from bot.errors import InvalidInput
from cogs.airtime.tvmaze import TvmazeClient, TvmazeLimits, backoff_delay, retry_after_seconds
from cogs.airtime.tvmaze_changes import notice, schedule_changes
from cogs.airtime.tvmaze_data import (
    UNAVAILABLE,
    TvmazeMalformed,
    TvmazeNotFound,
    TvmazeUnavailable,
)
from cogs.airtime.tvmaze_import import plan_import
from tests.airtime.tvmaze_support import VirtualTime, kst
from tests.faketvmaze import BAKERY, SECRETARY_KIM, UNKNOWN, FakeTvmaze

WALL = 1_720_000_000.0


@pytest.fixture
def vt() -> VirtualTime:
    return VirtualTime()


@pytest.fixture
async def tvmaze(vt: VirtualTime) -> AsyncIterator[FakeTvmaze]:
    fake = FakeTvmaze(clock=vt.clock, wall=lambda: WALL, rate_limit=(20, 10.0))
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


def make_client(url: str, vt: VirtualTime, **limits: float) -> TvmazeClient:
    return TvmazeClient(
        url, TvmazeLimits(**limits), clock=vt.clock, sleep=vt.sleep, rng=random.Random(7)
    )


@pytest.fixture
async def client(tvmaze: FakeTvmaze, vt: VirtualTime) -> AsyncIterator[TvmazeClient]:
    tvmaze_client = make_client(tvmaze.url, vt)
    try:
        yield tvmaze_client
    finally:
        await tvmaze_client.close()


def gaps(fake: FakeTvmaze) -> list[float]:
    return [later.at - earlier.at for earlier, later in pairwise(fake.log)]


async def test_show_and_its_episodes_with_specials(
    client: TvmazeClient, tvmaze: FakeTvmaze
) -> None:
    listing = await client.listing(SECRETARY_KIM)
    assert listing.show.name == "What's Wrong with Secretary Kim"
    assert len(listing.episodes) == 17
    assert sum(ep.special for ep in listing.episodes) == 1
    assert [(entry.path, entry.query) for entry in tvmaze.log] == [
        ("/shows/36960", ""),
        ("/shows/36960/episodes", "specials=1"),
    ]
    assert all(entry.user_agent.startswith("dramabot/") for entry in tvmaze.log)


async def test_search_sends_the_query_and_returns_shows_best_first(
    client: TvmazeClient, tvmaze: FakeTvmaze
) -> None:
    shows = await client.search("secretary kim")
    assert shows[0].id == SECRETARY_KIM
    assert tvmaze.log[0].path == "/search/shows"
    assert tvmaze.log[0].query in {"q=secretary+kim", "q=secretary%20kim"}
    assert await client.search("qwerty zxcv") == ()


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("36960", "/shows/36960"),
        ("https://www.tvmaze.com/shows/36960/whats-wrong-with-secretary-kim", "/shows/36960"),
        ("Secretary Kim", "/singlesearch/shows"),
    ],
)
async def test_find_takes_an_id_a_link_or_a_title(
    client: TvmazeClient, tvmaze: FakeTvmaze, text: str, path: str
) -> None:
    show = await client.find(text)
    assert show.id == SECRETARY_KIM
    assert tvmaze.paths() == {path: 1}


async def test_unknown_id_is_not_found_at_once(client: TvmazeClient, tvmaze: FakeTvmaze) -> None:
    with pytest.raises(TvmazeNotFound) as caught:
        await client.listing(UNKNOWN)
    assert "TVmaze has no show with id 999999" in caught.value.message
    assert len(tvmaze.log) == 1


async def test_unknown_title_is_not_found_and_the_title_is_escaped(
    client: TvmazeClient, tvmaze: FakeTvmaze
) -> None:
    with pytest.raises(TvmazeNotFound) as caught:
        await client.find("Qwerty *Zxcv*")
    assert "TVmaze has no show called “Qwerty \\*Zxcv\\*”" in caught.value.message
    assert len(tvmaze.log) == 1


async def test_bad_reference_sends_nothing(client: TvmazeClient, tvmaze: FakeTvmaze) -> None:
    with pytest.raises(InvalidInput):
        await client.find("https://evil.example/shows/36960")
    assert tvmaze.log == []


async def test_429_waits_for_retry_after_then_succeeds(
    client: TvmazeClient, tvmaze: FakeTvmaze
) -> None:
    tvmaze.fail_next(2, status=429, retry_after=7)
    show = await client.show(SECRETARY_KIM)
    assert show.id == SECRETARY_KIM
    assert [entry.status for entry in tvmaze.log] == [429, 429, 200]
    assert all(7 <= gap <= 8 for gap in gaps(tvmaze))


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
async def test_errors_back_off_exponentially_with_jitter(
    client: TvmazeClient, tvmaze: FakeTvmaze, status: int
) -> None:
    tvmaze.fail_next(3, status=status)
    await client.show(SECRETARY_KIM)
    assert [entry.status for entry in tvmaze.log] == [status] * 3 + [200]
    first, second, third = gaps(tvmaze)
    assert 1 <= first <= 2
    assert 2 <= second <= 4
    assert 4 <= third <= 8


async def test_gives_up_after_four_attempts_with_a_message_to_show(
    client: TvmazeClient, tvmaze: FakeTvmaze
) -> None:
    tvmaze.fail_next(10, status=500)
    with pytest.raises(TvmazeUnavailable) as caught:
        await client.show(SECRETARY_KIM)
    assert caught.value.message == UNAVAILABLE == "TVmaze didn't answer; try again in a minute."
    assert len(tvmaze.log) == 4


async def test_long_retry_after_fails_fast_and_holds_every_call_back(
    client: TvmazeClient, tvmaze: FakeTvmaze, vt: VirtualTime
) -> None:
    tvmaze.fail_next(1, status=429, retry_after=600)
    with pytest.raises(TvmazeUnavailable):
        await client.show(SECRETARY_KIM)
    with pytest.raises(TvmazeUnavailable):
        await client.search("kim")
    assert len(tvmaze.log) == 1
    vt.now += 601
    assert (await client.show(SECRETARY_KIM)).id == SECRETARY_KIM


async def test_malformed_body_is_reported_not_retried(
    client: TvmazeClient, tvmaze: FakeTvmaze
) -> None:
    tvmaze.malformed_next()
    with pytest.raises(TvmazeMalformed) as caught:
        await client.show(SECRETARY_KIM)
    assert "couldn't read" in caught.value.message
    assert len(tvmaze.log) == 1
    assert (await client.show(SECRETARY_KIM)).id == SECRETARY_KIM


async def test_json_of_the_wrong_shape_is_malformed(
    client: TvmazeClient, tvmaze: FakeTvmaze
) -> None:
    tvmaze.shows[SECRETARY_KIM]["schedule"] = {"time": "21:30", "days": ["Caturday"]}
    with pytest.raises(TvmazeMalformed):
        await client.show(SECRETARY_KIM)


async def test_body_over_the_cap_is_refused(tvmaze: FakeTvmaze, vt: VirtualTime) -> None:
    small = make_client(tvmaze.url, vt, max_bytes=4096)
    try:
        assert (await small.show(SECRETARY_KIM)).id == SECRETARY_KIM  # about 1 KiB
        with pytest.raises(TvmazeMalformed):
            await small.episodes(SECRETARY_KIM)  # about 10 KiB
    finally:
        await small.close()


async def test_slow_answer_times_out_and_is_retried(tvmaze: FakeTvmaze, vt: VirtualTime) -> None:
    quick = make_client(tvmaze.url, vt, timeout=0.2)
    tvmaze.stall_next(1, 1.0)
    try:
        assert (await quick.show(SECRETARY_KIM)).id == SECRETARY_KIM
        assert quick.requests == 2
        assert len(vt.sleeps) == 1
    finally:
        await quick.close()


async def test_nobody_listening_gives_up_with_a_message(vt: VirtualTime) -> None:
    gone = FakeTvmaze()
    await gone.start()
    url = gone.url
    await gone.stop()
    unreachable = make_client(url, vt)
    try:
        with pytest.raises(TvmazeUnavailable):
            await unreachable.show(SECRETARY_KIM)
        assert unreachable.requests == 4
    finally:
        await unreachable.close()


async def test_burst_of_fifty_lookups_stays_under_the_rate_limit(
    client: TvmazeClient, tvmaze: FakeTvmaze, vt: VirtualTime
) -> None:
    start = vt.now
    shows = await asyncio.gather(*(client.show(SECRETARY_KIM) for _ in range(50)))
    assert len(shows) == 50
    assert len(tvmaze.log) == 50
    assert {entry.status for entry in tvmaze.log} == {200}
    assert tvmaze.max_in_window(10.0) <= client.limits.calls <= 20
    assert vt.now - start >= 20  # 50 calls at 18 per 10 s need two full windows


async def test_fakes_limit_catches_an_eager_client_which_then_obeys_retry_after(
    tvmaze: FakeTvmaze, vt: VirtualTime
) -> None:
    eager = make_client(tvmaze.url, vt, calls=1000)
    try:
        shows = await asyncio.gather(*(eager.show(SECRETARY_KIM) for _ in range(30)))
    finally:
        await eager.close()
    assert len(shows) == 30
    assert 429 in {entry.status for entry in tvmaze.log}
    accepted = [entry.at for entry in tvmaze.log if entry.status == 200]
    assert len(accepted) == 30


async def test_updates_lists_shows_changed_since(client: TvmazeClient, tvmaze: FakeTvmaze) -> None:
    assert await client.updates("day") == {}
    tvmaze.move_episode(BAKERY, 12, kst(2024, 4, 20, 22, 30))
    assert await client.updates("day") == {BAKERY: int(WALL)}
    with pytest.raises(ValueError, match="year"):
        await client.updates("year")


async def test_proxy_variables_are_ignored(
    client: TvmazeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert (await client.show(SECRETARY_KIM)).id == SECRETARY_KIM


async def test_pre_emption_appearing_between_two_checks_becomes_a_notice(
    client: TvmazeClient, tvmaze: FakeTvmaze
) -> None:
    first = await client.listing(SECRETARY_KIM)
    before = plan_import(first.show, first.episodes)
    tvmaze.preempt(SECRETARY_KIM, date(2018, 7, 4))
    second = await client.listing(SECRETARY_KIM)
    after = plan_import(second.show, second.episodes)
    assert after.skips == {date(2018, 7, 4)}
    assert after.updated == int(WALL)
    text = notice(after.title, schedule_changes(before.spec(), after.spec(), kst(2018, 6, 25)))
    assert text is not None
    assert "No episode on Wed 4 Jul (pre-empted): episode 9 now airs Thu 5 Jul 21:30 KST" in text
    assert "Finale (episode 16) moved: now Wed 1 Aug 21:30 KST" in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [("7", 7.0), ("0", 0.0), ("1.5", 1.5), (None, None), ("-3", None), ("soon", None)],
)
def test_retry_after_header(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") is None


def test_backoff_never_comes_before_retry_after_and_is_capped() -> None:
    limits = TvmazeLimits()
    rng = random.Random(1)
    assert all(7 <= backoff_delay(0, 7, limits, rng) <= 8 for _ in range(100))
    assert all(15 <= backoff_delay(10, None, limits, rng) <= 30 for _ in range(100))
