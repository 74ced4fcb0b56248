"""The Remove button under a preview: usable by the link's poster and by moderators."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord

from bot.checks import member_is_moderator
from bot.errors import NotAllowed
from bot.views import PersistentButton, feature_api
from cogs.previews.api import PreviewPosts

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)


class RemovePreviewButton(
    PersistentButton,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"preview:remove:(?P<poster_id>[0-9]+)",
):
    """Deletes the preview message; custom_id `preview:remove:<poster_id>` survives restarts."""

    def __init__(self, poster_id: int) -> None:
        """Bind the button to the member who posted (or asked for) the link."""
        super().__init__(
            discord.ui.Button(
                label="Remove",
                emoji="🗑️",
                style=discord.ButtonStyle.secondary,
                custom_id=f"preview:remove:{poster_id}",
            )
        )
        self.poster_id = poster_id

    async def clicked(self, interaction: discord.Interaction[DramaBot]) -> None:
        """Remove the preview if the clicker may."""
        previews = feature_api(interaction, PreviewPosts, "Previews")
        if interaction.user.id != self.poster_id and not await _is_moderator(interaction):
            raise NotAllowed(
                "Only the person who shared the link or a moderator can remove this preview."
            )
        await interaction.response.defer()
        # For a component, the "original response" is the message carrying the button:
        # deleting it through the interaction needs no channel permission.
        await interaction.delete_original_response()
        if interaction.message is not None:
            await previews.forget_post(interaction.message.id)
        log.info(
            "preview removed",
            extra={"guild_id": interaction.guild_id, "user_id": interaction.user.id},
        )


async def _is_moderator(interaction: discord.Interaction[DramaBot]) -> bool:
    if interaction.guild is None or not isinstance(interaction.user, discord.Member):
        return False
    return await member_is_moderator(interaction.client, interaction.guild.id, interaction.user)


def preview_view(poster_id: int) -> discord.ui.View:
    """A persistent view holding the Remove button."""
    view = discord.ui.View(timeout=None)
    view.add_item(RemovePreviewButton(poster_id))
    return view
