"""Rate limits and host pacing, on a clock the test passes in."""

from __future__ import annotations

import pytest

from bot.ratelimit import HostPace, SlidingWindow


def test_sliding_window_refuses_past_its_limit_until_the_oldest_act_expires() -> None:
    window = SlidingWindow(limit=2, window=60)
    assert window.retry_after(1, 0) == 0
    assert window.retry_after(1, 1) == 0
    assert window.retry_after(1, 2) == pytest.approx(58)
    assert window.retry_after(2, 2) == 0
    assert window.retry_after(1, 61) == 0


def test_host_pace_spaces_starts_to_one_host_and_not_to_others() -> None:
    pace = HostPace(interval=0.5)
    assert pace.reserve("a", 10.0) == 0
    assert pace.reserve("a", 10.0) == pytest.approx(0.5)
    assert pace.reserve("a", 10.1) == pytest.approx(0.9)
    assert pace.reserve("b", 10.1) == 0


def test_host_pace_lets_a_small_burst_through_then_paces_and_recovers_when_idle() -> None:
    pace = HostPace(interval=0.5, burst=3)
    assert [pace.reserve("a", 10.0) for _ in range(5)] == pytest.approx([0, 0, 0, 0.5, 1.0])
    assert pace.reserve("b", 10.0) == 0
    assert pace.reserve("a", 10.0, max_wait=1.0) is None  # would start at 11.5: not booked
    # The steady pace never exceeds one start per interval, burst or not.
    assert pace.reserve("a", 11.0) == pytest.approx(0.5)
    # Idle for burst x interval: the whole burst is back.
    assert [pace.reserve("a", 20.0) for _ in range(3)] == [0, 0, 0]
    assert pace.reserve("a", 20.0) == pytest.approx(0.5)
