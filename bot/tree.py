"""The command tree, and the one place that turns failures into ephemeral replies."""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.db import StorageFull
from bot.errors import UserFacingError
from bot.replies import send_ephemeral

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062  # Discord: the interaction expired (not answered within 3 s)
APOLOGY = "Sorry, something went wrong on my side. It has been logged; please try again later."
DISK_FULL = "I can't save right now: the server's disk is full; tell the bot's owner."


def _permission_list(names: list[str]) -> str:
    return ", ".join(name.replace("_", " ").replace("guild", "server").title() for name in names)


def describe_error(error: BaseException) -> str | None:
    """The sentence for an expected error, or None when the error is a bug to log."""
    original = getattr(error, "original", None)
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and (
        original is not None
    ):
        return describe_error(original)
    if isinstance(error, UserFacingError):
        return error.message
    if isinstance(error, StorageFull):
        return DISK_FULL  # the database layer already told the owner, in the log
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {error.retry_after:.0f} s."
    if isinstance(error, app_commands.MissingPermissions):
        return f"You need the {_permission_list(error.missing_permissions)} permission for this."
    if isinstance(error, app_commands.BotMissingPermissions):
        return (
            f"I need the {_permission_list(error.missing_permissions)} permission here; "
            "a moderator can grant it in the channel or server settings."
        )
    if isinstance(error, app_commands.CheckFailure) and str(error):
        return str(error)
    if isinstance(error, discord.Forbidden):
        return (
            "Discord refused me that action: I am missing a permission in this channel or "
            "server. A moderator can check my role's permissions."
        )
    return None


def _context(interaction: discord.Interaction[Any]) -> dict[str, Any]:
    command = interaction.command.qualified_name if interaction.command else None
    data: dict[str, Any] = dict(interaction.data or {})
    return {
        "command": command,
        "custom_id": data.get("custom_id"),
        "guild_id": interaction.guild_id,
        "channel_id": interaction.channel_id,
        "user_id": interaction.user.id if interaction.user else None,
        "interaction_id": interaction.id,
    }


def _expired(error: BaseException) -> bool:
    """Whether Discord refused the answer because the interaction's 3 seconds were over."""
    original = getattr(error, "original", None) or error
    return isinstance(original, discord.NotFound) and original.code == UNKNOWN_INTERACTION


async def reply_to_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Answer the user ephemerally: their mistake in plain words, our bug with an apology.

    An interaction that expired before it was answered cannot be answered at all: that is
    logged in one line, without a second doomed request (under load, a traceback and a retry
    per late click only made the next clicks later).
    """
    if _expired(error):
        log.warning("interaction expired before I answered it", extra=_context(interaction))
        return
    message = describe_error(error)
    if message is None:
        log.error("interaction failed", exc_info=error, extra=_context(interaction))
        message = APOLOGY
    else:
        log.info("interaction refused: %s", type(error).__name__, extra=_context(interaction))
    try:
        await send_ephemeral(interaction, message)
    except discord.HTTPException:
        log.warning("could not deliver error reply", extra=_context(interaction))


class DramaTree(app_commands.CommandTree[Any]):
    """CommandTree whose errors always end in an ephemeral reply, never silence."""

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        """Turn any command failure into an ephemeral answer."""
        await reply_to_error(interaction, error)
