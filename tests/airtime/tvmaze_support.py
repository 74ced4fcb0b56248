"""Shared helpers for the TVmaze tests: fixtures as typed records, KST instants, virtual time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from cogs.airtime.schedule import KST
from cogs.airtime.tvmaze_data import Episode, Show, episodes_from_json, show_from_json
from tests.faketvmaze import FakeTvmaze


def kst(y: int, mo: int, d: int, h: int = 21, mi: int = 30) -> datetime:
    """A KST wall-clock time as an aware UTC instant."""
    return datetime(y, mo, d, h, mi, tzinfo=KST).astimezone(UTC)


def listing(show_id: int, fake: FakeTvmaze | None = None) -> tuple[Show, tuple[Episode, ...]]:
    """A fixture (as the fake currently serves it) parsed the way the client parses it."""
    source = fake or FakeTvmaze()
    return show_from_json(source.shows[show_id]), episodes_from_json(source.episodes[show_id])


class VirtualTime:
    """A monotonic clock that only moves when the code under test sleeps."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(0.0, seconds)
        await asyncio.sleep(0)
