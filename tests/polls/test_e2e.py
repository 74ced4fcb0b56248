"""Reaction polls end to end: the real bot against the fake Discord."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.harness import BotEnv, message_text, no_pings, until
from tests.polls.helpers import (
    FIRE,
    KISS,
    A,
    B,
    C,
    create,
    polls_service,
    post_payload,
    react,
    unreact,
    votes,
    wait_votes,
)


async def test_create_posts_poll_and_reactions_in_order(env: BotEnv) -> None:
    poll_id, message = await create(
        env, question="Best kiss?", options="🔥 Episode 9 | 💋 Episode 12 | Finale", duration="2h"
    )
    text = message_text(message)
    assert "Best kiss?" in text
    assert "🔥 Episode 9" in text
    assert "React with an option's emoji to vote. One choice: a new reaction replaces it." in text
    assert f"{A} Finale" in text
    reactions = env.fake.find_requests("PUT", rf".*/messages/{message['id']}/reactions/.*")
    assert [r.path.split("/")[-2] for r in reactions] == [FIRE, KISS, A]
    assert no_pings(post_payload(env, message))
    users = env.fake.reaction_users
    assert users(env.channel_id, int(message["id"]), FIRE) == [env.fake.bot_user_id]
    assert users(env.channel_id, int(message["id"]), A) == [env.fake.bot_user_id]
    row = await env.running.db.fetch_one(
        "SELECT * FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
    )
    assert row["ends_at"] - row["created_at"] == 7200
    assert env.running.scheduler.next_run(f"poll:close:{poll_id}") is not None


def removals(env: BotEnv, message: dict[str, Any], after: int = 0) -> list[tuple[str, int]]:
    """(emoji, user) of every user-reaction DELETE the bot sent for `message`."""
    found = env.fake.find_requests("DELETE", rf".*/messages/{message['id']}/reactions/[^/]+/\d+")
    return [
        (r.path.split("/")[-2], int(r.path.split("/")[-1]))
        for r in found
        if r in env.fake.requests[after:]
    ]


async def test_single_choice_vote_change_removes_the_older_reaction(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Best?", options="🔥 Ep 9 | 💋 Ep 12")
    await react(env, message, env.fan_id, FIRE)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    await react(env, message, env.fan2_id, KISS)
    await react(env, message, env.fan_id, KISS)
    # The bot removes the fan's older 🔥 reaction; the resulting remove event must not
    # delete the new 💋 vote.
    await env.fake.wait_for_request("DELETE", rf".*/reactions/{FIRE}/{env.fan_id}")
    await wait_votes(env, poll_id, [(env.fan2_id, 1), (env.fan_id, 1)])
    assert env.fake.reaction_users(env.channel_id, int(message["id"]), FIRE) == [
        env.fake.bot_user_id
    ]
    await env.settle()
    assert sorted(await votes(env, poll_id)) == sorted([(env.fan2_id, 1), (env.fan_id, 1)])
    # Taking the reaction back withdraws the vote.
    await unreact(env, message, env.fan_id, KISS)
    await wait_votes(env, poll_id, [(env.fan2_id, 1)])


async def test_multi_choice_keeps_every_reaction(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Which?", options="a | b | c", multi=True)
    start = len(env.fake.requests)
    for emoji in (A, B, C):
        await react(env, message, env.fan_id, emoji)
    await react(env, message, env.fan2_id, B)
    await wait_votes(
        env, poll_id, [(env.fan_id, 0), (env.fan_id, 1), (env.fan_id, 2), (env.fan2_id, 1)]
    )
    await env.settle()
    assert removals(env, message, start) == []
    text = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert "b 🏆\n`██████████` 2 votes · 100%" in text
    assert "a\n`█████░░░░░` 1 vote · 50%" in text
    assert "2 voters" in text


async def test_foreign_reaction_is_removed_and_never_counted(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="x | y")
    await react(env, message, env.fan_id, "😀")
    await env.fake.wait_for_request("DELETE", rf".*/reactions/😀/{env.fan_id}")
    assert env.fake.reaction_users(env.channel_id, int(message["id"]), "😀") == []
    assert await votes(env, poll_id) == []


async def test_auto_close_at_deadline_posts_results(env: BotEnv) -> None:
    poll_id, message = await create(
        env, question="Best kiss?", options="🔥 Ep 9 | 💋 Ep 12 | 😭 Finale", duration="30m"
    )
    await react(env, message, env.fan_id, FIRE)
    await react(env, message, env.fan2_id, FIRE)
    await react(env, message, env.mod_id, KISS)
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan2_id, 0), (env.mod_id, 1)])
    start = len(env.fake.requests)
    ends_at = await env.running.db.fetch_value(
        "SELECT ends_at FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
    )
    from datetime import UTC, datetime

    await env.advance_to(datetime.fromtimestamp(ends_at, UTC) + timedelta(seconds=5))
    reply = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=start
    )
    edit = await env.fake.wait_for_request(
        "PATCH", rf"/channels/{env.channel_id}/messages/{message['id']}", after=start
    )
    text = message_text(reply.json)
    assert "🔥 Ep 9 🏆\n`███████░░░` 2 votes · 67%" in text
    assert "💋 Ep 12\n`███░░░░░░░` 1 vote · 33%" in text
    assert "😭 Finale\n`░░░░░░░░░░` 0 votes · 0%" in text
    assert "Winner: 🔥 Ep 9 · 3 voters" in text
    assert "the time was up" in text
    assert str(reply.json["message_reference"]["message_id"]) == message["id"]
    assert no_pings(reply.json)
    assert no_pings(edit.json)
    assert "Winner" in message_text(edit.json)
    row = await env.running.db.fetch_one(
        "SELECT closed_at, close_reason FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
    )
    assert row["close_reason"] == "ended"
    assert row["closed_at"] is not None
    # A late vote no longer counts.
    await react(env, message, env.fan_id, KISS)
    await env.settle()
    assert sorted(await votes(env, poll_id)) == sorted(
        [(env.fan_id, 0), (env.fan2_id, 0), (env.mod_id, 1)]
    )


async def test_restart_reconciles_votes_cast_while_down(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b | c")
    await react(env, message, env.fan_id, A)
    await react(env, message, env.fan2_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan2_id, 0)])
    await env.stop()
    mid = int(message["id"])
    fake = env.fake
    fake.remove_reaction_offline(env.guild_id, env.channel_id, mid, env.fan_id, A)
    fake.add_reaction_offline(env.guild_id, env.channel_id, mid, env.fan_id, B)
    fake.add_reaction_offline(env.guild_id, env.channel_id, mid, env.mod_id, C)
    # fan2 switched to c while the bot was away, so holds both a (known) and c (new).
    fake.add_reaction_offline(env.guild_id, env.channel_id, mid, env.fan2_id, C)
    start = len(fake.requests)
    await env.start()
    await wait_votes(env, poll_id, [(env.fan_id, 1), (env.mod_id, 2), (env.fan2_id, 2)])
    # Read once: the first READY is reconciled by start-up alone.
    reads = fake.find_requests("GET", rf"/channels/{env.channel_id}/messages/{mid}$")
    assert len([r for r in reads if r in fake.requests[start:]]) == 1
    # fan2's older (known) reaction is tidied away; the new one wins.
    await fake.wait_for_request("DELETE", rf".*/reactions/{A}/{env.fan2_id}", after=start)
    await wait_votes(env, poll_id, [(env.fan_id, 1), (env.mod_id, 2), (env.fan2_id, 2)])
    text = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert "c 🏆\n`███████░░░` 2 votes · 67%" in text
    # Live voting works after the restart too.
    await react(env, message, env.mod_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 1), (env.fan2_id, 2), (env.mod_id, 0)])


async def test_poll_that_ended_while_down_closes_on_start_up(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b", duration="1h")
    await env.stop()
    env.fake.add_reaction_offline(env.guild_id, env.channel_id, int(message["id"]), env.fan_id, B)
    from datetime import UTC, datetime

    env.travel_to(datetime.now(UTC) + timedelta(hours=2))
    start = len(env.fake.requests)
    await env.start()
    reply = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=start
    )
    assert "Winner: 🇧 b · 1 voter" in message_text(reply.json)
    assert await votes(env, poll_id) == [(env.fan_id, 1)]
    closed = await env.running.db.fetch_value(
        "SELECT close_reason FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
    )
    assert closed == "ended"


async def test_anonymous_button_voting(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Secret?", options="yes | no", anonymous=True)
    assert env.fake.find_requests("PUT", ".*/reactions/.*") == []
    custom_ids = [c["custom_id"] for row in message["components"] for c in row["components"]]
    assert custom_ids == [f"poll:vote:{poll_id}:0", f"poll:vote:{poll_id}:1"]
    mid = int(message["id"])
    itx = await env.fake.click(
        env.guild_id, env.channel_id, env.fan_id, mid, f"poll:vote:{poll_id}:0"
    )
    assert "Your vote in poll" in await itx.reply_text()
    assert itx.is_ephemeral
    assert await votes(env, poll_id) == [(env.fan_id, 0)]
    itx = await env.fake.click(
        env.guild_id, env.channel_id, env.fan_id, mid, f"poll:vote:{poll_id}:1"
    )
    await itx.reply_text()
    assert await votes(env, poll_id) == [(env.fan_id, 1)]
    itx = await env.fake.click(
        env.guild_id, env.channel_id, env.fan2_id, mid, f"poll:vote:{poll_id}:1"
    )
    await itx.reply_text()
    live = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert "hidden until it closes" in live
    assert "2 fans have voted" in live
    assert "votes ·" not in live
    # Clicking the same option again withdraws the vote.
    itx = await env.fake.click(
        env.guild_id, env.channel_id, env.fan2_id, mid, f"poll:vote:{poll_id}:1"
    )
    assert "withdrawn" in await itx.reply_text()
    assert await votes(env, poll_id) == [(env.fan_id, 1)]
    # Buttons survive a restart.
    await env.restart()
    itx = await env.fake.click(
        env.guild_id, env.channel_id, env.fan2_id, mid, f"poll:vote:{poll_id}:0"
    )
    await itx.reply_text()
    assert sorted(await votes(env, poll_id)) == sorted([(env.fan_id, 1), (env.fan2_id, 0)])
    start = len(env.fake.requests)
    text = await env.reply(env.fan_id, "poll", "close", poll=poll_id)
    assert "Closed poll" in text
    edit = await env.fake.wait_for_request(
        "PATCH", rf"/channels/{env.channel_id}/messages/{mid}", after=start
    )
    assert edit.json["components"] == []
    assert "Tie between 🇦 yes and 🇧 no · 2 voters" in message_text(edit.json)


async def test_injection_attempts_ping_no_one(env: BotEnv) -> None:
    role = f"<@&{env.mod_role_id}>"
    poll_id, message = await create(
        env,
        question=f"@everyone {role} vote!",
        options=f"@here yes | <@{env.mod_id}> no | **bold** [x](http://e.vil)",
    )
    payload = post_payload(env, message)
    assert no_pings(payload)
    text = message_text(payload)
    assert "@everyone" not in text.replace("@\u200beveryone", "")
    assert "@here" not in text.replace("@\u200bhere", "")
    assert role not in text
    assert f"<@{env.mod_id}>" not in text
    assert "\\*\\*bold\\*\\*" in text
    await react(env, message, env.fan_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    start = len(env.fake.requests)
    await env.reply(env.fan_id, "poll", "close", poll=poll_id)
    reply = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=start
    )
    assert no_pings(reply.json)
    assert "@everyone" not in message_text(reply.json).replace("@\u200beveryone", "")


BAD_INPUT = [
    ({"question": "Q", "options": "only one"}, "2 to 20"),
    ({"question": "Q", "options": " | ".join(f"o{i}" for i in range(21))}, "you gave 21"),
    ({"question": "Q", "options": "same | same"}, "repeats"),
    ({"question": "Q", "options": "x" * 300 + " | b"}, "300 characters"),
    ({"question": "Q", "options": "<:ghost:123456789012345678> a | b"}, "custom emoji"),
    ({"question": "Q", "options": "a | b", "duration": "0"}, "1 minute and 32 days"),
    ({"question": "Q", "options": "a | b", "duration": "forever"}, "1 minute and 32 days"),
    ({"question": "Q", "options": "a | b", "duration": "40d"}, "1 minute and 32 days"),
    ({"question": "q" * 300, "options": "a | b"}, "300 characters"),
    ({"question": "Best \u202ekiss?", "options": "a | b"}, "direction"),
    ({"question": "Q", "options": "a | \u2067b"}, "direction"),
]


@pytest.mark.parametrize(("options", "fragment"), BAD_INPUT)
async def test_bad_input_is_refused_and_changes_nothing(
    env: BotEnv, options: dict[str, Any], fragment: str
) -> None:
    start = len(env.fake.requests)
    itx = await env.slash(env.fan_id, "poll", "create", **options)
    text = await itx.reply_text()
    assert fragment in text
    assert itx.is_ephemeral
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM polls") == 0
    assert env.fake.find_requests("POST", r"/channels/\d+/messages") == []
    assert env.fake.find_requests("PUT", ".*/reactions/.*") == []
    assert env.running.scheduler.job_ids("poll:") == []
    assert start <= len(env.fake.requests)


@pytest.mark.parametrize(
    ("duration", "minutes", "shown"),
    [("90 mins", 90, "1h 30m"), ("1 day", 24 * 60, "1d"), ("1w", 7 * 24 * 60, "7d")],
)
async def test_natural_durations_set_the_deadline(
    env: BotEnv, duration: str, minutes: int, shown: str
) -> None:
    itx = await env.slash(
        env.fan_id, "poll", "create", question="Q", options="a | b", duration=duration
    )
    assert f"closing in {shown}" in await itx.reply_text()
    row = await env.running.db.fetch_one("SELECT created_at, ends_at FROM polls")
    assert row is not None
    assert row["ends_at"] - row["created_at"] == minutes * 60


async def test_create_reply_names_the_close_command_for_this_poll(env: BotEnv) -> None:
    itx = await env.slash(env.fan_id, "poll", "create", question="Q", options="a | b")
    text = await itx.reply_text()
    poll_id = await env.running.db.fetch_value("SELECT poll_id FROM polls")
    assert f"Poll #{poll_id} is up. Close it early with `/poll close poll:{poll_id}`." in text


async def test_closing_someone_elses_poll_is_refused(env: BotEnv) -> None:
    poll_id, _ = await create(env, env.fan_id, question="Q", options="a | b")
    itx = await env.slash(env.fan2_id, "poll", "close", poll=poll_id)
    assert "author or a moderator" in await itx.reply_text()
    assert itx.is_ephemeral
    assert (
        await env.running.db.fetch_value(
            "SELECT closed_at FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
        )
        is None
    )
    assert "Closed poll" in await env.reply(env.mod_id, "poll", "close", poll=poll_id)
    again = await env.reply(env.fan_id, "poll", "close", poll=poll_id)
    assert f"Poll #{poll_id} is already closed; `/poll results poll:{poll_id}` shows" in again


async def test_deleted_message_or_channel_closes_the_poll(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b")
    await env.fake.delete_message(env.guild_id, env.channel_id, int(message["id"]))

    async def closed(pid: int) -> bool:
        return (
            await env.running.db.fetch_value(
                "SELECT close_reason FROM polls WHERE poll_id = :poll_id", {"poll_id": pid}
            )
            is not None
        )

    await until(lambda: closed(poll_id), "poll closed after message delete")
    channel_id = env.fake.add_channel(env.guild_id, "polls-room")
    channel_id = getattr(channel_id, "id", channel_id)
    await env.fake.sync()
    itx = await env.fake.slash(
        env.guild_id,
        channel_id,
        env.fan_id,
        "poll",
        "create",
        options={"question": "Q2", "options": "a | b"},
    )
    assert "is up" in await itx.reply_text()
    second = await env.running.db.fetch_value("SELECT MAX(poll_id) FROM polls")
    await env.fake.delete_channel(channel_id)
    await until(lambda: closed(second), "poll closed after channel delete")
    reasons = await env.running.db.fetch_all("SELECT close_reason FROM polls ORDER BY poll_id")
    assert [r["close_reason"] for r in reasons] == ["message deleted", "channel deleted"]


MANAGE_MESSAGES = 1 << 13


async def test_without_manage_messages_latest_vote_counts_and_mods_are_told(env: BotEnv) -> None:
    from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS

    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES)
    await env.fake.sync()
    poll_id, message = await create(env, question="Q", options="a | b")
    await react(env, message, env.fan_id, A)
    await react(env, message, env.fan_id, B)
    refused = await env.fake.wait_for_request("DELETE", rf".*/reactions/{A}/{env.fan_id}")
    assert refused.status == 403
    # Both reactions stay, both rows are stored, and only the latest one counts.
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan_id, 1)])
    text = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert "b 🏆\n`██████████` 1 vote · 100%" in text
    assert "a\n`░░░░░░░░░░` 0 votes · 0%" in text

    async def reported() -> bool:
        problems = await env.running.guild_settings.problems(env.guild_id, "polls")
        return [p.key for p in problems] == [f"manage_messages:{env.channel_id}"]

    await until(reported, "problem reported")
    shown = await env.reply(env.mod_id, "config", "show")
    assert "Manage Messages" in shown
    assert f"<#{env.channel_id}>" in shown
    # Taking back the latest reaction makes the older one count again (it is still there).
    await unreact(env, message, env.fan_id, B)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])


async def test_export_is_for_moderators_and_lists_votes(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="=cmd() | b")
    await react(env, message, env.fan_id, A)
    await react(env, message, env.fan2_id, B)
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan2_id, 1)])
    itx = await env.slash(env.fan_id, "poll", "export", poll=poll_id)
    assert "moderators" in await itx.reply_text()
    itx = await env.slash(env.mod_id, "poll", "export", poll=poll_id)
    assert "2 votes" in await itx.reply_text()
    sent = await itx.followups()
    name, data = sent[-1].files[0]
    assert name == f"poll-{poll_id}.csv"
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "poll_id,position,emoji,option,user_id,voted_at_utc,counted"
    assert lines[1].startswith(f"{poll_id},1,{A},'=cmd(),{env.fan_id},")
    assert lines[2].startswith(f"{poll_id},2,{B},b,{env.fan2_id},")
    assert lines[2].endswith(",yes")


async def test_list_autocomplete_and_unknown_poll(env: BotEnv) -> None:
    first, _ = await create(env, question="Best kiss?", options="a | b", duration="2h")
    second, _ = await create(env, question="Worst villain?", options="a | b")
    text = await env.reply(env.fan_id, "poll", "list")
    assert f"#{first}" in text
    assert "Worst villain?" in text
    assert "no end" in text
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("poll", "results"), focused="poll", value="vill"
    )
    assert [c["value"] for c in choices] == [second]
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("poll", "close"), focused="poll", value=""
    )
    assert [c["value"] for c in choices] == [second, first]
    itx = await env.slash(env.fan_id, "poll", "results", poll=999)
    assert "no poll #999" in await itx.reply_text()
    assert itx.is_ephemeral


async def test_clearing_all_reactions_drops_votes_and_restores_options(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b")
    await react(env, message, env.fan_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    mid = int(message["id"])
    env.fake.world.clear_reactions(mid)
    start = len(env.fake.requests)
    await env.fake.dispatch(
        "MESSAGE_REACTION_REMOVE_ALL",
        {"channel_id": str(env.channel_id), "message_id": str(mid), "guild_id": str(env.guild_id)},
    )
    await wait_votes(env, poll_id, [])
    await env.fake.wait_for_request("PUT", rf".*/{mid}/reactions/{B}/@me", after=start)
    assert env.fake.reaction_users(env.channel_id, mid, A) == [env.fake.bot_user_id]


async def test_graceful_stop_flushes_queued_votes(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b")
    users = [env.fan_id, env.fan2_id, env.mod_id]
    for user_id in users:
        await react(env, message, user_id, B)
    await env.stop()
    from bot.db import Database

    db = Database(env.db_path)
    await db.connect()
    try:
        rows = await db.fetch_all(
            "SELECT user_id FROM poll_votes WHERE poll_id = :poll_id", {"poll_id": poll_id}
        )
    finally:
        await db.close()
    assert sorted(row["user_id"] for row in rows) == sorted(users)


async def test_other_features_attach_reaction_polls_through_the_typed_api(env: BotEnv) -> None:
    from cogs.polls.api import ReactionPolls  # the running bot's module (see polls_service)

    bot = env.running
    polls = bot.features.api(ReactionPolls)
    assert polls is polls_service(env)
    channel = bot.get_channel(env.channel_id)
    assert channel is not None
    message = await channel.send("How does this article make you feel?")  # type: ignore[union-attr]
    poll_id = await polls.attach(
        message,
        "How does this article make you feel?",
        [("😍", "Love it"), ("😡", "Angry"), ("😭", "Sad")],
        author_id=env.fan_id,
        duration=timedelta(hours=1),
    )
    assert env.fake.reaction_users(env.channel_id, message.id, "😍") == [env.fake.bot_user_id]
    msg = {"id": str(message.id)}
    await react(env, msg, env.fan_id, "😡")
    await wait_votes(env, poll_id, [(env.fan_id, 1)])
    assert env.running.scheduler.next_run(f"poll:close:{poll_id}") is not None
    from bot.errors import InvalidInput

    with pytest.raises(InvalidInput):
        await polls.attach(message, "Q", [("😍", "x")], author_id=env.fan_id)


async def test_message_or_channel_deleted_while_down_closes_on_start_up(env: BotEnv) -> None:
    first, message = await create(env, question="Q1", options="a | b")
    room = env.fake.add_channel(env.guild_id, "room")
    await env.fake.sync()
    itx = await env.fake.slash(
        env.guild_id,
        room,
        env.fan_id,
        "poll",
        "create",
        options={"question": "Q2", "options": "a | b"},
    )
    assert "is up" in await itx.reply_text()
    second = await env.running.db.fetch_value("SELECT MAX(poll_id) FROM polls")
    await env.stop()
    env.fake.world.remove_message(int(message["id"]))
    await env.fake.delete_channel(room)
    await env.start()

    async def both_closed() -> bool:
        rows = await env.running.db.fetch_all(
            "SELECT close_reason FROM polls WHERE poll_id IN :ids ORDER BY poll_id",
            {"ids": [first, second]},
        )
        return [r["close_reason"] for r in rows] == ["message deleted", "channel deleted"]

    await until(both_closed, "polls closed at start-up")
    assert env.running.scheduler.job_ids("poll:") == []


async def test_missing_add_reactions_is_refused_and_undone(env: BotEnv) -> None:
    from tests.fakediscord.state import ADD_REACTIONS, BOT_DEFAULT_PERMISSIONS

    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~ADD_REACTIONS)
    await env.fake.sync()
    itx = await env.slash(env.fan_id, "poll", "create", question="Q", options="a | b")
    assert "Add Reactions" in await itx.reply_text()
    assert itx.is_ephemeral
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM polls") == 0
    # Refused before posting: no half-made poll message ever appears.
    assert env.fake.find_requests("POST", rf"/channels/{env.channel_id}/messages") == []


async def test_reconciliation_pages_through_many_reactions(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b", multi=True)
    await react(env, message, env.fan_id, B)
    await wait_votes(env, poll_id, [(env.fan_id, 1)])
    await env.stop()
    mid = int(message["id"])
    many = [9_100_000_000_000_000 + i for i in range(250)]
    for user_id in many:
        env.fake.world.ensure_user(user_id, "fan")
        env.fake.add_reaction_offline(env.guild_id, env.channel_id, mid, user_id, A)
    env.fake.remove_reaction_offline(env.guild_id, env.channel_id, mid, env.fan_id, B)
    await env.start()
    await wait_votes(env, poll_id, [(user_id, 0) for user_id in many])
    pages = env.fake.find_requests("GET", rf".*/{mid}/reactions/{A}")
    assert len(pages) == 3
    assert [p.query.get("after") for p in pages][1:] == [str(many[99]), str(many[199])]


async def test_help_explains_polls(env: BotEnv) -> None:
    text = await env.reply(env.fan_id, "help", topic="polls")
    assert "1h 30m" in text
    assert "3 days" in text
    assert "/poll create" in text or "poll create" in text


async def test_polls_switched_off_in_a_channel_are_refused(env: BotEnv) -> None:
    await env.running.guild_settings.set_channel_feature(
        env.guild_id, env.channel_id, "polls", False
    )
    itx = await env.slash(env.fan_id, "poll", "create", question="Q", options="a | b")
    text = await itx.reply_text()
    assert "switched off" in text
    assert "ask a moderator" in text
    assert itx.is_ephemeral
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM polls") == 0
    assert env.fake.find_requests("POST", rf"/channels/{env.channel_id}/messages") == []


async def test_attach_without_add_reactions_raises_and_keeps_the_message(env: BotEnv) -> None:
    from bot.errors import MissingBotPermission
    from tests.fakediscord.state import ADD_REACTIONS, BOT_DEFAULT_PERMISSIONS

    channel = env.running.get_channel(env.channel_id)
    message = await channel.send("preview")  # type: ignore[union-attr]
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~ADD_REACTIONS)
    await env.fake.sync()
    with pytest.raises(MissingBotPermission, match="Add Reactions"):
        await polls_service(env).attach(
            message, "Feel?", [("😍", "Love"), ("😡", "Angry")], author_id=env.fan_id
        )
    assert env.fake.get_message(env.channel_id, message.id) is not None
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM polls") == 0


async def test_config_show_names_missing_manage_messages_once(env: BotEnv) -> None:
    from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS

    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES)
    await env.fake.sync()
    poll_id, message = await create(env, question="Q", options="a | b")
    # Before any refused removal, the permission check alone tells moderators.
    shown = await env.reply(env.mod_id, "config", "show")
    assert shown.count("Manage Messages") == 1, shown
    assert f"<#{env.channel_id}>" in shown
    await react(env, message, env.fan_id, A)
    await react(env, message, env.fan_id, B)
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan_id, 1)])

    async def reported() -> bool:
        problems = await env.running.guild_settings.problems(env.guild_id, "polls")
        return [p.key for p in problems] == [f"manage_messages:{env.channel_id}"]

    await until(reported, "problem reported")
    # Now it is also a reported problem: still said once, under "Needs attention".
    shown = await env.reply(env.mod_id, "config", "show")
    assert shown.count("Manage Messages") == 1, shown
    assert shown.index("Needs attention") < shown.index("Manage Messages")


async def test_attach_counts_a_reaction_made_before_the_poll_was_bound(env: BotEnv) -> None:
    channel = env.running.get_channel(env.channel_id)
    message = await channel.send("How does this article make you feel?")  # type: ignore[union-attr]
    msg = {"id": str(message.id)}
    # A quick fan reacts between the message being posted and the poll being attached,
    # plus a stray emoji, which is tidied away like any foreign reaction.
    await react(env, msg, env.fan_id, "😡")
    await react(env, msg, env.fan2_id, "🍕")
    poll_id = await polls_service(env).attach(
        message, "Feel?", [("😍", "Love"), ("😡", "Angry")], author_id=env.mod_id
    )
    await wait_votes(env, poll_id, [(env.fan_id, 1)])
    await env.fake.wait_for_request("DELETE", rf".*/{message.id}/reactions/🍕")
    # Later reactions count as usual, and nothing is counted twice.
    await react(env, msg, env.fan2_id, "😍")
    await wait_votes(env, poll_id, [(env.fan_id, 1), (env.fan2_id, 0)])
    await env.restart()
    await wait_votes(env, poll_id, [(env.fan_id, 1), (env.fan2_id, 0)])


async def test_stray_reaction_left_at_start_up_without_manage_messages_is_reported(
    env: BotEnv,
) -> None:
    from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS

    poll_id, message = await create(env, question="Q", options="a | b")
    await env.stop()
    mid = int(message["id"])
    env.fake.add_reaction_offline(env.guild_id, env.channel_id, mid, env.fan_id, "🍕")
    env.fake.add_reaction_offline(env.guild_id, env.channel_id, mid, env.fan2_id, A)
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES)
    await env.start()
    await wait_votes(env, poll_id, [(env.fan2_id, 0)])
    refused = await env.fake.wait_for_request("DELETE", rf".*/{mid}/reactions/🍕")
    assert refused.status == 403

    async def reported() -> bool:
        problems = await env.running.guild_settings.problems(env.guild_id, "polls")
        return [p.key for p in problems] == [f"manage_messages:{env.channel_id}"]

    await until(reported, "missing Manage Messages reported at start-up")
    shown = await env.reply(env.mod_id, "config", "show")
    assert shown.count("Manage Messages") == 1, shown
    # Granted again: the next start-up clears the stray reaction and the problem.
    await env.stop()
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS)
    await env.start()

    async def cleared() -> bool:
        return await env.running.guild_settings.problems(env.guild_id, "polls") == []

    await until(cleared, "problem cleared once the stray reaction could be removed")
    assert env.fake.reaction_users(env.channel_id, mid, "🍕") == []
