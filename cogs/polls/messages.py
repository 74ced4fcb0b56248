"""What poll messages look like: the poll itself, live and final results, the CSV export."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import discord

from bot.replies import clean, timestamp
from bot.text import plural
from cogs.polls import logic
from cogs.polls.logic import Tally
from cogs.polls.store import Poll

COLOUR = discord.Colour.blurple()
CLOSED_COLOUR = discord.Colour.dark_grey()
DESCRIPTION_LIMIT = 4096  # Discord refuses an embed whose description is longer
# Label lengths (after escaping) tried in turn until a message fits: short labels are shown
# whole; 20 long ones with long custom emoji are shortened just enough.
LABEL_STEPS = (150, 100, 70, 50, 35, 24, 16, 10)
QUESTION_LIMIT = 400
REASONS = {
    "ended": "the time was up",
    "closed": "closed early{closer}",
    "message deleted": "its message was deleted",
    "channel deleted": "its channel was deleted",
}


def shown_options(poll: Poll, limit: int = LABEL_STEPS[0]) -> list[tuple[str, str]]:
    """(emoji, inert label) pairs for display, labels cut to `limit` characters."""
    return [(option.emoji, clean(option.label, limit=limit)) for option in poll.options]


def fit(render: Callable[[int], str]) -> str:
    """`render(label_limit)` with the longest labels that keep it within an embed description."""
    text = ""
    for limit in LABEL_STEPS:
        text = render(limit)
        if len(text) <= DESCRIPTION_LIMIT:
            return text
    return text[: DESCRIPTION_LIMIT - 1] + "…"


def question_text(poll: Poll) -> str:
    """The question as inert bold text."""
    return f"**{clean(poll.question, limit=QUESTION_LIMIT)}**"


def how_to_vote(poll: Poll) -> str:
    """The line under the options: how to vote, and when the poll ends."""
    if poll.anonymous:
        how = "Anonymous: vote with the buttons (click again to withdraw); results at the end."
    else:
        how = "React with an option's emoji to vote."
    if poll.multi:
        how += " Pick as many as you like."
    else:
        how += " One choice: a new reaction replaces it."
    if poll.ends_at is not None:
        unix = poll.ends_at.timestamp()
        how += f"\nEnds {timestamp(unix, 'R')} ({timestamp(unix, 'F')})."
    return how


def poll_embed(poll: Poll) -> discord.Embed:
    """The open poll's message."""
    body = fit(
        lambda limit: "\n\n".join(
            [
                question_text(poll),
                logic.render_options(shown_options(poll, limit)),
                how_to_vote(poll),
            ]
        )
    )
    embed = discord.Embed(title=f"📊 Poll #{poll.poll_id}", description=body, colour=COLOUR)
    embed.set_footer(text=f"Poll #{poll.poll_id}")
    return embed


def results_body(poll: Poll, result: Tally, *, final: bool, limit: int = LABEL_STEPS[0]) -> str:
    """Question, per-option results and the verdict."""
    shown = shown_options(poll, limit)
    text = logic.render_results(shown, result, multi=poll.multi, final=final)
    return f"{question_text(poll)}\n\n{text}"


def closed_embed(poll: Poll, result: Tally) -> discord.Embed:
    """The poll message after closing (and the results reply): final results."""
    by = f" by <@{poll.closed_by}>" if poll.closed_by else ""
    reason = REASONS.get(poll.close_reason or "", "closed").format(closer=by)
    when = timestamp(poll.closed_at.timestamp(), "F") if poll.closed_at else ""
    body = fit(
        lambda limit: (
            f"{results_body(poll, result, final=True, limit=limit)}\n\nClosed {when}: {reason}."
        )
    )
    embed = discord.Embed(
        title=f"📊 Poll #{poll.poll_id}: results", description=body, colour=CLOSED_COLOUR
    )
    embed.set_footer(text=f"Poll #{poll.poll_id} · closed")
    return embed


def live_embed(poll: Poll, result: Tally) -> discord.Embed:
    """`/poll results` for an open poll (anonymous ones keep counts hidden)."""
    if poll.anonymous:
        fans = plural(result.voters, "fan has", "fans have")
        body = (
            f"{question_text(poll)}\n\nPoll #{poll.poll_id} is anonymous: the counts stay "
            f"hidden until it closes. {fans} voted so far."
        )
    else:
        body = fit(lambda limit: results_body(poll, result, final=False, limit=limit))
    embed = discord.Embed(title=f"📊 Poll #{poll.poll_id} (live)", description=body, colour=COLOUR)
    embed.set_footer(text=f"Poll #{poll.poll_id} · open")
    return embed


def list_line(poll: Poll, voters: int, guild_id: int) -> str:
    """One open poll in `/poll list`."""
    ends = f"ends {timestamp(poll.ends_at.timestamp(), 'R')}" if poll.ends_at else "no end"
    link = (
        f"https://discord.com/channels/{guild_id}/{poll.channel_id}/{poll.message_id}"
        if poll.message_id
        else ""
    )
    question = clean(poll.question, limit=80)
    return f"**#{poll.poll_id}** {question} · {plural(voters, 'voter')} · {ends} {link}"


def poll_list(lines: Sequence[str], limit: int = 2000) -> str:
    """`/poll list`: a heading and whole lines within a message's `limit`, then how many more."""
    text = "**Open polls**"
    for shown, line in enumerate(lines):
        more = f"\n…and {len(lines) - shown} more."
        rest_fits = shown == len(lines) - 1 or len(text) + len(line) + 1 + len(more) <= limit
        if len(text) + len(line) + 1 > limit or not rest_fits:
            return text + more
        text += "\n" + line
    return text


def autocomplete_name(poll: Poll) -> str:
    """A poll as an autocomplete choice (plain text, ≤ 100 chars)."""
    return f"#{poll.poll_id} · {poll.question}"[:100]
