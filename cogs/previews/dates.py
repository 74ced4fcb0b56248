"""Publication dates as pages write them: ISO 8601 in its many dialects, RFC 2822, compact.

Pure. The offset the page wrote is kept (the calendar day is the publisher's); a date
without an offset is taken as UTC.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from bot.timeutil import from_unix

EARLIEST_YEAR = 1990
LATEST_YEAR = 2100  # later "dates" are placeholders (9999-12-31) or misread numbers
MAX_DATE_CHARS = 80

_ISO = re.compile(
    r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2}|[+-]\d{2}(?!\d))?)?",
    re.IGNORECASE,
)
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:T?(?P<H>\d{2})(?P<M>\d{2}))?")
_AM_PM = re.compile(r"\d\s*[ap]\.?m\b", re.IGNORECASE)
_EPOCH = re.compile(r"^\d{10}(?:\d{3})?$")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_DAY_MONTH_YEAR = re.compile(
    rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}\.?,?\s+(?P<y>\d{{4}})\b", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(
    rf"\b{_MONTH}\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.IGNORECASE
)
_URL_DATE = re.compile(
    rf"/(?P<y>(?:19|20)\d{{2}})/(?:(?P<m>\d{{1,2}})|{_MONTH})/(?P<d>\d{{1,2}})(?:/|$)",
    re.IGNORECASE,
)


def parse_date(text: str | None, *, latest: datetime | None = None) -> datetime | None:
    """An aware datetime for a date string, or None when it is not a plausible date.

    Args:
        text: What the page wrote.
        latest: Dates after this are rejected (a typo or a placeholder); default none.
    """
    if not text:
        return None
    text = text.strip()[:MAX_DATE_CHARS]
    result = (
        _parse_iso(text)
        or _parse_compact(text)
        or _parse_rfc(text)
        or _parse_epoch(text)
        or _parse_words(text)
    )
    if result is None or not EARLIEST_YEAR <= result.year <= LATEST_YEAR:
        return None
    if latest is not None and result > latest + timedelta(days=2):
        return None
    return result


def _tz(text: str | None) -> timedelta:
    if not text or text.upper() in {"Z", "UTC", "GMT"}:
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or "0")
    return sign * timedelta(hours=hours, minutes=minutes)


def _build(parts: dict[str, str | None]) -> datetime | None:
    try:
        offset = _tz(parts.get("tz"))
        return datetime(
            int(parts["y"] or 0),
            int(parts["m"] or 0),
            int(parts["d"] or 0),
            int(parts.get("H") or 0),
            int(parts.get("M") or 0),
            int(parts.get("S") or 0),
            tzinfo=timezone(offset) if offset else UTC,
        )
    except (ValueError, OverflowError):
        return None


def _parse_iso(text: str) -> datetime | None:
    match = _ISO.search(text)
    return _build(match.groupdict()) if match else None


def _parse_compact(text: str) -> datetime | None:
    match = _COMPACT.match(text)
    return _build(match.groupdict()) if match else None


def _parse_rfc(text: str) -> datetime | None:
    if _AM_PM.search(text):
        return None  # RFC 2822 has no am/pm: "3:51 pm" would be read as 03:51
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _parse_epoch(text: str) -> datetime | None:
    if not _EPOCH.match(text):
        return None
    return from_unix(int(text[:10]))


def _parse_words(text: str) -> datetime | None:
    match = _DAY_MONTH_YEAR.search(text) or _MONTH_DAY_YEAR.search(text)
    if match is None:
        return None
    parts: dict[str, str | None] = dict(match.groupdict())
    parts["m"] = str(_MONTHS[(parts.pop("mon") or "").lower().rstrip(".")])
    return _build(parts)


def date_from_url(url: str | None) -> datetime | None:
    """A date written into a URL path (`/2020/01/19/`, `/2020/oct/02/`), or None."""
    if not url:
        return None
    match = _URL_DATE.search(url)
    if match is None:
        return None
    parts: dict[str, str | None] = dict(match.groupdict())
    month = parts.pop("mon")
    if month:
        parts["m"] = str(_MONTHS[month.lower()])
    result = _build(parts)
    return result if result is not None and result.year >= EARLIEST_YEAR else None
