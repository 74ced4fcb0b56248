"""Merging stored votes, a message's reactions and the live events around the read (pure)."""

from __future__ import annotations

import itertools

import pytest

from cogs.polls.merge import Change, Cleared, Reacted, diff, merge

FAN, FAN2 = 1, 2
RIBBON, GIGGLE, DRESS = 0, 1, 2


def add(position: int, user: int = FAN) -> Reacted:
    return Reacted(user, position, True)


def drop(position: int, user: int = FAN) -> Reacted:
    return Reacted(user, position, False)


@pytest.mark.parametrize(
    ("known", "real", "changes", "merged"),
    [
        ({}, {}, [], {}),
        ({1: [0]}, {1: {0}}, [], {1: [0]}),
        ({1: [0]}, {}, [], {}),
        ({}, {2: {1}}, [], {2: [1]}),
        # Known votes stay older; ones added while away follow, the lowest option last.
        ({1: [0]}, {1: {0, 2}}, [], {1: [0, 2]}),
        ({1: [0]}, {1: {1, 2}}, [], {1: [2, 1]}),
        ({1: [2, 0]}, {1: {0, 2}}, [], {1: [2, 0]}),
        # The fan: holds 🎀, adds 🤭 then 👗 while the read is slow. Whether the read
        # saw none, one or both of them, 👗 is his latest.
        ({FAN: [RIBBON]}, {FAN: {RIBBON}}, [add(GIGGLE), add(DRESS)], {FAN: [0, 1, 2]}),
        ({FAN: [RIBBON]}, {FAN: {0, 1}}, [add(GIGGLE), add(DRESS)], {FAN: [0, 1, 2]}),
        ({FAN: [RIBBON]}, {FAN: {0, 1, 2}}, [add(GIGGLE), add(DRESS)], {FAN: [0, 1, 2]}),
        # The last event decides a pair, whatever the snapshot says.
        ({FAN: [0]}, {FAN: {0, 1}}, [add(1), drop(1)], {FAN: [0]}),
        ({FAN: [0]}, {FAN: set()}, [drop(0), add(0)], {FAN: [0]}),
        ({FAN: [0, 1]}, {FAN: {0, 1}}, [add(0)], {FAN: [1, 0]}),
        # A clear empties every pair it covers; what comes after it counts.
        ({FAN: [0], FAN2: [1]}, {FAN: {0}, FAN2: {1}}, [Cleared()], {}),
        ({FAN: [0], FAN2: [1]}, {FAN: {0}, FAN2: {1}}, [Cleared(1)], {FAN: [0]}),
        ({FAN: [0]}, {FAN: {0, 2}}, [Cleared(), add(1)], {FAN: [1]}),
    ],
)
def test_merge(
    known: dict[int, list[int]],
    real: dict[int, set[int]],
    changes: list[Change],
    merged: dict[int, list[int]],
) -> None:
    assert merge(known, real, changes) == merged


def _replay(known: dict[int, set[int]], events: list[Reacted]) -> dict[int, set[int]]:
    held = {user: set(options) for user, options in known.items()}
    for event in events:
        options = held.setdefault(event.user_id, set())
        if event.added:
            options.add(event.position)
        else:
            options.discard(event.position)
    return {user: options for user, options in held.items() if options}


EVENTS = [add(1), add(2), drop(0), add(0, FAN2), drop(1), add(1, FAN2), add(2)]


@pytest.mark.parametrize("read_after", range(len(EVENTS) + 1))
def test_merge_does_not_depend_on_when_the_read_happened(read_after: int) -> None:
    # Known before reconciling; every event then happens on Discord in order, and the
    # snapshot is taken after `read_after` of them. The result is always the same.
    known = {FAN: [0], FAN2: [2]}
    snapshot = _replay({u: set(h) for u, h in known.items()}, EVENTS[:read_after])
    merged = merge(known, snapshot, EVENTS)
    final = _replay({u: set(h) for u, h in known.items()}, EVENTS)
    assert {u: set(h) for u, h in merged.items()} == final
    assert merged == merge(known, final, EVENTS)
    assert merged[FAN][-1] == 2  # his last add
    assert merged[FAN2][-1] == 1


def test_merge_is_idempotent() -> None:
    known = {FAN: [0]}
    real = {FAN: {0, 1, 2}, FAN2: {2}}
    once = merge(known, real, [add(1)])
    assert merge(once, real, [add(1)]) == once
    assert merge(once, {u: set(h) for u, h in once.items()}) == once


@pytest.mark.parametrize(
    ("known", "merged", "removed", "written"),
    [
        ({}, {}, [], []),
        ({1: [0]}, {1: [0]}, [], []),
        ({1: [0]}, {1: [0, 2]}, [], [(1, 2)]),
        ({1: [0]}, {}, [(1, 0)], []),
        ({1: [0, 1]}, {1: [1, 0]}, [], [(1, 0)]),
        ({1: [0, 1, 2]}, {1: [1, 2, 0]}, [], [(1, 0)]),
        ({1: [0, 1, 2]}, {1: [2, 1]}, [(1, 0)], [(1, 1)]),
        ({1: [0, 1], 2: [2]}, {1: [1], 2: [2, 0]}, [(1, 0)], [(2, 0)]),
    ],
)
def test_diff_rewrites_only_what_moved(
    known: dict[int, list[int]],
    merged: dict[int, list[int]],
    removed: list[tuple[int, int]],
    written: list[tuple[int, int]],
) -> None:
    assert diff(known, merged) == (removed, written)


def test_diff_then_order_by_write_gives_the_merged_order() -> None:
    for old in itertools.permutations([0, 1, 2]):
        for new in itertools.permutations([0, 1, 2], 2):
            removed, written = diff({1: list(old)}, {1: list(new)})
            rows = [p for p in old if (1, p) not in removed and (1, p) not in written]
            rows += [p for _, p in written]
            assert rows == list(new)
