"""Pure: a TVmaze show and its episodes → the airtime model's weekly slots and exceptions.

The weekly slots come from TVmaze's schedule (or, when that disagrees with the episodes,
from the days and times most episodes actually air). Where an episode's airstamp is not
where the slots put it, the difference becomes the model's own exceptions, never a second
schedule: a week with no broadcast is a skip of its dates (later episodes shift), a single
episode elsewhere is a move, a special is a special. By construction the model then computes
exactly TVmaze's instants (see `effective_instants`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.errors import InvalidInput
from bot.timeutil import from_unix, to_unix
from cogs.airtime.schedule import KST, DramaSpec, Slot, Special, kst_date, slot_instants, to_utc
from cogs.airtime.tvmaze_data import Episode, Show
from cogs.airtime.validate import EPISODES_MAX, NAME_MAX, TITLE_MAX

# Streaming services drop K-dramas at midnight Pacific: 16:00 KST for most of the year.
DEFAULT_RELEASE_TIME = time(16, 0)
KOREA = "KR"
KOREAN = "Korean"
_UNSAFE = re.compile(r"@(?=everyone|here)|[*_~`|\\<>]|[\x00-\x1f\x7f]", re.IGNORECASE)


class NotKorean(InvalidInput):
    """The show is not a Korean broadcast or stream."""


class NoSchedule(InvalidInput):
    """TVmaze has too little to build a schedule from (no dates, no time, no episodes)."""


@dataclass(frozen=True)
class ImportedSpecial:
    """A TVmaze special, keyed by its TVmaze episode id."""

    episode_id: int
    at: datetime
    title: str


@dataclass(frozen=True)
class Snapshot:
    """What one import of a show makes of it: the model's values, and where they came from."""

    show_id: int
    title: str
    network: str
    slots: tuple[Slot, ...]
    premiere: date
    episodes: int
    runtime_min: int
    skips: frozenset[date] = frozenset()
    moves: Mapping[int, datetime] = field(default_factory=dict)
    specials: tuple[ImportedSpecial, ...] = ()
    time_assumed: bool = False  # TVmaze had no time: the slots use the release-time rule
    web: bool = False  # a streaming-only show
    updated: int = 0  # TVmaze's `updated` of the show
    url: str = ""

    def spec(self) -> DramaSpec:
        """The pure schedule model (specials keyed by TVmaze episode id)."""
        specials = tuple(Special(sp.episode_id, sp.at, sp.title) for sp in self.specials)
        return DramaSpec(
            self.slots,
            self.premiere,
            self.episodes,
            self.runtime_min,
            self.skips,
            dict(self.moves),
            specials,
        )


def plain(text: str, limit: int) -> str:
    """TVmaze text made fit for a title: one line, no markdown or mention characters."""
    value = " ".join(_UNSAFE.sub(" ", text).split())
    return value[:limit].rstrip()


def check_korean(show: Show) -> None:
    """Refuse a show that is not Korean (network country KR, or a Korean stream)."""
    if show.country == KOREA or (show.country is None and show.language == KOREAN):
        return
    where = f"{show.channel} in {show.country}" if show.country else show.channel or "TVmaze"
    raise NotKorean(
        f"“{plain(show.name, 60)}” ({plain(where, 60)}) is not a Korean show; I only import "
        "Korean dramas. Add it by hand with `/drama add` if your server follows it."
    )


def _season(episodes: Sequence[Episode]) -> int:
    """The latest season that has regular episodes."""
    seasons = [ep.season for ep in episodes if not ep.special]
    if not seasons:
        raise NoSchedule("TVmaze lists no episodes for this show yet; try again closer to air.")
    return max(seasons)


def _instant(ep: Episode, release: time | None) -> datetime | None:
    """When the episode airs (UTC): its airstamp, or its KST airdate at the release time."""
    if ep.airtime is not None and ep.airstamp is not None:
        return ep.airstamp.astimezone(UTC)
    day = ep.airdate or (kst_date(ep.airstamp) if ep.airstamp is not None else None)
    at = ep.airtime or release
    return to_utc(day, at) if day is not None and at is not None else None


def _dated(ep: Episode) -> bool:
    return ep.airdate is not None or ep.airstamp is not None


def release_fallback(show: Show, release_time: time | None = None) -> time | None:
    """The KST time for episodes TVmaze dates without a time.

    The moderator's `release_time`, else the schedule's own time (a Korean network's is
    KST), else `DEFAULT_RELEASE_TIME` for a streaming-only show; None for a broadcast show
    that has no time anywhere.
    """
    own = show.time if show.timezone in (None, KST.key) else None
    return release_time or own or (DEFAULT_RELEASE_TIME if show.web else None)


def effective_instants(
    show: Show, episodes: Sequence[Episode], release_time: time | None = None
) -> tuple[dict[int, datetime], dict[int, datetime]]:
    """({number: instant} of dated regular episodes, {episode id: instant} of dated specials).

    Only the latest season counts. An episode without a time airs at `release_fallback`;
    a special that has none is left out, a regular episode that has none refuses the show.
    """
    season = _season(episodes)
    release = release_fallback(show, release_time)
    numbered: dict[int, datetime] = {}
    specials: dict[int, datetime] = {}
    for ep in (ep for ep in episodes if ep.season == season):
        at = _instant(ep, release)
        if ep.special:
            if at is not None:
                specials[ep.id] = at
        elif at is not None and ep.number is not None:
            numbered.setdefault(ep.number, at)
        elif _dated(ep):
            raise NoSchedule(
                f"TVmaze has dates but no broadcast time for “{plain(show.name, 60)}”. Import "
                "it again with the time (KST, e.g. `21:30`), or add it by hand with `/drama add`."
            )
    return numbered, specials


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name) if name else KST
    except (ZoneInfoNotFoundError, ValueError):
        return KST


def schedule_slots(show: Show, premiere: date, release: time | None) -> tuple[Slot, ...]:
    """TVmaze's weekly schedule as KST slots (its time is in the network's zone)."""
    at = show.time or release
    if not show.days or at is None:
        return ()
    zone = _zone(show.timezone)
    slots = set()
    for day in show.days:
        local = premiere + timedelta(days=(day - premiere.weekday()) % 7)
        kst = datetime.combine(local, at, tzinfo=zone).astimezone(KST)
        slots.add(Slot(kst.weekday(), kst.time().replace(second=0, microsecond=0)))
    return tuple(sorted(slots))


def _usual_slots(instants: Sequence[datetime]) -> tuple[Slot, ...]:
    """The weekday/time pairs most episodes air in (at least half as often as the top one)."""
    counts = Counter(
        Slot(kst.weekday(), kst.time()) for kst in (at.astimezone(KST) for at in instants)
    )
    if not counts:
        return ()
    top = max(counts.values())
    return tuple(sorted(slot for slot, count in counts.items() if 2 * count >= top))


def _fits(slots: tuple[Slot, ...], instants: Sequence[datetime]) -> bool:
    wanted = set(slots)
    hits = sum(
        Slot(kst.weekday(), kst.time()) in wanted for kst in (at.astimezone(KST) for at in instants)
    )
    return bool(slots) and 2 * hits >= len(instants)


def _runtime(show: Show, episodes: Sequence[Episode]) -> int:
    common = Counter(ep.runtime for ep in episodes if ep.runtime and not ep.special)
    value = show.runtime or show.average_runtime or (common.most_common(1) or [(60, 0)])[0][0]
    return min(max(int(value or 60), 1), 300)


def _specials(
    episodes: Sequence[Episode], dated: Mapping[int, datetime]
) -> tuple[ImportedSpecial, ...]:
    names = {ep.id: ep.name for ep in episodes}
    return tuple(
        sorted(
            (
                ImportedSpecial(ep_id, at, plain(names[ep_id], TITLE_MAX) or "Special")
                for ep_id, at in dated.items()
            ),
            key=lambda sp: (sp.at, sp.episode_id),
        )
    )


def plan_import(
    show: Show, episodes: Sequence[Episode], release_time: time | None = None
) -> Snapshot:
    """The model's values for a Korean show: slots, premiere, count, runtime and exceptions.

    `release_time` (KST) stands in where TVmaze gives dates without times; a streaming-only
    show without it uses `DEFAULT_RELEASE_TIME` (flagged `time_assumed`), and a broadcast
    show without it is refused with a message asking for the time.
    """
    check_korean(show)
    numbered, special_at = effective_instants(show, episodes, release_time)
    season = _season(episodes)
    count = max(ep.number or 0 for ep in episodes if ep.season == season and not ep.special)
    if count > EPISODES_MAX:
        raise NoSchedule(f"This show has {count} episodes; I can follow at most {EPISODES_MAX}.")
    if 1 not in numbered:
        raise NoSchedule("TVmaze has no date for the first episode yet; try again closer to air.")
    premiere = kst_date(numbered[1])
    slots = schedule_slots(show, premiere, release_fallback(show, release_time))
    instants = list(numbered.values())
    if not _fits(slots, instants):
        slots = _usual_slots(instants)
    base = Snapshot(
        show_id=show.id,
        title=plain(show.name, TITLE_MAX) or f"TVmaze show {show.id}",
        network=plain(show.channel, NAME_MAX) or "TVmaze",
        slots=slots,
        premiere=premiere,
        episodes=count,
        runtime_min=_runtime(show, episodes),
        specials=_specials(episodes, special_at),
        time_assumed=release_time is None and show.time is None and _untimed(episodes, season),
        web=show.web,
        updated=show.updated,
        url=show.url,
    )
    skips, moves = derive_exceptions(base.spec(), numbered)
    return replace(base, skips=skips, moves=moves)


def _untimed(episodes: Sequence[Episode], season: int) -> bool:
    """Whether a dated regular episode of the season has no time of its own."""
    return any(
        ep.airtime is None and _dated(ep) and not ep.special
        for ep in episodes
        if ep.season == season
    )


def derive_exceptions(
    spec: DramaSpec, actual: Mapping[int, datetime]
) -> tuple[frozenset[date], dict[int, datetime]]:
    """Skips and moves that make `spec` (slots, premiere, count, specials) air at `actual`.

    Walking the episodes in order: an episode on its predicted slot takes it. One that airs
    on a later slot, with only broadcast-free KST dates in between, skips those dates (the
    rest shift) when that puts at least as many of the following episodes on their slots
    as it skips dates; anything else is a move (its slot stays used, as the model counts
    it). Undated episodes take their predicted slot.
    """
    aired_days = {kst_date(at) for at in actual.values()}
    slots = _Stream(slot_instants(spec))
    skips: set[date] = set()
    moves: dict[int, datetime] = {}
    for number in range(1, spec.episodes + 1):
        wanted = actual.get(number)
        if wanted is not None and wanted != slots.peek(skips):
            passed = slots.dates_before(wanted, skips)
            if (
                passed is not None
                and not passed & aired_days
                and _lined_up(slots, skips | passed, actual, number, spec.episodes) >= len(passed)
            ):
                skips |= passed
            else:
                moves[number] = wanted
        slots.take(skips)
    return frozenset(skips), moves


def _lined_up(
    slots: _Stream, skips: set[date], actual: Mapping[int, datetime], number: int, last: int
) -> int:
    """How many dated episodes after `number` air on their slots, up to the first that doesn't."""
    later = slots.open_instants(skips)
    next(later, None)  # episode `number` itself
    count = 0
    for following, predicted in zip(range(number + 1, last + 1), later, strict=False):
        wanted = actual.get(following)
        if wanted is not None and wanted != predicted:
            break
        count += wanted is not None
    return count


class _Stream:
    """The regular slot instants, read ahead as needed, with skipped dates left out."""

    def __init__(self, instants: Iterator[datetime]) -> None:
        self._source = instants
        self._seen: list[datetime] = []
        self._next = 0

    def _at(self, index: int) -> datetime | None:
        while len(self._seen) <= index:
            instant = next(self._source, None)
            if instant is None:
                return None
            self._seen.append(instant)
        return self._seen[index]

    def _skip_to_open(self, skips: set[date]) -> None:
        while (at := self._at(self._next)) is not None and kst_date(at) in skips:
            self._next += 1

    def peek(self, skips: set[date]) -> datetime | None:
        """The next open slot instant."""
        self._skip_to_open(skips)
        return self._at(self._next)

    def open_instants(self, skips: set[date]) -> Iterator[datetime]:
        """The open slot instants from the next one on (reading does not use them)."""
        index = self._next
        while (at := self._at(index)) is not None:
            if kst_date(at) not in skips:
                yield at
            index += 1

    def take(self, skips: set[date]) -> None:
        """Use the next open slot."""
        self._skip_to_open(skips)
        self._next += 1

    def dates_before(self, wanted: datetime, skips: set[date]) -> set[date] | None:
        """KST dates of the open slots before `wanted` when `wanted` is itself a later slot."""
        passed: set[date] = set()
        index = self._next
        while (at := self._at(index)) is not None and at <= wanted:
            if at == wanted:
                return passed - skips if kst_date(at) not in passed else None
            if kst_date(at) not in skips:
                passed.add(kst_date(at))
            index += 1
        return None


def snapshot_to_json(snapshot: Snapshot) -> str:
    """The snapshot as JSON text, to keep beside the drama for the next refresh."""
    data: dict[str, Any] = {
        **vars(snapshot),
        "slots": [[slot.weekday, f"{slot.at:%H:%M}"] for slot in snapshot.slots],
        "premiere": snapshot.premiere.isoformat(),
        "skips": sorted(day.isoformat() for day in snapshot.skips),
        "moves": {str(n): to_unix(at) for n, at in sorted(snapshot.moves.items())},
        "specials": [[sp.episode_id, to_unix(sp.at), sp.title] for sp in snapshot.specials],
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _unix(value: int) -> datetime:
    return from_unix(int(value))


def snapshot_from_json(text: str) -> Snapshot:
    """Inverse of `snapshot_to_json`."""
    data = json.loads(text)
    data["slots"] = tuple(Slot(day, time.fromisoformat(at)) for day, at in data["slots"])
    data["premiere"] = date.fromisoformat(data["premiere"])
    data["skips"] = frozenset(date.fromisoformat(day) for day in data["skips"])
    data["moves"] = {int(n): _unix(at) for n, at in data["moves"].items()}
    data["specials"] = tuple(
        ImportedSpecial(ep_id, _unix(at), title) for ep_id, at, title in data["specials"]
    )
    return Snapshot(**data)
