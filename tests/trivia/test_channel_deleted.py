"""A deleted channel ends its game and leaves no 'grant me permissions' problem behind."""

from __future__ import annotations

from datetime import timedelta

from tests.fakediscord.state import VIEW_CHANNEL
from tests.harness import BotEnv, until
from tests.trivia.play import PACK, START


async def _stopped(env: BotEnv) -> bool:
    value = await env.running.db.fetch_value(
        "SELECT status FROM trivia_games ORDER BY game_id DESC LIMIT 1"
    )
    return value == "stopped"


async def test_deleting_the_channel_ends_the_game_without_a_problem(env: BotEnv) -> None:
    await env.advance_to(START)
    doomed = env.fake.add_channel(env.guild_id, "doomed")
    await env.settle()
    itx = await env.slash(env.fan_id, "trivia", "start", channel_id=doomed, pack=PACK, questions=3)
    assert "started" in await itx.reply_text()
    await env.fake.wait_for_request("POST", f"/channels/{doomed}/messages")
    await env.fake.delete_channel(doomed)
    await until(lambda: _stopped(env), "the game to stop")
    start = len(env.fake.requests)
    await env.advance_to(START + timedelta(minutes=2))
    await env.settle(10)
    assert not env.fake.find_requests("POST", f"/channels/{doomed}/messages")[1:]
    assert len(env.fake.requests) == start  # no question posted into the void
    assert await env.running.guild_settings.problems(env.guild_id, "trivia") == []
    assert "[trivia]" not in await env.reply(env.mod_id, "config", "show")
    # Another game elsewhere starts as usual.
    assert "started" in await env.reply(env.fan_id, "trivia", "start", pack=PACK, questions=1)


async def test_a_problem_about_a_channel_goes_when_the_channel_goes(env: BotEnv) -> None:
    doomed = env.fake.add_channel(env.guild_id, "doomed")
    await env.settle()
    env.fake.set_bot_permissions(env.guild_id, VIEW_CHANNEL, channel_id=doomed)
    await env.fake.sync()
    itx = await env.slash(env.fan_id, "trivia", "start", channel_id=doomed, pack=PACK)
    await itx.reply_text()
    await itx.followups(1)
    problems = await env.running.guild_settings.problems(env.guild_id, "trivia")
    assert [p.key for p in problems] == [f"post:{doomed}"]
    await env.fake.delete_channel(doomed)

    async def no_problems() -> bool:
        return await env.running.guild_settings.problems(env.guild_id, "trivia") == []

    await until(no_problems, "the problem to be forgotten")
