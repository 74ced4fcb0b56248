"""Posting a closed poll's results: the poll message edited, and a reply under it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import discord

from bot.replies import NO_PINGS
from cogs.polls import messages
from cogs.polls.logic import Tally
from cogs.polls.store import Poll

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

POST_RESULTS_HINT = (
    "I could not post a poll's results in <#{channel_id}>: grant me View Channel, Send "
    "Messages and Embed Links there (`/poll results` shows them meanwhile)."
)


async def post_results(bot: DramaBot, poll: Poll, result: Tally) -> bool:
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
    key = f"post_results:{poll.channel_id}"
    if "forbidden" in outcomes:
        hint = POST_RESULTS_HINT.format(channel_id=poll.channel_id)
        await bot.guild_settings.report_problem(poll.guild_id, "polls", key, hint)
    elif outcomes[1] == "ok":
        await bot.guild_settings.clear_problem(poll.guild_id, "polls", key)
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
