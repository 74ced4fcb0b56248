"""Counts agree in number: one helper for every feature."""

from __future__ import annotations

import pytest

from bot.text import plural


@pytest.mark.parametrize(
    ("count", "singular", "plural_form", "expected"),
    [
        (0, "question", None, "0 questions"),
        (1, "question", None, "1 question"),
        (2, "episode", None, "2 episodes"),
        (1, "fan has", "fans have", "1 fan has"),
        (3, "fan has", "fans have", "3 fans have"),
        (-1, "point", None, "-1 points"),
    ],
)
def test_plural(count: int, singular: str, plural_form: str | None, expected: str) -> None:
    assert plural(count, singular, plural_form) == expected
