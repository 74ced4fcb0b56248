"""Self-test: the fake shards its gateway like Discord, and discord.py's sharding works on it."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord.ext import commands

from tests.fakediscord import FakeDiscord
from tests.fakediscord_selftest.clients import (
    NoWaitMixin,
    PlainClient,
    ShardedClient,
    intents,
    point_discord_py_at,
    raw_gateway,
    rest,
    running,
)


@pytest.fixture
def dpy(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> FakeDiscord:
    point_discord_py_at(fake, monkeypatch)
    return fake


def two_per_shard(fake: FakeDiscord) -> dict[int, int]:
    """Four guilds, two on each of two shards: guild id -> shard id."""
    placed = {}
    for n in range(4):
        guild = fake.add_guild(name=f"club {n}", shard=(n % 2, 2))
        placed[guild.id] = n % 2
    return placed


def fan_everywhere(fake: FakeDiscord) -> int:
    """One member in every guild."""
    user = fake.world.ensure_user(None, "fan").id
    for gid in fake.guilds:
        fake.add_member(gid, user_id=user, name="fan")
    return user


class ShardedBot(NoWaitMixin, commands.AutoShardedBot):
    async def setup_hook(self) -> None:
        @self.tree.command(name="where", description="Which shard answers")
        async def where(interaction: discord.Interaction) -> None:
            shard = interaction.guild.shard_id if interaction.guild else None
            await interaction.response.send_message(f"shard {shard}")

        await self.tree.sync()


def test_guilds_are_placed_on_the_shard_asked_for(fake: FakeDiscord) -> None:
    for count in (1, 2, 3, 16):
        for shard_id in range(count):
            guild = fake.add_guild(shard=(shard_id, count))
            assert (guild.id >> 22) % count == shard_id
            assert fake.shard_of(guild.id, count) == shard_id
    ids = list(fake.guilds)
    assert ids == sorted(ids)  # still increasing snowflakes
    with pytest.raises(ValueError, match="not one of"):
        fake.add_guild(shard=(2, 2))


async def test_gateway_bot_recommends_the_shard_count_and_the_url(fake: FakeDiscord) -> None:
    fake.recommended_shards = 3
    status, body = await rest(fake, "GET", "/gateway/bot")
    assert status == 200
    assert body["url"] == fake.gateway_url
    assert body["shards"] == 3
    limit = body["session_start_limit"]
    assert set(limit) == {"total", "remaining", "reset_after", "max_concurrency"}
    assert limit["max_concurrency"] == 1
    assert (await rest(fake, "GET", "/gateway"))[1] == {"url": fake.gateway_url}


async def test_identify_with_a_bad_shard_is_closed_with_4010(fake: FakeDiscord) -> None:
    for shard in ([2, 2], [0, 0], [-1, 2], [0], "0,1", [0.5, 2]):
        async with raw_gateway(fake) as gw:
            await gw.identify(fake.token, shard=shard)
            assert await gw.close_code() == 4010, shard
    assert fake.identify_count == 0


async def test_too_many_guilds_for_one_session_is_closed_with_4011(fake: FakeDiscord) -> None:
    fake.max_guilds_per_shard = 2
    two_per_shard(fake)
    async with raw_gateway(fake) as gw:
        await gw.identify(fake.token)  # no shard: all four guilds
        assert await gw.close_code() == 4011
    async with raw_gateway(fake) as gw:
        await gw.identify(fake.token, shard=[1, 2])
        ready = await gw.until("READY")
        assert ready["d"]["shard"] == [1, 2]
        assert len(ready["d"]["guilds"]) == 2


async def test_discord_py_gives_up_when_sharding_is_required(dpy: FakeDiscord) -> None:
    dpy.max_guilds_per_shard = 1
    two_per_shard(dpy)
    client = PlainClient(intents=intents())
    with pytest.raises(discord.ConnectionClosed) as raised:
        await asyncio.wait_for(client.start(dpy.token), 10)
    await client.close()
    assert raised.value.code == 4011


async def test_auto_sharded_bot_gets_each_guild_on_its_shard(dpy: FakeDiscord) -> None:
    placed = two_per_shard(dpy)
    user = fan_everywhere(dpy)
    bot = ShardedBot(command_prefix="!", intents=intents(), shard_count=2, shard_ids=[0, 1])
    async with running(bot, dpy):
        await dpy.wait_for_shards([0, 1], 2)
        assert dpy.connected_shards() == [(0, 2), (1, 2)]
        for gid, shard in placed.items():
            assert dpy.delivered_shards("GUILD_CREATE", gid) == [(shard, 2)]
            guild = bot.get_guild(gid)
            assert guild is not None
            assert guild.shard_id == shard
        for gid, shard in placed.items():
            channel = dpy.guilds[gid].default_channel_id
            itx = await dpy.slash(gid, channel, user, "where")
            assert await itx.reply_text() == f"shard {shard}"
            assert itx.delivered_to == [(shard, 2)]
            message = await dpy.post_message(gid, channel, user, "hello")
            deliveries = dpy.deliveries("MESSAGE_CREATE", guild_id=gid)
            assert [d.shard for d in deliveries if d.data["id"] == message["id"]] == [(shard, 2)]
        roles = {gid: dpy.add_role(gid, "Spoilers") for gid in placed}
        await dpy.sync()  # a barrier across both sessions
        for gid, role in roles.items():
            guild = bot.get_guild(gid)
            assert guild is not None
            assert guild.get_role(role) is not None


async def test_dms_go_to_shard_zero_only(dpy: FakeDiscord) -> None:
    two_per_shard(dpy)
    user = fan_everywhere(dpy)
    client = ShardedClient(intents=intents(), shard_count=2, shard_ids=[0, 1])
    async with running(client, dpy):
        await dpy.wait_for_shards([0, 1], 2)
        await dpy.post_message(None, dpy.dm_channel(user), user, "psst")
        assert [d.shard for d in dpy.deliveries("MESSAGE_CREATE")] == [(0, 2)]


async def test_two_processes_each_handle_only_their_own_guilds(dpy: FakeDiscord) -> None:
    placed = two_per_shard(dpy)
    user = fan_everywhere(dpy)
    seen: dict[int, list[int]] = {0: [], 1: []}
    zero = ShardedClient(intents=intents(), shard_count=2, shard_ids=[0])
    one = PlainClient(intents=intents(), shard_id=1, shard_count=2)
    for shard, client in ((0, zero), (1, one)):

        async def on_message(message: discord.Message, shard: int = shard) -> None:
            seen[shard].append(message.guild.id if message.guild else 0)

        client.event(on_message)
    async with running(zero, dpy), running(one, dpy):
        await dpy.wait_for_shards([0, 1], 2)
        assert {g.id for g in zero.guilds} == {g for g, s in placed.items() if s == 0}
        assert {g.id for g in one.guilds} == {g for g, s in placed.items() if s == 1}
        for gid in placed:
            await dpy.post_message(gid, dpy.guilds[gid].default_channel_id, user, "hi")
        assert sorted(seen[0]) == sorted(g for g, s in placed.items() if s == 0)
        assert sorted(seen[1]) == sorted(g for g, s in placed.items() if s == 1)
        one_guild = next(g for g, s in placed.items() if s == 1)
        await one.close()
        await dpy.gateway.wait_for(lambda: len(dpy.sessions()) == 1, 5, "shard 1 gone")
        channel = dpy.guilds[one_guild].default_channel_id
        message = await dpy.post_message(one_guild, channel, user, "anyone?")
        with pytest.raises(RuntimeError, match="reached no session"):
            await dpy.click(one_guild, channel, user, int(message["id"]), "x")


async def test_recommended_shards_and_client_tags_reach_discord_py(
    fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    placed = two_per_shard(fake)
    fake.recommended_shards = 2
    point_discord_py_at(fake, monkeypatch)
    monkeypatch.setattr(discord.http.Route, "BASE", fake.api_url_for("proc-a"))
    client = ShardedClient(intents=intents())  # no shard_count: asks GET /gateway/bot
    async with running(client, fake):
        await fake.wait_for_shards([0, 1], 2)
        assert client.shard_count == 2
        assert {info.client for info in fake.sessions()} == {"proc-a"}
        (asked,) = fake.find_requests("GET", "/gateway/bot")
        assert asked.client == "proc-a"
        for gid, shard in placed.items():
            (delivery,) = fake.deliveries("GUILD_CREATE", guild_id=gid)
            assert (delivery.shard, delivery.client) == ((shard, 2), "proc-a")


async def test_a_shard_resumes_alone_and_gets_what_it_missed(fake: FakeDiscord) -> None:
    placed = two_per_shard(fake)
    one_guild = next(g for g, s in placed.items() if s == 1)
    async with raw_gateway(fake) as zero, raw_gateway(fake) as one:
        for gw, shard in ((zero, 0), (one, 1)):
            await gw.identify(fake.token, shard=[shard, 2])
            await gw.ready()
        await fake.wait_for_shards([0, 1], 2)
        await one.ws.close(code=4000)  # a dropped connection, not a clean close
        await fake.gateway.wait_for(lambda: len(fake.sessions()) == 1, 5, "shard 1 dropped")
        fake.add_role(one_guild, "while away")
        async with raw_gateway(fake) as back:
            await back.receive()  # HELLO
            resume = {"token": fake.token, "session_id": one.session_id, "seq": one.seq}
            await back.ws.send_json({"op": 6, "d": resume})
            replayed = [await back.receive()]
            while replayed[-1]["t"] != "RESUMED":
                replayed.append(await back.receive())
            assert replayed[0]["t"] == "GUILD_ROLE_CREATE"
            assert replayed[0]["d"]["role"]["name"] == "while away"
            assert [p["s"] for p in replayed] == list(range(one.seq + 1, back.seq + 1))
        assert fake.identify_count == 2
        assert fake.resume_count == 1


async def test_op7_reconnect_resumes_one_shard(dpy: FakeDiscord) -> None:
    placed = two_per_shard(dpy)
    client = ShardedClient(intents=intents(), shard_count=2, shard_ids=[0, 1])
    async with running(client, dpy):
        await dpy.wait_for_shards([0, 1], 2)
        with pytest.raises(RuntimeError, match="exactly one"):
            await dpy.reconnect()
        await dpy.reconnect(shard_id=1)
        assert dpy.resume_count == 1
        assert dpy.identify_count == 2
        gid = next(g for g, s in placed.items() if s == 1)
        role = dpy.add_role(gid, "after resume")
        await dpy.sync()
        guild = client.get_guild(gid)
        assert guild is not None
        assert guild.get_role(role) is not None


async def test_an_unsharded_session_sees_every_guild(dpy: FakeDiscord) -> None:
    placed = two_per_shard(dpy)
    client = PlainClient(intents=intents())
    async with running(client, dpy):
        assert dpy.connected_shards() == [(0, 1)]
        assert not dpy.sessions()[0].sharded
        assert {g.id for g in client.guilds} == set(placed)
