"""Pure: the rules of following TVmaze.

When an imported drama is checked again, how a failing check backs off and when moderators
hear of it, which of a moderator's changes are overrides, and what one import writes, said
as the model's own schedule changes (the store applies them like a moderator's).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cogs.airtime.records import AddSpecial, Edit, Move, ScheduleChange, Skip, Undo
from cogs.airtime.schedule import DramaSpec, episode_list
from cogs.airtime.tvmaze_merge import ImportUpdate, move_key, override_keys, skip_key

DAILY = timedelta(days=1)  # a drama that airs (or will) is checked at least this often
BEFORE_AIR = timedelta(hours=1)  # and once in the hour before each broadcast
SPREAD = timedelta(minutes=30)  # pre-air checks of many dramas spread over this window
AFTER_END = timedelta(days=2)  # followed this long after the last broadcast, then left alone
RETRY_FIRST = timedelta(minutes=10)  # a failed check is retried after this, doubling
RETRY_MAX = timedelta(hours=3)
REPORT_AFTER = timedelta(days=1)  # failing this long: moderators are told
SKIP_REASON = "no broadcast (schedule data: TVmaze)"
_GOLDEN = 2_654_435_761  # Knuth's multiplicative hash: neighbouring ids land far apart


def spread(drama_id: int) -> timedelta:
    """A drama's fixed offset inside `SPREAD`, so dramas airing together are checked apart."""
    return timedelta(seconds=(drama_id * _GOLDEN) % int(SPREAD.total_seconds()))


def next_check(spec: DramaSpec, drama_id: int, checked_at: datetime) -> datetime | None:
    """When to check an imported drama again after a check at `checked_at`.

    A day later, or earlier when a broadcast starts within the day: then in the hour before
    it (between 60 and 30 minutes before, by `spread`). None once the last broadcast ended
    `AFTER_END` ago: a finished drama is left alone (`/drama refresh` still checks it).
    """
    broadcasts = episode_list(spec)
    if broadcasts:
        end = broadcasts[-1].at + timedelta(minutes=spec.runtime_min)
        if checked_at >= end + AFTER_END:
            return None
    daily = checked_at + DAILY
    offset = spread(drama_id) - BEFORE_AIR
    before = next(
        (ep.at + offset for ep in broadcasts if ep.at + offset > checked_at),
        None,
    )
    return min(daily, before) if before is not None else daily


def retry_at(failures: int, now: datetime) -> datetime:
    """When to try again after the `failures`-th failed check in a row."""
    wait = RETRY_FIRST * (1 << max(0, min(failures - 1, 16)))
    return now + min(wait, RETRY_MAX)


def keeps_failing(failing_since: datetime | None, now: datetime) -> bool:
    """Whether checks have failed long enough to tell moderators."""
    return failing_since is not None and now - failing_since >= REPORT_AFTER


def overrides_of(changes: Iterable[ScheduleChange]) -> frozenset[str]:
    """The override keys of a moderator's changes (an import's own changes have none)."""
    keys: set[str] = set()
    for change in changes:
        match change:
            case Edit(columns):
                keys |= override_keys(columns)
            case Move(episode, _):
                keys.add(move_key(episode))
            case Skip(day, _):
                keys.add(skip_key(day))
            case Undo("skip", key):
                keys.add(skip_key(date.fromisoformat(key)))
            case Undo("move", key):
                keys.add(move_key(int(key)))
    return frozenset(keys)


@dataclass(frozen=True)
class Current:
    """What the drama has now that decides how an import's writes are spelled."""

    skipped: Collection[date] = ()  # pre-empted KST dates
    specials: Mapping[int, int] | None = None  # TVmaze episode id -> exception id
    title_taken: bool = False  # another drama of the server has the new title


def steps_of(update: ImportUpdate, current: Current) -> list[ScheduleChange]:
    """An import's writes as schedule changes the store applies.

    A date already pre-empted (by hand) is not pre-empted twice; a new title another drama
    of the server already has is left out (the drama keeps its title).
    """
    fields = {k: v for k, v in update.fields.items() if k != "title" or not current.title_taken}
    specials = current.specials or {}
    steps: list[ScheduleChange] = [Edit(fields)] if fields else []
    steps += [
        Undo("skip", day.isoformat())
        for day in sorted(update.remove_skips)
        if day in current.skipped
    ]
    steps += [Skip(day, SKIP_REASON) for day in sorted(update.add_skips - set(current.skipped))]
    steps += [Undo("move", str(number)) for number in sorted(update.remove_moves)]
    steps += [Move(number, at) for number, at in sorted(update.set_moves.items())]
    steps += [
        Undo("special", str(specials[episode_id]))
        for episode_id in sorted(update.remove_specials)
        if episode_id in specials
    ]
    steps += [AddSpecial(sp.at, sp.title, sp.episode_id) for sp in update.add_specials]
    return steps
