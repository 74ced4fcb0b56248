"""Base classes for discord.ui pieces."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.tree import reply_to_error


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
