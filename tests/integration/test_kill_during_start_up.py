"""kill -9 at the worst moments of start-up: what the bot owes a channel is still delivered."""

from __future__ import annotations

import sys
from pathlib import Path

from cogs.trivia.render import RESTART_NOTICE
from tests.botprocess import BotProcess
from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv, message_text
from tests.integration.common import posts, until

RUN_FORCE_SYNC = (sys.executable, "-m", "bot", "run", "--force-sync")


def _notices(env: BotEnv) -> list[str]:
    texts = [message_text(rec.json) for rec in posts(env, env.channel_id)]
    return [text for text in texts if text.startswith(RESTART_NOTICE)]


async def test_game_interrupted_notice_survives_a_kill_before_the_gateway_is_ready(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    env = BotEnv(fake=fake, db_path=tmp_path / "bot.sqlite3", settings_overrides={})
    env.build_world()
    async with BotProcess(fake, env.db_path, tmp_path, command=RUN_FORCE_SYNC) as bot:
        await bot.start()
        started = await env.slash(env.fan_id, "trivia", "start", questions=5, seconds=60)
        await started.reply_text(timeout=15)
        await fake.wait_for_request("POST", rf"/channels/{env.channel_id}/messages", timeout=15)
        await bot.kill()  # mid-game: the game row stays 'running'

        # The next run closes the game while loading its cogs, then stops at the command
        # upload (held), before it ever connects to the gateway; it is killed right there.
        upload = fake.gate("PUT", rf"/applications/{fake.app_id}/commands")
        await bot.start(wait_ready=False)
        await upload.next(timeout=60)
        await bot.kill()
        upload.open()

        await bot.start()

        async def noticed() -> bool:
            return len(_notices(env)) >= 1

        await until(noticed, "the game-interrupted notice", timeout=30)
        await bot.terminate()
    assert len(_notices(env)) == 1
