"""Answer buttons: persistent DynamicItems whose custom_id names a position, never the answer.

custom_id `trivia:answer:<game_id>:<question_index>:<choice_index>`. Choices are shuffled per
game and the right index lives only in the server's memory and database, so neither the ids
nor the labels tell a client which button is right before the reveal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.views import guarded
from cogs.trivia.render import LETTERS

if TYPE_CHECKING:
    from cogs.trivia.game import Game

COG_NAME = "Trivia"


class _ClickHandler(Protocol):
    async def on_click(
        self, interaction: discord.Interaction[Any], game_id: int, question: int, choice: int
    ) -> None: ...


def _fit_label(label: str, limit: int = 80) -> str:
    # Discord caps button labels at 80 characters; the embed shows the full choice.
    if len(label) <= limit:
        return label or "?"
    return label[: limit - 1] + "…"


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"trivia:answer:(?P<game>\d{1,19}):(?P<question>\d{1,4}):(?P<choice>\d)",
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

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnswerButton:
        """Rebuild the button from a click (also after a restart)."""
        return cls(int(match["game"]), int(match["question"]), int(match["choice"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Hand the click to the trivia cog; failures reach the user ephemerally."""
        handler: _ClickHandler | None = interaction.client.get_cog(COG_NAME)

        async def run() -> None:
            if handler is None:
                raise RuntimeError("trivia cog not loaded")
            await handler.on_click(interaction, self.game_id, self.question, self.choice)

        await guarded(interaction, run)


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
                label=f"{LETTERS[index]}. {choice}",
                style=style,
                disabled=reveal,
            )
        )
    return view
