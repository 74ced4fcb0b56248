"""Airtime: dramas in KST slots, episode lists, announcements, follows, calendars."""

from __future__ import annotations

from bot.app import DramaBot
from cogs.airtime.catalog import check_data as _check_catalog
from cogs.airtime.cog import AirtimeCog
from cogs.airtime.late import LateCourier
from cogs.airtime.moderation import DramaCog
from cogs.airtime.runner import NOTICE_FEATURE, Announcer
from cogs.airtime.service import AirtimeService, DiscordSender
from cogs.airtime.store import AirtimeStore


def check_data() -> list[str]:
    """Validate the shipped catalog for `dramabot check`."""
    return _check_catalog()


async def setup(bot: DramaBot) -> None:
    """Build the store, the announcer and both cogs."""
    store = AirtimeStore(bot.db)
    sender = DiscordSender(bot)
    announcer = Announcer(store, bot.scheduler, bot.clock, sender, bot.guild_settings, bot.outbox)
    bot.outbox.register(NOTICE_FEATURE, LateCourier(store, sender, bot.guild_settings, bot.clock))
    service = AirtimeService(bot, store, announcer)
    await bot.add_cog(AirtimeCog(bot, service))
    await bot.add_cog(DramaCog(bot, service))
