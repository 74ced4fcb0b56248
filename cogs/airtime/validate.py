"""Pure parsing and validation of what moderators type: days, times, dates, counts, titles."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.bidi import BIDI_HINT, has_bidi
from bot.errors import InvalidInput
from cogs.airtime.schedule import KST, WEEKDAY_NAMES, Slot, to_utc

TITLE_MAX = 100
NAME_MAX = 50
EPISODES_MIN, EPISODES_MAX = 1, 300
RUNTIME_MIN, RUNTIME_MAX = 1, 300
EARLIEST_PREMIERE = date(1990, 1, 1)
PREMIERE_MAX_AHEAD_DAYS = 2 * 366
LEAD_MAX = 1440
LEADS_MAX_COUNT = 5
DELAY_MAX = 2880
DEFAULT_LEADS = (30,)

_DAY_ALIASES: dict[str, int] = {}
for _index, _name in enumerate(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
):
    for _alias in (_name, _name[:3], _name[:2]):
        _DAY_ALIASES[_alias] = _index
_DAY_ALIASES.update({"tues": 1, "wed": 2, "thur": 3, "thurs": 3})
_DAY_ALIASES.update(dict(zip("월화수목금토일", range(7), strict=True)))

_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Mentions (<@1>, <@&1>, <#1>, @everyone, @here), markdown markers and control characters.
_FORBIDDEN = re.compile(r"<[@#/:a]|@everyone|@here|[*_~`|\\<>]|[\x00-\x1f\x7f]", re.IGNORECASE)


def parse_days(text: str) -> list[int]:
    """`Wed Thu`, `wed,thu`, `Wednesday and Thursday`, `수 목` → sorted weekday numbers."""
    tokens = [tok for tok in re.split(r"[\s,/+&]+|\band\b", text.strip().lower()) if tok]
    if not tokens:
        raise InvalidInput("Give the broadcast days, e.g. `Wed Thu` or `Sat Sun`.")
    days: set[int] = set()
    for token in tokens:
        if token not in _DAY_ALIASES:
            raise InvalidInput(
                f"`{token[:20]}` is not a weekday. Use day names like `Mon Tue` or `Wed Thu`."
            )
        days.add(_DAY_ALIASES[token])
    return sorted(days)


def parse_time(text: str) -> time:
    """`21:30` → time(21, 30); the hour must be 00-23 and minutes 00-59 (KST)."""
    match = _TIME.fullmatch(text.strip())
    hour, minute = (int(match[1]), int(match[2])) if match else (-1, -1)
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise InvalidInput(
            f"`{text[:20]}` is not a time of day. Use 24-hour KST like `21:30` or `00:10`."
        )
    return time(hour, minute)


def parse_date(text: str) -> date:
    """`2018-06-06` → date; impossible dates such as `2018-02-30` are refused."""
    match = _DATE.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise InvalidInput(
            f"`{text[:20]}` is not a valid date. Use `YYYY-MM-DD`, e.g. `2018-06-06`."
        ) from None


def check_premiere(day: date, now: datetime) -> date:
    """A premiere between 1990-01-01 and two years from today (KST)."""
    latest = now.astimezone(KST).date() + timedelta(days=PREMIERE_MAX_AHEAD_DAYS)
    if day < EARLIEST_PREMIERE or day > latest:
        raise InvalidInput(
            f"The premiere must be between {EARLIEST_PREMIERE} and {latest} "
            "(no earlier than 1990, at most two years ahead)."
        )
    return day


def check_range(value: int, low: int, high: int, what: str) -> int:
    """`value` within [low, high], else a message naming the limits."""
    if not low <= value <= high:
        raise InvalidInput(f"{what} must be between {low} and {high}; you gave {value}.")
    return value


def check_episodes(value: int) -> int:
    """Episode counts from 1 to 300."""
    return check_range(value, EPISODES_MIN, EPISODES_MAX, "The number of episodes")


def check_text(text: str, what: str, limit: int) -> str:
    """Trimmed single-line text without mentions or markdown, at most `limit` characters."""
    value = " ".join(text.split())
    if not value:
        raise InvalidInput(f"The {what} cannot be empty.")
    if len(value) > limit:
        raise InvalidInput(f"The {what} is {len(value)} characters long; the limit is {limit}.")
    if has_bidi(value):
        raise InvalidInput(f"The {what} {BIDI_HINT}.")
    if _FORBIDDEN.search(value):
        raise InvalidInput(
            f"The {what} cannot contain mentions (@everyone, <@…>), links in angle brackets or "
            "markdown characters (* _ ~ ` | \\ < >). Type it as plain text."
        )
    return value


def check_title(text: str) -> str:
    """A drama title: plain text, 1-100 characters."""
    return check_text(text, "title", TITLE_MAX)


def parse_aliases(text: str | None) -> tuple[str, ...]:
    """`Secretary Kim; 김비서가 왜 그럴까` → distinct aliases (`;` or `|`-free list)."""
    if not text:
        return ()
    seen: dict[str, str] = {}
    for part in text.split(";"):
        if part.strip():
            alias = check_text(part, "alias", TITLE_MAX)
            seen.setdefault(alias.casefold(), alias)
    if len(seen) > 10:
        raise InvalidInput("At most 10 aliases, separated by `;`.")
    return tuple(seen.values())


def parse_leads(text: str | None) -> tuple[int, ...]:
    """`60,10` → (60, 10) minutes before air; `none` → no reminders; empty → default 30."""
    if text is None or not text.strip():
        return DEFAULT_LEADS
    if text.strip().lower() in {"none", "off", "0"}:
        return ()
    leads: set[int] = set()
    for part in re.split(r"[\s,]+", text.strip()):
        if not part.isdigit():
            raise InvalidInput(
                f"`{part[:20]}` is not a number of minutes. Use e.g. `60,10` or `none`."
            )
        leads.add(check_range(int(part), 1, LEAD_MAX, "A reminder lead time (minutes)"))
    if len(leads) > LEADS_MAX_COUNT:
        raise InvalidInput(f"At most {LEADS_MAX_COUNT} reminder times.")
    return tuple(sorted(leads, reverse=True))


def make_slots(days: list[int], at: time) -> tuple[Slot, ...]:
    """One slot per day at the same KST time."""
    return tuple(Slot(day, at) for day in days)


def encode_slots(slots: tuple[Slot, ...]) -> str:
    """`2@21:30,3@21:30` for storage."""
    return ",".join(f"{slot.weekday}@{slot.at:%H:%M}" for slot in sorted(slots))


def decode_slots(text: str) -> tuple[Slot, ...]:
    """Inverse of `encode_slots`."""
    slots = []
    for part in filter(None, text.split(",")):
        day, _, at = part.partition("@")
        slots.append(Slot(int(day), time.fromisoformat(at)))
    return tuple(slots)


def describe_slots(slots: tuple[Slot, ...]) -> str:
    """`Wed+Thu 21:30 KST` when the times agree, else `Sat 00:10, Sun 21:00 KST`."""
    times = {slot.at for slot in slots}
    if len(times) == 1:
        days = "+".join(WEEKDAY_NAMES[slot.weekday] for slot in sorted(slots))
        return f"{days} {next(iter(times)):%H:%M} KST"
    return ", ".join(slot.label() for slot in sorted(slots)) + " KST"


def parse_kst_datetime(text: str, now: datetime) -> datetime:
    """`2018-06-22 23:00` (KST) → aware UTC datetime, dated 1990 to two years from `now`."""
    day_text, _, time_text = text.strip().partition(" ")
    if not time_text.strip():
        raise InvalidInput("Give a KST date and time like `2018-06-22 23:00`.")
    day, at = parse_date(day_text), parse_time(time_text)
    latest = now.astimezone(KST).date() + timedelta(days=PREMIERE_MAX_AHEAD_DAYS)
    if not EARLIEST_PREMIERE <= day <= latest:
        raise InvalidInput(
            f"The date must be between {EARLIEST_PREMIERE} and {latest} (KST); you gave {day}."
        )
    return to_utc(day, at)
