"""Base classes for discord.ui pieces."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

import discord

from bot.errors import NotFound
from bot.tree import reply_to_error

T = TypeVar("T")


class BaseView(discord.ui.View):
    """A View whose callback failures reach the user like command failures do."""

    async def on_error(
        self,
        interaction: discord.Interaction[Any],
        error: Exception,
        item: discord.ui.Item[Any],
        /,
    ) -> None:
        """Answer ephemerally; log bugs with ids."""
        await reply_to_error(interaction, error)


class BaseModal(discord.ui.Modal):
    """A Modal whose failures reach the user like command failures do."""

    async def on_error(  # type: ignore[override]
        self, interaction: discord.Interaction[Any], error: Exception, /
    ) -> None:
        """Answer ephemerally; log bugs with ids."""
        await reply_to_error(interaction, error)


async def guarded(
    interaction: discord.Interaction[Any], action: Callable[[], Awaitable[None]]
) -> None:
    """Run a component callback so that its failure reaches the user, not just the log.

    `discord.ui.DynamicItem` callbacks (our persistent buttons, custom_id
    `feature:action:<id>[:<n>]`, registered with `bot.add_dynamic_items` in `cog_load`)
    run inside a throwaway View whose `on_error` only logs; wrap their bodies with this.
    """
    try:
        await action()
    except Exception as error:
        await reply_to_error(interaction, error)


class PersistentButton:
    """Plumbing shared by every button that must keep working after a restart.

    Mix it in before `discord.ui.DynamicItem[discord.ui.Button[Any]]` with a `template=`
    whose named groups are all digits and match the constructor's keyword arguments
    (`template=r"poll:vote:(?P<poll_id>[0-9]+):(?P<position>[0-9]+)"` pairs with
    `__init__(self, poll_id: int, position: int)`), and write `clicked`. Register the class
    in the feature's `dynamic_items`; a failure in `clicked` reaches the clicker like a
    command's would.
    """

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> Any:
        """Rebuild the button from the ids in its custom_id."""
        return cls(**{name: int(value) for name, value in match.groupdict().items()})

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        """Run `clicked`; its failure reaches the clicker, not just the log."""
        await guarded(interaction, lambda: self.clicked(interaction))

    async def clicked(self, interaction: discord.Interaction[Any]) -> None:
        """What the click does."""
        raise NotImplementedError


def feature_api(interaction: discord.Interaction[Any], kind: type[T], what: str) -> T:
    """The running feature API of type `kind`, or a plain refusal when it is not loaded.

    `what` names the feature for the fan ("Polls"): "Polls are not available right now…".
    """
    api = interaction.client.features.api(kind)
    if api is None:
        raise NotFound(f"{what} are not available right now; try again in a minute.")
    return cast("T", api)
