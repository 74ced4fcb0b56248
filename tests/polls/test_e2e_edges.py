"""Reaction polls end to end at the edges: limits, permissions, privacy, races, restarts."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from tests.harness import BotEnv, message_text, no_pings, until
from tests.polls.helpers import create, polls_service, react, unreact, votes, wait_votes

A, B = "🇦", "🇧"


async def test_results_of_twenty_long_options_show_every_option_and_the_verdict(
    env: BotEnv,
) -> None:
    labels = [f"{i:02d} " + "x" * 97 for i in range(20)]
    poll_id, message = await create(env, question="Q" * 250, options=" | ".join(labels))
    await react(env, message, env.fan_id, chr(0x1F1E6 + 19))
    await wait_votes(env, poll_id, [(env.fan_id, 19)])
    itx = await env.slash(env.fan_id, "poll", "results", poll=poll_id)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert f"{chr(0x1F1E6 + 19)} 19 " in text
    assert "Leading: " in text
    assert "1 voter" in text


async def test_export_of_an_open_anonymous_poll_reveals_no_counts(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Secret?", options="yes | no", anonymous=True)
    itx = await env.fake.click(
        env.guild_id, env.channel_id, env.fan_id, int(message["id"]), f"poll:vote:{poll_id}:1"
    )
    await itx.reply_text()
    itx = await env.slash(env.mod_id, "poll", "export", poll=poll_id)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "after it closes" in text
    sent = env.fake.messages_for_interaction(itx)
    assert all(not m.get("attachments") for m in sent)
    await env.reply(env.mod_id, "poll", "close", poll=poll_id)
    itx = await env.slash(env.mod_id, "poll", "export", poll=poll_id)
    await itx.reply_text()
    sent = await itx.followups()
    _, data = sent[-1].files[0]
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[1:] == [f"{poll_id},1,{A},yes,0", f"{poll_id},2,{B},no,1"]
    assert str(env.fan_id) not in data.decode("utf-8-sig")


async def test_results_that_cannot_be_posted_are_reported_to_moderators(env: BotEnv) -> None:
    from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, SEND_MESSAGES

    poll_id, message = await create(env, question="Q", options="a | b")
    await react(env, message, env.fan_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    # A moderator takes Send Messages away from the bot in the poll's channel.
    env.fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~SEND_MESSAGES, channel_id=env.channel_id
    )
    await env.fake.sync()
    start = len(env.fake.requests)
    text = await env.reply(env.fan_id, "poll", "close", poll=poll_id)
    refused = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=start
    )
    assert refused.status == 403
    assert "could not post the results" in text
    assert f"<#{env.channel_id}>" in text
    problems = await env.running.guild_settings.problems(env.guild_id, "polls")
    assert [p.key for p in problems] == [f"post_results:{env.channel_id}"]
    shown = await env.reply(env.mod_id, "config", "show")
    assert "Send Messages" in shown
    # Once the bot may post again, the next results clear the problem.
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS, channel_id=env.channel_id)
    await env.fake.sync()
    second, _ = await create(env, question="Q2", options="a | b")
    text = await env.reply(env.fan_id, "poll", "close", poll=second)
    assert "results are posted" in text
    assert await env.running.guild_settings.problems(env.guild_id, "polls") == []


async def private_room(env: BotEnv) -> int:
    """A channel only moderators (and the bot) can see."""
    from tests.fakediscord.builders import channel_payload
    from tests.fakediscord.state import ALL_PERMISSIONS, VIEW_CHANNEL, Overwrite

    room = env.fake.add_channel(env.guild_id, "mods-only")
    channel = env.fake.world.channels[room]
    channel.overwrites[env.guild_id] = Overwrite(id=env.guild_id, type=0, deny=VIEW_CHANNEL)
    channel.overwrites[env.mod_role_id] = Overwrite(id=env.mod_role_id, type=0, allow=VIEW_CHANNEL)
    bot = env.fake.bot_user_id
    channel.overwrites[bot] = Overwrite(id=bot, type=1, allow=ALL_PERMISSIONS)
    env.fake._emit("CHANNEL_UPDATE", channel_payload(env.fake.world, channel))
    await env.fake.sync()
    return room


async def test_polls_in_channels_a_fan_cannot_see_stay_hidden_from_them(env: BotEnv) -> None:
    room = await private_room(env)
    itx = await env.slash(
        env.mod_id, "poll", "create", channel_id=room, question="Ban the troll?", options="y | n"
    )
    assert "is up" in await itx.reply_text()
    poll_id = await env.running.db.fetch_value("SELECT MAX(poll_id) FROM polls")
    listed = await env.reply(env.fan_id, "poll", "list")
    assert "troll" not in listed
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("poll", "results"), focused="poll", value=""
    )
    assert choices == []
    itx = await env.slash(env.fan_id, "poll", "results", poll=poll_id)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert f"no poll #{poll_id}" in text
    assert "troll" not in text
    # Moderators, who can see the channel, see the poll everywhere.
    assert "troll" in await env.reply(env.mod_id, "poll", "list")
    assert "troll" in await env.reply(env.mod_id, "poll", "results", poll=poll_id)
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.mod_id, ("poll", "results"), focused="poll", value=""
    )
    assert [c["value"] for c in choices] == [poll_id]


async def test_another_servers_poll_is_never_shown(env: BotEnv) -> None:
    poll_id, _ = await create(env, question="Secret plans?", options="a | b")
    other = env.fake.add_guild(name="Other Club")
    stranger = env.fake.add_member(other.id, name="stranger")
    await env.fake.sync()
    for command in ("results", "close", "export"):
        itx = await env.fake.slash(
            other.id,
            other.default_channel_id,
            other.owner_id,
            "poll",
            command,
            options={"poll": poll_id},
        )
        text = await itx.reply_text()
        assert "Secret" not in text
        assert itx.is_ephemeral
    choices = await env.fake.autocomplete(
        other.id, other.default_channel_id, stranger, ("poll", "results"), focused="poll", value=""
    )
    assert choices == []
    assert (
        await env.running.db.fetch_value(
            "SELECT closed_at FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
        )
        is None
    )


async def test_results_interrupted_by_a_crash_are_posted_after_restart(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b", duration="1h")
    await react(env, message, env.fan_id, B)
    await wait_votes(env, poll_id, [(env.fan_id, 1)])
    await env.stop()
    # The crash: the deadline job committed the close, then the process died before the
    # results reached Discord.
    from bot.db import Database

    db = Database(env.db_path)
    await db.connect()
    try:
        await db.execute(
            "UPDATE polls SET closed_at = ends_at, close_reason = 'ended', results_pending = 1 "
            "WHERE poll_id = :poll_id",
            {"poll_id": poll_id},
        )
    finally:
        await db.close()
    start = len(env.fake.requests)
    await env.start()
    reply = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=start
    )
    assert "Winner: 🇧 b · 1 voter" in message_text(reply.json)
    assert no_pings(reply.json)
    edit = await env.fake.wait_for_request(
        "PATCH", rf"/channels/{env.channel_id}/messages/{message['id']}", after=start
    )
    assert no_pings(edit.json)

    async def done() -> bool:
        return (
            await env.running.db.fetch_value(
                "SELECT results_pending FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
            )
            == 0
        )

    await until(done, "results marked as posted")
    # A second restart does not post them again.
    await env.restart()
    await env.settle()
    posts = env.fake.find_requests("POST", rf"/channels/{env.channel_id}/messages")
    assert len([p for p in posts if p in env.fake.requests[start:]]) == 1


async def test_lost_read_access_is_reported_then_cleared_once_granted_again(env: BotEnv) -> None:
    from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, READ_MESSAGE_HISTORY

    poll_id, message = await create(env, question="Q", options="a | b")
    await env.stop()
    env.fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~READ_MESSAGE_HISTORY, channel_id=env.channel_id
    )
    env.fake.add_reaction_offline(env.guild_id, env.channel_id, int(message["id"]), env.fan_id, B)
    await env.start()

    async def keys() -> list[str]:
        return [p.key for p in await env.running.guild_settings.problems(env.guild_id, "polls")]

    async def reported() -> bool:
        return await keys() == [f"read_access:{env.channel_id}"]

    await until(reported, "read access reported")
    await env.stop()
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS, channel_id=env.channel_id)
    await env.start()
    await wait_votes(env, poll_id, [(env.fan_id, 1)])

    async def cleared() -> bool:
        return await keys() == []

    await until(cleared, "read access problem cleared")


async def test_a_long_poll_list_is_cut_at_whole_lines(env: BotEnv) -> None:
    made = [
        (await create(env, question=f"{i:02d} " + "q" * 240, options="a | b"))[0] for i in range(14)
    ]
    itx = await env.slash(env.fan_id, "poll", "list")
    text = await itx.reply_text()
    assert len(text) <= 2000
    lines = text.splitlines()
    shown = [line for line in lines if line.startswith("**#")]
    assert 0 < len(shown) < len(made)
    assert all("no end" in line for line in shown)
    message_ids = await env.running.db.fetch_all("SELECT message_id FROM polls ORDER BY poll_id")
    for line, row in zip(shown, message_ids, strict=False):
        assert line.endswith(str(row["message_id"]))
    assert lines[-1] == f"…and {len(made) - len(shown)} more."


async def test_votes_survive_a_failed_commit_without_a_restart(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Another program (a backup, an admin's sqlite shell) holds the database's write lock
    # for a moment: the vote batch fails, and must be written once the lock is released.
    monkeypatch.setattr("bot.dbdrivers.BUSY_TIMEOUT_MS", 50)
    await env.restart()
    poll_id, message = await create(env, question="Q", options="a | b", multi=True)
    other = sqlite3.connect(env.db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        await react(env, message, env.fan_id, A)
        await react(env, message, env.fan2_id, B)

        async def failed() -> bool:
            return "vote batch failed" in caplog.text

        await until(failed, "a failed vote batch")
        other.execute("ROLLBACK")
    finally:
        other.close()
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan2_id, 1)])
    # And the poll keeps working.
    await react(env, message, env.mod_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan2_id, 1), (env.mod_id, 0)])


async def test_a_button_vote_that_could_not_be_saved_is_not_remembered(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.dbdrivers.BUSY_TIMEOUT_MS", 50)
    await env.restart()
    poll_id, message = await create(env, question="Q", options="yes | no", anonymous=True)
    mid, button = int(message["id"]), f"poll:vote:{poll_id}:0"
    other = sqlite3.connect(env.db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        itx = await env.fake.click(env.guild_id, env.channel_id, env.fan_id, mid, button)
        text = await itx.reply_text()
        assert itx.is_ephemeral
        assert "Your vote" not in text
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert await votes(env, poll_id) == []
    # Clicking again casts the vote (it must not be taken as withdrawing a vote never saved).
    itx = await env.fake.click(env.guild_id, env.channel_id, env.fan_id, mid, button)
    assert "Your vote in poll" in await itx.reply_text()
    assert await votes(env, poll_id) == [(env.fan_id, 0)]


async def test_deadline_and_poll_close_at_once_post_the_results_once(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b", duration="30m")
    await react(env, message, env.fan_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    ends_at = await env.running.db.fetch_value(
        "SELECT ends_at FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
    )
    start = len(env.fake.requests)
    env.travel_to(datetime.fromtimestamp(ends_at, UTC) + timedelta(seconds=1))
    # The deadline job fires while a moderator's /poll close (already past its checks) runs.
    service = polls_service(env)
    jobs = await asyncio.gather(
        service.close_job(poll_id),
        service.close(poll_id, "closed", announce=True, closer_id=1),
        service.close(poll_id, "closed", announce=True, closer_id=2),
    )
    assert sum(1 for done in jobs[1:] if done is not None) <= 1
    await env.fake.wait_for_request("POST", rf"/channels/{env.channel_id}/messages", after=start)
    await env.settle(20)
    posts = [
        r
        for r in env.fake.find_requests("POST", rf"/channels/{env.channel_id}/messages")
        if r in env.fake.requests[start:]
    ]
    assert len(posts) == 1
    assert "Winner: 🇦 a · 1 voter" in message_text(posts[0].json)
    assert env.running.scheduler.job_ids("poll:") == []


async def test_super_reactions_cast_while_down_count_after_restart(env: BotEnv) -> None:
    from tests.fakediscord.state import emoji_key

    poll_id, message = await create(env, question="Q", options="a | b")
    mid = int(message["id"])
    await react(env, message, env.fan_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    # The fan's vote is a super reaction (Nitro): Discord lists those users separately.
    env.fake.world.burst.add((mid, emoji_key(A), env.fan_id))
    await env.stop()
    env.fake.add_reaction_offline(env.guild_id, env.channel_id, mid, env.fan2_id, B)
    env.fake.world.burst.add((mid, emoji_key(B), env.fan2_id))
    env.fake.add_reaction_offline(env.guild_id, env.channel_id, mid, env.mod_id, B)
    await env.start()
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan2_id, 1), (env.mod_id, 1)])
    await env.settle()
    assert sorted(await votes(env, poll_id)) == sorted(
        [(env.fan_id, 0), (env.fan2_id, 1), (env.mod_id, 1)]
    )


@pytest.mark.parametrize(
    ("missing", "named", "anonymous"),
    [
        ("EMBED_LINKS", "Embed Links", False),
        ("READ_MESSAGE_HISTORY", "Read Message History", False),
        ("EMBED_LINKS", "Embed Links", True),
    ],
)
async def test_create_without_a_needed_permission_says_which_and_posts_nothing(
    env: BotEnv, missing: str, named: str, anonymous: bool
) -> None:
    from tests.fakediscord import state

    perms = state.BOT_DEFAULT_PERMISSIONS & ~getattr(state, missing)
    env.fake.set_bot_permissions(env.guild_id, perms, channel_id=env.channel_id)
    await env.fake.sync()
    itx = await env.slash(
        env.fan_id, "poll", "create", question="Q", options="a | b", anonymous=anonymous
    )
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert named in text
    assert f"<#{env.channel_id}>" in text
    assert await env.running.db.fetch_value("SELECT COUNT(*) FROM polls") == 0
    assert env.fake.find_requests("POST", rf"/channels/{env.channel_id}/messages") == []


async def test_a_close_that_could_not_be_saved_leaves_the_poll_working(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.dbdrivers.BUSY_TIMEOUT_MS", 50)
    await env.restart()
    poll_id, message = await create(env, question="Q", options="a | b", duration="2h")
    other = sqlite3.connect(env.db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        itx = await env.slash(env.mod_id, "poll", "close", poll=poll_id)
        text = await itx.reply_text()
        assert "Closed" not in text
    finally:
        other.execute("ROLLBACK")
        other.close()
    # Still open, still counting, still armed.
    assert env.running.scheduler.next_run(f"poll:close:{poll_id}") is not None
    await react(env, message, env.fan_id, B)
    await wait_votes(env, poll_id, [(env.fan_id, 1)])
    assert "Closed poll" in await env.reply(env.mod_id, "poll", "close", poll=poll_id)


@pytest.mark.parametrize("typed", ["#", "   ", "💋", "%_", "x" * 100, "#0", "-1", "\u200b"])
async def test_autocomplete_copes_with_odd_input(env: BotEnv, typed: str) -> None:
    poll_id, _ = await create(env, question="Best 💋 scene?", options="a | b")
    choices = await env.fake.autocomplete(
        env.guild_id, env.channel_id, env.fan_id, ("poll", "close"), focused="poll", value=typed
    )
    assert isinstance(choices, list)
    assert all(1 <= len(c["name"]) <= 100 and c["value"] == poll_id for c in choices)
    if typed in ("#", "   ", "💋"):
        assert [c["value"] for c in choices] == [poll_id]


@pytest.mark.parametrize("number", [0, -1, 2**53])
async def test_unknown_poll_numbers_are_refused_plainly(env: BotEnv, number: int) -> None:
    for command in ("results", "close"):
        itx = await env.slash(env.fan_id, "poll", command, poll=number)
        assert f"no poll #{number}" in await itx.reply_text()
        assert itx.is_ephemeral


async def test_votes_after_the_deadline_do_not_count_even_if_the_close_job_is_late(
    env: BotEnv,
) -> None:
    poll_id, message = await create(env, question="Q", options="a | b", duration="30m")
    anon_id, anon = await create(
        env, question="Secret", options="a | b", duration="30m", anonymous=True
    )
    await react(env, message, env.fan_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    ends_at = await env.running.db.fetch_value(
        "SELECT ends_at FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
    )
    # The clock passes the deadline; the scheduler has not run the close job yet.
    env.travel_to(datetime.fromtimestamp(ends_at, UTC) + timedelta(seconds=2))
    await react(env, message, env.fan2_id, B)
    await unreact(env, message, env.fan_id, A)
    itx = await env.fake.click(
        env.guild_id, env.channel_id, env.fan_id, int(anon["id"]), f"poll:vote:{anon_id}:0"
    )
    assert "ended" in await itx.reply_text()
    await env.settle(10)
    assert await votes(env, poll_id) == [(env.fan_id, 0)]
    assert await votes(env, anon_id) == []
    start = len(env.fake.requests)
    await env.advance_to(datetime.fromtimestamp(ends_at, UTC) + timedelta(seconds=3))
    # Both polls close at the same instant, in either order: find this poll's results.
    reply = await env.fake.wait_for_request(
        "POST",
        rf"/channels/{env.channel_id}/messages",
        after=start,
        predicate=lambda r: f"Poll #{poll_id}: results" in message_text(r.json or {}),
    )
    assert "1 voter" in message_text(reply.json)


async def test_manage_messages_problems_are_kept_per_channel(env: BotEnv) -> None:
    from tests.fakediscord.state import BOT_DEFAULT_PERMISSIONS, MANAGE_MESSAGES

    room = env.fake.add_channel(env.guild_id, "no-tidy")
    env.fake.set_bot_permissions(env.guild_id, BOT_DEFAULT_PERMISSIONS & ~MANAGE_MESSAGES, room)
    await env.fake.sync()
    itx = await env.slash(
        env.fan_id, "poll", "create", channel_id=room, question="Q", options="a|b"
    )
    assert "is up" in await itx.reply_text()
    post = env.fake.find_requests("POST", rf"/channels/{room}/messages")[-1]
    there = {"id": post.response["id"]}
    _, here = await create(env, question="Q2", options="a | b")

    async def keys() -> list[str]:
        return [p.key for p in await env.running.guild_settings.problems(env.guild_id, "polls")]

    # A stray reaction in the room cannot be removed: reported for that channel.
    await env.fake.add_reaction(env.guild_id, room, int(there["id"]), env.fan_id, "😀")
    await env.fake.wait_for_request("DELETE", rf"/channels/{room}/.*/reactions/😀/{env.fan_id}")

    async def reported() -> bool:
        return await keys() == [f"manage_messages:{room}"]

    await until(reported, "problem for the room")
    # A removal that works in another channel does not clear the room's problem.
    start = len(env.fake.requests)
    await react(env, here, env.fan_id, "😀")
    done = await env.fake.wait_for_request(
        "DELETE", rf"/channels/{env.channel_id}/.*/reactions/😀/{env.fan_id}", after=start
    )
    assert done.status == 204
    await env.settle(10)
    assert await keys() == [f"manage_messages:{room}"]


async def test_a_vote_cast_before_the_deadline_counts_even_if_reconciliation_ends_after_it(
    env: BotEnv,
) -> None:
    poll_id, message = await create(env, question="Q", options="a | b", duration="30m")
    ends_at = await env.running.db.fetch_value(
        "SELECT ends_at FROM polls WHERE poll_id = :poll_id", {"poll_id": poll_id}
    )
    await env.stop()
    # Start-up reconciliation is slowed down by a rate limit on listing 🇧 (after 🇦 was
    # listed); a fan votes 🇦 meanwhile, so only the live event carries that vote.
    env.fake.rate_limit_next("GET", rf".*/reactions/{B}", retry_after=1.0)
    await env.start()
    assert polls_service(env).reconciling(poll_id)
    assert env.fake.find_requests("GET", rf".*/reactions/{A}")
    await react(env, message, env.fan_id, A)
    # ... and the deadline passes before reconciliation is done.
    env.travel_to(datetime.fromtimestamp(ends_at, UTC) + timedelta(seconds=1))
    await wait_votes(env, poll_id, [(env.fan_id, 0)])


async def test_option_reactions_missing_after_a_crash_are_added_back(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b | c")
    mid = int(message["id"])
    await env.stop()
    # The bot died while adding its reactions: 🇧 and 🇨 never made it.
    bot = env.fake.bot_user_id
    env.fake.remove_reaction_offline(env.guild_id, env.channel_id, mid, bot, B)
    env.fake.remove_reaction_offline(env.guild_id, env.channel_id, mid, bot, "🇨")
    start = len(env.fake.requests)
    await env.start()
    await env.fake.wait_for_request("PUT", rf".*/{mid}/reactions/🇨/@me", after=start)
    assert env.fake.reaction_users(env.channel_id, mid, B) == [bot]
    assert env.fake.reaction_users(env.channel_id, mid, "🇨") == [bot]
    puts = [r.path.split("/")[-2] for r in env.fake.find_requests("PUT", ".*/reactions/.*")]
    assert puts[-2:] == [B, "🇨"]
    assert poll_id


async def test_option_reactions_that_cannot_be_restored_are_reported(env: BotEnv) -> None:
    from tests.fakediscord.state import ADD_REACTIONS, BOT_DEFAULT_PERMISSIONS

    _, message = await create(env, question="Q", options="a | b")
    mid = int(message["id"])
    env.fake.set_bot_permissions(
        env.guild_id, BOT_DEFAULT_PERMISSIONS & ~ADD_REACTIONS, channel_id=env.channel_id
    )
    await env.fake.sync()
    env.fake.world.clear_reactions(mid)
    await env.fake.dispatch(
        "MESSAGE_REACTION_REMOVE_ALL",
        {"channel_id": str(env.channel_id), "message_id": str(mid), "guild_id": str(env.guild_id)},
    )

    async def reported() -> bool:
        problems = await env.running.guild_settings.problems(env.guild_id, "polls")
        return [p.key for p in problems] == [f"add_reactions:{env.channel_id}"]

    await until(reported, "missing Add Reactions reported")
    shown = await env.reply(env.mod_id, "config", "show")
    assert "Add Reactions" in shown


async def test_every_reply_of_the_poll_commands_forbids_pings(env: BotEnv) -> None:
    # Without the bot-wide default, so each reply must set allowed_mentions itself.
    env.running.allowed_mentions = None
    evil = f"@everyone <@&{env.mod_role_id}> <@{env.mod_id}>"
    poll_id, _ = await create(env, question=evil, options=f"{evil} | b")
    anon_id, anon = await create(env, question=evil, options=f"{evil} | b", anonymous=True)
    itxs = [
        await env.slash(env.fan_id, "poll", "results", poll=poll_id),
        await env.slash(env.fan_id, "poll", "results", poll=anon_id),
        await env.slash(env.fan_id, "poll", "list"),
        await env.slash(env.mod_id, "poll", "export", poll=poll_id),
        await env.fake.click(
            env.guild_id, env.channel_id, env.fan_id, int(anon["id"]), f"poll:vote:{anon_id}:0"
        ),
        await env.slash(env.fan2_id, "poll", "close", poll=poll_id),  # refused: not theirs
        await env.slash(env.fan_id, "poll", "close", poll=poll_id),
        await env.slash(env.fan_id, "poll", "results", poll=poll_id),  # closed: final embed
    ]
    for itx in itxs:
        await itx.reply_text()
        for rec in [await itx.response(), *env.fake.find_requests("POST", itx._webhook_re)]:
            data = rec.json.get("data", rec.json) if rec.json else {}
            if data.get("content") or data.get("embeds"):
                assert no_pings(data), data
    # And every message the bot posted or edited in the channel (polls, results).
    sent = env.fake.find_requests("POST", rf"/channels/{env.channel_id}/messages")
    sent += env.fake.find_requests("PATCH", rf"/channels/{env.channel_id}/messages/\d+")
    assert len(sent) >= 4
    assert all(no_pings(rec.json) for rec in sent)


async def test_keycaps_flags_skin_tones_and_hearts_vote_end_to_end(env: BotEnv) -> None:
    poll_id, message = await create(
        env, question="Q", options="1️⃣ one | 🇰🇷 Korea | 👍🏽 tone | ❤️ love | ★ star", multi=True
    )
    mid = int(message["id"])
    puts = [r.path.split("/")[-2] for r in env.fake.find_requests("PUT", rf".*/{mid}/reactions/.*")]
    assert puts == ["1️⃣", "🇰🇷", "👍🏽", "❤️", A]
    await react(env, message, env.fan_id, "1️⃣")
    await react(env, message, env.fan_id, "🇰🇷")
    await react(env, message, env.fan2_id, "👍🏽")
    await react(env, message, env.fan2_id, "❤")  # a client that drops the variation selector
    await react(env, message, env.mod_id, A)
    await react(env, message, env.mod_id, "👍")  # no skin tone: a different emoji, not a vote
    await wait_votes(
        env,
        poll_id,
        [(env.fan_id, 0), (env.fan_id, 1), (env.fan2_id, 2), (env.fan2_id, 3), (env.mod_id, 4)],
    )
    await env.fake.wait_for_request("DELETE", rf".*/{mid}/reactions/👍/{env.mod_id}")


async def test_votes_streaming_in_while_the_poll_closes_match_the_posted_results(
    env: BotEnv,
) -> None:
    poll_id, message = await create(env, question="Q", options="a | b", multi=True)
    fans = [9_200_000_000_000_000 + i for i in range(1000)]
    for user_id in fans:
        env.fake.world.ensure_user(user_id, "fan")

    async def stream() -> None:
        # Straight onto the gateway (no per-event sync: the bot's heartbeat answers to the
        # fake's sync barrier are rate limited by discord.py), a few at a time.
        for i, user_id in enumerate(fans):
            env.fake.world.add_reaction(int(message["id"]), A, user_id)
            payload = env.fake._reaction_event_payload("MESSAGE_REACTION_ADD", message, A, user_id)
            env.fake.gateway.enqueue_dispatch("MESSAGE_REACTION_ADD", payload)
            if i % 5 == 0:
                await asyncio.sleep(0.002)

    streaming = asyncio.create_task(stream())
    await until(lambda: _count(env, poll_id, 20), "some votes in")
    start = len(env.fake.requests)
    text = await env.reply(env.mod_id, "poll", "close", poll=poll_id)
    assert "Closed poll" in text
    await streaming
    await env.settle(10)
    reply = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=start
    )
    stored = len(await votes(env, poll_id))
    assert 20 <= stored < len(fans)
    noun = "voter" if stored == 1 else "voters"
    assert f"Winner: 🇦 a · {stored} {noun}" in message_text(reply.json)


async def _count(env: BotEnv, poll_id: int, at_least: int) -> bool:
    return len(await votes(env, poll_id)) >= at_least


async def test_a_vote_the_database_refuses_does_not_block_everyone_elses(env: BotEnv) -> None:
    broken, broken_msg = await create(env, question="Q1", options="a | b")
    fine, fine_msg = await create(env, question="Q2", options="a | b")
    # Someone tampered with the database: the first poll's options are gone.
    await env.running.db.execute(
        "DELETE FROM poll_options WHERE poll_id = :poll_id", {"poll_id": broken}
    )
    await react(env, broken_msg, env.fan_id, A)
    await react(env, fine_msg, env.fan2_id, B)
    await wait_votes(env, fine, [(env.fan2_id, 1)])
    await react(env, fine_msg, env.fan_id, A)
    await wait_votes(env, fine, [(env.fan2_id, 1), (env.fan_id, 0)])
    assert await votes(env, broken) == []


async def test_results_of_a_closed_poll_still_say_who_closed_it(env: BotEnv) -> None:
    poll_id, _ = await create(env, question="Q", options="a | b")
    await env.reply(env.mod_id, "poll", "close", poll=poll_id)
    text = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert f"closed early by <@{env.mod_id}>" in text
    await env.restart()
    text = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert f"closed early by <@{env.mod_id}>" in text


async def test_a_vote_lost_with_the_gateway_session_counts_once_the_bot_identifies_again(
    env: BotEnv,
) -> None:
    poll_id, message = await create(env, question="Q", options="a | b")
    await react(env, message, env.fan_id, A)
    await wait_votes(env, poll_id, [(env.fan_id, 0)])
    # Discord drops the session; the fan's switch to 🇧 reaches no gateway event.
    mid = int(message["id"])
    env.fake.remove_reaction_offline(env.guild_id, env.channel_id, mid, env.fan_id, A)
    env.fake.add_reaction_offline(env.guild_id, env.channel_id, mid, env.fan2_id, B)
    await env.fake.invalidate_session()  # discord.py waits 5 s before identifying again
    await env.fake.wait_for_request("GET", rf".*/{mid}/reactions/{B}")
    await wait_votes(env, poll_id, [(env.fan2_id, 1)])


async def test_announced_results_stay_what_results_shows_after_a_restart(env: BotEnv) -> None:
    poll_id, message = await create(env, question="Q", options="a | b")
    await react(env, message, env.fan_id, A)
    await react(env, message, env.fan2_id, B)
    await react(env, message, env.mod_id, B)
    await wait_votes(env, poll_id, [(env.fan_id, 0), (env.fan2_id, 1), (env.mod_id, 1)])
    await env.reply(env.mod_id, "poll", "close", poll=poll_id)
    announced = await env.reply(env.fan_id, "poll", "results", poll=poll_id)
    assert "Winner: 🇧 b · 3 voters" in announced
    # The final tally was counted when the poll closed and is read from then on: a vote row
    # lost afterwards (a careless manual clean-up) does not rewrite the results.
    await env.running.db.execute(
        "DELETE FROM poll_votes WHERE poll_id = :poll_id AND position = 1", {"poll_id": poll_id}
    )
    await env.restart()
    assert await env.reply(env.fan_id, "poll", "results", poll=poll_id) == announced


async def test_a_big_export_is_written_a_page_at_a_time_with_every_vote(
    env: BotEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cogs.polls import store

    monkeypatch.setattr(store, "EXPORT_PAGE", 2)
    poll_id, message = await create(env, question="Q", options="a | b", multi=True)
    fans = [env.fake.add_member(env.guild_id, name=f"f{n}") for n in range(4)]
    for n, fan in enumerate(fans):
        await react(env, message, fan, A if n % 2 else B)
    await react(env, message, fans[0], A)
    await until(lambda: _count(env, poll_id, 5), "five vote rows")
    await env.reply(env.mod_id, "poll", "close", poll=poll_id)
    itx = await env.slash(env.mod_id, "poll", "export", poll=poll_id)
    assert "5 votes" in await itx.reply_text()
    _, data = (await itx.followups())[-1].files[0]
    lines = data.decode("utf-8-sig").splitlines()[1:]
    voters = [str(fan) for fan in [*fans, fans[0]]]
    assert [line.split(",")[4] for line in lines] == voters  # in the order cast
    assert [line.split(",")[1] for line in lines] == ["2", "1", "2", "1", "1"]
    assert all(line.endswith(",yes") for line in lines)
