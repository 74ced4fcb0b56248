"""Wording shared by every feature. Pure: no discord imports, so logic modules may use it."""

from __future__ import annotations


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """`count` with its noun in the right number: "1 question", "0 questions", "2 episodes".

    Args:
        count: How many.
        singular: The noun for one ("question", "fan has").
        plural_form: The noun for any other count; default `singular` + "s".
    """
    noun = singular if count == 1 else (plural_form or f"{singular}s")
    return f"{count} {noun}"
