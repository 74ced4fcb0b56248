"""Airtime: dramas in KST slots, episode lists, announcements, follows, calendars."""

from __future__ import annotations

from bot.app import DramaBot
from bot.features import Feature, HelpTopic
from bot.pacing import FairPacer
from cogs.airtime.catalog import check_data as _check_catalog
from cogs.airtime.cog import HELP_NOTE, AirtimeCog
from cogs.airtime.keys import NAME
from cogs.airtime.late import LateCourier
from cogs.airtime.ledger import LedgerStore
from cogs.airtime.moderation import DramaCog
from cogs.airtime.rest import DiscordRest
from cogs.airtime.runner import Announcer
from cogs.airtime.service import AirtimeService
from cogs.airtime.store import AirtimeStore
from cogs.airtime.views import FollowButton


def check_data() -> list[str]:
    """Validate the shipped catalog for `dramabot check`."""
    return _check_catalog()


async def setup(bot: DramaBot) -> None:
    """Build the service and both cogs, and register the feature with the bot."""
    store = AirtimeStore(bot.db, owns=bot.scope.owns)
    ledger = LedgerStore(bot.db)
    rest = DiscordRest(bot)
    problems = bot.guild_settings.problem_table.of(NAME)
    announcer = Announcer(
        store,
        ledger,
        bot.scheduler,
        bot.clock,
        rest,
        problems,
        bot.outbox,
        bot.wait_until_ready,
        pace=FairPacer(),
    )

    async def default_channel(guild_id: int) -> int | None:
        return (await bot.guild_settings.get(guild_id)).announce_channel_id

    service = AirtimeService(store, announcer, rest, problems, default_channel, bot.clock)
    fans = AirtimeCog(bot, service)
    await bot.add_cog(fans)
    await bot.add_cog(DramaCog(bot, service))
    bot.outbox.register(NAME, LateCourier(ledger, rest, problems, bot.clock))
    bot.features.register(
        Feature(
            name=NAME,
            help=HelpTopic(
                "📺 Airtimes: KST schedules shown in your own time zone",
                ("airtime", "drama"),
                HELP_NOTE,
                order=10,
            ),
            start=service.start,
            stop=service.stop,
            status=fans.status_lines,
            channel_deleted=service.channel_deleted,
            dynamic_items=(FollowButton,),
            apis=(service,),
        )
    )


async def teardown(bot: DramaBot) -> None:
    """Forget the feature (and stop its jobs) when the extension is unloaded."""
    bot.outbox.unregister(NAME)
    await bot.features.unregister(NAME)
