"""`/config show` says, live, what stops a drama's announcements or follows right now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.airtime.helpers import posts, setup_announced
from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, MANAGE_ROLES, SEND_MESSAGES
from tests.harness import BotEnv, until


async def show(env: BotEnv) -> str:
    return await env.reply(env.mod_id, "config", "show")


async def test_lost_manage_roles_is_shown_until_granted_back(env: BotEnv) -> None:
    await setup_announced(env)
    assert "⚠️" not in await show(env)
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_ROLES)
    await env.fake.sync()
    text = await show(env)
    assert "**What's Wrong with Secretary Kim**: ⚠️ I need Manage Roles so fans can" in text
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS)
    await env.fake.sync()
    assert "⚠️" not in await show(env)


async def test_lost_send_messages_says_so_without_a_misleading_ping_warning(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env)
    env.fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~SEND_MESSAGES, channel_id=channel
    )
    await env.fake.sync()
    text = await show(env)
    assert f"⚠️ I can't post in <#{channel}>: give me View Channel and Send Messages" in text
    # Discord drops Mention All Roles with Send Messages; asking for it would mislead.
    assert "not mentionable" not in text
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS, channel_id=channel)
    await env.fake.sync()
    assert "⚠️" not in await show(env)


async def test_a_deleted_announcement_channel_is_shown(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env)
    await env.fake.delete_channel(channel)
    await env.fake.sync()

    async def handled() -> bool:  # the bot's handler of the deletion has run
        return bool(await env.running.guild_settings.problems(env.guild_id, "airtime"))

    await until(handled, "the deletion handled")
    text = await show(env)
    assert (
        "The announcement channel of **What's Wrong with Secretary Kim** no longer exists" in text
    )


async def test_a_refused_announcement_is_not_repeated_by_the_live_line(env: BotEnv) -> None:
    _, channel, _ = await setup_announced(env, remind="30")
    await env.fake.delete_channel(channel)
    await env.fake.sync()
    await env.advance_to(datetime(2018, 6, 6, 12, 0, tzinfo=UTC) + timedelta(seconds=1))
    await env.fake.wait_for_request("POST", f"/channels/{channel}/messages")

    async def reported() -> bool:
        return bool(await env.running.guild_settings.problems(env.guild_id, "airtime"))

    for _ in range(100):
        if await reported():
            break
        await env.settle(1)
    text = await show(env)
    assert text.count("no longer exists") == 1, text
    assert "[airtime]" in text


async def test_deleting_the_announcement_channel_asks_for_a_new_one_at_once(env: BotEnv) -> None:
    drama_id, channel, role = await setup_announced(env, remind="30")
    await env.fake.delete_channel(channel)
    await env.fake.sync()

    async def reported() -> bool:
        return bool(await env.running.guild_settings.problems(env.guild_id, "airtime"))

    await until(reported, "the problem reported")  # before any announcement is refused
    (problem,) = await env.running.guild_settings.problems(env.guild_id, "airtime")
    assert (problem.key, problem.channel_id) == (f"announce:{drama_id}", None)
    assert "pick another with `/drama announce`" in problem.message
    assert posts(env, channel) == []
    text = await env.reply(env.mod_id, "drama", "announce", drama="Secretary Kim",
                           channel=env.channel_id, role=role)  # fmt: skip
    assert "⚠️" not in text
    assert await env.running.guild_settings.problems(env.guild_id, "airtime") == []
