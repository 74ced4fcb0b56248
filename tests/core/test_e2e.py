"""The whole bot against the fake Discord: boot, sync, /help, /config, errors, resume, restart."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import discover_cog_packages
from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv, message_text, no_pings, until

CALLBACK = r"/interactions/\d+/[^/]+/callback"


@pytest.fixture
async def env_with_test_cogs(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[BotEnv]:
    bot_env = BotEnv(fake=fake, db_path=tmp_path / "bot.sqlite3", settings_overrides={})
    bot_env.extensions = [
        *discover_cog_packages(),
        "tests.core.broken_cog",
        "tests.core.boom_cog",
    ]
    bot_env.build_world()
    await bot_env.start()
    try:
        yield bot_env
    finally:
        await bot_env.stop()


def _command_names(payload: list[dict[str, object]]) -> set[str]:
    return {str(command["name"]) for command in payload}


async def test_boot_migrates_and_syncs_commands(
    env: BotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    sync = env.fake.find_requests("PUT", rf"/applications/{env.fake.app_id}/commands")
    assert len(sync) == 1
    names = _command_names(sync[0].json)
    assert {"help", "config"} <= names
    config = next(c for c in sync[0].json if c["name"] == "config")
    assert {o["name"] for o in config["options"]} >= {"show", "modrole", "channel", "announce"}
    assert all(len(c.get("description", "")) <= 100 for c in sync[0].json)
    version = await env.running.db.fetch_value("PRAGMA user_version")
    assert version >= 1
    assert env.fake.identify_intents & (1 << 1) == 0  # no members intent
    assert env.fake.identify_intents & (1 << 8) == 0  # no presence intent
    assert env.fake.identify_intents & (1 << 15)  # message content asked for by default
    assert env.fake.token not in caplog.text


async def test_dev_guild_sync(fake: FakeDiscord, tmp_path: Path) -> None:
    bot_env = BotEnv(fake=fake, db_path=tmp_path / "bot.sqlite3", settings_overrides={})
    bot_env.build_world()
    await bot_env.start(dev_guild_id=bot_env.guild_id)
    try:
        guild_sync = fake.find_requests(
            "PUT", rf"/applications/{fake.app_id}/guilds/{bot_env.guild_id}/commands"
        )
        assert len(guild_sync) == 1
        assert "help" in _command_names(guild_sync[0].json)
        assert fake.find_requests("PUT", rf"/applications/{fake.app_id}/commands") == []
    finally:
        await bot_env.stop()


async def test_help_is_ephemeral_and_lists_features(env: BotEnv) -> None:
    itx = await env.slash(env.fan_id, "help")
    response = await itx.response()
    assert itx.is_ephemeral
    assert no_pings(response.json["data"])
    text = await itx.reply_text()
    for command in (
        "/help",
        "/config show",
        "/airtime next",
        "/poll create",
        "/trivia start",
        "/preview",
        "Preview article",
    ):
        assert command in text, command
    details = await env.reply(env.fan_id, "help", topic="trivia")
    assert "/trivia start" in details
    assert "streak" in details  # the scoring formula is stated
    assert "/poll" not in details


async def test_fan_is_refused_config(env: BotEnv) -> None:
    itx = await env.slash(
        env.fan_id, "config", "channel", feature="previews", channel=env.channel_id, state="on"
    )
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "Manage Server" in text
    rows = await env.running.db.fetch_all("SELECT * FROM channel_features")
    assert rows == []


async def test_moderator_configures_and_restart_keeps_it(env: BotEnv) -> None:
    text = await env.reply(
        env.mod_id, "config", "channel", feature="previews", channel=env.channel_id, state="on"
    )
    assert "Previews is now **on**" in text
    text = await env.reply(env.mod_id, "config", "modrole", role=env.mod_role_id)
    assert "Moderator role is now" in text
    rows = await env.running.db.fetch_all(
        "SELECT channel_id, feature, enabled FROM channel_features"
    )
    assert [tuple(row) for row in rows] == [(env.channel_id, "previews", 1)]

    await env.restart()
    show = await env.reply(env.mod_id, "config", "show")
    assert f"<#{env.channel_id}>: previews on" in show
    assert f"<@&{env.mod_role_id}>" in show
    assert env.fake.identify_count == 2


async def test_unchanged_commands_are_not_uploaded_again(env: BotEnv) -> None:
    route = rf"/applications/{env.fake.app_id}/commands"
    assert len(env.fake.find_requests("PUT", route)) == 1
    await env.restart()
    assert len(env.fake.find_requests("PUT", route)) == 1
    await env.restart(dev_guild_id=env.guild_id)  # a different target syncs
    guild_route = rf"/applications/{env.fake.app_id}/guilds/{env.guild_id}/commands"
    assert len(env.fake.find_requests("PUT", guild_route)) == 1
    await env.stop()
    env.force_sync = True
    await env.start()
    assert len(env.fake.find_requests("PUT", route)) == 2


async def test_deleted_channel_switches_are_forgotten(env: BotEnv) -> None:
    other = env.fake.add_channel(env.guild_id, "news")
    await env.fake.sync()
    for channel in (env.channel_id, other):
        await env.reply(
            env.mod_id, "config", "channel", feature="previews", channel=channel, state="on"
        )
    await env.fake.delete_channel(other)

    async def forgotten() -> bool:
        return f"<#{other}>" not in await env.reply(env.mod_id, "config", "show")

    await until(forgotten, "the deleted channel's switch to go")
    show = await env.reply(env.mod_id, "config", "show")
    assert f"<#{other}>" not in show
    assert f"<#{env.channel_id}>: previews on" in show


async def test_mod_role_member_counts_as_moderator(env: BotEnv) -> None:
    helper_role = env.fake.add_role(env.guild_id, "Helpers", permissions=0)
    helper = env.fake.add_member(env.guild_id, name="helper", roles=(helper_role,))
    refused = await env.reply(helper, "config", "show")
    assert "Manage Server" in refused
    await env.reply(env.mod_id, "config", "modrole", role=helper_role)
    accepted = await env.reply(helper, "config", "show")
    assert "dramabot configuration" in accepted


async def test_reconnect_resumes(env: BotEnv) -> None:
    await env.fake.reconnect()
    assert env.fake.resume_count == 1
    assert env.fake.identify_count == 1
    text = await env.reply(env.fan_id, "help")
    assert "/help" in text


async def test_unexpected_errors_get_an_apology(env_with_test_cogs: BotEnv) -> None:
    env = env_with_test_cogs
    assert "tests.core.broken_cog" in env.running.failed_extensions
    assert "cogs.config" in env.running.extensions  # the others still loaded
    itx = await env.slash(env.fan_id, "boom")
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "Sorry, something went wrong" in text
    assert "secret detail" not in text


async def test_view_errors_get_an_apology(env_with_test_cogs: BotEnv) -> None:
    env = env_with_test_cogs
    itx = await env.slash(env.fan_id, "boombutton")
    await itx.response()
    message_id = itx.response_message_id
    click = await env.fake.click(
        env.guild_id, env.channel_id, env.fan_id, int(message_id), "test:boom"
    )
    text = await click.reply_text()
    assert click.is_ephemeral
    assert "Sorry, something went wrong" in text


async def test_message_content_refused_falls_back(
    fake: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake.message_content_allowed = False
    bot_env = BotEnv(fake=fake, db_path=tmp_path / "bot.sqlite3", settings_overrides={})
    bot_env.build_world()
    await bot_env.start()
    try:
        assert bot_env.running.message_content_enabled is False
        advice = [r for r in caplog.records if "Message Content intent" in r.getMessage()]
        assert len(advice) == 1
        assert "Privileged Gateway Intents" in advice[0].getMessage()
        assert fake.identify_intents & (1 << 15) == 0
        show = await bot_env.reply(bot_env.mod_id, "config", "show")
        assert "Message Content intent is off" in show
        text = await bot_env.reply(
            bot_env.mod_id,
            "config",
            "channel",
            feature="previews",
            channel=bot_env.channel_id,
            state="on",
        )
        assert "cannot read messages" in text
    finally:
        await bot_env.stop()


async def test_every_bot_send_sets_allowed_mentions(env: BotEnv) -> None:
    await env.reply(env.fan_id, "help")
    await env.reply(env.mod_id, "config", "show")
    sends = [
        r
        for r in env.fake.requests
        if r.method in {"POST", "PATCH"}
        and (r.path.endswith("/callback") or "/webhooks/" in r.path or r.path.endswith("/messages"))
    ]
    assert sends
    for request in sends:
        payload = request.json.get("data", request.json) if request.json else {}
        if request.path.endswith("/callback") and request.json.get("type") == 5:
            continue
        assert "allowed_mentions" in payload, (request.path, payload)
    assert message_text({"content": "x"}) == "x"
