"""Airtime: dramas in KST slots, episode lists, announcements, follows, calendars."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec

from bot.app import DramaBot
from bot.features import Feature, HelpTopic
from bot.pacing import FairPacer
from cogs.airtime.catalog import check_data as _check_catalog
from cogs.airtime.cog import HELP_NOTE, AirtimeCog
from cogs.airtime.events_store import EventStore
from cogs.airtime.events_sync import EventSync
from cogs.airtime.import_store import ImportStore
from cogs.airtime.importer import Importer
from cogs.airtime.keys import NAME
from cogs.airtime.late import LateCourier
from cogs.airtime.ledger import LedgerStore
from cogs.airtime.moderation import DramaCog
from cogs.airtime.native_commands import Native
from cogs.airtime.native_rest import NativeRest
from cogs.airtime.rest import DiscordRest
from cogs.airtime.runner import Announcer
from cogs.airtime.service import AirtimeService
from cogs.airtime.store import AirtimeStore
from cogs.airtime.threads_open import ThreadOpener
from cogs.airtime.threads_store import ThreadStore
from cogs.airtime.tvmaze import TvmazeClient
from cogs.airtime.views import FollowButton

P = ParamSpec("P")


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
    native = _native(bot, store, service, announcer)
    client = TvmazeClient(bot.settings.tvmaze_api_url)
    importer = Importer(
        client, ImportStore(bot.db), service, bot.scheduler, bot.clock, problems,
        bot.wait_until_ready,
    )  # fmt: skip
    fans = AirtimeCog(bot, service)
    await bot.add_cog(fans)
    await bot.add_cog(DramaCog(bot, service, native, importer))
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
            start=_in_turn(
                service.start, native.events.start, native.threads.start, importer.start
            ),
            stop=_in_turn(importer.stop, native.threads.stop, native.events.stop, service.stop),
            status=fans.status_lines,
            channel_deleted=_in_turn(service.channel_deleted, native.threads.channel_deleted),
            dynamic_items=(FollowButton,),
            apis=(service,),
        )
    )


def _native(
    bot: DramaBot, store: AirtimeStore, service: AirtimeService, announcer: Announcer
) -> Native:
    """Scheduled events and episode threads, hooked to schedule changes and on-air posts."""
    native_rest = NativeRest(bot)
    problems = bot.guild_settings.problem_table.of(NAME)
    native = Native(
        EventSync(store, EventStore(bot.db), native_rest, bot.scheduler, bot.clock, problems,
                  bot.wait_until_ready, lambda guild_id: _present(bot, guild_id)),
        ThreadOpener(store, ThreadStore(bot.db), native_rest, bot.scheduler, bot.clock,
                     problems, bot.wait_until_ready),
    )  # fmt: skip
    service.schedule_changed += [native.events.schedule_changed, native.threads.schedule_changed]
    announcer.extras.append(native.threads.onair_line)
    return native


def _present(bot: DramaBot, guild_id: int) -> bool:
    """Whether the bot is in the server (an unavailable one counts; before READY, all do)."""
    return not bot.is_ready() or bot.get_guild(guild_id) is not None


def _in_turn(*steps: Callable[P, Awaitable[None]]) -> Callable[P, Awaitable[None]]:
    """One hook of the feature made of its parts' hooks, awaited in the order given."""

    async def hook(*args: P.args, **kwargs: P.kwargs) -> None:
        for step in steps:
            await step(*args, **kwargs)

    return hook


async def teardown(bot: DramaBot) -> None:
    """Forget the feature (and stop its jobs) when the extension is unloaded."""
    bot.outbox.unregister(NAME)
    await bot.features.unregister(NAME)
