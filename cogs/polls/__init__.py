"""Reaction polls that never lose a vote."""

from __future__ import annotations

from bot.app import DramaBot
from bot.features import ChannelSwitch, Feature, HelpTopic
from cogs.polls.api import NAME
from cogs.polls.cog import PollsCog
from cogs.polls.service import PollService
from cogs.polls.store import PollStore
from cogs.polls.views import VoteButton

HELP_NOTE = (
    "Options are separated by `|` and may start with an emoji (`🔥 Episode 9 | 💋 Episode 12`); "
    "otherwise they get 🇦 🇧 🇨 …. Durations look like `30m`, `90 mins`, `1h 30m`, `2 hours`, "
    "`1d12h`, `3 days` or `1w` (1 minute to 32 days); without one the poll stays open until "
    "closed. Single-choice polls count each fan's latest reaction. Anonymous polls vote with "
    "buttons (click again to withdraw) and show counts only at the end. Votes are never lost: "
    "after a restart I re-read every open poll's reactions. Give me Manage Messages so I can "
    "tidy replaced votes. Votes after a poll's end do not count; an "
    "anonymous poll's export waits until it closes."
)


async def setup(bot: DramaBot) -> None:
    """Build the store, the service and the cog, and register the feature.

    The bot starts the feature (open polls loaded, deadlines armed) for this process's
    guilds before the gateway connects.
    """
    service = PollService(bot, PollStore(bot.db))
    cog = PollsCog(bot, service)
    await bot.add_cog(cog)
    bot.features.register(
        Feature(
            name=NAME,
            help=HelpTopic("📊 Reaction polls", ("poll",), HELP_NOTE, order=30),
            start=service.start,
            stop=service.stop,
            switch=ChannelSwitch(default=True, what="polls"),
            status=cog.status_lines,
            channel_deleted=service.channel_deleted,
            dynamic_items=(VoteButton,),
            apis=(service,),
        )
    )
