"""Scheduled events for a drama's next episodes: what they say, which are wanted, what to do.

Pure rules, no Discord and no database. A drama with events on keeps its next `count`
broadcasts that have not ended as external Guild Scheduled Events (location: the network,
and the streaming platform when there is one; start: air time; end: air time + runtime).
When a broadcast ends its event is ended and the next broadcast's event created, so there
are always the next `count`. `plan` compares the stored rows (the truth: one per drama and
episode) with what is wanted and what Discord lists, and says what to create, edit, end,
delete and forget.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.errors import InvalidInput
from bot.replies import clean, timestamp
from bot.text import plural, shorten
from cogs.airtime.native import ACTIVE, COMPLETED, LiveEvent
from cogs.airtime.records import Drama
from cogs.airtime.schedule import KST, Episode

MAX_EVENTS = 100  # Discord: at most 100 scheduled or active events per server
TOO_MANY_EVENTS = 30038  # Discord's error code when a create would pass that limit
DEFAULT_COUNT = 2
NAME_LIMIT = 100
LOCATION_LIMIT = 100
DESCRIPTION_LIMIT = 1000
LABEL_LIMIT = 60  # a special's "Special: <its title>" leaves room for the drama's title
# Discord refuses an event starting in the past: one starting sooner than this is not made.
CREATE_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class EventSpec:
    """One episode's scheduled event, as the bot wants it."""

    key: str  # the episode key: '9', or 'sp3' for a special
    name: str
    description: str
    location: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class EventRow:
    """A stored event: claimed, open, gone (deleted by a person) or dropping (drama removed)."""

    row_id: int
    state: str
    event_id: int | None
    spec: EventSpec  # as last sent to Discord

    @property
    def key(self) -> str:
        """The episode key."""
        return self.spec.key


@dataclass
class Plan:
    """What one drama's sync does, in this order."""

    settled: list[tuple[EventRow, int]] = field(default_factory=list)  # claims found in Discord
    forget: list[EventRow] = field(default_factory=list)  # nothing left to do in Discord
    gone: list[EventRow] = field(default_factory=list)  # a person deleted the event
    close: list[tuple[EventRow, int]] = field(default_factory=list)  # aired: (row, status)
    delete: list[EventRow] = field(default_factory=list)  # no longer wanted
    edit: list[tuple[EventRow, EventSpec]] = field(default_factory=list)
    create: list[EventSpec] = field(default_factory=list)


def check_count(count: int | None) -> int:
    """The number of upcoming episodes to keep as events; `InvalidInput` outside 1-100."""
    value = DEFAULT_COUNT if count is None else count
    if not 1 <= value <= MAX_EVENTS:
        raise InvalidInput(
            f"`count` must be between 1 and {MAX_EVENTS}: Discord keeps at most {MAX_EVENTS} "
            "scheduled events per server. To remove a drama's events, use `off`."
        )
    return value


def check_room(count: int, foreign: int, reserved: int) -> None:
    """Refuse a count that, with the server's other events, would pass Discord's 100.

    `foreign` is the server's scheduled events that are not this bot's, `reserved` the
    events the bot's other dramas keep (see `kept`).
    """
    room = MAX_EVENTS - foreign - reserved
    if count <= room:
        return
    others = [f"this server has {plural(foreign, 'event')} of its own"] if foreign else []
    if reserved:
        others.append(f"my other dramas keep up to {plural(reserved, 'event')}")
    why = " and ".join(others)
    raise InvalidInput(
        f"Discord allows at most {MAX_EVENTS} scheduled events per server. {why[:1].upper()}"
        f"{why[1:]}, so this drama can have at most {max(room, 0)}."
    )


def kept(drama: Drama, count: int, now: datetime) -> int:
    """How many events a drama with `count` on keeps from `now` (fewer once it is ending)."""
    return len(wanted(drama, count, now))


def _label(ep: Episode) -> str:
    if ep.number is None:
        return f"Special: {ep.title}" if ep.title else "Special"
    return f"Episode {ep.number}" + (" (finale)" if ep.finale else "")


def spec_of(drama: Drama, ep: Episode) -> EventSpec:
    """The event of one broadcast."""
    label = shorten(_label(ep), LABEL_LIMIT)
    title = shorten(" ".join(drama.title.split()), NAME_LIMIT - len(label) - 3)
    location = drama.network + (f" · {drama.streaming}" if drama.streaming else "")
    local = ep.at.astimezone(KST)
    what = (
        f"Episode {ep.number} of {drama.title}"
        if ep.number is not None
        else f"{_label(ep)} of {drama.title}"
    )
    lines = [f"{what}, on {drama.network} at {local:%H:%M} KST ({local:%a %d %b})."]
    if drama.streaming:
        lines.append(f"Streaming on {drama.streaming}.")
    if ep.finale:
        lines.append("🎬 The finale!")
    return EventSpec(
        key=ep.key,
        name=f"{title} · {label}",
        description=shorten("\n".join(lines), DESCRIPTION_LIMIT),
        location=shorten(location, LOCATION_LIMIT),
        start=ep.at,
        end=ep.at + timedelta(minutes=drama.runtime_min),
    )


def wanted(drama: Drama, count: int, now: datetime) -> list[EventSpec]:
    """The events of the drama's next `count` broadcasts that have not ended."""
    runtime = timedelta(minutes=drama.runtime_min)
    specs: list[EventSpec] = []
    for ep in drama.iter_episodes(since=now - runtime):
        if ep.at + runtime <= now:
            continue
        specs.append(spec_of(drama, ep))
        if len(specs) >= count:
            break
    return specs


def _claimed_event(row: EventRow, live: dict[int, LiveEvent]) -> int | None:
    """The event a crashed create made, found by its creator (this bot), name and start."""
    for event in live.values():
        if event.mine and event.name == row.spec.name and event.start == row.spec.start:
            return event.event_id
    return None


def _settle(rows: Iterable[EventRow], live: dict[int, LiveEvent], result: Plan) -> list[EventRow]:
    """Resolve claims a crash left (found: open; not found: forgotten); return the rows now."""
    current = []
    for row in rows:
        if row.state in ("claimed", "dropping") and row.event_id is None:
            found = _claimed_event(row, live)
            if found is None:
                result.forget.append(row)
                continue
            if row.state == "claimed":
                result.settled.append((row, found))
            row = EventRow(row.row_id, row.state if row.state == "dropping" else "open", found,
                           row.spec)  # fmt: skip
        current.append(row)
    return current


def _open_row(
    row: EventRow,
    want: dict[str, EventSpec],
    live: dict[int, LiveEvent],
    now: datetime,
    result: Plan,
) -> None:
    event = live.get(row.event_id or 0)
    if event is None:  # ended in Discord, or deleted by a person
        (result.forget if row.spec.end <= now else result.gone).append(row)
    elif row.spec.end <= now:
        result.close.append((row, event.status))
    elif row.key not in want:
        if row.spec.start > now or not want:  # an airing event stays, unless events are off
            result.delete.append(row)
    elif want[row.key] != row.spec and row.spec.start > now and _creatable(want[row.key], now):
        result.edit.append((row, want[row.key]))


def _creatable(spec: EventSpec, now: datetime) -> bool:
    return spec.start > now + CREATE_MARGIN


def plan(
    rows: Iterable[EventRow],
    want: list[EventSpec],
    live: dict[int, LiveEvent],
    now: datetime,
) -> Plan:
    """What to do so that Discord shows `want` (empty: events off, or the drama removed).

    Rows whose event is no longer listed were ended by Discord (after their end) or deleted
    by a person (before it): those are marked gone and not recreated. Aired events still
    open are ended; events no longer wanted are deleted, unless they are airing now.
    """
    result = Plan()
    by_key = {spec.key: spec for spec in want}
    kept: set[str] = set()
    for row in _settle(rows, live, result):
        if row.state == "dropping":
            (result.delete if row.event_id in live else result.forget).append(row)
            continue
        if row.state == "gone":
            if row.key in by_key:
                kept.add(row.key)
            else:
                result.forget.append(row)
            continue
        kept.add(row.key)
        _open_row(row, by_key, live, now, result)
    result.create = [s for s in want if s.key not in kept and _creatable(s, now)]
    return result


def next_check(rows: Iterable[EventRow], want: list[EventSpec], now: datetime) -> datetime | None:
    """When the drama's events next change on their own: the soonest end still ahead."""
    ends = [spec.end for spec in want]
    ends += [row.spec.end for row in rows if row.state != "dropping"]
    ahead = [end for end in ends if end > now]
    return min(ahead) if ahead else None


def close_status(status: int) -> int | None:
    """How an aired event is ended: an active one completed (None: deleted instead)."""
    return COMPLETED if status == ACTIVE else None


# -- wording --------------------------------------------------------------------------------
def missing_permission_problem() -> str:
    """What moderators read when Discord refused the bot an event for lack of permission."""
    return (
        "I can't create or edit scheduled events: give my role the Create Events permission "
        "(Server Settings → Roles), then run `/drama events` again."
    )


def limit_problem() -> str:
    """What moderators read when the server's 100 scheduled events are reached."""
    return (
        f"This server has {MAX_EVENTS} scheduled events, Discord's limit, so I could not add "
        "the next episode's event: delete some events, or lower a drama's `count` with "
        "`/drama events`."
    )


def gone_problem(title: str, keys: list[str]) -> str:
    """What moderators read when events of a drama were deleted by hand (episode keys)."""
    which = ", ".join(episode_label(key) for key in keys)
    return (
        f"Someone deleted the scheduled event of **{clean(title, limit=100)}** ({which}) in "
        f"Discord; I left it deleted. `/drama events … on` puts it back."
    )


def episode_label(key: str) -> str:
    """`episode 9` or `a special` for an episode key."""
    return f"episode {key}" if key.isdigit() else "a special"


def events_line(specs: list[EventSpec]) -> str:
    """`Episode 1 <t:…:F>, Episode 2 <t:…:F>` for a moderator's reply."""
    if not specs:
        return "No upcoming episode to show."
    return "; ".join(
        f"{episode_label(spec.key).capitalize()} {timestamp(spec.start, 'F')}" for spec in specs
    )
