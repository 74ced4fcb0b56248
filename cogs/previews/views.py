"""The Remove button under a preview: usable by the link's poster and by moderators."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.checks import member_is_moderator
from bot.errors import NotAllowed
from bot.views import guarded

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

COG_NAME = "Previews"


class RemovePreviewButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"preview:remove:(?P<poster_id>\d+)",
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

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> RemovePreviewButton:
        """Rebuild the button from its custom_id after a restart."""
        return cls(int(match["poster_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Remove the preview if the clicker may."""
        await guarded(interaction, lambda: self._remove(interaction))

    async def _remove(self, interaction: discord.Interaction[DramaBot]) -> None:
        if interaction.user.id != self.poster_id and not await _is_moderator(interaction):
            raise NotAllowed(
                "Only the person who shared the link or a moderator can remove this preview."
            )
        await interaction.response.defer()
        # For a component, the "original response" is the message carrying the button:
        # deleting it through the interaction needs no channel permission.
        await interaction.delete_original_response()
        cog = interaction.client.get_cog(COG_NAME)
        store = getattr(cog, "store", None)
        if store is not None and interaction.message is not None:
            await store.forget_post(interaction.message.id)
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
