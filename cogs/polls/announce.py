"""Posting a closed poll's results: the poll message edited, and a reply under it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.replies import NO_PINGS
from cogs.polls import messages
from cogs.polls.logic import Tally
from cogs.polls.problems import Need, PollProblems
from cogs.polls.store import Poll

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)


async def post_results(bot: DramaBot, problems: PollProblems, poll: Poll, result: Tally) -> bool:
    """Show the final results on the poll message and as a reply to it.

    A refusal (missing permission) is reported to moderators; success clears it.
    """
    if poll.message_id is None:
        return False
    embed = messages.closed_embed(poll, result)
    http = bot.http
    ref = discord.MessageReference(
        message_id=poll.message_id, channel_id=poll.channel_id, fail_if_not_exists=False
    )
    message_id = poll.message_id
    outcomes = [
        await _attempt(
            poll,
            "edit",
            lambda: http.edit_message(
                poll.channel_id, message_id, params=_params(embed=embed, view=None)
            ),
        ),
        await _attempt(
            poll,
            "post",
            lambda: http.send_message(
                poll.channel_id, params=_params(embed=embed, message_reference=ref.to_dict())
            ),
        ),
    ]
    if "forbidden" in outcomes:
        await problems.report(poll.guild_id, Need.POST_RESULTS, poll.channel_id)
    elif outcomes[1] == "ok":
        await problems.clear(poll.guild_id, Need.POST_RESULTS, poll.channel_id)
    return outcomes[1] == "ok"


async def _attempt(poll: Poll, what: str, call: Callable[[], Awaitable[object]]) -> str:
    """Run one REST call of the results: "ok", "forbidden" or "failed" (logged)."""
    try:
        await call()
    except discord.Forbidden:
        log.warning("no permission to %s poll results", what, extra={"poll_id": poll.poll_id})
        return "forbidden"
    except discord.HTTPException as error:
        log.info(
            "could not %s poll results: %s", what, error.status, extra={"poll_id": poll.poll_id}
        )
        return "failed"
    return "ok"


def _params(**kwargs: object) -> discord.http.MultipartParameters:
    return discord.http.handle_message_parameters(allowed_mentions=NO_PINGS, **kwargs)  # type: ignore[arg-type]
