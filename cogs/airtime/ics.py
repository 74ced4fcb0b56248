"""Pure RFC 5545 calendar rendering: UTC times, CRLF lines folded at 75 octets, one UID each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cogs.airtime.schedule import Episode

CRLF = "\r\n"
FOLD_OCTETS = 75


def escape_text(text: str) -> str:
    r"""Escape a TEXT value: backslash, semicolon, comma and newlines (RFC 5545 §3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line into chunks of at most 75 octets, never splitting a character."""
    if len(line) * 4 <= FOLD_OCTETS or len(line.encode()) <= FOLD_OCTETS:
        return line  # most lines: no octet-by-octet walk
    parts: list[str] = []
    current = ""
    limit = FOLD_OCTETS
    for char in line:
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = ""
            limit = FOLD_OCTETS - 1  # continuation lines start with one space
        current += char
    parts.append(current)
    return (CRLF + " ").join(parts)


def utc_stamp(instant: datetime) -> str:
    """`20180606T123000Z`."""
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render_calendar(
    *,
    drama_id: int,
    title: str,
    network: str,
    runtime_min: int,
    episodes: list[Episode],
    now: datetime,
) -> str:
    """A VCALENDAR with one VEVENT per broadcast."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//dramabot//airtime//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(title)}",
    ]
    for ep in episodes:
        end = ep.at + timedelta(minutes=runtime_min)
        lines += [
            "BEGIN:VEVENT",
            f"UID:airtime-{drama_id}-{ep.key}@dramabot",
            f"DTSTAMP:{utc_stamp(now)}",
            f"DTSTART:{utc_stamp(ep.at)}",
            f"DTEND:{utc_stamp(end)}",
            f"SUMMARY:{escape_text(f'{title} — {ep.label()}')}",
            f"DESCRIPTION:{escape_text(f'{ep.label()} of {title} on {network}.')}",
            f"LOCATION:{escape_text(network)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)
