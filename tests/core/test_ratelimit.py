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
