"""The pure broadcast model: a drama's slots and exceptions → its episode list.

Slots are defined in Korea Standard Time (the schedule's own zone); every computed instant
is an aware UTC datetime. Nothing here knows about Discord, the database or the scheduler.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KST = ZoneInfo("Asia/Seoul")
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Guard against a schedule that can never place its episodes (every slot date skipped).
MAX_WEEKS = 52 * 12
WEEK = timedelta(days=7)


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


def slot_instants(spec: DramaSpec, from_week: int = 0) -> Iterator[datetime]:
    """Every regular slot instant from the premiere on, minus skipped dates, in order.

    A special placed exactly on a slot's instant takes that slot (the episodes shift).
    Weeks are added in UTC, which is exact: Korea has kept UTC+9 without DST since 1988.
    """
    start = spec.premiere.weekday()
    ordered = sorted({((slot.weekday - start) % 7, slot.at) for slot in spec.slots})
    firsts = []
    for offset, at in ordered:
        day = spec.premiere + timedelta(days=offset)
        firsts.append((day, to_utc(day, at)))
    taken = {special.at for special in spec.specials}
    check = bool(spec.skips or taken)
    for week in range(from_week, MAX_WEEKS):
        shift = WEEK * week
        for day, first in firsts:
            instant = first + shift
            if check and (day + shift in spec.skips or instant in taken):
                continue
            yield instant


def _numbered(spec: DramaSpec, since: datetime | None) -> Iterator[tuple[int, datetime]]:
    """(number, regular slot instant) pairs; with `since`, whole earlier weeks may be skipped.

    The jump is only taken when no date is skipped and no special takes a slot, so numbers
    stay exact (every week then holds exactly one episode per slot).
    """
    if not spec.slots:
        return
    from_week = 0
    if since is not None and not spec.skips and not spec.specials:
        first = next(slot_instants(spec))
        from_week = max(0, (since - first) // WEEK - 1)
    number = from_week * len({(s.weekday, s.at) for s in spec.slots})
    for instant in slot_instants(spec, from_week):
        number += 1
        if number > spec.episodes:
            return
        yield number, instant


def _order(ep: Episode) -> tuple[datetime, bool, int]:
    return (ep.at, ep.number is None, ep.number or 0)


def iter_episodes(spec: DramaSpec, since: datetime | None = None) -> Iterator[Episode]:
    """Broadcasts in air order, lazily: numbered episodes (moves applied) and specials.

    With `since`, only broadcasts airing at or after it are produced. Moved episodes and
    specials are few and merged into the (already ordered) regular slots.
    """
    extras = [
        Episode(number, at, finale=number == spec.episodes)
        for number, at in spec.moves.items()
        if number <= spec.episodes and (since is None or at >= since)
    ]
    extras += [
        Episode(None, special.at, title=special.title, special_id=special.special_id)
        for special in spec.specials
        if since is None or special.at >= since
    ]
    extras.sort(key=_order)
    regular = (
        Episode(number, instant, finale=number == spec.episodes)
        for number, instant in _numbered(spec, since)
        if number not in spec.moves and (since is None or instant >= since)
    )
    return heapq.merge(regular, extras, key=_order)


def episode_list(spec: DramaSpec, since: datetime | None = None) -> list[Episode]:
    """All broadcasts in air order (only those at or after `since` when given)."""
    return list(iter_episodes(spec, since))


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
