"""Pure: what a refresh may write, given the last import, the new one and the moderator's edits.

A refresh applies only what TVmaze changed since the last import (so whatever a moderator
set by hand and TVmaze did not touch stays as it is), and never a change to something the
moderator overrode by hand: a field (`title`, `network`, `slots`, `premiere`, `episodes`,
`runtime_min`) or one exception (`skip:2018-06-20`, `move:9`, `special:<TVmaze episode id>`,
the keys `/drama undo` already uses for pre-emptions and moves).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from cogs.airtime.tvmaze_import import ImportedSpecial, Snapshot

T = TypeVar("T")
FIELDS = ("title", "network", "slots", "premiere", "episodes", "runtime_min")
FIELD_NAMES = {
    "title": "the title",
    "network": "the network",
    "slots": "the broadcast days and time",
    "premiere": "the premiere",
    "episodes": "the episode count",
    "runtime_min": "the runtime",
}


@dataclass(frozen=True)
class ImportUpdate:
    """The writes one import asks for; `kept` names overrides that held a TVmaze change back."""

    fields: Mapping[str, Any] = field(default_factory=dict)
    add_skips: frozenset[date] = frozenset()
    remove_skips: frozenset[date] = frozenset()
    set_moves: Mapping[int, datetime] = field(default_factory=dict)
    remove_moves: frozenset[int] = frozenset()
    add_specials: tuple[ImportedSpecial, ...] = ()
    remove_specials: frozenset[int] = frozenset()  # TVmaze episode ids
    kept: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        """Whether nothing is to be written."""
        return not (
            self.fields
            or self.add_skips
            or self.remove_skips
            or self.set_moves
            or self.remove_moves
            or self.add_specials
            or self.remove_specials
        )


def skip_key(day: date) -> str:
    """The override key of a pre-empted date."""
    return f"skip:{day.isoformat()}"


def move_key(number: int) -> str:
    """The override key of a moved episode."""
    return f"move:{number}"


def special_key(episode_id: int) -> str:
    """The override key of an imported special."""
    return f"special:{episode_id}"


def first_import(snapshot: Snapshot) -> ImportUpdate:
    """Everything of a new import."""
    return ImportUpdate(
        fields={name: getattr(snapshot, name) for name in FIELDS},
        add_skips=snapshot.skips,
        set_moves=dict(snapshot.moves),
        add_specials=snapshot.specials,
    )


def merge_import(
    previous: Snapshot | None, new: Snapshot, overrides: Iterable[str] = ()
) -> ImportUpdate:
    """The writes that bring a drama from the `previous` import to `new`, overrides kept."""
    if previous is None:
        return first_import(new)
    held = frozenset(overrides)
    kept: set[str] = set()
    fields: dict[str, Any] = {}
    for name in FIELDS:
        if getattr(previous, name) != getattr(new, name):
            if name in held:
                kept.add(name)
            else:
                fields[name] = getattr(new, name)
    add_skips = _free(new.skips - previous.skips, skip_key, held, kept)
    remove_skips = _free(previous.skips - new.skips, skip_key, held, kept)
    moved = _free(
        {n for n in set(previous.moves) | set(new.moves) if _differs(previous, new, n)},
        move_key,
        held,
        kept,
    )
    old_sp = {sp.episode_id: sp for sp in previous.specials}
    new_sp = {sp.episode_id: sp for sp in new.specials}
    changed = _free(
        {key for key in set(old_sp) | set(new_sp) if old_sp.get(key) != new_sp.get(key)},
        special_key,
        held,
        kept,
    )
    return ImportUpdate(
        fields=fields,
        add_skips=add_skips,
        remove_skips=remove_skips,
        set_moves={n: new.moves[n] for n in sorted(moved) if n in new.moves},
        remove_moves=frozenset(n for n in moved if n not in new.moves),
        add_specials=tuple(new_sp[key] for key in sorted(changed) if key in new_sp),
        remove_specials=frozenset(key for key in changed if key in old_sp),
        kept=frozenset(kept),
    )


def _differs(previous: Snapshot, new: Snapshot, number: int) -> bool:
    return previous.moves.get(number) != new.moves.get(number)


def _free(
    items: Iterable[T], key: Callable[[T], str], held: frozenset[str], kept: set[str]
) -> frozenset[T]:
    """The items whose override key is not held; the held ones' keys go into `kept`."""
    free: set[T] = set()
    for item in items:
        if key(item) in held:
            kept.add(key(item))
        else:
            free.add(item)
    return frozenset(free)


def override_keys(
    changes: Mapping[str, Any], move: int | None = None, skip: date | None = None
) -> frozenset[str]:
    """The override keys a moderator's `/drama edit` (or skip, or move) sets."""
    keys = {name for name in changes if name in FIELDS}
    if move is not None:
        keys.add(move_key(move))
    if skip is not None:
        keys.add(skip_key(skip))
    return frozenset(keys)


def override_notice(keys: Iterable[str]) -> str | None:
    """What a moderator's change of an imported drama tells them: their change now wins.

    Names the fields (`/drama edit`), moved episodes and pre-empted dates it covers.
    """
    held = set(keys)
    named = [FIELD_NAMES[key] for key in FIELDS if key in held]
    moves = sorted(int(key[5:]) for key in held if key.startswith("move:"))
    named += [f"the time of episode {number}" for number in moves]
    named += [f"{key[5:]} (pre-empted or not)" for key in sorted(held) if key.startswith("skip:")]
    if not named:
        return None
    listed = ", ".join(named[:-1]) + (" and " if len(named) > 1 else "") + named[-1]
    return (
        f"This drama follows TVmaze: your change to {listed} stays, and TVmaze's later "
        "changes to it are ignored."
    )
