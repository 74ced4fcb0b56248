"""The framework floor for bench/interactions.py: a bare discord.py bot answering a constant.

It has the same slash commands as dramabot (names and options) and answers each at once with
a short ephemeral text: no database, no logic. Run by the benchmark as its own process, with
the same settings variables as the bot (DISCORD_TOKEN, DISCORD_API_URL, DISCORD_GATEWAY_URL).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

import discord
import yarl
from discord import app_commands

log = logging.getLogger("bare.app")


class BareBot(discord.Client):
    """A client with a command tree and nothing else."""

    def __init__(self) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        super().__init__(intents=intents)
        self.tree = app_commands.CommandTree(self)
        _add_commands(self.tree)

    async def setup_hook(self) -> None:
        await self.tree.sync()

    async def on_ready(self) -> None:
        log.info("bare bot ready")


async def _answer(interaction: discord.Interaction[BareBot]) -> None:
    await interaction.response.send_message(
        "ok", ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
    )


def _add_commands(tree: app_commands.CommandTree[BareBot]) -> None:
    @tree.command(name="help", description="Show what dramabot can do.")
    async def help_(interaction: discord.Interaction[BareBot], topic: str | None = None) -> None:
        await _answer(interaction)

    airtime = app_commands.Group(name="airtime", description="Airtimes")

    @airtime.command(name="next", description="Next episodes.")
    async def next_(interaction: discord.Interaction[BareBot], drama: str | None = None) -> None:
        await _answer(interaction)

    @airtime.command(name="week", description="This week.")
    async def week(interaction: discord.Interaction[BareBot]) -> None:
        await _answer(interaction)

    poll = app_commands.Group(name="poll", description="Polls")

    @poll.command(name="results", description="Results.")
    async def results(interaction: discord.Interaction[BareBot], poll: int) -> None:
        await _answer(interaction)

    trivia = app_commands.Group(name="trivia", description="Trivia")

    @trivia.command(name="leaderboard", description="Leaderboard.")
    async def leaderboard(
        interaction: discord.Interaction[BareBot], period: str | None = None
    ) -> None:
        await _answer(interaction)

    @trivia.command(name="stats", description="Stats.")
    async def stats(
        interaction: discord.Interaction[BareBot], member: discord.User | None = None
    ) -> None:
        await _answer(interaction)

    config = app_commands.Group(name="config", description="Config")

    @config.command(name="show", description="Show.")
    async def show(interaction: discord.Interaction[BareBot]) -> None:
        await _answer(interaction)

    for group in (airtime, poll, trivia, config):
        tree.add_command(group)


async def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    discord.http.Route.BASE = os.environ["DISCORD_API_URL"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY_URL"])
    bot = BareBot()
    async with bot:
        await bot.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
