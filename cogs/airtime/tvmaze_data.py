"""Pure: TVmaze's JSON as typed records, its errors, and what a moderator may type for a show.

Shapes follow TVmaze's public API (https://www.tvmaze.com/api): a show with its `network`
or `webChannel`, a weekly `schedule`, and episodes with `airdate`, `airtime` and `airstamp`.
Anything that does not fit raises `TvmazeMalformed`; nothing here touches the network.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from bot.errors import InvalidInput, NotFound, UserFacingError

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
QUERY_MAX = 100
_SHOW_URL = re.compile(
    r"(?:https?://)?(?:www\.|api\.)?tvmaze\.com/shows/(\d{1,9})(?:[/?#]\S*)?", re.IGNORECASE
)
_LOOKS_LIKE_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)|^[^\s/]+\.[a-z]{2,}/", re.I)


class TvmazeError(UserFacingError):
    """Something about TVmaze went wrong; the message says what a moderator can do."""


class TvmazeNotFound(TvmazeError, NotFound):
    """TVmaze has no such show (an unknown id, or no title matched)."""


class TvmazeUnavailable(TvmazeError):
    """TVmaze did not answer in time, kept failing, or kept us waiting too long."""


class TvmazeMalformed(TvmazeError):
    """TVmaze answered with something that is not what its API documents."""


UNAVAILABLE = "TVmaze didn't answer; try again in a minute."
MALFORMED = "TVmaze sent an answer I couldn't read; try again later."


@dataclass(frozen=True)
class Show:
    """The parts of a TVmaze show an import needs."""

    id: int
    name: str
    channel: str  # the network's or streaming service's name ("" when TVmaze has none)
    web: bool  # streaming-only: a webChannel and no broadcast network
    country: str | None  # ISO 3166 code of the network (or webChannel) country
    timezone: str | None  # the zone `schedule.time` is in
    language: str | None
    days: tuple[int, ...]  # schedule weekdays, 0 = Monday
    time: time | None  # schedule time in `timezone`; None when TVmaze gives none
    premiered: date | None
    runtime: int | None
    average_runtime: int | None
    status: str
    url: str
    updated: int  # unix seconds of TVmaze's last change to the show

    def label(self) -> str:
        """`What's Wrong with Secretary Kim · tvN · 2018` (for autocomplete; not escaped)."""
        parts = [self.name, self.channel, str(self.premiered.year) if self.premiered else ""]
        return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class Episode:
    """One TVmaze episode; a special has `number` None."""

    id: int
    season: int
    number: int | None
    type: str  # regular, significant_special or insignificant_special
    name: str
    airdate: date | None
    airtime: time | None
    airstamp: datetime | None  # aware
    runtime: int | None

    @property
    def special(self) -> bool:
        """Whether this is an un-numbered special rather than a regular episode."""
        return self.number is None or self.type != "regular"


def fully_timed(show: Show, episodes: Sequence[Episode]) -> bool:
    """Whether TVmaze gives the show's time and the time of every dated episode."""
    dated = (ep for ep in episodes if ep.airdate is not None or ep.airstamp is not None)
    return show.time is not None and all(ep.airtime is not None for ep in dated)


def _field(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise TvmazeMalformed(MALFORMED)
    return value


def _optional(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    return None if obj.get(key) in (None, "") else _field(obj, key, kind)


def _object(value: object) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise TvmazeMalformed(MALFORMED)
    return value


def _parse(parser: Any, text: str | None) -> Any:
    if text is None:
        return None
    try:
        return parser(text)
    except ValueError:
        raise TvmazeMalformed(MALFORMED) from None


def _channel(raw: Mapping[str, Any]) -> tuple[str, bool, str | None, str | None]:
    """(name, streaming-only, country code, timezone) from `network` or `webChannel`."""
    network, web = raw.get("network"), raw.get("webChannel")
    chosen = _object(network) if network is not None else None
    if chosen is None and web is not None:
        chosen = _object(web)
    if chosen is None:
        return "", False, None, None
    country = _object(chosen["country"]) if chosen.get("country") is not None else {}
    return (
        str(_field(chosen, "name", str)).strip(),
        network is None,
        _optional(country, "code", str),
        _optional(country, "timezone", str),
    )


def _days(schedule: Mapping[str, Any]) -> tuple[int, ...]:
    names = schedule.get("days") or []
    if not isinstance(names, list) or any(name not in DAY_NAMES for name in names):
        raise TvmazeMalformed(MALFORMED)
    return tuple(sorted({DAY_NAMES.index(name) for name in names}))


def show_from_json(value: object) -> Show:
    """A `Show` from one show object (as `/shows/{id}` or a search hit's `show` returns)."""
    raw = _object(value)
    schedule = _object(raw.get("schedule") or {})
    channel, web, country, zone = _channel(raw)
    return Show(
        id=_field(raw, "id", int),
        name=" ".join(str(_field(raw, "name", str)).split()),
        channel=channel,
        web=web,
        country=country,
        timezone=zone,
        language=_optional(raw, "language", str),
        days=_days(schedule),
        time=_parse(time.fromisoformat, _optional(schedule, "time", str)),
        premiered=_parse(date.fromisoformat, _optional(raw, "premiered", str)),
        runtime=_optional(raw, "runtime", int),
        average_runtime=_optional(raw, "averageRuntime", int),
        status=str(_optional(raw, "status", str) or ""),
        url=str(_optional(raw, "url", str) or ""),
        updated=int(_optional(raw, "updated", int) or 0),
    )


def _aware(text: str | None) -> datetime | None:
    stamp: datetime | None = _parse(datetime.fromisoformat, text)
    if stamp is not None and stamp.tzinfo is None:
        raise TvmazeMalformed(MALFORMED)
    return stamp


def episode_from_json(value: object) -> Episode:
    """An `Episode` from one episode object."""
    raw = _object(value)
    return Episode(
        id=_field(raw, "id", int),
        season=int(_optional(raw, "season", int) or 1),
        number=_optional(raw, "number", int),
        type=str(_optional(raw, "type", str) or "regular"),
        name=" ".join(str(_optional(raw, "name", str) or "").split()),
        airdate=_parse(date.fromisoformat, _optional(raw, "airdate", str)),
        airtime=_parse(time.fromisoformat, _optional(raw, "airtime", str)),
        airstamp=_aware(_optional(raw, "airstamp", str)),
        runtime=_optional(raw, "runtime", int),
    )


def episodes_from_json(value: object) -> tuple[Episode, ...]:
    """Episodes from a `/shows/{id}/episodes` array."""
    if not isinstance(value, list):
        raise TvmazeMalformed(MALFORMED)
    return tuple(episode_from_json(item) for item in value)


def search_from_json(value: object) -> tuple[Show, ...]:
    """Shows from a `/search/shows` array of `{score, show}` hits, best first."""
    if not isinstance(value, list):
        raise TvmazeMalformed(MALFORMED)
    return tuple(show_from_json(_object(hit).get("show")) for hit in value)


def updates_from_json(value: object) -> dict[int, int]:
    """`{show id: updated}` from `/updates/shows`."""
    raw = _object(value)
    try:
        return {int(key): int(stamp) for key, stamp in raw.items()}
    except (TypeError, ValueError):
        raise TvmazeMalformed(MALFORMED) from None


def parse_show_ref(text: str) -> int | str:
    """A TVmaze show id from `36960` or a TVmaze show link, else the title to search for."""
    value = " ".join(text.split())
    if value.startswith("<") and value.endswith(">"):  # a link pasted with its embed hidden
        value = value[1:-1].strip()
    if not value:
        raise InvalidInput("Give a title, a TVmaze id (e.g. `36960`) or a TVmaze show link.")
    if value.isascii() and value.isdigit() and len(value) <= 9:
        if int(value) == 0:
            raise InvalidInput("TVmaze ids start at 1.")
        return int(value)
    match = _SHOW_URL.fullmatch(value)
    if match is not None:
        return int(match[1])
    if _LOOKS_LIKE_URL.search(value):
        raise InvalidInput(
            "That link is not a TVmaze show page. Use one like "
            "`https://www.tvmaze.com/shows/36960/whats-wrong-with-secretary-kim`, or a title."
        )
    if len(value) > QUERY_MAX:
        raise InvalidInput(f"The title is {len(value)} characters long; the limit is {QUERY_MAX}.")
    return value
