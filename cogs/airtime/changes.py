"""Pure: a drama's schedule changes (pre-emptions, moves, specials), listed and undone.

`/drama undo` picks one of these by its key (`skip:2018-06-07`, `move:3`, `special:12`);
a moderator may also type a bare KST date (a pre-emption) or an episode number (a move).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.errors import InvalidInput
from bot.replies import clean, timestamp
from cogs.airtime.records import Drama
from cogs.airtime.schedule import KST, Episode
from cogs.airtime.validate import parse_date

KINDS = ("skip", "move", "special")


@dataclass(frozen=True)
class Change:
    """One schedule exception of a drama."""

    kind: str
    key: str
    label: str

    @property
    def value(self) -> str:
        """`skip:2018-06-07`, `move:3` or `special:12` (autocomplete value)."""
        return f"{self.kind}:{self.key}"


def _kst(at: datetime) -> str:
    return f"{at.astimezone(KST):%a %Y-%m-%d %H:%M} KST"


def changes_of(drama: Drama) -> list[Change]:
    """Every exception of the drama, pre-emptions first, each in date order."""
    result = [Change("skip", day.isoformat(), f"No episode on {day:%a %Y-%m-%d}")
              for day in sorted(drama.skips)]  # fmt: skip
    result += [
        Change("move", str(number), f"Episode {number} moved to {_kst(at)}")
        for number, at in sorted(drama.moves.items())
    ]
    result += [
        Change("special", str(sp.special_id), f"Special {_kst(sp.at)}: {sp.title}"[:100])
        for sp in sorted(drama.specials, key=lambda sp: sp.at)
    ]
    return result


def parse_change(text: str) -> tuple[str, str]:
    """(kind, key) from an autocomplete value, a bare `YYYY-MM-DD` or an episode number."""
    value = text.strip()
    kind, sep, key = value.partition(":")
    if sep and kind in KINDS and key.isascii() and key.strip():
        key = key.strip()
        if kind == "skip":
            return kind, parse_date(key).isoformat()
        if key.isdigit() and len(key) <= 18:
            return kind, str(int(key))
    elif not sep and value.isascii() and value.isdigit() and len(value) <= 4:
        return "move", str(int(value))
    elif not sep and value:
        return "skip", parse_date(value).isoformat()
    raise InvalidInput(
        "Pick the change to undo from the suggestions, or type a pre-empted date "
        "(`YYYY-MM-DD`) or a moved episode's number."
    )


def find_change(drama: Drama, kind: str, key: str) -> Change:
    """The drama's exception with that kind and key; `InvalidInput` naming what exists."""
    known = changes_of(drama)
    for change in known:
        if (change.kind, change.key) == (kind, key):
            return change
    have = "; ".join(change.label for change in known[:5]) or "none"
    raise InvalidInput(
        f"**{clean(drama.title, limit=100)}** has no such change. Its changes: {clean(have)}."
    )


def _first_moved(before: list[Episode], after: list[Episode], now: datetime) -> Episode | None:
    old = {ep.key: ep.at for ep in before}
    return next(
        (
            ep
            for ep in after
            if ep.number is not None and ep.at > now and old.get(ep.key, ep.at) != ep.at
        ),
        None,
    )


def undo_notice(
    title: str, change: Change, before: list[Episode], after: list[Episode], now: datetime
) -> str | None:
    """The fans' notice for an undone change, or None when no upcoming broadcast changed."""
    name = f"**{clean(title, limit=100)}**"
    moved = _first_moved(before, after, now)
    shift = (
        f"episode {moved.number} now airs {timestamp(moved.at, 'F')} ({_kst(moved.at)})"
        if moved is not None
        else ""
    )
    if change.kind == "special":
        gone = next((ep for ep in before if ep.key == f"sp{change.key}" and ep.at > now), None)
        if gone is None:
            return f"📢 Schedule change for {name}: {shift}." if shift else None
        special = clean(gone.title, limit=100) or "special"
        start = timestamp(gone.at, "F")
        text = f"📢 The {name} special “{special}” on {start} ({_kst(gone.at)}) is cancelled"
        return f"{text}; {shift}." if shift else f"{text}."
    if not shift:
        return None
    what = "The pre-emption is cancelled" if change.kind == "skip" else "The move is undone"
    return f"📢 Schedule change for {name}: {what}; {shift}."


def edit_notice(
    title: str, before: list[Episode], after: list[Episode], now: datetime
) -> str | None:
    """The fans' notice after an edit: a new upcoming special and/or an episode's new time."""
    name = f"**{clean(title, limit=100)}**"
    known = {ep.key for ep in before}
    parts = [
        f"special “{clean(ep.title, limit=100) or 'special'}” airs "
        f"{timestamp(ep.at, 'F')} ({_kst(ep.at)})"
        for ep in after
        if ep.number is None and ep.key not in known and ep.at > now
    ][:3]
    moved = _first_moved(before, after, now)
    if moved is not None:
        parts.append(
            f"episode {moved.number} now airs {timestamp(moved.at, 'F')} ({_kst(moved.at)})"
        )
    return f"📢 Schedule change for {name}: " + "; ".join(parts) + "." if parts else None
