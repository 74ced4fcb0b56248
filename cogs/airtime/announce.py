"""Pure announcement rules: what is due, what is still worth sending late, and the wording.

Kinds: `remind<lead>` (e.g. `remind30`, sent `lead` minutes before air), `onair` (at air
time) and `stream` (air time + the streaming delay). Every announcement has a deadline:
a reminder is useful until the episode starts; an on-air or streaming post for 30 minutes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.replies import clean, timestamp
from bot.timeutil import to_unix
from cogs.airtime.schedule import KST, Episode

ONAIR_GRACE = timedelta(minutes=30)
STREAM_GRACE = timedelta(minutes=30)
# A job that fires more than this after its due time tells readers it is late.
LATE_AFTER = timedelta(seconds=60)


class Late(Enum):
    """Why a post comes late, as readers are told at its end."""

    OFFLINE = " (late: I was offline)"
    DISCORD = " (late: Discord was unavailable)"  # sends failed (5xx, timeouts), then a retry


class Decision(Enum):
    """What to do with a due announcement."""

    SEND = "send"
    SEND_LATE = "send_late"
    SKIP = "skip"


@dataclass(frozen=True)
class Plan:
    """What a drama's announcements need: lead times, streaming delay, since when owed."""

    leads: tuple[int, ...]
    stream_delay_min: int | None
    since: datetime


@dataclass(frozen=True)
class Announcement:
    """One announcement of one broadcast."""

    episode: Episode
    kind: str
    due: datetime
    deadline: datetime

    @property
    def key(self) -> tuple[str, str]:
        """(episode key, kind): with guild and drama, the idempotency key."""
        return (self.episode.key, self.kind)


@dataclass(frozen=True)
class DramaText:
    """What the wording needs to know about the drama."""

    title: str
    network: str
    streaming: str | None
    role_id: int | None


def planned(episodes: list[Episode], plan: Plan) -> list[Announcement]:
    """Every announcement owed for these broadcasts, by due time.

    Announcements due before `plan.since` (when announcing was configured) are not owed:
    a reminder whose moment passed before anyone asked for it is not "late".
    """
    result: list[Announcement] = []
    for ep in episodes:
        for lead in plan.leads:
            due = ep.at - timedelta(minutes=lead)
            result.append(Announcement(ep, f"remind{lead}", due, ep.at))
        result.append(Announcement(ep, "onair", ep.at, ep.at + ONAIR_GRACE))
        if plan.stream_delay_min is not None:
            due = ep.at + timedelta(minutes=plan.stream_delay_min)
            result.append(Announcement(ep, "stream", due, due + STREAM_GRACE))
    result = [item for item in result if item.due >= plan.since]
    result.sort(key=lambda item: (item.due, item.kind != "onair"))
    return result


def outstanding(
    announcements: list[Announcement], done: set[tuple[str, str]], now: datetime
) -> list[Announcement]:
    """Announcements neither done nor past their deadline, by due time."""
    return [a for a in announcements if a.key not in done and a.deadline > now]


def decide(announcement: Announcement, now: datetime) -> Decision:
    """Send on time, send late (saying so) within the grace, or skip."""
    if now >= announcement.deadline:
        return Decision.SKIP
    if now - announcement.due > LATE_AFTER:
        return Decision.SEND_LATE
    return Decision.SEND


def _episode_words(ep: Episode) -> str:
    if ep.number is None:
        return f"special{': ' + clean(ep.title, limit=100) if ep.title else ''}"
    return f"episode {ep.number}" + (" — the FINALE" if ep.finale else "")


def render(announcement: Announcement, drama: DramaText, *, late: Late | None = None) -> str:
    """The message text; the role mention (if any) is the only ping in it."""
    ep = announcement.episode
    title = f"**{clean(drama.title, limit=100)}**"
    network = clean(drama.network, limit=50)
    words = _episode_words(ep)
    if announcement.kind == "onair":
        text = f"📺 {title} {words} is on air now on {network}!"
        if ep.finale:
            text += " 🎬 FINALE"
    elif announcement.kind == "stream":
        platform = clean(drama.streaming or "streaming", limit=50)
        text = f"🍿 {title} {words} is now streaming on {platform}."
    else:
        start = to_unix(ep.at)
        text = (
            f"⏰ {title} {words} airs {timestamp(start, 'R')} on {network} — "
            f"{timestamp(start, 'F')} ({ep.at.astimezone(KST):%H:%M} KST)."
        )
    if drama.role_id is not None:
        text = f"<@&{drama.role_id}> {text}"
    return text + (late.value if late is not None else "")


def skip_notice(title: str, day_label: str, shifted: Episode | None, reason: str = "") -> str:
    """`No episode on … (KST): reason; episode N now airs …` for a pre-empted date."""
    text = f"📢 No episode of **{clean(title, limit=100)}** on {day_label} (KST)"
    if reason:
        text += f": {clean(reason, limit=250)}"
    if shifted is None:
        return text + "."
    start = to_unix(shifted.at)
    return (
        f"{text}; episode {shifted.number} now airs {timestamp(start, 'F')} "
        f"({shifted.at.astimezone(KST):%a %Y-%m-%d %H:%M} KST)."
    )


def next_outstanding(
    episodes: Iterable[Episode], plan: Plan, done: set[tuple[str, str]], now: datetime
) -> Announcement | None:
    """The earliest announcement neither done nor expired, without planning the whole run.

    `episodes` is in air order and may be lazy: broadcasts whose every announcement expired
    are passed over, and the scan stops once a broadcast's earliest reminder comes after
    the best candidate found.
    """
    tail = ONAIR_GRACE + timedelta(minutes=plan.stream_delay_min or 0)
    lead = timedelta(minutes=max(plan.leads, default=0))
    cutoff = now - tail - STREAM_GRACE
    best: Announcement | None = None
    for ep in episodes:
        if ep.at <= cutoff:
            continue
        if best is not None and ep.at - lead > best.due:
            break
        for item in planned([ep], plan):
            if item.key in done or item.deadline <= now:
                continue
            if best is None or item.due < best.due:
                best = item
    return best


def refused_problem(title: str, channel_id: int, reason: str) -> str:
    """What moderators read when Discord refused a drama's announcement."""
    return f"Airtime announcements for {title!r} cannot be posted in <#{channel_id}>: {reason}"


def channel_gone_problem(title: str) -> str:
    """What moderators read when a drama's announcement channel was deleted."""
    return (
        f"The announcement channel of **{clean(title, limit=100)}** no longer exists: pick "
        "another with `/drama announce`."
    )
