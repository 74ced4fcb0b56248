"""A deleted channel takes its previews problems with it."""

from __future__ import annotations

from bot.problems import ProblemKey
from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, SEND_MESSAGES
from tests.harness import BotEnv, until
from tests.previews.helpers import Site


async def test_deleted_channel_clears_its_cannot_post_problem(env: BotEnv, site: Site) -> None:
    fake = env.fake
    doomed = fake.add_channel(env.guild_id, "doomed")
    await env.settle()
    text = await env.reply(
        env.mod_id, "config", "channel", feature="previews", channel=doomed, state="on"
    )
    assert "on" in text
    fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~SEND_MESSAGES, channel_id=doomed
    )
    await fake.sync()
    await fake.post_message(env.guild_id, doomed, env.fan_id, site.url("/og"))

    async def reported() -> bool:
        problems = await env.running.guild_settings.problems(env.guild_id, "previews")
        return [(p.key, p.channel_id) for p in problems] == [(f"send:{doomed}", doomed)]

    await until(reported, "problem reported")
    await fake.delete_channel(doomed)
    await fake.sync()

    async def cleared() -> bool:
        return await env.running.guild_settings.problems(env.guild_id, "previews") == []

    await until(cleared, "problem cleared with the channel")
    assert "link previews in" not in await env.reply(env.mod_id, "config", "show")


async def test_deleted_channel_clears_problems_stored_before_they_named_it(env: BotEnv) -> None:
    fake = env.fake
    doomed = fake.add_channel(env.guild_id, "doomed")
    await fake.sync()
    # As an older version stored it: the key names the channel, the row does not.
    await env.running.guild_settings.problem_table.report(
        env.guild_id, "previews", ProblemKey(f"send:{doomed}"), "I can't post link previews."
    )
    await fake.delete_channel(doomed)
    await fake.sync()

    async def cleared() -> bool:
        return await env.running.guild_settings.problems(env.guild_id, "previews") == []

    await until(cleared, "the old problem cleared with the channel")
