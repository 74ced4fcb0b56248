"""/help marks moderator commands one way, from their checks, and lists itself nowhere."""

from __future__ import annotations

import re

from bot.checks import is_moderator_only
from cogs.help.logic import MODERATORS, topic_of
from tests.harness import BotEnv

TOPICS = ("airtime", "trivia", "polls", "previews", "config")
# Ways moderator commands were marked before there was one: none may come back.
AD_HOC_MARKS = re.compile(r"moderators only|\(moderators\)|^Moderators:", re.IGNORECASE)


def _commands(env: BotEnv) -> dict[str, bool]:
    """Every command as /help labels it -> whether only moderators may use it."""
    found: dict[str, bool] = {}
    for command in env.running.tree.walk_commands():
        if not hasattr(command, "commands"):  # a leaf, not a group
            found[f"/{command.qualified_name}"] = is_moderator_only(command)
    for menu in env.running.tree.get_commands(type=None):
        if " " in menu.name:
            found[menu.name] = is_moderator_only(menu)
    return found


def _fields(text: str) -> list[str]:
    return text.split("→ `/help topic:")


async def test_overview_marks_moderator_commands_one_way(env: BotEnv) -> None:
    commands = _commands(env)
    moderators = [
        "/drama add",
        "/config show",
        "/poll export",
        "/trivia import",
        "/previews moodpoll",
    ]
    assert all(commands[label] for label in moderators)
    assert not any(commands[label] for label in ["/poll create", "/trivia stop", "/preview"])
    text = await env.reply(env.fan_id, "help")
    for field in _fields(text):
        everyone, _, moderators = field.partition(MODERATORS)
        for label, moderator in commands.items():
            if f"`{label}`" in field:
                assert (f"`{label}`" in moderators) == moderator, label
                assert (f"`{label}`" in everyone) != moderator, label
    assert "`/help`" not in text


async def test_every_command_has_a_topic_but_help(env: BotEnv) -> None:
    roots = {command.name for command in env.running.tree.get_commands(type=None)}
    topics = env.running.get_cog("HelpCog").topics()  # type: ignore[union-attr]
    assert {root for root in roots if topic_of(topics, root) == "other"} == {"help"}


async def test_an_unknown_topic_is_refused_with_the_topics_there_are(env: BotEnv) -> None:
    itx = await env.slash(env.fan_id, "help", topic="cooking")
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "no help topic called 'cooking'" in text
    assert "airtime, " in text
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("help",), focused="topic", value="pol"
    )
    assert [choice["value"] for choice in choices] == ["polls"]


async def test_topics_list_moderator_commands_last_under_one_heading(env: BotEnv) -> None:
    commands = _commands(env)
    for topic in TOPICS:
        text = await env.reply(env.fan_id, "help", topic=topic)
        everyone, _, moderators = text.partition(f"**{MODERATORS}**")
        listed = re.findall(r"^`([^`]+)` — (.*)$", text, flags=re.MULTILINE)
        assert listed, topic
        for label, description in listed:
            assert not AD_HOC_MARKS.search(description), description
            assert (f"`{label}` —" in moderators) == commands[label], (topic, label)
            assert (f"`{label}` —" in everyone) != commands[label], (topic, label)
    config = await env.reply(env.fan_id, "help", topic="config")
    assert "`/help`" not in config
    assert config.startswith("⚙️ Server configuration\n")


async def test_footer_is_plain_english(env: BotEnv) -> None:
    itx = await env.slash(env.fan_id, "help")
    response = await itx.response()
    footer = response.json["data"]["embeds"][0]["footer"]["text"]
    assert "Times show" not in footer
    assert footer == (
        "Moderators: members with Manage Server or the moderator role (/config modrole). "
        "Every time is shown in your own time zone."
    )


async def test_help_follows_a_feature_unloaded_and_loaded_again(env: BotEnv) -> None:
    # /help is built once, and again whenever the commands or the features change.
    assert "`/poll create`" in await env.reply(env.fan_id, "help")
    await env.running.unload_extension("cogs.polls")
    without = await env.reply(env.fan_id, "help")
    assert "`/poll create`" not in without
    refused = await env.reply(env.fan_id, "help", topic="polls")
    assert "no help topic called 'polls'" in refused
    await env.running.load_extension("cogs.polls")
    assert "`/poll create`" in await env.reply(env.fan_id, "help")
