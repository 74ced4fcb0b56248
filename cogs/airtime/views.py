"""The persistent Follow button carried by every announcement."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.errors import NotFound
from bot.views import guarded
from cogs.airtime.public import COG_NAME

FOLLOW_TEMPLATE = r"airtime:follow:(?P<drama_id>\d+)"


def follow_custom_id(drama_id: int) -> str:
    """`airtime:follow:<drama_id>`."""
    return f"airtime:follow:{drama_id}"


class FollowButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=FOLLOW_TEMPLATE
):
    """Gives the clicking fan the drama's ping role; survives restarts (custom_id template)."""

    def __init__(self, drama_id: int) -> None:
        """Build the button for one drama."""
        super().__init__(
            discord.ui.Button(
                label="Follow",
                emoji="🔔",
                style=discord.ButtonStyle.secondary,
                custom_id=follow_custom_id(drama_id),
            )
        )
        self.drama_id = drama_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> FollowButton:
        """Rebuild the button from a click on an old message."""
        return cls(int(match["drama_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Follow the drama (same rules as `/airtime follow`)."""
        service = getattr(interaction.client.get_cog(COG_NAME), "service", None)

        async def act() -> None:
            if service is None:
                raise NotFound("Airtime is not available right now; try again later.")
            await service.follow(interaction, self.drama_id, follow=True)

        await guarded(interaction, act)


def follow_view(drama_id: int) -> discord.ui.View:
    """A timeout-free view holding the drama's Follow button."""
    view = discord.ui.View(timeout=None)
    view.add_item(FollowButton(drama_id))
    return view
