"""Article link previews: rich, fast and safe against hostile links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.previews.api import NAME

if TYPE_CHECKING:
    from bot.app import DramaBot


async def setup(bot: DramaBot) -> None:
    """Build the service and the cog, and register the feature with the bot."""
    # Imported here, not above: the page parser process imports this package and must not
    # pay for discord.py. Nothing below imports this module back.
    from bot.features import ChannelSwitch, Feature, HelpTopic
    from cogs.previews.cog import HELP_NOTE, PreviewsCog
    from cogs.previews.service import PreviewService
    from cogs.previews.views import RemovePreviewButton

    service = PreviewService(bot)
    await bot.add_cog(PreviewsCog(bot, service))
    bot.features.register(
        Feature(
            name=NAME,
            help=HelpTopic(
                "📰 Article link previews",
                ("preview", "previews", "Preview article"),
                HELP_NOTE,
                order=40,
            ),
            start=service.start,
            stop=service.stop,
            switch=ChannelSwitch(
                default=False, what="automatic link previews", reads_messages=True
            ),
            status=service.status_lines,
            channel_deleted=service.channel_deleted,
            dynamic_items=(RemovePreviewButton,),
            apis=(service,),
        )
    )


async def teardown(bot: DramaBot) -> None:
    """Forget the feature (and stop it) when the extension is unloaded."""
    await bot.features.unregister(NAME)
