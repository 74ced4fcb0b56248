"""Leaderboard periods: all time, this UTC month, this UTC week (from Monday). Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.errors import InvalidInput
from bot.timeutil import from_unix, to_unix

PERIODS = {"all-time": "all time", "month": "this month", "week": "this week"}
ALL_TIME_START = 0  # the key all-time totals are kept under


def period_start(period: str, now: datetime) -> int | None:
    """Unix start of a leaderboard period (UTC calendar week from Monday / month); None = all."""
    if period not in PERIODS:
        raise InvalidInput("`period` must be all-time, month or week.")
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return to_unix(day - timedelta(days=day.weekday()))
    if period == "month":
        return to_unix(day.replace(day=1))
    return None


def period_key(period: str, now: datetime) -> tuple[str, int]:
    """(period, start) under which the totals of the period around `now` are kept."""
    start = period_start(period, now)
    return period, ALL_TIME_START if start is None else start


def counted_in(at: int) -> list[tuple[str, int]]:
    """Every (period, start) an answer given at unix time `at` counts in."""
    when = from_unix(at)
    return [period_key(period, when) for period in PERIODS]
