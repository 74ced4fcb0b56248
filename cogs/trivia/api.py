"""What trivia offers through the feature registry: counting an answer button's click.

The persistent answer buttons reach the running trivia service through
`feature_api(interaction, TriviaClicks, ...)`, never by cog name; a bot without trivia
loaded answers their clicks with a plain "not available".
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from cogs.trivia.game import Answer


@dataclass(frozen=True)
class Click:
    """A counted button answer, with what it picked read before anything could move on."""

    answer: Answer
    label: str
    deadline: float  # unix seconds: when the question closes


class TriviaClicks(ABC):
    """Count answer-button clicks of running games."""

    @abstractmethod
    async def click(
        self,
        game_id: int,
        user_id: int,
        question: int,
        choice: int,
        guild_id: int | None,
        channel_id: int | None,
    ) -> Click:
        """Record a button answer (committed) and return it.

        The click must come from the game's own guild and channel (the ids in a custom_id
        are not proof of where it was pressed).

        Raises:
            InvalidInput: the game is over, the question closed, the player already answered,
                or the click came from elsewhere.
        """
