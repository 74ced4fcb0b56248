"""Poll durations as fans type them: `30m`, `90 mins`, `1h 30m`, `1 day`, `1d12h`, `1w`."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.errors import InvalidInput

MIN_DURATION = timedelta(minutes=1)
MAX_DURATION = timedelta(days=32)
MAX_MINUTES = 32 * 24 * 60
_UNITS = r"weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m"
_DURATION_PART = re.compile(rf"([0-9]+)\s*({_UNITS})(?![a-z])")
_DURATION_GAP = r"(?:\s*,\s*|\s+and\s+|\s*)"
_DURATION_FULL = re.compile(
    rf"[0-9]+\s*(?:{_UNITS})(?![a-z])(?:{_DURATION_GAP}[0-9]+\s*(?:{_UNITS})(?![a-z]))*"
)
_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}
MAX_DURATION_CHARS = 200
DURATION_EXAMPLES = "`30m`, `90 mins`, `1h 30m`, `2 hours`, `1d12h`, `3 days` or `1w`"
_DURATION_LIMITS = "a poll lasts between 1 minute and 32 days"
_ECHOABLE = re.compile(r"[0-9a-z ,.+-]{1,24}")
_SPACES = re.compile(r"\s+")


def parse_duration(raw: str | None) -> timedelta | None:
    """Parse a duration as fans type it (1 minute to 32 days); empty means no end.

    Accepts numbers with units in weeks, days, hours and minutes, short or spelled out,
    together or apart: `30m`, `90 mins`, `1h 30m`, `1d12h`, `2 hours`, `1 day, 6 hours`, `1w`.

    Raises:
        InvalidInput: anything else (`forever`, a bare number, `1.5h`, a unit given twice)
            or a length outside the limits; the message shows how to write it.
    """
    if raw is None or not raw.strip():
        return None
    text = _SPACES.sub(" ", raw.strip().lower())
    if len(text) <= MAX_DURATION_CHARS and _DURATION_FULL.fullmatch(text):
        duration = _sum_parts(text)
    else:
        raise InvalidInput(_unreadable_duration(text))
    if not MIN_DURATION <= duration <= MAX_DURATION:
        verdict = "too short" if duration < MIN_DURATION else "too long"
        raise InvalidInput(
            f"{_shown(text).capitalize()} is {verdict}: {_DURATION_LIMITS}. "
            f"Write it like {DURATION_EXAMPLES}."
        )
    return duration


def _sum_parts(text: str) -> timedelta:
    minutes = 0
    seen: set[str] = set()
    for number, unit in _DURATION_PART.findall(text):
        letter = "m" if unit.startswith("mi") or unit == "m" else unit[0]
        if letter in seen:
            raise InvalidInput(
                f"Give each unit once, e.g. `1h 30m`, not {_shown(text)}; "
                f"{_DURATION_LIMITS}. Write it like {DURATION_EXAMPLES}."
            )
        seen.add(letter)
        # A number too big to matter is capped, so absurd input cannot overflow timedelta.
        digits = number.lstrip("0") or "0"
        value = int(digits) if len(digits) <= 9 else MAX_MINUTES + 1
        minutes += min(value, MAX_MINUTES + 1) * _UNIT_MINUTES[letter]
    return timedelta(minutes=min(minutes, MAX_MINUTES + 1))


def _unreadable_duration(text: str) -> str:
    if text.isascii() and text.isdigit():
        if int(text) == 0:
            return f"`0` is too short: {_DURATION_LIMITS}. Write it like {DURATION_EXAMPLES}."
        if len(text) <= 6:
            return (
                f"`{text}` needs a unit: `{text}m` for minutes, `{text}h` for hours or "
                f"`{text}d` for days ({_DURATION_LIMITS}). Examples: {DURATION_EXAMPLES}."
            )
    if re.search(r"[0-9][.,][0-9]", text):
        return (
            f"Use whole numbers in a duration, e.g. `1h 30m` rather than `1.5h`; "
            f"{_DURATION_LIMITS}. Examples: {DURATION_EXAMPLES}."
        )
    return (
        f"I could not read {_shown(text)} as a duration. Write it like {DURATION_EXAMPLES} "
        f"({_DURATION_LIMITS}), or leave it empty to keep the poll open until it is closed."
    )


def _shown(text: str) -> str:
    """The fan's duration in a code span, when it is plain enough to echo back safely."""
    return f"`{text}`" if _ECHOABLE.fullmatch(text) else "this duration"


def format_duration(duration: timedelta) -> str:
    """`1d 2h 30m` style, for messages."""
    minutes = int(duration.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{value}{unit}" for value, unit in ((days, "d"), (hours, "h"), (mins, "m")) if value]
    return " ".join(parts) or "0m"
