"""Answer buttons: persistent DynamicItems whose custom_id names a position, never the answer.

custom_id `trivia:answer:<game_id>:<question_index>:<choice_index>`. Choices are shuffled per
game and the right index lives only in the server's memory and database, so neither the ids
nor the labels tell a client which button is right before the reveal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.replies import send_ephemeral
from bot.views import PersistentButton, feature_api
from cogs.trivia import render
from cogs.trivia.api import TriviaClicks

if TYPE_CHECKING:
    from cogs.trivia.game import Game

log = logging.getLogger(__name__)


def _fit_label(label: str, limit: int = 80) -> str:
    # Discord caps button labels at 80 characters; the embed shows the full choice.
    if len(label) <= limit:
        return label or "?"
    return label[: limit - 1] + "…"


class AnswerButton(
    PersistentButton,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"trivia:answer:(?P<game_id>[0-9]{1,19}):(?P<question>[0-9]{1,4}):(?P<choice>[0-9])",
):
    """One choice of one question of one game."""

    def __init__(
        self,
        game_id: int,
        question: int,
        choice: int,
        *,
        label: str = "?",
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        disabled: bool = False,
    ) -> None:
        """Build the button; `label` is the choice text."""
        super().__init__(
            discord.ui.Button(
                label=_fit_label(label),
                style=style,
                disabled=disabled,
                custom_id=f"trivia:answer:{game_id}:{question}:{choice}",
            )
        )
        self.game_id = game_id
        self.question = question
        self.choice = choice

    async def clicked(self, interaction: discord.Interaction[Any]) -> None:
        """Count the first click and confirm it privately."""
        trivia = feature_api(interaction, TriviaClicks, "Trivia games")
        click = await trivia.click(
            self.game_id,
            interaction.user.id,
            self.question,
            self.choice,
            interaction.guild_id,
            interaction.channel_id,
        )
        await send_ephemeral(interaction, render.locked_in(click))
        log.debug("trivia click", extra={"game_id": self.game_id, "user_id": interaction.user.id})


def answer_view(game: Game, *, reveal: bool = False) -> discord.ui.View:
    """The buttons of the current question; on reveal, disabled with the right one green."""
    view = discord.ui.View(timeout=None)
    planned = game.current
    for index, choice in enumerate(planned.choices):
        style = discord.ButtonStyle.secondary
        if reveal and index == planned.correct:
            style = discord.ButtonStyle.success
        view.add_item(
            AnswerButton(
                game.game_id,
                game.index,
                index,
                label=f"{render.LETTERS[index]}. {choice}",
                style=style,
                disabled=reveal,
            )
        )
    return view
