"""What fans' `/airtime next` and `/airtime week` show, kept ready between schedule changes.

A guild's dramas come from the store's in-memory list (`AirtimeStore.list_dramas`), whose
records are replaced by new ones whenever a drama changes. For each record this keeps its
reply data (`render.info_of`), its air times for bisecting, its "next episode" line until
that episode airs, and each broadcast's line for the week view (a Discord timestamp needs
no re-rendering as time passes). A guild's listings are rebuilt when its records are not
the very objects they were built from, so a change is never shown stale.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cogs.airtime import render
from cogs.airtime.records import Drama
from cogs.airtime.render import DramaInfo

WEEK = timedelta(days=7)
GUIDE_GUILDS = 2_000  # guilds whose listings are kept (the most recently used)


@dataclass
class Listing:
    """One drama as the fans' overviews show it."""

    info: DramaInfo
    starts: list[datetime]  # air times, in air order
    _next: tuple[datetime | None, str] | None = None  # (line valid until, line)
    _week: dict[int, str] = field(default_factory=dict)  # broadcast index -> week line

    @classmethod
    def of(cls, drama: Drama) -> Listing:
        """The listing of one drama record."""
        info = render.info_of(drama)
        return cls(info, [ep.at for ep in info.episodes])

    def next_line(self, now: datetime) -> str:
        """`render.next_line`, kept until the broadcast it names starts."""
        if self._next is not None and (self._next[0] is None or now < self._next[0]):
            return self._next[1]
        index = bisect.bisect_right(self.starts, now)
        until = self.starts[index] if index < len(self.starts) else None
        line = render.next_line(self.info, now)
        self._next = (until, line)
        return line

    def week(self, now: datetime) -> list[tuple[datetime, str, str]]:
        """(air time, title, line) of each broadcast in [now, now + 7 days)."""
        first = bisect.bisect_left(self.starts, now)
        last = bisect.bisect_left(self.starts, now + WEEK)
        items = []
        for index in range(first, last):
            line = self._week.get(index)
            if line is None:
                line = self._week[index] = render.week_line(self.info, self.info.episodes[index])
            items.append((self.starts[index], self.info.title, line))
        return items


@dataclass
class _Guild:
    dramas: tuple[Drama, ...]
    listings: list[Listing]


class Guide:
    """Listings by guild, rebuilt when the store hands out new drama records."""

    def __init__(self, max_guilds: int = GUIDE_GUILDS) -> None:
        """Keep at most `max_guilds` guilds' listings."""
        self._max = max_guilds
        self._guilds: OrderedDict[int, _Guild] = OrderedDict()

    def listings(self, guild_id: int, dramas: list[Drama]) -> list[Listing]:
        """The listings of `dramas` (the guild's, by title), built anew only when they changed."""
        kept = self._guilds.get(guild_id)
        if kept is not None and _same(kept.dramas, dramas):
            self._guilds.move_to_end(guild_id)
            return kept.listings
        built = _Guild(tuple(dramas), [Listing.of(drama) for drama in dramas])
        self._guilds[guild_id] = built
        self._guilds.move_to_end(guild_id)
        if len(self._guilds) > self._max:
            self._guilds.popitem(last=False)
        return built.listings

    def next_lines(self, guild_id: int, dramas: list[Drama], now: datetime) -> list[str]:
        """Each drama's next broadcast (or that it ended), by title."""
        return [listing.next_line(now) for listing in self.listings(guild_id, dramas)]

    def week_lines(self, guild_id: int, dramas: list[Drama], now: datetime) -> list[str]:
        """Every broadcast of the next 7 days, in air order (as `render.week_lines`)."""
        items = [item for listing in self.listings(guild_id, dramas) for item in listing.week(now)]
        items.sort(key=lambda item: (item[0], item[1]))
        return [line for _, _, line in items]


def _same(kept: tuple[Drama, ...], dramas: list[Drama]) -> bool:
    """Whether `dramas` are the very records the listings were built from."""
    return len(kept) == len(dramas) and all(a is b for a, b in zip(kept, dramas, strict=True))
