"""The pure broadcast model: a drama's slots and exceptions → its episode list.

Slots are defined in Korea Standard Time (the schedule's own zone); every computed instant
is an aware UTC datetime. Nothing here knows about Discord, the database or the scheduler.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Guard against a schedule that can never place its episodes (every slot date skipped).
MAX_SCAN_DAYS = 366 * 12


@dataclass(frozen=True, order=True)
class Slot:
    """A weekly broadcast slot: weekday (0 = Monday) and local KST time."""

    weekday: int
    at: time

    def label(self) -> str:
        """`Wed 21:30`."""
        return f"{WEEKDAY_NAMES[self.weekday]} {self.at:%H:%M}"


@dataclass(frozen=True)
class Special:
    """An un-numbered broadcast (a recap, a making-of)."""

    special_id: int
    at: datetime
    title: str


@dataclass(frozen=True)
class DramaSpec:
    """Everything needed to compute when a drama's episodes air."""

    slots: tuple[Slot, ...]
    premiere: date
    episodes: int
    runtime_min: int = 60
    skips: frozenset[date] = frozenset()
    moves: Mapping[int, datetime] = field(default_factory=dict)
    specials: tuple[Special, ...] = ()


@dataclass(frozen=True)
class Episode:
    """One broadcast: a numbered episode, or a special (`number` is None)."""

    number: int | None
    at: datetime
    finale: bool = False
    title: str = ""
    special_id: int | None = None

    @property
    def key(self) -> str:
        """Stable identity for idempotency and calendar UIDs: `5` or `sp12`."""
        return str(self.number) if self.number is not None else f"sp{self.special_id}"

    def label(self) -> str:
        """`Episode 5`, `Episode 16 (finale)` or `Special: Recap`."""
        if self.number is None:
            return f"Special: {self.title}" if self.title else "Special"
        return f"Episode {self.number}" + (" (finale)" if self.finale else "")


def to_utc(day: date, at: time) -> datetime:
    """The UTC instant of a KST wall-clock date and time."""
    return datetime.combine(day, at, tzinfo=KST).astimezone(UTC)


def kst_date(instant: datetime) -> date:
    """The KST calendar date of an instant."""
    return instant.astimezone(KST).date()


def slot_instants(spec: DramaSpec) -> Iterator[datetime]:
    """Every regular slot instant from the premiere on, minus skipped dates, in order.

    A special placed exactly on a slot's instant takes that slot (the episodes shift).
    """
    start = spec.premiere.weekday()
    ordered = sorted({((slot.weekday - start) % 7, slot.at) for slot in spec.slots})
    taken = {special.at for special in spec.specials}
    for week in range(MAX_SCAN_DAYS // 7):
        for offset, at in ordered:
            day = spec.premiere + timedelta(days=offset + 7 * week)
            if day in spec.skips:
                continue
            instant = to_utc(day, at)
            if instant not in taken:
                yield instant


def episode_list(spec: DramaSpec) -> list[Episode]:
    """All broadcasts in air order: numbered episodes (moves applied) and specials."""
    numbered: list[datetime] = []
    if spec.slots:
        for instant in slot_instants(spec):
            numbered.append(instant)
            if len(numbered) >= spec.episodes:
                break
    result = [
        Episode(
            number=n,
            at=spec.moves.get(n, instant),
            finale=n == spec.episodes,
        )
        for n, instant in enumerate(numbered, start=1)
    ]
    result += [
        Episode(None, special.at, title=special.title, special_id=special.special_id)
        for special in spec.specials
    ]
    result.sort(key=lambda ep: (ep.at, ep.number is None, ep.number or 0))
    return result


def next_after(episodes: list[Episode], after: datetime) -> Episode | None:
    """The first broadcast strictly after `after`, or None when nothing is left."""
    index = bisect.bisect_right([ep.at for ep in episodes], after)
    return episodes[index] if index < len(episodes) else None


def next_numbered_after(episodes: list[Episode], after: datetime) -> Episode | None:
    """The first numbered episode strictly after `after`."""
    return next((ep for ep in episodes if ep.at > after and ep.number is not None), None)


def aired_count(episodes: list[Episode], at: datetime) -> int:
    """Number of the last numbered episode that aired at or before `at` (0 if none)."""
    last = 0
    for ep in episodes:
        if ep.at > at:
            break
        if ep.number is not None:
            last = ep.number
    return last


def finale(episodes: list[Episode]) -> Episode | None:
    """The last numbered episode."""
    numbered = [ep for ep in episodes if ep.number is not None]
    return max(numbered, key=lambda ep: ep.number or 0) if numbered else None


def has_ended(episodes: list[Episode], spec: DramaSpec, now: datetime) -> bool:
    """Whether every broadcast has finished (last start + runtime is past)."""
    if not episodes:
        return True
    return episodes[-1].at + timedelta(minutes=spec.runtime_min) <= now


def shifted_by_skip(spec: DramaSpec, day: date) -> Episode | None:
    """The numbered episode that would have aired on `day` and now moves (None if none)."""
    before = {ep.number: ep.at for ep in episode_list(spec) if ep.number is not None}
    for number, instant in sorted(before.items()):
        if kst_date(instant) == day and number not in spec.moves:
            return Episode(number, instant)
    return None
