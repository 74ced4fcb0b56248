"""What polls ask moderators to fix: every problem key and its hint, built here and only here.

Each problem is about one channel (a permission missing there), so it carries the channel id
and the core forgets it when the channel is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum

from bot.problems import FeatureProblems, ProblemKey


class Need(Enum):
    """A permission polls lack in a channel; the value is the problem's name."""

    MANAGE_MESSAGES = "manage_messages"
    ADD_REACTIONS = "add_reactions"
    READ_ACCESS = "read_access"
    POST_RESULTS = "post_results"


HINTS = {
    Need.MANAGE_MESSAGES: (
        "Grant me Manage Messages in <#{channel_id}> so I can tidy poll votes (remove replaced "
        "votes and stray reactions); until then each fan's latest vote counts."
    ),
    Need.ADD_REACTIONS: (
        "I could not put a poll's voting reactions back in <#{channel_id}>: grant me Add "
        "Reactions and Read Message History there."
    ),
    Need.READ_ACCESS: (
        "I cannot read the poll messages in <#{channel_id}>: grant me View Channel and Read "
        "Message History there so votes cast while I was away count."
    ),
    Need.POST_RESULTS: (
        "I could not post a poll's results in <#{channel_id}>: grant me View Channel, Send "
        "Messages and Embed Links there (`/poll results` shows them meanwhile)."
    ),
}


def problem_key(need: Need, channel_id: int) -> ProblemKey:
    """The key under which a channel's missing permission is reported."""
    return ProblemKey(need.value, channel_id)


def hint(need: Need, channel_id: int) -> str:
    """What a moderator reads about the channel."""
    return HINTS[need].format(channel_id=channel_id)


class PollProblems:
    """The polls namespace of the moderators' problem list."""

    def __init__(self, problems: FeatureProblems) -> None:
        """Report into `problems` (the core's table, scoped to polls)."""
        self._problems = problems

    async def report(self, guild_id: int, need: Need, channel_id: int) -> None:
        """Tell moderators what to grant in the channel."""
        await self._problems.report(guild_id, problem_key(need, channel_id), hint(need, channel_id))

    async def clear(self, guild_id: int, need: Need, channel_id: int) -> None:
        """The permission is there (again): forget the problem."""
        await self._problems.clear(guild_id, problem_key(need, channel_id))

    async def forget_channel(self, guild_id: int, channel_id: int) -> None:
        """A channel or thread is gone: nothing is left to grant there."""
        for need in Need:
            await self.clear(guild_id, need, channel_id)

    async def reported_in(self, guild_id: int, need: Need, channel_ids: Iterable[int]) -> set[int]:
        """Those of `channel_ids` where `need` is reported."""
        wanted = {problem_key(need, channel_id).key: channel_id for channel_id in channel_ids}
        return {
            wanted[problem.key]
            for problem in await self._problems.list(guild_id)
            if problem.key in wanted
        }
