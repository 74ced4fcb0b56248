"""A deleted channel takes its 'grant me Manage Messages there' problem with it."""

from __future__ import annotations

from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, MANAGE_MESSAGES
from tests.harness import BotEnv, until
from tests.polls.helpers import A, B


async def test_deleted_channel_clears_its_manage_messages_problem(env: BotEnv) -> None:
    fake = env.fake
    doomed = fake.add_channel(env.guild_id, "doomed")
    await env.settle()
    itx = await fake.slash(env.guild_id, doomed, env.fan_id, "poll", "create",
                           options={"question": "Q", "options": "a | b"})  # fmt: skip
    assert "is up" in await itx.reply_text()
    message_id = int(
        (await fake.wait_for_request("POST", f"/channels/{doomed}/messages")).response["id"]
    )
    fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES, channel_id=doomed
    )
    await fake.sync()
    await fake.add_reaction(env.guild_id, doomed, message_id, env.fan_id, A)
    await fake.add_reaction(env.guild_id, doomed, message_id, env.fan_id, B)

    async def reported() -> bool:
        return bool(await env.running.guild_settings.problems(env.guild_id, "polls"))

    await until(reported, "problem reported")
    await fake.delete_channel(doomed)
    await fake.sync()

    async def cleared() -> bool:
        return await env.running.guild_settings.problems(env.guild_id, "polls") == []

    await until(cleared, "problem cleared with the channel")
    reason = await env.running.db.fetch_value("SELECT close_reason FROM polls")
    assert reason == "channel deleted"
    assert "Manage Messages" not in await env.reply(env.mod_id, "config", "show")


async def test_deleted_thread_closes_its_polls_and_takes_its_problems(env: BotEnv) -> None:
    fake = env.fake
    thread = fake.add_thread(env.guild_id, env.channel_id, "episode talk")
    fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES)
    await fake.sync()
    itx = await fake.slash(env.guild_id, thread, env.fan_id, "poll", "create",
                           options={"question": "Q", "options": "a | b"})  # fmt: skip
    assert "is up" in await itx.reply_text()
    message_id = int(
        (await fake.wait_for_request("POST", f"/channels/{thread}/messages")).response["id"]
    )
    await fake.add_reaction(env.guild_id, thread, message_id, env.fan_id, A)
    await fake.add_reaction(env.guild_id, thread, message_id, env.fan_id, B)

    async def reported() -> bool:
        problems = await env.running.guild_settings.problems(env.guild_id, "polls")
        return [p.key for p in problems] == [f"manage_messages:{thread}"]

    await until(reported, "problem reported")
    await fake.delete_thread(thread)
    await fake.sync()

    async def cleared() -> bool:
        return await env.running.guild_settings.problems(env.guild_id, "polls") == []

    await until(cleared, "problem cleared with the thread")
    assert "No polls are open here" in await env.reply(env.mod_id, "poll", "list")
