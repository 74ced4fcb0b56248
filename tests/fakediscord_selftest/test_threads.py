"""Self-test: threads and forum posts work for discord.py and refuse what Discord refuses."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass

import discord
import pytest
import time_machine

from tests.fakediscord import FakeDiscord
from tests.fakediscord.state import (
    BOT_DEFAULT_PERMISSIONS,
    CREATE_PUBLIC_THREADS,
    MANAGE_THREADS,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
)
from tests.fakediscord_selftest.clients import (
    PlainClient,
    intents,
    point_discord_py_at,
    rest,
    running,
)


@dataclass
class Room:
    client: discord.Client
    guild: discord.Guild
    channel: discord.TextChannel
    guild_id: int
    channel_id: int
    fan: int


@pytest.fixture
async def room(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Room]:
    """A discord.py client in a guild with a text channel and a fan."""
    point_discord_py_at(fake, monkeypatch)
    guild = fake.add_guild()
    fan = fake.add_member(guild.id, name="fan")
    client = PlainClient(intents=intents())
    async with running(client, fake):
        dguild = client.get_guild(guild.id)
        assert dguild is not None
        channel = dguild.get_channel(guild.default_channel_id)
        assert isinstance(channel, discord.TextChannel)
        yield Room(client, dguild, channel, guild.id, channel.id, fan)


def without(permissions: int) -> int:
    return BOT_DEFAULT_PERMISSIONS & ~permissions


async def test_a_thread_from_a_message_shares_its_id_once(fake: FakeDiscord, room: Room) -> None:
    message = await room.channel.send("E9 is on")
    thread = await message.create_thread(name="E9 live", auto_archive_duration=60)
    assert thread.id == message.id
    assert thread.type is discord.ChannelType.public_thread
    assert thread.parent_id == room.channel_id
    await fake.sync()
    assert room.guild.get_thread(thread.id) is not None  # THREAD_CREATE
    starter = fake.get_message(room.channel_id, message.id)
    assert starter is not None
    assert starter["flags"] & (1 << 5)
    assert fake.thread(thread.id)["thread_metadata"]["auto_archive_duration"] == 60
    with pytest.raises(discord.HTTPException) as raised:
        await message.create_thread(name="again")
    assert (raised.value.status, raised.value.code) == (400, 160004)
    assert [d.event for d in fake.deliveries() if d.event.startswith("THREAD")] == ["THREAD_CREATE"]


async def test_threads_without_a_message_default_to_private(room: Room) -> None:
    public = await room.channel.create_thread(name="talk", type=discord.ChannelType.public_thread)
    assert public.type is discord.ChannelType.public_thread
    private = await room.channel.create_thread(name="mods")
    assert private.type is discord.ChannelType.private_thread


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "x" * 101}, {"name": "ok", "auto_archive_duration": 30}, {}],
)
async def test_thread_names_and_durations_are_checked(
    fake: FakeDiscord, room: Room, body: dict[str, object]
) -> None:
    body = {"type": 11, **body}
    status, answer = await rest(fake, "POST", f"/channels/{room.channel_id}/threads", body)
    assert (status, answer["code"]) == (400, 50035)
    assert fake.threads() == []
    fake.violations.clear()


async def test_posting_in_a_thread_needs_send_messages_in_threads(
    fake: FakeDiscord, room: Room
) -> None:
    thread = await room.channel.create_thread(name="t", type=discord.ChannelType.public_thread)
    sent = await thread.send("in the thread")
    (stored,) = fake.messages[thread.id]
    assert stored["id"] == str(sent.id)
    assert stored["guild_id"] == str(room.guild_id)
    assert fake.thread(thread.id)["message_count"] == 1
    fake.set_bot_permissions(room.guild_id, without(SEND_MESSAGES_IN_THREADS))
    await fake.sync()
    with pytest.raises(discord.Forbidden):
        await thread.send("no")
    await room.channel.send("the channel still works")
    fake.set_bot_permissions(room.guild_id, without(SEND_MESSAGES))
    await fake.sync()
    await thread.send("threads still work")
    with pytest.raises(discord.Forbidden):
        await room.channel.send("no")
    fake.set_bot_permissions(room.guild_id, without(CREATE_PUBLIC_THREADS))
    with pytest.raises(discord.Forbidden):
        await room.channel.create_thread(name="t2", type=discord.ChannelType.public_thread)


async def test_archived_threads_reopen_on_a_post_unless_locked(
    fake: FakeDiscord, room: Room
) -> None:
    thread = await room.channel.create_thread(name="t", type=discord.ChannelType.public_thread)
    first = await thread.send("one")
    thread = await thread.edit(archived=True)
    assert fake.thread(thread.id)["thread_metadata"]["archived"]
    with pytest.raises(discord.HTTPException) as raised:
        await first.edit(content="edited")
    assert (raised.value.status, raised.value.code) == (400, 50083)
    with pytest.raises(discord.HTTPException) as raised:
        await thread.edit(name="renamed while archived")
    assert raised.value.code == 50083
    await thread.send("two")
    assert not fake.thread(thread.id)["thread_metadata"]["archived"]
    updates = [d.data for d in fake.deliveries("THREAD_UPDATE")]
    assert [u["thread_metadata"]["archived"] for u in updates] == [True, False]
    fake.set_thread(thread.id, archived=True, locked=True)
    with pytest.raises(discord.HTTPException) as raised:
        await thread.send("three")
    assert (raised.value.status, raised.value.code) == (400, 50083)
    assert len(fake.messages[thread.id]) == 2
    fake.set_thread(thread.id, archived=False)
    fake.set_bot_permissions(room.guild_id, without(MANAGE_THREADS))
    with pytest.raises(discord.HTTPException) as raised:
        await thread.send("locked")
    assert raised.value.code == 160005


async def test_unarchiving_a_locked_thread_needs_manage_threads(
    fake: FakeDiscord, room: Room
) -> None:
    fan_thread = fake.add_thread(room.guild_id, room.channel_id, "fan talk", owner_id=room.fan)
    fake.set_thread(fan_thread, archived=True, locked=True)
    await fake.sync()
    fake.set_bot_permissions(room.guild_id, without(MANAGE_THREADS))
    body = {"archived": False}
    status, answer = await rest(fake, "PATCH", f"/channels/{fan_thread}", body)
    assert (status, answer["code"]) == (403, 50013)
    fake.set_bot_permissions(room.guild_id, BOT_DEFAULT_PERMISSIONS)
    assert (await rest(fake, "PATCH", f"/channels/{fan_thread}", body))[0] == 200
    status, answer = await rest(fake, "PATCH", f"/channels/{room.channel_id}", {"name": "x"})
    assert status == 404
    assert fake.unknown_routes == [
        f"PATCH /channels/{room.channel_id} (the fake edits and deletes threads only)"
    ]
    fake.unknown_routes.clear()


async def test_forum_posts_carry_a_starter_message_and_tags(fake: FakeDiscord, room: Room) -> None:
    forum_id = fake.add_forum(room.guild_id, "episodes", tags=("Kim", "Goblin", "a", "b", "c", "d"))
    await fake.sync()
    forum = room.guild.get_channel(forum_id)
    assert isinstance(forum, discord.ForumChannel)
    kim = forum.get_tag(fake.forum_tag(forum_id, "Kim"))
    assert kim is not None
    post = await forum.create_thread(
        name="E9 · live discussion", content="Spoilers inside", applied_tags=[kim]
    )
    assert post.thread.id == post.message.id
    assert post.message.content == "Spoilers inside"
    (starter,) = fake.messages[post.thread.id]
    assert starter["channel_id"] == str(post.thread.id)
    assert fake.thread(post.thread.id)["applied_tags"] == [str(kim.id)]
    created = [d.event for d in fake.deliveries() if d.event in ("THREAD_CREATE", "MESSAGE_CREATE")]
    assert created == ["THREAD_CREATE", "MESSAGE_CREATE"]
    with pytest.raises(discord.HTTPException) as raised:
        await forum.create_thread(name="six tags", content="x", applied_tags=forum.available_tags)
    assert raised.value.code == 50035
    status, answer = await rest(fake, "POST", f"/channels/{forum_id}/messages", {"content": "x"})
    assert (status, answer["code"]) == (400, 40058)
    for body in (
        {"name": "no message"},
        {"name": "bad tag", "message": {"content": "x"}, "applied_tags": ["1"]},
    ):
        status, answer = await rest(fake, "POST", f"/channels/{forum_id}/threads", body)
        assert (status, answer["code"]) == (400, 50035)
    fake.violations.clear()


async def test_forum_posts_need_send_messages_and_a_required_tag(
    fake: FakeDiscord, room: Room
) -> None:
    forum_id = fake.add_forum(room.guild_id, "strict", tags=("Kim",), require_tag=True)
    await fake.sync()
    forum = room.guild.get_channel(forum_id)
    assert isinstance(forum, discord.ForumChannel)
    with pytest.raises(discord.HTTPException) as raised:
        await forum.create_thread(name="untagged", content="x")
    assert raised.value.code == 40067
    tag = forum.available_tags[0]
    fake.set_bot_permissions(room.guild_id, without(CREATE_PUBLIC_THREADS))
    await forum.create_thread(name="tagged", content="x", applied_tags=[tag])  # not needed here
    fake.set_bot_permissions(room.guild_id, without(SEND_MESSAGES))
    with pytest.raises(discord.Forbidden):
        await forum.create_thread(name="tagged", content="x", applied_tags=[tag])


async def test_guild_create_lists_active_threads(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_discord_py_at(fake, monkeypatch)
    guild = fake.add_guild()
    forum_id = fake.add_forum(guild.id)
    active = fake.add_thread(guild.id, guild.default_channel_id, "active")
    post = fake.add_thread(guild.id, forum_id, "post", content="hello", applied_tags=["Spoilers"])
    old = fake.add_thread(guild.id, guild.default_channel_id, "old", archived=True)
    client = PlainClient(intents=intents())
    async with running(client, fake):
        dguild = client.get_guild(guild.id)
        assert dguild is not None
        assert {t.id for t in dguild.threads} == {active, post}
        assert old not in {t.id for t in dguild.threads}
        fetched = await dguild.active_threads()
        assert {t.id for t in fetched} == {active, post}
        assert fake.messages[post][0]["content"] == "hello"


async def test_idle_threads_archive_when_time_moves(fake: FakeDiscord, room: Room) -> None:
    short = await room.channel.create_thread(
        name="short", type=discord.ChannelType.public_thread, auto_archive_duration=60
    )
    long = await room.channel.create_thread(
        name="long", type=discord.ChannelType.public_thread, auto_archive_duration=1440
    )
    assert fake.archive_idle_threads() == []
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)
    with time_machine.travel(later, tick=True):
        assert fake.archive_idle_threads() == [short.id]
        await fake.sync()
        assert room.guild.get_thread(short.id) is None  # discord.py drops archived threads
        assert room.guild.get_thread(long.id) is not None


async def test_members_post_and_command_in_threads(fake: FakeDiscord, room: Room) -> None:
    seen: list[discord.Message] = []
    got = asyncio.Event()

    @room.client.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message)
        got.set()

    thread_id = fake.add_thread(room.guild_id, room.channel_id, "fans", owner_id=room.fan)
    fake.set_thread(thread_id, archived=True)
    await fake.sync()
    await fake.post_message(room.guild_id, thread_id, room.fan, "back again")
    async with asyncio.timeout(5):
        await got.wait()
    assert isinstance(seen[0].channel, discord.Thread)
    assert not fake.thread(thread_id)["thread_metadata"]["archived"]
    await seen[0].channel.send("welcome back")
    assert [m["content"] for m in fake.messages[thread_id]] == ["back again", "welcome back"]


async def test_deleting_a_thread(fake: FakeDiscord, room: Room) -> None:
    thread = await room.channel.create_thread(name="t", type=discord.ChannelType.public_thread)
    await thread.delete()
    assert fake.threads() == []
    assert [d.data["id"] for d in fake.deliveries("THREAD_DELETE")] == [str(thread.id)]
    with pytest.raises(discord.NotFound):
        await thread.send("gone")
    other = fake.add_thread(room.guild_id, room.channel_id, "mods delete this")
    await fake.delete_thread(other)
    assert room.guild.get_thread(other) is None


async def test_interactions_in_a_thread_are_answered_there(fake: FakeDiscord, room: Room) -> None:
    where: list[object] = []

    @room.client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        where.append(interaction.channel)
        await interaction.response.send_message("answered in the thread")

    thread = await room.channel.create_thread(name="t", type=discord.ChannelType.public_thread)
    prompt = await thread.send("press")
    itx = await fake.click(room.guild_id, thread.id, room.fan, prompt.id, "any")
    assert await itx.reply_text() == "answered in the thread"
    assert isinstance(where[0], discord.Thread)
    assert fake.messages[thread.id][-1]["content"] == "answered in the thread"


async def test_locked_threads_take_posts_from_moderators_only(
    fake: FakeDiscord, room: Room
) -> None:
    thread = fake.add_thread(room.guild_id, room.channel_id, "locked", locked=True)
    with pytest.raises(ValueError, match="Thread is locked"):
        await fake.post_message(room.guild_id, thread, room.fan, "let me in")
    owner = fake.guilds[room.guild_id].owner_id  # holds every permission
    await fake.post_message(room.guild_id, thread, owner, "mods only")
    assert [m["content"] for m in fake.messages[thread]] == ["mods only"]


async def test_deleting_a_channel_takes_its_threads(fake: FakeDiscord, room: Room) -> None:
    thread = fake.add_thread(room.guild_id, room.channel_id, "goes too")
    await fake.delete_channel(room.channel_id)
    assert fake.threads() == []
    status, answer = await rest(fake, "GET", f"/channels/{thread}")
    assert (status, answer["code"]) == (404, 10003)
