"""The persistent Follow button carried by every announcement, and the follow reply."""

from __future__ import annotations

from typing import Any

import discord

from bot.errors import InvalidInput
from bot.replies import send_ephemeral
from bot.views import PersistentButton, feature_api
from cogs.airtime.render import follow_reply
from cogs.airtime.service import AirtimeService

WHAT = "Airtime schedules"  # "… are not available right now"


def follow_custom_id(drama_id: int) -> str:
    """`airtime:follow:<drama_id>`."""
    return f"airtime:follow:{drama_id}"


async def answer_follow(
    interaction: discord.Interaction[Any], service: AirtimeService, drama_id: int, *, follow: bool
) -> None:
    """Follow (or unfollow) for the member who clicked or typed, and tell them how it went."""
    member = interaction.user
    if interaction.guild_id is None or not isinstance(member, discord.Member):
        raise InvalidInput("Following works inside a server.")
    result = await service.follow(
        interaction.guild_id,
        member.id,
        {role.id for role in member.roles},
        drama_id,
        follow=follow,
    )
    text = follow_reply(
        result.title, result.role_id, following=result.following, changed=result.changed
    )
    await send_ephemeral(interaction, text)


class FollowButton(
    PersistentButton,
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"airtime:follow:(?P<drama_id>[0-9]+)",
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

    async def clicked(self, interaction: discord.Interaction[Any]) -> None:
        """Follow the drama (same rules as `/airtime follow`)."""
        service = feature_api(interaction, AirtimeService, WHAT)
        await answer_follow(interaction, service, self.drama_id, follow=True)


def follow_view(drama_id: int) -> discord.ui.View:
    """A timeout-free view holding the drama's Follow button."""
    view = discord.ui.View(timeout=None)
    view.add_item(FollowButton(drama_id))
    return view
