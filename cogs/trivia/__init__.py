"""Scene trivia: packs, timed rounds (buttons or typed), scoring and leaderboards."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.trivia.keys import FEATURE

if TYPE_CHECKING:
    from bot.app import DramaBot


async def setup(bot: DramaBot) -> None:
    """Build the service and its cog; register the feature and its restart notices."""
    # Imported here, not above: importing a pure module of this package (game, match,
    # packs) runs this file first, and must not load discord.py. Nothing below imports
    # this module back.
    from bot.features import ChannelSwitch, Feature, HelpTopic
    from bot.outbox import ChannelCourier
    from cogs.trivia.cog import TriviaCog
    from cogs.trivia.game import SCORING_HELP
    from cogs.trivia.service import TriviaService
    from cogs.trivia.store import TriviaStore
    from cogs.trivia.views import AnswerButton

    service = TriviaService(bot, TriviaStore(bot.db, owns=bot.scope.owns))
    await bot.add_cog(TriviaCog(bot, service))
    bot.outbox.register(FEATURE, ChannelCourier(bot))
    bot.features.register(
        Feature(
            name=FEATURE,
            help=HelpTopic("🎬 Scene trivia quizzes", ("trivia",), SCORING_HELP, order=20),
            start=service.start,
            stop=service.stop,
            switch=ChannelSwitch(default=True, what="trivia games"),
            status=lambda guild: service.status_lines(guild.id),
            channel_deleted=service.channel_deleted,
            dynamic_items=(AnswerButton,),
            apis=(service,),
        )
    )


async def teardown(bot: DramaBot) -> None:
    """Forget the feature (its answers are committed first) and its notices' courier."""
    await bot.features.unregister(FEATURE)
    bot.outbox.unregister(FEATURE)


def check_data() -> list[str]:
    """Validate the shipped trivia packs; an empty list means all is well."""
    from cogs.trivia.library import shipped_problems

    return shipped_problems()
