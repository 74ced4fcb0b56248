"""Bidi controls in user text: one rule for every feature. Pure (no discord imports)."""

from __future__ import annotations

import re

# Embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): U+202E shows
# "gpj.exe" as "exe.jpg", so text carrying them does not read on screen as it is stored.
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
BIDI_HINT = (
    "contains invisible text-direction characters (U+202A-U+202E, U+2066-U+2069) that "
    "would make it read differently on screen; type it without them"
)


def has_bidi(text: str) -> bool:
    """Whether `text` holds a bidi embedding, override or isolate control."""
    return BIDI_CONTROLS.search(text) is not None


def strip_bidi(text: str) -> str:
    """`text` without bidi embedding, override and isolate controls."""
    return BIDI_CONTROLS.sub("", text)
