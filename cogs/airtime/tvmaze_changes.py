"""Pure: what changed between two versions of a schedule, said in one line each for fans.

`schedule_changes(before, after, now)` compares two `DramaSpec`s (the drama before and after a
refresh) and lists only what fans still care about: changes to broadcasts after `now`.
Each change renders as a short notice line with a Discord timestamp and the KST time beside.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.replies import MESSAGE_LIMIT, clean, timestamp
from cogs.airtime.schedule import KST, DramaSpec, Slot, Special, episode_list, kst_date
from cogs.airtime.validate import describe_slots

NOTICE_LINES = 10


def kst_when(at: datetime) -> str:
    """`Thu 12 Jul 21:30 KST (<t:…:F>)`."""
    local = at.astimezone(KST)
    return f"{local:%a} {local.day} {local:%b %H:%M} KST ({timestamp(at.timestamp(), 'F')})"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def _slots(slots: tuple[Slot, ...]) -> str:
    return describe_slots(slots) if slots else "no weekly slot"


@dataclass(frozen=True)
class EpisodeMoved:
    """An episode (maybe the finale) airs at another time."""

    number: int
    before: datetime | None
    after: datetime
    finale: bool = False

    def line(self) -> str:
        """`Episode 9 moved: now Thu 12 Jul 21:30 KST (<t:…:F>)`."""
        what = f"Finale (episode {self.number})" if self.finale else f"Episode {self.number}"
        return f"{what} moved: now {kst_when(self.after)}"


@dataclass(frozen=True)
class PreemptionAdded:
    """A KST date with no broadcast; the episode due that day (if any) shifts."""

    day: date
    number: int | None = None
    now_at: datetime | None = None

    def line(self) -> str:
        """`No episode on Wed 18 Jul (pre-empted): episode 9 now airs …`."""
        text = f"No episode on {_day(self.day)} (pre-empted)"
        if self.number is None or self.now_at is None:
            return text
        return f"{text}: episode {self.number} now airs {kst_when(self.now_at)}"


@dataclass(frozen=True)
class PreemptionRemoved:
    """A pre-empted date airs after all."""

    day: date
    number: int | None = None
    at: datetime | None = None

    def line(self) -> str:
        """`Wed 18 Jul is no longer pre-empted: episode 9 airs …`."""
        text = f"{_day(self.day)} is no longer pre-empted"
        if self.number is None or self.at is None:
            return text
        return f"{text}: episode {self.number} airs {kst_when(self.at)}"


@dataclass(frozen=True)
class EpisodeCountChanged:
    """An extension (more episodes) or a cut (fewer)."""

    before: int
    after: int
    finale_at: datetime | None

    def line(self) -> str:
        """`Extended to 18 episodes (was 16): the finale airs …`."""
        verb = "Extended" if self.after > self.before else "Cut"
        text = f"{verb} to {self.after} episodes (was {self.before})"
        return f"{text}: the finale airs {kst_when(self.finale_at)}" if self.finale_at else text


@dataclass(frozen=True)
class PremiereMoved:
    """The premiere is on another date."""

    before: date
    after: date
    at: datetime | None

    def line(self) -> str:
        """`Premiere moved to Wed 13 Jun: episode 1 airs …`."""
        text = f"Premiere moved to {_day(self.after)} (was {_day(self.before)})"
        return f"{text}: episode 1 airs {kst_when(self.at)}" if self.at else text


@dataclass(frozen=True)
class SlotsChanged:
    """The weekly broadcast slots changed."""

    before: tuple[Slot, ...]
    after: tuple[Slot, ...]

    def line(self) -> str:
        """`New broadcast slot: Sat+Sun 21:00 KST (was Wed+Thu 21:30 KST)`."""
        return f"New broadcast slot: {_slots(self.after)} (was {_slots(self.before)})"


@dataclass(frozen=True)
class SpecialAdded:
    """A new special broadcast."""

    title: str
    at: datetime

    def line(self) -> str:
        """`New special “Title”: Sat 30 Jun 21:00 KST (<t:…:F>)`."""
        return f"New special “{clean(self.title, limit=80)}”: {kst_when(self.at)}"


@dataclass(frozen=True)
class SpecialCancelled:
    """A special is gone from the schedule."""

    title: str
    at: datetime

    def line(self) -> str:
        """`Special “Title” cancelled (was Sat 30 Jun 21:00 KST)`."""
        local = self.at.astimezone(KST)
        was = f"{local:%a} {local.day} {local:%b %H:%M} KST"
        return f"Special “{clean(self.title, limit=80)}” cancelled (was {was})"


@dataclass(frozen=True)
class SpecialMoved:
    """A special airs at another time."""

    title: str
    before: datetime
    after: datetime

    def line(self) -> str:
        """`Special “Title” moved: now …`."""
        return f"Special “{clean(self.title, limit=80)}” moved: now {kst_when(self.after)}"


ScheduleChange = (
    EpisodeMoved
    | PreemptionAdded
    | PreemptionRemoved
    | EpisodeCountChanged
    | PremiereMoved
    | SlotsChanged
    | SpecialAdded
    | SpecialCancelled
    | SpecialMoved
)


@dataclass(frozen=True)
class _Sides:
    """Both versions with their numbered episodes' instants, and the moment that matters."""

    before: DramaSpec
    after: DramaSpec
    old: Mapping[int, datetime]
    new: Mapping[int, datetime]
    now: datetime

    def upcoming(self, *instants: datetime | None) -> bool:
        return any(at is not None and at > self.now for at in instants)


def _numbered(spec: DramaSpec) -> dict[int, datetime]:
    return {ep.number: ep.at for ep in episode_list(spec) if ep.number is not None}


def schedule_changes(before: DramaSpec, after: DramaSpec, now: datetime) -> list[ScheduleChange]:
    """The changes from `before` to `after` that touch a broadcast after `now`.

    In order: premiere, slots, pre-emptions, moved episodes (the finale too), episode count,
    specials.
    """
    sides = _Sides(before, after, _numbered(before), _numbered(after), now)
    changes: list[ScheduleChange] = []
    changes += _premiere(sides)
    changes += _slot_change(sides)
    changes += _preemptions(sides)
    changes += _moves(sides)
    changes += _count(sides)
    changes += special_changes(before.specials, after.specials, now)
    return changes


def _premiere(sides: _Sides) -> list[ScheduleChange]:
    before, after = sides.before.premiere, sides.after.premiere
    if before == after or not sides.upcoming(sides.old.get(1), sides.new.get(1)):
        return []
    return [PremiereMoved(before, after, sides.new.get(1))]


def _slot_change(sides: _Sides) -> list[ScheduleChange]:
    before, after = sides.before.slots, sides.after.slots
    if set(before) == set(after) or not sides.upcoming(*sides.new.values()):
        return []
    return [SlotsChanged(tuple(sorted(set(before))), tuple(sorted(set(after))))]


def _due_on(instants: Mapping[int, datetime], day: date) -> int | None:
    return next((n for n, at in sorted(instants.items()) if kst_date(at) == day), None)


def _preemptions(sides: _Sides) -> list[ScheduleChange]:
    today = kst_date(sides.now)
    changes: list[ScheduleChange] = []
    for day in sorted(sides.after.skips - sides.before.skips):
        if day >= today:
            number = _due_on(sides.old, day)
            at = sides.new.get(number) if number is not None else None
            changes.append(PreemptionAdded(day, number if at else None, at))
    for day in sorted(sides.before.skips - sides.after.skips):
        if day >= today:
            number = _due_on(sides.new, day)
            changes.append(PreemptionRemoved(day, number, sides.new.get(number or 0)))
    return changes


def _moves(sides: _Sides) -> list[ScheduleChange]:
    finale = sides.after.episodes
    before, after = sides.before.moves, sides.after.moves
    touched = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
    if sides.before.episodes == finale:
        touched.add(finale)  # the finale moves with any shift: fans want its new date
    changes: list[ScheduleChange] = []
    for number in sorted(touched):
        old, new = sides.old.get(number), sides.new.get(number)
        if new is not None and old != new and sides.upcoming(old, new):
            changes.append(EpisodeMoved(number, old, new, finale=number == finale))
    return changes


def _count(sides: _Sides) -> list[ScheduleChange]:
    before, after = sides.before.episodes, sides.after.episodes
    finale_at = sides.new.get(after)
    if before == after or not sides.upcoming(finale_at, sides.old.get(before)):
        return []
    return [EpisodeCountChanged(before, after, finale_at)]


def special_changes(
    before: tuple[Special, ...], after: tuple[Special, ...], now: datetime
) -> list[ScheduleChange]:
    """New, cancelled and moved specials (matched by id, then by title) after `now`."""
    old = {sp.special_id: sp for sp in before}
    new = {sp.special_id: sp for sp in after}
    gone = [sp for key, sp in old.items() if key not in new]
    changes: list[ScheduleChange] = []
    for key, sp in sorted(new.items(), key=lambda item: item[1].at):
        was = old.get(key) or next((g for g in gone if g.title == sp.title), None)
        if was is None:
            if sp.at > now:
                changes.append(SpecialAdded(sp.title, sp.at))
            continue
        if was in gone:
            gone.remove(was)
        if was.at != sp.at and (was.at > now or sp.at > now):
            changes.append(SpecialMoved(sp.title, was.at, sp.at))
    changes += [SpecialCancelled(sp.title, sp.at) for sp in gone if sp.at > now]
    return changes


def notice(title: str, changes: list[ScheduleChange]) -> str | None:
    """The fans' notice: a header naming the drama and TVmaze, then one line per change."""
    if not changes:
        return None
    lines = [f"• {change.line()}" for change in changes[:NOTICE_LINES]]
    if len(changes) > NOTICE_LINES:
        lines.append(f"• …and {len(changes) - NOTICE_LINES} more (see `/airtime episodes`)")
    header = f"📢 Schedule change for **{clean(title, limit=100)}** (schedule data: TVmaze):"
    text = "\n".join([header, *lines])
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"
