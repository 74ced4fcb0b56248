"""Manage Messages granted back after a refusal: tidying resumes at once, not minutes later."""

from __future__ import annotations

from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, MANAGE_MESSAGES
from tests.harness import BotEnv, until
from tests.polls.helpers import A, B, create, react, wait_votes


async def test_regranted_manage_messages_resumes_tidying_and_clears_the_problem(
    env: BotEnv,
) -> None:
    fake = env.fake
    poll_id, message = await create(env, question="Q", options="a | b")
    fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES, channel_id=env.channel_id
    )
    await fake.sync()
    await react(env, message, env.fan_id, A)
    await react(env, message, env.fan_id, B)
    refused = await fake.wait_for_request("DELETE", rf".*/reactions/{A}/{env.fan_id}")
    assert refused.status == 403

    async def reported() -> bool:
        return bool(await env.running.guild_settings.problems(env.guild_id, "polls"))

    await until(reported, "problem reported")
    fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS, channel_id=env.channel_id)
    await fake.sync()
    start = len(fake.requests)
    await react(env, message, env.fan2_id, A)
    await react(env, message, env.fan2_id, B)
    tidy = await fake.wait_for_request(
        "DELETE", rf".*/reactions/{A}/{env.fan2_id}", after=start, timeout=3
    )
    assert tidy.status == 204
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan_id, 1), (env.fan2_id, 1)])

    async def cleared() -> bool:
        return await env.running.guild_settings.problems(env.guild_id, "polls") == []

    await until(cleared, "problem cleared")
    assert "Manage Messages" not in await env.reply(env.mod_id, "config", "show")


async def test_still_missing_manage_messages_is_not_retried_at_once(env: BotEnv) -> None:
    fake = env.fake
    _, message = await create(env, question="Q", options="a | b")
    fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES, channel_id=env.channel_id
    )
    await fake.sync()
    await react(env, message, env.fan_id, A)
    await react(env, message, env.fan_id, B)
    await fake.wait_for_request("DELETE", rf".*/reactions/{A}/{env.fan_id}")
    await react(env, message, env.fan2_id, A)
    await react(env, message, env.fan2_id, B)
    await env.settle(20)
    assert len(fake.find_requests("DELETE", r".*/reactions/.*")) == 1
