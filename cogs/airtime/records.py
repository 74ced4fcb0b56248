"""The airtime store's records: a drama (with its exceptions), a ledger row, schedule changes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property
from typing import Any

from cogs.airtime.schedule import (
    DramaSpec,
    Episode,
    Slot,
    Special,
    episode_list,
    iter_episodes,
)
from cogs.airtime.tvmaze_import import Snapshot


@dataclass(frozen=True)
class Drama:
    """One drama a guild tracks, with its exceptions."""

    drama_id: int
    guild_id: int
    title: str
    aliases: tuple[str, ...]
    network: str
    slots: tuple[Slot, ...]
    premiere: date
    episodes: int
    runtime_min: int
    streaming: str | None = None
    streaming_delay_min: int | None = None
    catalog_key: str | None = None
    channel_id: int | None = None
    role_id: int | None = None
    leads: tuple[int, ...] = (30,)
    announce_since: datetime | None = None
    skips: frozenset[date] = frozenset()
    skip_reasons: tuple[tuple[date, str], ...] = ()  # (KST date, reason or ""), by date
    moves: dict[int, datetime] = field(default_factory=dict)
    specials: tuple[Special, ...] = ()
    tvmaze_id: int | None = None  # the TVmaze show it was imported from

    @property
    def spec(self) -> DramaSpec:
        """The pure schedule model."""
        return DramaSpec(
            self.slots,
            self.premiere,
            self.episodes,
            self.runtime_min,
            self.skips,
            self.moves,
            self.specials,
        )

    def iter_episodes(self, since: datetime | None = None) -> Iterator[Episode]:
        """Broadcasts in air order, lazily (only those at or after `since` when given)."""
        return iter_episodes(self.spec, since)

    def episode_list(self, since: datetime | None = None) -> list[Episode]:
        """Broadcasts in air order (only those at or after `since` when given)."""
        if since is None:
            return list(self.broadcasts)
        return episode_list(self.spec, since)

    @cached_property
    def broadcasts(self) -> tuple[Episode, ...]:
        """Every broadcast in air order, computed once per record (a record never changes)."""
        return tuple(iter_episodes(self.spec))

    def names(self) -> tuple[str, ...]:
        """Title then aliases."""
        return (self.title, *self.aliases)

    def matches(self, name: str) -> bool:
        """Whether `name` is this drama's title or an alias (case-insensitive)."""
        wanted = " ".join(name.split()).casefold()
        return any(wanted == known.casefold() for known in self.names())


@dataclass(frozen=True)
class Outline:
    """An announcing drama's schedule as stored, enough to tell whether it may fall due soon."""

    drama_id: int
    slots: str  # `encode_slots` text: `2@21:30,3@21:30` (KST)
    premiere: str  # ISO date
    remind: str  # reminder leads in minutes: `60,10`
    streaming_delay_min: int | None


@dataclass(frozen=True)
class Ledger:
    """One ledger row."""

    state: str
    channel_id: int | None
    message_id: int | None
    claimed_at: datetime


@dataclass(frozen=True)
class Edit:
    """Change editable columns (title, slots, episode count…), by column name."""

    columns: dict[str, Any]


@dataclass(frozen=True)
class Move:
    """Move one numbered episode to another instant (replacing an earlier move)."""

    episode: int
    at: datetime


@dataclass(frozen=True)
class AddSpecial:
    """Add an un-numbered broadcast (an imported one names its TVmaze episode)."""

    at: datetime
    title: str
    tvmaze_episode_id: int | None = None


@dataclass(frozen=True)
class Skip:
    """Pre-empt a KST date (no episode; later episodes shift)."""

    day: date
    reason: str


@dataclass(frozen=True)
class Undo:
    """Remove one exception: a pre-emption (key: date), a move (episode) or a special (id)."""

    kind: str
    key: str


@dataclass(frozen=True)
class Imported:
    """Bring an imported drama to a new TVmaze import: what TVmaze changed since the last one.

    Decided inside the write, from the last import and the moderator's overrides as they
    are then (`import_store.import_steps`); the first import of a drama writes everything.
    """

    snapshot: Snapshot
    release_time: time | None = None  # KST, for shows TVmaze gives no time


@dataclass(frozen=True)
class Overridden:
    """A moderator changed these fields or exceptions of an imported drama by hand."""

    keys: frozenset[str]


ScheduleChange = Edit | Move | AddSpecial | Skip | Undo | Imported | Overridden
