"""The trivia service: the feature's one front door, in ids and values.

The cog (and the answer buttons, through `TriviaClicks`) call these methods and turn their
results into replies; nothing outside this module reaches the store, the pack library or
the game runner. Nothing here takes an Interaction or answers one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.errors import Conflict, NotAllowed, NotFound
from bot.replies import clean
from bot.shards import GuildScope
from bot.text import plural
from bot.timeutil import to_unix
from cogs.airtime.api import AirtimeSchedule
from cogs.trivia import keys, manage
from cogs.trivia.api import Click, TriviaClicks
from cogs.trivia.game import BROADCAST_OVER_AFTER, Mode, Started, check_settings
from cogs.trivia.library import Library, PackEntry
from cogs.trivia.packs import Pack
from cogs.trivia.parsing import PackParser
from cogs.trivia.periods import period_key
from cogs.trivia.runner import Begun, Runner, StartRequest
from cogs.trivia.score_store import PlayerStats, Standing
from cogs.trivia.store import RUNNING_CONFLICT, TriviaStore

if TYPE_CHECKING:
    from bot.app import DramaBot

log = logging.getLogger(__name__)

SWITCHED_OFF = (
    "Trivia is switched off in this channel. A moderator can turn it on with "
    "`/config channel feature:trivia`."
)


class TriviaService(TriviaClicks):
    """Games, packs and scores of this process's guilds."""

    def __init__(self, bot: DramaBot, store: TriviaStore) -> None:
        """Wire the store, the pack library and the game runner."""
        self.bot = bot
        self._store = store
        self._parser = PackParser()
        self._library = Library(store, self._parser)
        self.runner = Runner(bot, store)

    # -- the feature's life -----------------------------------------------------------
    async def start(self, scope: GuildScope) -> None:
        """Start taking answers; close the games a restart interrupted in `scope`'s guilds."""
        self.runner.answers.start()
        await self.runner.close_interrupted(scope)

    async def stop(self) -> None:
        """Forget the games in memory (no answer is taken after), then commit every answer.

        Every answer given before the stop (SIGTERM included) is saved. The games' rows stay
        'running': the next start closes them and owes their notices.
        """
        self.runner.shutdown()
        await self.runner.answers.stop()
        self._parser.close()

    async def channel_deleted(self, guild_id: int, channel_id: int) -> None:
        """A deleted channel's game ends."""
        await self.runner.channel_deleted(guild_id, channel_id)

    async def status_lines(self, guild_id: int) -> list[str]:
        """Running games, disabled packs and typed-mode availability, for /config show."""
        running = sorted(g.channel_id for g in self.runner.games.values() if g.guild_id == guild_id)
        entries = await self._library.entries(guild_id)
        disabled = [f"**{clean(entry.name)}**" for entry in entries if entry.disabled]
        lines = [
            "Trivia: "
            + (", ".join(f"game running in <#{c}>" for c in running) or "no game running")
            + f"; {plural(len(entries), 'pack')}"
            + (f" ({', '.join(disabled)} disabled)" if disabled else "")
            + "."
        ]
        if not self.bot.message_content_enabled:
            lines.append("Trivia: typed mode is off (no Message Content intent); buttons work.")
        return lines

    async def enabled_in(self, guild_id: int, channel_id: int) -> bool:
        """Whether trivia is switched on in a channel."""
        return await self.bot.guild_settings.feature_enabled(guild_id, channel_id, keys.FEATURE)

    # -- playing ----------------------------------------------------------------------
    async def start_game(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        pack: str | None,
        questions: int,
        mode: str,
        seconds: int,
    ) -> Started:
        """Validate a /trivia start and set the game up (its first question is not asked yet).

        Raises:
            InvalidInput: a setting is out of range.
            NotAllowed: trivia is switched off in the channel.
            Conflict: a game is running in the channel.
            NotFound: no such pack, or nothing in it can be asked here (yet).
        """
        check_settings(questions, seconds)
        if not await self.enabled_in(guild_id, channel_id):
            raise NotAllowed(SWITCHED_OFF)
        if self.runner.in_channel(channel_id) or await self._store.running_in_channel(channel_id):
            raise Conflict(RUNNING_CONFLICT)
        chosen = await self._library.find(guild_id, pack)
        game_mode = Mode(mode)
        downgraded = game_mode is Mode.TYPED and not self.bot.message_content_enabled
        if downgraded:
            game_mode = Mode.BUTTONS
        aired = await self._aired(guild_id, chosen)
        request = StartRequest(
            guild_id,
            channel_id,
            user_id,
            chosen,
            game_mode,
            questions,
            seconds,
            aired,
            downgraded,
        )
        return await self.runner.start(request)

    async def _aired(self, guild_id: int, pack: Pack) -> int | None:
        """The spoiler guard: episodes of the pack's drama surely over here (None: no guard)."""
        if not pack.drama:
            return None
        schedule = self.bot.features.api(AirtimeSchedule)
        if schedule is None:
            return None  # airtime is not loaded: no drama is tracked
        over = self.bot.clock.now() - BROADCAST_OVER_AFTER
        return await schedule.aired_episodes(guild_id, pack.drama, over)

    async def begin(self, game_id: int) -> Begun:
        """Ask a started game's first question (or say why it was called off)."""
        return await self.runner.begin(game_id)

    async def abandon(self, game_id: int) -> None:
        """Close a game whose start could not be announced."""
        await self.runner.abandon(game_id)

    def stoppable(self, channel_id: int, user_id: int, is_moderator: bool) -> int:
        """The id of the channel's game, if this user may stop it.

        Raises:
            NotFound: no game is running in the channel.
            NotAllowed: the user neither started it nor moderates.
        """
        game = self.runner.in_channel(channel_id)
        if game is None:
            raise NotFound("No trivia game is running in this channel.")
        if user_id != game.starter_id and not is_moderator:
            raise NotAllowed("Only the player who started this game or a moderator can stop it.")
        return game.game_id

    async def stop_game(self, game_id: int) -> bool:
        """Stop a game and post its standings so far; False if it had ended meanwhile."""
        return await self.runner.stop(game_id)

    async def click(
        self,
        game_id: int,
        user_id: int,
        question: int,
        choice: int,
        guild_id: int | None,
        channel_id: int | None,
    ) -> Click:
        """See `TriviaClicks.click`."""
        return await self.runner.click(game_id, user_id, question, choice, guild_id, channel_id)

    async def typed(self, channel_id: int, user_id: int, content: str) -> None:
        """A chat message in a channel: judged (and recorded) if a typed game runs there."""
        if self.runner.by_channel:
            await self.runner.typed(channel_id, user_id, content)

    # -- packs ------------------------------------------------------------------------
    async def packs(self, guild_id: int) -> list[PackEntry]:
        """Every pack the server can see, built-in first."""
        return await self._library.entries(guild_id)

    async def pack_names(self, guild_id: int, typed: str, *, uploaded: bool = False) -> list[str]:
        """Autocomplete: up to 25 pack names containing `typed` (only uploads if `uploaded`)."""
        needle = typed.casefold()
        entries = await self._library.entries(guild_id)
        return [
            entry.name[:100]
            for entry in entries
            if needle in entry.key and not (uploaded and entry.shipped)
        ][:25]

    async def import_pack(self, guild_id: int, user_id: int, data: bytes) -> str:
        """Validate and store an uploaded pack file; return the confirmation."""
        at = to_unix(self.bot.clock.now())
        return await manage.import_pack(self._store, self._parser, guild_id, user_id, data, at)

    async def delete_pack(self, guild_id: int, name: str) -> str:
        """Delete an uploaded pack; return the confirmation."""
        return await manage.delete_pack(self._library, guild_id, name)

    async def switch_pack(self, guild_id: int, name: str, disabled: bool, user_id: int) -> str:
        """Disable (or enable) a pack in the server; return the confirmation."""
        at = to_unix(self.bot.clock.now())
        return await manage.switch_pack(self._library, guild_id, name, disabled, user_id, at)

    # -- scores -----------------------------------------------------------------------
    async def leaderboard(self, guild_id: int, period: str) -> list[Standing]:
        """The server's top players of a period (all-time, month, week)."""
        period, start = period_key(period, self.bot.clock.now())
        return await self._store.leaderboard(guild_id, period, start)

    async def stats(self, guild_id: int, user_id: int) -> PlayerStats:
        """A member's trivia numbers in the server."""
        return await self._store.player_stats(guild_id, user_id)
