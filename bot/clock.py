"""The one injectable "now" used by all time-dependent code."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock. Tests move it with time-machine, which APScheduler also sees."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to; handy for pure-logic tests."""

    def __init__(self, start: datetime) -> None:
        """Start at `start`, which must be timezone-aware."""
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """Return the frozen instant."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to `instant`."""
        self._now = instant.astimezone(UTC)
