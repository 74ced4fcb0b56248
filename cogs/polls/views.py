"""Buttons of anonymous polls: persistent across restarts via `poll:vote:<poll_id>:<n>`."""

from __future__ import annotations

from typing import Any

import discord

from bot.replies import clean, send_ephemeral
from bot.views import PersistentButton, feature_api
from cogs.polls.ballot import ButtonVotes, ClickResult
from cogs.polls.store import Poll

PER_ROW = 5
LABEL_CHARS = 80


class VoteButton(
    PersistentButton,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"poll:vote:(?P<poll_id>\d{1,19}):(?P<position>\d{1,2})",
):
    """One option's button; works for any poll, even after a restart."""

    def __init__(
        self,
        poll_id: int,
        position: int,
        *,
        label: str | None = None,
        emoji: str | None = None,
        row: int | None = None,
    ) -> None:
        """Build the button for option `position` of poll `poll_id`."""
        super().__init__(
            discord.ui.Button(
                style=discord.ButtonStyle.secondary,
                label=label,
                emoji=emoji,
                row=row,
                custom_id=f"poll:vote:{poll_id}:{position}",
            )
        )
        self.poll_id = poll_id
        self.position = position

    async def clicked(self, interaction: discord.Interaction[Any]) -> None:
        """Record the vote and confirm it to the voter alone."""
        votes = feature_api(interaction, ButtonVotes, "Polls")
        result = await votes.click(self.poll_id, self.position, interaction.user.id)
        await send_ephemeral(interaction, confirmation(result))


def confirmation(result: ClickResult) -> str:
    """What the voter sees after a click."""
    poll = result.poll
    option = poll.options[result.position]
    name = f"{option.emoji} {clean(option.label, limit=120)}".rstrip()
    if not result.added:
        if result.chosen:
            return f"Removed {name} from your choices in poll #{poll.poll_id}."
        return f"Vote withdrawn: you have no vote in poll #{poll.poll_id} now."
    if poll.multi and len(result.chosen) > 1:
        names = ", ".join(poll.options[p].emoji for p in result.chosen)
        return f"Added {name}. Your choices in poll #{poll.poll_id}: {names}. Click again to undo."
    return (
        f"Your vote in poll #{poll.poll_id}: {name}. Only you can see this; click the same "
        "button again to withdraw it."
    )


def vote_view(poll: Poll) -> discord.ui.View:
    """The buttons of an anonymous poll, five per row."""
    view = discord.ui.View(timeout=None)
    for i, option in enumerate(poll.options):
        label = option.label[:LABEL_CHARS] or None
        view.add_item(
            VoteButton(poll.poll_id, i, label=label, emoji=option.emoji, row=i // PER_ROW)
        )
    return view
