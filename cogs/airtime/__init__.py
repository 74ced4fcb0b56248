"""Airtime: dramas in KST slots, episode lists, announcements, follows, calendars."""

from __future__ import annotations

from datetime import datetime

from bot.app import DramaBot
from bot.features import Feature, HelpTopic
from cogs.airtime.api import AirtimeSchedule, TrackedDrama
from cogs.airtime.catalog import check_data as _check_catalog
from cogs.airtime.cog import HELP_NOTE, AirtimeCog
from cogs.airtime.late import LateCourier
from cogs.airtime.moderation import DramaCog
from cogs.airtime.runner import NOTICE_FEATURE, Announcer
from cogs.airtime.service import AirtimeService, DiscordSender
from cogs.airtime.store import AirtimeStore

NAME = "airtime"


class _CogSchedule(AirtimeSchedule):
    """The schedule API over the airtime cog's `public_*` methods.

    Transitional: the airtime feature will offer its service as the API itself.
    """

    def __init__(self, cog: AirtimeCog) -> None:
        self._cog = cog

    async def tracked_dramas(self, guild_id: int) -> list[TrackedDrama]:
        """See `AirtimeSchedule.tracked_dramas`."""
        return await self._cog.public_tracked(guild_id)

    async def aired_episodes(self, guild_id: int, drama_title: str, at: datetime) -> int | None:
        """See `AirtimeSchedule.aired_episodes`."""
        return await self._cog.public_aired(guild_id, drama_title, at)

    async def next_episode(
        self, guild_id: int, drama_id: int, after: datetime
    ) -> tuple[int, datetime] | None:
        """See `AirtimeSchedule.next_episode`."""
        return await self._cog.public_next(guild_id, drama_id, after)


def check_data() -> list[str]:
    """Validate the shipped catalog for `dramabot check`."""
    return _check_catalog()


async def setup(bot: DramaBot) -> None:
    """Build the store, the announcer and both cogs; offer the schedule API."""
    store = AirtimeStore(bot.db)
    sender = DiscordSender(bot)
    announcer = Announcer(store, bot.scheduler, bot.clock, sender, bot.guild_settings, bot.outbox)
    bot.outbox.register(NOTICE_FEATURE, LateCourier(store, sender, bot.guild_settings, bot.clock))
    service = AirtimeService(bot, store, announcer)
    cog = AirtimeCog(bot, service)
    await bot.add_cog(cog)
    await bot.add_cog(DramaCog(bot, service))
    if bot.features.get(NAME) is None:
        bot.features.register(
            Feature(
                name=NAME,
                help=HelpTopic(
                    "📺 Airtimes: KST schedules shown in your own time zone",
                    ("airtime", "drama"),
                    HELP_NOTE,
                    order=10,
                ),
                apis=(_CogSchedule(cog),),
            )
        )


async def teardown(bot: DramaBot) -> None:
    """Forget the feature when the extension is unloaded."""
    await bot.features.unregister(NAME)
