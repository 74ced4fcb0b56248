"""Replies for `/drama import` and `/drama refresh` (formatting only; the importer decides)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.replies import clean, timestamp
from bot.text import plural
from cogs.airtime import render
from cogs.airtime.importer import ImportDone, Refreshed
from cogs.airtime.records import Drama
from cogs.airtime.render import info_of
from cogs.airtime.tvmaze_import import DEFAULT_RELEASE_TIME
from cogs.airtime.tvmaze_merge import FIELD_NAMES, FIELDS

ATTRIBUTION = "Schedule data: TVmaze"


def credit(dramas: Iterable[Drama]) -> list[str]:
    """TVmaze's credit line, when any of the dramas shown was imported from it."""
    return [ATTRIBUTION] if any(drama.tvmaze_id is not None for drama in dramas) else []


def attribution(url: str) -> str:
    """`Schedule data: TVmaze (<link>)`, the credit TVmaze's licence asks for."""
    return f"{ATTRIBUTION} (<{url}>)" if url.startswith("https://") else ATTRIBUTION


def _when(at: datetime | None) -> str:
    return timestamp(at, "R") if at is not None else "no more (it has ended)"


def import_reply(done: ImportDone, now: datetime) -> str:
    """What a moderator reads after an import."""
    snap = done.snapshot
    lines = ["Imported from TVmaze:", render.summary(info_of(done.drama), now)]
    exceptions = [
        plural(len(snap.skips), "pre-empted date") if snap.skips else "",
        plural(len(snap.moves), "moved episode") if snap.moves else "",
        plural(len(snap.specials), "special") if snap.specials else "",
    ]
    listed = ", ".join(part for part in exceptions if part)
    if listed:
        lines.append(f"  From TVmaze's episode times: {listed}.")
    if snap.time_assumed:
        lines.append(
            f"  TVmaze gives dates but no time: I assumed {DEFAULT_RELEASE_TIME:%H:%M} KST "
            "(streaming release). Set the right one with `/drama edit time:`."
        )
    if done.time_unused is not None:
        lines.append(
            f"  I did not use `time: {done.time_unused}`: TVmaze lists this show's times, so "
            "the schedule above is TVmaze's (I keep your time for any episode TVmaze later "
            "lists without one). To change it, use `/drama edit time:`; your edit wins."
        )
    lines.append(
        f"I check TVmaze for changes daily and before each episode (next check "
        f"{_when(done.next_check)}); `/drama refresh` checks now."
    )
    lines.append("Tip: `/drama announce` sets up reminders and on-air posts.")
    lines.append(attribution(snap.url))
    return "\n".join(lines)


def refresh_reply(refreshed: Refreshed) -> str:
    """What a moderator reads after `/drama refresh`."""
    title = clean(refreshed.drama.title, limit=100)
    if refreshed.result is None:
        lines = [f"TVmaze has nothing new for **{title}**."]
    elif refreshed.lines:
        lines = [f"Updated **{title}** from TVmaze:"]
        lines += [f"• {line}" for line in refreshed.lines]
        if refreshed.result.posted:
            lines.append(refreshed.result.posted)
    else:
        lines = [f"Updated **{title}** from TVmaze; no upcoming broadcast changed."]
    kept = [FIELD_NAMES[key] for key in FIELDS if key in refreshed.kept]
    others = len(refreshed.kept - set(FIELDS))
    if others:
        kept.append(plural(others, "pre-emption or move", "pre-emptions or moves"))
    if kept:
        lines.append(
            "Kept your own changes to " + ", ".join(kept) + " (TVmaze's differ; yours win)."
        )
    lines.append(f"Next check {_when(refreshed.next_check)}. {ATTRIBUTION}.")
    return "\n".join(lines)
