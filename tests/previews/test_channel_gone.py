"""A deleted channel takes its 'cannot post previews there' problem with it."""

from __future__ import annotations

from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, SEND_MESSAGES
from tests.harness import BotEnv
from tests.previews.conftest import Site
from tests.previews.helpers import until


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
        return [p.key for p in problems] == [f"send:{doomed}"]

    await until(reported, "problem reported")
    await fake.delete_channel(doomed)
    await fake.sync()

    async def cleared() -> bool:
        return await env.running.guild_settings.problems(env.guild_id, "previews") == []

    await until(cleared, "problem cleared with the channel")
    assert "link previews in" not in await env.reply(env.mod_id, "config", "show")
