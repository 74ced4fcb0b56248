"""End to end: `/drama threads` opens one discussion thread (or forum post) per episode."""

from __future__ import annotations

from datetime import timedelta

from tests.airtime.helpers import EP1, EP2, MSG, service, setup_announced
from tests.fakediscord.state import (
    ALL_PERMISSIONS,
    CREATE_PUBLIC_THREADS,
    MANAGE_THREADS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)
from tests.harness import BotEnv, until

NAME = "E1 · What's Wrong with Secretary Kim — live discussion, spoilers inside"
THREADS = r"/channels/{}/threads"


async def test_at_air_time_one_thread_opens_and_the_on_air_post_links_it(env: BotEnv) -> None:
    drama_id, channel, _ = await setup_announced(env, remind="none")
    itx = await env.slash(env.mod_id, "drama", "threads", drama=str(drama_id), channel=channel,
                          **{"archive-after": "3d"})  # fmt: skip
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert f"<#{channel}>" in text
    assert "Next thread: <t:" in text
    assert env.fake.threads(env.guild_id) == []

    start = len(env.fake.requests)
    await env.advance_to(EP1)
    post = await env.fake.wait_for_request("POST", MSG.format(channel), after=start)
    (thread,) = env.fake.threads(env.guild_id, parent_id=channel)
    assert thread["name"] == NAME
    assert thread["thread_metadata"]["auto_archive_duration"] == 4320
    assert f"<#{thread['id']}>" in post.json["content"]
    assert "is on air now" in post.json["content"]

    await env.advance_to(EP1 + timedelta(minutes=5))
    await env.restart()
    await env.advance_to(EP1 + timedelta(minutes=10))
    assert len(env.fake.threads(env.guild_id, parent_id=channel)) == 1
    await env.advance_to(EP2)

    async def second() -> bool:
        return len(env.fake.threads(env.guild_id, parent_id=channel)) == 2

    await until(second, "episode 2's thread")
    assert env.fake.threads(env.guild_id, parent_id=channel)[1]["name"].startswith("E2 · ")


async def test_a_forum_gets_a_post_with_the_drama_tag(env: BotEnv) -> None:
    drama_id, _, _ = await setup_announced(env, remind="none")
    forum = env.fake.add_forum(env.guild_id, tags=("Spoilers", "What's Wrong with Secretary Kim"))
    await env.settle()
    text = await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=forum)
    assert "a forum post per episode" in text
    await env.advance_to(EP1)

    async def posted() -> bool:
        return len(env.fake.threads(env.guild_id, parent_id=forum)) == 1

    await until(posted, "the forum post")
    (post,) = env.fake.threads(env.guild_id, parent_id=forum)
    assert post["name"] == NAME
    tag = env.fake.forum_tag(forum, "What's Wrong with Secretary Kim")
    assert [int(t) for t in post["applied_tags"]] == [tag]
    starter = env.fake.get_message(int(post["id"]), int(post["id"]))
    assert starter is not None
    assert "episode 1 is on air now on tvN" in starter["content"]


async def test_a_crash_while_opening_never_opens_a_second_thread(env: BotEnv) -> None:
    drama_id, channel, _ = await setup_announced(env, remind="none")
    await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=channel)
    gate = env.fake.gate("POST", THREADS.format(channel))
    await env.advance_to(EP1)
    await gate.next()
    await env.stop()  # the bot dies with the thread claimed and its create in flight
    gate.open()  # ...which Discord then carries out
    await env.start()
    await env.advance_to(EP1 + timedelta(minutes=2))
    await env.restart()
    await env.advance_to(EP1 + timedelta(minutes=4))
    assert len(env.fake.threads(env.guild_id, parent_id=channel)) == 1
    assert len(env.fake.find_requests("POST", THREADS.format(channel))) == 1


async def test_missing_permissions_and_bad_input_change_nothing(env: BotEnv) -> None:
    drama_id, channel, _ = await setup_announced(env, remind="none")
    itx = await env.slash(env.mod_id, "drama", "threads", drama=str(drama_id), channel=channel,
                          **{"archive-after": "2h"})  # fmt: skip
    assert "`1h`, `24h`, `3d` or `1w`" in await itx.reply_text()
    assert itx.is_ephemeral
    forum = env.fake.add_forum(env.guild_id)
    env.fake.set_bot_permissions(env.guild_id, VIEW_CHANNEL | SEND_MESSAGES_IN_THREADS, forum)
    await env.settle()
    itx = await env.slash(env.mod_id, "drama", "threads", drama=str(drama_id), channel=forum)
    assert "I can't open episode threads" in await itx.reply_text()
    assert itx.is_ephemeral
    await env.advance_to(EP1 + timedelta(minutes=1))
    await env.settle()
    assert env.fake.threads(env.guild_id) == []


# Threads on, then Create Public Threads (and Manage Threads) taken away in their channel.
REFUSING = ALL_PERMISSIONS & ~CREATE_PUBLIC_THREADS & ~(1 << 3) | SEND_MESSAGES | VIEW_CHANNEL


async def thread_refused(env: BotEnv) -> bool:
    """Whether moderators are told an episode thread was refused."""
    lines = await service(env).problem_lines(env.guild_id)
    return any("episode threads" in line for line in lines)


async def threads_refused_at_ep1(env: BotEnv) -> tuple[int, int]:
    """A drama with threads on in a channel where Discord refuses them; EP1 has aired."""
    drama_id, channel, _ = await setup_announced(env, remind="none")
    await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=channel)
    env.fake.set_bot_permissions(env.guild_id, REFUSING, channel)
    await env.settle()
    await env.advance_to(EP1)
    await until(lambda: thread_refused(env), "the refused thread reported")
    return drama_id, channel


async def test_a_refusal_at_air_time_is_reported_to_moderators(env: BotEnv) -> None:
    await threads_refused_at_ep1(env)
    assert env.fake.threads(env.guild_id) == []


async def test_a_deleted_thread_channel_asks_for_another(env: BotEnv) -> None:
    drama_id, _, _ = await setup_announced(env, remind="none")
    talk = env.fake.add_channel(env.guild_id, "episode-talk")
    await env.settle()
    await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=talk)
    await env.fake.delete_channel(talk)

    async def reported() -> bool:
        lines = await service(env).problem_lines(env.guild_id)
        return any("episode-thread channel" in line for line in lines)

    await until(reported, "the deleted channel reported")
    await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=env.channel_id)
    assert await service(env).problem_lines(env.guild_id) == []


async def test_threads_open_at_air_time_without_announcements_too(env: BotEnv) -> None:
    env.travel_to(EP1 - timedelta(hours=2))
    await env.reply(env.mod_id, "drama", "add", catalog="secretary-kim")
    await env.reply(env.mod_id, "drama", "threads", drama="Secretary Kim", channel=env.channel_id)
    start = len(env.fake.requests)
    await env.advance_to(EP1)

    async def opened() -> bool:
        return len(env.fake.threads(env.guild_id, parent_id=env.channel_id)) == 1

    await until(opened, "the episode thread")
    assert env.fake.threads(env.guild_id)[0]["name"] == NAME
    listing = await env.reply(env.mod_id, "drama", "list")
    assert f"Episode threads: <#{env.channel_id}>" in listing
    assert not [r for r in env.fake.requests[start:] if r.path.endswith("/messages")]


async def test_an_announcement_channel_gets_its_own_kind_of_thread(env: BotEnv) -> None:
    drama_id, _, _ = await setup_announced(env, remind="none")
    news = env.fake.add_channel(env.guild_id, "drama-news", type=5)
    await env.settle()
    text = await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=news)
    assert f"<#{news}>" in text
    await env.advance_to(EP1)

    async def opened() -> bool:
        return len(env.fake.threads(env.guild_id, parent_id=news)) == 1

    await until(opened, "the episode thread in the announcement channel")
    (thread,) = env.fake.threads(env.guild_id, parent_id=news)
    assert thread["name"] == NAME
    assert thread["type"] == 10  # Discord's ANNOUNCEMENT_THREAD, the only kind it allows there
    assert await service(env).problem_lines(env.guild_id) == []


async def test_removing_a_drama_or_its_threads_forgets_the_refusal(env: BotEnv) -> None:
    drama_id, channel = await threads_refused_at_ep1(env)
    text = await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id))
    assert "are off" in text
    assert await service(env).problem_lines(env.guild_id) == []

    env.fake.set_bot_permissions(env.guild_id, ALL_PERMISSIONS & ~(1 << 3), channel)
    await env.settle()
    await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=channel)
    env.fake.set_bot_permissions(env.guild_id, REFUSING, channel)
    await env.settle()
    await env.advance_to(EP2)
    await until(lambda: thread_refused(env), "episode 2's refused thread reported")
    await env.reply(env.mod_id, "drama", "remove", drama=str(drama_id))
    assert await service(env).problem_lines(env.guild_id) == []


async def test_a_moderated_drama_tag_needs_manage_threads_before_posts_are_on(
    env: BotEnv,
) -> None:
    drama_id, _, _ = await setup_announced(env, remind="none")
    title = "What's Wrong with Secretary Kim"
    forum = env.fake.add_forum(env.guild_id, tags=(title,), moderated=(title,))
    posting = VIEW_CHANNEL | SEND_MESSAGES | SEND_MESSAGES_IN_THREADS | CREATE_PUBLIC_THREADS
    env.fake.set_bot_permissions(env.guild_id, posting, forum)
    await env.settle()
    itx = await env.slash(env.mod_id, "drama", "threads", drama=str(drama_id), channel=forum)
    text = await itx.reply_text()
    assert itx.is_ephemeral
    assert "Manage Threads" in text
    assert "Episode forum posts" not in await env.reply(env.mod_id, "drama", "list")

    env.fake.set_bot_permissions(env.guild_id, posting | MANAGE_THREADS, forum)
    await env.settle()
    text = await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=forum)
    assert "a forum post per episode" in text
    await env.advance_to(EP1)

    async def posted() -> bool:
        return len(env.fake.threads(env.guild_id, parent_id=forum)) == 1

    await until(posted, "the forum post with its moderated tag")
    (post,) = env.fake.threads(env.guild_id, parent_id=forum)
    assert [int(t) for t in post["applied_tags"]] == [env.fake.forum_tag(forum, title)]


async def test_a_deleted_drama_tag_leaves_posts_untagged_or_says_the_forum_needs_one(
    env: BotEnv,
) -> None:
    drama_id, _, _ = await setup_announced(env, remind="none")
    title = "What's Wrong with Secretary Kim"
    forum = env.fake.add_forum(env.guild_id, tags=(title,))
    strict = env.fake.add_forum(env.guild_id, "strict-talk", tags=(title,), require_tag=True)
    await env.settle()
    text = await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=forum)
    assert "Posts get the forum's tag" in text
    env.fake.delete_forum_tag(forum, title)
    await env.settle()
    await env.advance_to(EP1)

    async def posted() -> bool:
        return len(env.fake.threads(env.guild_id, parent_id=forum)) == 1

    await until(posted, "the forum post without the deleted tag")
    (post,) = env.fake.threads(env.guild_id, parent_id=forum)
    assert not post.get("applied_tags")
    assert await service(env).problem_lines(env.guild_id) == []

    await env.reply(env.mod_id, "drama", "threads", drama=str(drama_id), channel=strict)
    env.fake.delete_forum_tag(strict, title)
    await env.settle()
    await env.advance_to(EP2)

    async def reported() -> bool:
        lines = await service(env).problem_lines(env.guild_id)
        return any("requires a tag" in line for line in lines)

    await until(reported, "the forum's missing tag reported")
    lines = await service(env).problem_lines(env.guild_id)
    assert not any("I need View Channel" in line for line in lines)
