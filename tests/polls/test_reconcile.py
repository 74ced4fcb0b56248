"""Merging stored votes with a message's real reactions after downtime (pure part)."""

from __future__ import annotations

import pytest

from cogs.polls.reconcile import merge, removed_pairs


@pytest.mark.parametrize(
    ("known", "real", "merged", "added", "removed"),
    [
        ({}, {}, {}, [], []),
        ({1: [0]}, {1: {0}}, {1: [0]}, [], []),
        ({1: [0]}, {}, {}, [], [(1, 0)]),
        ({}, {2: {1}}, {2: [1]}, [(2, 1)], []),
        # Known votes stay older; new ones follow, the lowest option last (it wins single-choice).
        ({1: [0]}, {1: {0, 2}}, {1: [0, 2]}, [(1, 2)], []),
        ({1: [0]}, {1: {1, 2}}, {1: [2, 1]}, [(1, 2), (1, 1)], [(1, 0)]),
        ({1: [2, 0]}, {1: {0, 2}}, {1: [2, 0]}, [], []),
    ],
)
def test_merge(
    known: dict[int, list[int]],
    real: dict[int, set[int]],
    merged: dict[int, list[int]],
    added: list[tuple[int, int]],
    removed: list[tuple[int, int]],
) -> None:
    assert merge(known, real) == (merged, added)
    assert removed_pairs(known, real) == removed
