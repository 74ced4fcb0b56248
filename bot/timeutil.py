"""Instants as the database keeps them: integer unix seconds, UTC.

The one home for the conversion, so every feature rounds the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_unix(instant: datetime) -> int:
    """Whole unix seconds of an aware instant (sub-second parts are dropped)."""
    if instant.tzinfo is None:
        raise ValueError("to_unix needs an aware datetime")
    return int(instant.timestamp())


def from_unix(value: int | float) -> datetime:
    """The aware UTC instant of unix seconds."""
    return datetime.fromtimestamp(value, UTC)


def to_unix_or_none(instant: datetime | None) -> int | None:
    """`to_unix`, passing None through (for nullable columns)."""
    return None if instant is None else to_unix(instant)


def from_unix_or_none(value: int | float | None) -> datetime | None:
    """`from_unix`, passing None through (for nullable columns)."""
    return None if value is None else from_unix(value)
