"""Pure wording of the fan and moderator replies (Discord timestamps, KST alongside)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.replies import clean, timestamp
from bot.text import plural
from bot.timeutil import to_unix
from cogs.airtime.records import Drama
from cogs.airtime.schedule import KST, Episode, finale, next_after
from cogs.airtime.validate import describe_slots

MESSAGE_LIMIT = 1900
# Discord's embed limits: a description of 4,096 characters; 10 embeds, 6,000 in all, a message.
EMBED_LIMIT = 4096
EMBEDS_TEXT_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
DESCRIPTION = EMBEDS_TEXT_LIMIT // 2  # so that two full descriptions fill a message
REASON_LIMIT = 250  # a stored reason is at most 200 characters; escaping may grow it


@dataclass(frozen=True)
class DramaInfo:
    """What the replies need about a drama (decoupled from the store)."""

    drama_id: int
    title: str
    network: str
    slots_text: str
    episodes: list[Episode]
    runtime_min: int
    channel_id: int | None = None
    role_id: int | None = None
    leads: tuple[int, ...] = ()
    streaming: str | None = None
    streaming_delay_min: int | None = None
    skips: tuple[tuple[date, str], ...] = ()  # pre-empted KST dates with their reasons


def info_of(drama: Drama) -> DramaInfo:
    """What the replies need about a drama."""
    return DramaInfo(
        drama_id=drama.drama_id,
        title=drama.title,
        network=drama.network,
        slots_text=describe_slots(drama.slots),
        episodes=drama.episode_list(),
        runtime_min=drama.runtime_min,
        channel_id=drama.channel_id,
        role_id=drama.role_id,
        leads=drama.leads,
        streaming=drama.streaming,
        streaming_delay_min=drama.streaming_delay_min,
        skips=drama.skip_reasons,
    )


def follow_reply(title: str, role_id: int, *, following: bool, changed: bool) -> str:
    """The fan's answer to a follow or unfollow (the role is shown, never pinged)."""
    drama = f"**{clean(title, limit=100)}**"
    if not changed:
        state = "already follow" if following else "do not follow"
        return f"You {state} {drama} (<@&{role_id}>)."
    if following:
        return (
            f"You now follow {drama}: announcements ping <@&{role_id}>. "
            "Use `/airtime unfollow` to stop."
        )
    return f"You no longer follow {drama}."


def when(at: datetime) -> str:
    """`<t:…:F> (<t:…:R>) · Thu 21:30 KST`."""
    unix = to_unix(at)
    return f"{timestamp(unix, 'F')} ({timestamp(unix, 'R')}) · {at.astimezone(KST):%a %H:%M} KST"


def name(info: DramaInfo) -> str:
    """Bold, escaped title."""
    return f"**{clean(info.title, limit=100)}**"


def next_line(info: DramaInfo, now: datetime) -> str:
    """The next broadcast of one drama, or that it ended (with its finale date)."""
    nxt = next_after(info.episodes, now)
    if nxt is None:
        last = finale(info.episodes)
        if last is None:
            return f"{name(info)}: no episodes scheduled."
        return (
            f"{name(info)} has ended: the finale (episode {last.number}) aired "
            f"{timestamp(last.at, 'D')} ({last.at.astimezone(KST):%Y-%m-%d} KST)."
        )
    label = nxt.label() if nxt.number is None else f"Episode {nxt.number}"
    if nxt.finale:
        label += " — 🎬 FINALE"
    return f"{name(info)} · {label} · {when(nxt.at)} on {clean(info.network, limit=50)}"


def week_lines(infos: list[DramaInfo], now: datetime) -> list[str]:
    """Every broadcast in the next 7 days, in air order."""
    end = now + timedelta(days=7)
    items = [(ep.at, info, ep) for info in infos for ep in info.episodes if now <= ep.at < end]
    items.sort(key=lambda item: (item[0], item[1].title))
    return [week_line(info, ep) for _, info, ep in items]


def week_line(info: DramaInfo, ep: Episode) -> str:
    """One broadcast of the week view."""
    return f"{name(info)} · {ep.label().replace(' (finale)', ' — 🎬 FINALE')} · {when(ep.at)}"


def episode_lines(info: DramaInfo, now: datetime) -> list[str]:
    """The full list; aired broadcasts are ticked, pre-empted dates shown with their reasons."""
    rows: list[tuple[date, int, str]] = [(day, 0, skip_line(day, why)) for day, why in info.skips]
    for ep in info.episodes:
        mark = "✅" if ep.at <= now else "▫️"
        unix = to_unix(ep.at)
        local = ep.at.astimezone(KST)
        line = f"{mark} {ep.label()} · {timestamp(unix, 'F')} · {local:%Y-%m-%d %H:%M} KST"
        rows.append((local.date(), 1, line))
    rows.sort(key=lambda row: row[:2])  # stable: broadcasts keep their air order
    return [line for _, _, line in rows]


def skip_line(day: date, reason: str) -> str:
    """`No episode on Wed 2018-06-20 (KST): <reason>` (escaped, capped)."""
    text = f"No episode on {day:%a %Y-%m-%d} (KST)"
    return f"{text}: {clean(reason, limit=REASON_LIMIT)}" if reason else f"{text}."


def chunk(lines: list[str], header: str = "", limit: int = MESSAGE_LIMIT) -> list[str]:
    """Pack lines into messages of at most `limit` characters."""
    pages: list[str] = []
    current = header
    for line in lines:
        if current and len(current) + len(line) + 1 > limit:
            pages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        pages.append(current)
    return pages


def embed_pages(lines: list[str]) -> list[list[str]]:
    """Lines packed as messages of embed descriptions: one message holds ~50 dramas' lines.

    Plain messages would need three for as many (1,900 characters each), and every extra
    message is another request the fan waits behind.
    """
    messages: list[list[str]] = []
    for description in chunk(lines, limit=DESCRIPTION):
        last = messages[-1] if messages else None
        if (
            last is None
            or len(last) == EMBEDS_PER_MESSAGE
            or sum(map(len, last)) + len(description) > EMBEDS_TEXT_LIMIT
        ):
            messages.append([description])
        else:
            last.append(description)
    return messages


def overview_pages(lines: list[str], header: str = "") -> list[tuple[str, list[str]]]:
    """(content, embed descriptions) per message, in reading order.

    Lines that fit one message's embeds go there under `header`; a longer list begins in
    the message's text (its own 2,000 characters), so a week of ~90 broadcasts still needs
    only one message.
    """
    packed = embed_pages(lines)
    if len(packed) <= 1:
        return [(header, packed[0] if packed else [])]
    content, taken = header, 0
    while taken < len(lines) and len(content) + 1 + len(lines[taken]) <= MESSAGE_LIMIT:
        content = f"{content}\n{lines[taken]}" if content else lines[taken]
        taken += 1
    rest = embed_pages(lines[taken:])
    return [(content, rest[0] if rest else [])] + [("", page) for page in rest[1:]]


def summary(info: DramaInfo, now: datetime) -> str:
    """One drama for `/drama list` and the add/edit replies."""
    numbered = [ep for ep in info.episodes if ep.number is not None]
    first = numbered[0].at if numbered else None
    parts = [
        f"{name(info)} — {clean(info.network, limit=50)}, {info.slots_text}, "
        f"{plural(len(numbered), 'episode')}, {info.runtime_min} min"
    ]
    if first is not None:
        parts.append(
            f"  Episode 1: {timestamp(first, 'F')} ({first.astimezone(KST):%a %Y-%m-%d %H:%M} KST)"
        )
    parts.append("  Next: " + next_line(info, now).split(" · ", 1)[-1])
    if info.streaming:
        delay = info.streaming_delay_min or 0
        parts.append(f"  Streaming: {clean(info.streaming, limit=50)} (+{delay} min)")
    if info.channel_id is not None:
        ping = f"<@&{info.role_id}>" if info.role_id else "no role ping"
        leads = ", ".join(f"{lead} min" for lead in info.leads)
        reminders = f"reminders {leads} before" if leads else "no reminders"
        parts.append(f"  Announcements: <#{info.channel_id}>, {ping}, {reminders}")
    else:
        parts.append("  Announcements: off (`/drama announce`)")
    return "\n".join(parts)
