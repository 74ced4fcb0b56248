"""What poll messages look like at the limits: Discord refuses embeds that are too long."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import discord
import pytest

from cogs.polls import messages
from cogs.polls.logic import MAX_OPTION_CHARS, MAX_OPTIONS, MAX_QUESTION_CHARS, Option, Tally
from cogs.polls.store import Poll

DESCRIPTION_LIMIT = 4096
EMBED_LIMIT = 6000
CREATED = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def custom_emoji(i: int) -> str:
    # The longest an emoji can be: animated, a 32-character name, a 19-digit id.
    return f"<a:{'x' * 30}{i:02d}:{1_000_000_000_000_000_000 + i}>"


def huge_poll(*, anonymous: bool = False, closed: bool = True) -> Poll:
    # Labels of markdown characters double in length once escaped.
    options = tuple(
        Option(custom_emoji(i), ("*_" * MAX_OPTION_CHARS)[: MAX_OPTION_CHARS - 2] + f"{i:02d}")
        for i in range(MAX_OPTIONS)
    )
    return Poll(
        poll_id=123_456_789,
        guild_id=1,
        channel_id=2,
        message_id=3,
        author_id=4,
        question="_" * MAX_QUESTION_CHARS,
        multi=True,
        anonymous=anonymous,
        created_at=CREATED,
        ends_at=CREATED + timedelta(days=32),
        closed_at=CREATED + timedelta(days=1) if closed else None,
        close_reason="closed" if closed else None,
        options=options,
        closed_by=123_456_789_012_345_678 if closed else None,
    )


def assert_fits(embed: discord.Embed) -> None:
    assert len(embed.description or "") <= DESCRIPTION_LIMIT
    assert len(embed) <= EMBED_LIMIT


# Every option tied (all 20 names in the verdict), or one clear winner.
TALLIES = [
    Tally(tuple([1_000_000] * MAX_OPTIONS), 1_000_000),
    Tally(tuple([0] * (MAX_OPTIONS - 1) + [7]), 7),
    Tally(tuple([0] * MAX_OPTIONS), 0),
]


@pytest.mark.parametrize("result", TALLIES)
def test_closed_results_fit_in_one_embed(result: Tally) -> None:
    poll = huge_poll()
    embed = messages.closed_embed(poll, result)
    assert_fits(embed)
    body = embed.description or ""
    # Every option and the verdict survive.
    for option in poll.options:
        assert option.emoji in body
    assert "voter" in body or "No votes" in body


@pytest.mark.parametrize("result", TALLIES)
def test_live_results_fit_in_one_embed(result: Tally) -> None:
    poll = huge_poll(closed=False)
    embed = messages.live_embed(poll, result)
    assert_fits(embed)
    body = embed.description or ""
    assert poll.options[-1].emoji in body
    assert "voter" in body or "No votes" in body


@pytest.mark.parametrize("anonymous", [False, True])
def test_open_poll_fits_in_one_embed(anonymous: bool) -> None:
    poll = huge_poll(anonymous=anonymous, closed=False)
    embed = messages.poll_embed(poll)
    assert_fits(embed)
    for option in poll.options:
        assert option.emoji in (embed.description or "")


def test_short_labels_are_shown_whole() -> None:
    poll = huge_poll()
    short = Option("🔥", "Episode 9 **finale**")
    poll = Poll(**{**poll.__dict__, "options": (short, Option("💋", "b"))})
    embed = messages.closed_embed(poll, Tally((2, 1), 3))
    assert "🔥 Episode 9 \\*\\*finale\\*\\* 🏆" in (embed.description or "")


def test_a_many_way_tie_names_the_options_briefly() -> None:
    poll = huge_poll()
    embed = messages.closed_embed(poll, TALLIES[0])
    verdict = (embed.description or "").split("\n\n")[-2]
    assert verdict.startswith("Tie between")
    assert len(verdict) < 1500


@pytest.mark.parametrize(
    ("count", "width", "shown", "more"),
    [
        (0, 10, 0, 0),
        (3, 10, 3, 0),
        (10, 195, 10, 0),  # 13 + 10 x 196 = 1973: all ten fit, no note needed
        (10, 200, 9, 1),
        (30, 100, 19, 11),
    ],
)
def test_poll_list_keeps_whole_lines(count: int, width: int, shown: int, more: int) -> None:
    lines = [f"**#{i}** " + "q" * (width - len(f"**#{i}** ")) for i in range(count)]
    text = messages.poll_list(lines)
    assert len(text) <= 2000
    body = text.splitlines()[1:]
    assert [line for line in body if line.startswith("**#")] == lines[:shown]
    assert (body[-1] == f"…and {more} more.") if more else (len(body) == shown)
