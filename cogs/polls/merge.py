"""Reconciliation's rule, pure: what the bot knew + the message's reactions + live events.

Start-up (or re-identify, or a freshly attached message) reads the message's reactions over
REST while gateway events keep arriving. The read is a snapshot taken at some moment after the
poll began reconciling; the live events since then carry order. Because the gateway delivers
every change made while the bot is connected, for one (fan, option) pair:

- if a live event touched it since reconciling began, the LAST such event is the truth (any
  later change would arrive as another event), whatever the snapshot says and whenever it
  was read;
- if none did, nothing changed since reconciling began, so the snapshot, read after that, is
  the truth.

So the result does not depend on whether an event arrived before, during or after the read:
the merge is idempotent and commutes with the read. A fan's order of choices (which one is
"latest" in a single-choice poll) comes from the same facts: options changed by live events are
the newest, in event order; of the rest, the options the bot already knew keep their known
order, and options added while the bot was away come after them (Discord does not say in
which order; the first in option order is taken as the latest).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

Votes = dict[int, list[int]]
"""Voter id -> the options they hold, oldest first."""


@dataclass(frozen=True)
class Reacted:
    """A fan added (or removed) their reaction for one option."""

    user_id: int
    position: int
    added: bool


@dataclass(frozen=True)
class Cleared:
    """Every reaction (position None) or every reaction of one option was removed."""

    position: int | None = None


Change = Reacted | Cleared


def _last_seen(
    known: Votes, real: Mapping[int, Collection[int]], changes: Sequence[Change]
) -> dict[int, dict[int, tuple[bool, int]]]:
    """Voter -> option -> (held after its last change, order of that change)."""
    last: dict[int, dict[int, tuple[bool, int]]] = defaultdict(dict)
    for order, change in enumerate(changes):
        if isinstance(change, Reacted):
            last[change.user_id][change.position] = (change.added, order)
            continue
        for user_id in set(known) | set(real) | set(last):
            held = set(known.get(user_id, ())) | set(real.get(user_id, ())) | set(last[user_id])
            for position in held:
                if change.position is None or position == change.position:
                    last[user_id][position] = (False, order)
    return last


def merge(
    known: Votes, real: Mapping[int, Collection[int]], changes: Sequence[Change] = ()
) -> Votes:
    """Each voter's options after reconciling, oldest first (see the module docstring).

    `known` is what the bot held when reconciling began, `real` the snapshot (voter ->
    options whose reaction they hold) and `changes` the live events since, in gateway order.
    """
    last = _last_seen(known, real, changes)
    merged: Votes = {}
    for user_id in sorted(set(known) | set(real) | set(last)):
        seen = last.get(user_id, {})
        held = set(real.get(user_id, ())) - set(seen)
        before = known.get(user_id, [])
        kept = [p for p in before if p in held]
        new = sorted(held - set(kept), reverse=True)
        changed = sorted((p for p, (on, _) in seen.items() if on), key=lambda p: seen[p][1])
        history = kept + new + changed
        if history:
            merged[user_id] = history
    return merged


def diff(known: Votes, merged: Votes) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The (voter, option) rows to delete and to (re)write, in order, to go from one to the other.

    Rows are ordered by when they were written, so an option whose place in a voter's order
    changed is written again, after the rows that keep their place.
    """
    removed: list[tuple[int, int]] = []
    written: list[tuple[int, int]] = []
    for user_id in sorted(set(known) | set(merged)):
        old, new = known.get(user_id, []), merged.get(user_id, [])
        removed += [(user_id, p) for p in old if p not in new]
        written += [(user_id, p) for p in new[_kept_prefix(old, new) :]]
    return removed, written


def _kept_prefix(old: list[int], new: list[int]) -> int:
    """How many of `new`'s first options can keep their rows.

    That is the longest prefix of `new` found in `old` in the same relative order; the
    options after it are written again, after those rows.
    """
    rest = iter(old)
    count = 0
    for position in new:
        if not any(p == position for p in rest):
            break
        count += 1
    return count
