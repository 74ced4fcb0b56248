"""Two bot processes, shards 0 and 1 of 2, on one PostgreSQL and one fake Discord.

Each server's announcements, poll closes and trivia games are handled once, by the process
whose shard owns the server. `kill -9` of one process and its restart lose and repeat
nothing, and the other process's servers never notice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cogs.trivia.render import RESTART_NOTICE
from tests.botprocess import BotProcess
from tests.fakediscord import FakeDiscord
from tests.harness import MANAGE_GUILD, message_text
from tests.pg import PostgresCluster

KST = ZoneInfo("Asia/Seoul")
PROCESSES = {0: "shard-0", 1: "shard-1"}
ON_AIR = "special: Live is on air now"

pytestmark = pytest.mark.shards


@dataclass
class Server:
    """One server of the test world and what the test made in it."""

    shard: int
    guild_id: int
    channel_id: int
    airtime_channel_id: int
    trivia_channel_id: int
    mod_id: int
    fan_id: int
    poll_message_id: int = 0


def _server(fake: FakeDiscord, shard: int, n: int) -> Server:
    guild = fake.add_guild(name=f"Shard {shard} club {n}", shard=(shard, 2))
    mod_role = fake.add_role(guild.id, "Mods", permissions=MANAGE_GUILD)
    return Server(
        shard=shard,
        guild_id=guild.id,
        channel_id=guild.default_channel_id,
        airtime_channel_id=fake.add_channel(guild.id, "airtime"),
        trivia_channel_id=fake.add_channel(guild.id, "trivia"),
        mod_id=fake.add_member(guild.id, name="mod", roles=(mod_role,)),
        fan_id=fake.add_member(guild.id, name="fan"),
    )


async def _command(fake: FakeDiscord, server: Server, *path: str, **options: Any) -> str:
    channel_id = options.pop("channel_id", server.channel_id)
    itx = await fake.slash(server.guild_id, channel_id, server.mod_id, *path, options=options)
    assert itx.delivered_to == [(server.shard, 2)], "the interaction went to the wrong shard"
    return await itx.reply_text(timeout=20)


def _next_minute(moment: datetime) -> datetime:
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


async def _set_up(fake: FakeDiscord, server: Server, special_at: datetime) -> None:
    added = await _command(
        fake,
        server,
        "drama",
        "add",
        title="Shard Drama",
        network="tvN",
        days="Mon",
        time="03:00",
        premiere="2024-01-01",
        episodes=1,
    )
    assert "Shard Drama" in added, added
    await _command(
        fake,
        server,
        "drama",
        "announce",
        drama="Shard Drama",
        channel=server.airtime_channel_id,
        remind="",
    )
    await _command(
        fake,
        server,
        "drama",
        "edit",
        drama="Shard Drama",
        special_title="Live",
        special_at=special_at.strftime("%Y-%m-%d %H:%M"),
    )
    before = len(fake.requests)
    created = await _command(
        fake, server, "poll", "create", question="Best scene?", options="🔥 a | 💋 b", duration="1m"
    )
    assert "is up" in created, created
    post = await fake.wait_for_request(
        "POST", rf"/channels/{server.channel_id}/messages", after=before, timeout=20
    )
    server.poll_message_id = int(post.response["id"])
    await fake.add_reaction(server.guild_id, server.channel_id, server.poll_message_id,
                            server.fan_id, "🔥", sync=False)  # fmt: skip
    before = len(fake.requests)
    await _command(fake, server, "trivia", "start", channel_id=server.trivia_channel_id, seconds=60)
    await fake.wait_for_request(  # the first question is up
        "POST", rf"/channels/{server.trivia_channel_id}/messages", after=before, timeout=20
    )


def _posts(fake: FakeDiscord, channel_id: int, text: str) -> list[Any]:
    return [
        rec
        for rec in fake.find_requests("POST", rf"/channels/{channel_id}/messages")
        if text in message_text(rec.json or {})
    ]


def _requests_about(fake: FakeDiscord, server: Server) -> set[str | None]:
    """Which processes made REST requests about this server's channels."""
    channels = (server.channel_id, server.airtime_channel_id, server.trivia_channel_id)
    return {
        rec.client
        for rec in fake.requests
        if any(f"/channels/{channel}/" in f"{rec.path}/" for channel in channels)
    }


async def test_two_shard_processes_share_one_postgresql(
    fake: FakeDiscord, tmp_path: Path, pg_cluster: PostgresCluster
) -> None:
    url = pg_cluster.new_database()
    servers = [_server(fake, shard, n) for shard in (0, 1) for n in (1, 2)]
    bots = {
        shard: BotProcess(
            fake,
            tmp_path / f"unused-{shard}.sqlite3",
            tmp_path,
            client=tag,
            env={"DATABASE_URL": url, "SHARD_COUNT": "2", "SHARD_IDS": str(shard)},
        )
        for shard, tag in PROCESSES.items()
    }
    try:
        # Both start (and migrate the one database) at the same moment.
        await asyncio.gather(*(bot.start() for bot in bots.values()))
        await fake.wait_for_shards([0, 1], 2)
        uploads = fake.find_requests("PUT", r"/applications/\d+/commands")
        assert {rec.client for rec in uploads} == {PROCESSES[0]}  # one process syncs
        special_at = _next_minute(datetime.now(KST) + timedelta(seconds=40))
        for server in servers:
            await _set_up(fake, server, special_at)
        # kill -9 shard 1's process mid-game and start it again on the same database.
        await bots[1].kill()
        await bots[1].start()
        # The special airs and the polls close (1 minute after creation): wait for all.
        deadline = asyncio.get_running_loop().time() + 150
        for server in servers:
            for channel, text in (
                (server.airtime_channel_id, ON_AIR),
                (server.channel_id, "results"),
            ):
                while not _posts(fake, channel, text):
                    assert asyncio.get_running_loop().time() < deadline, (server, text)
                    await asyncio.sleep(0.5)
        await asyncio.sleep(3)  # a doubled post would show up now
        for server in servers:
            owner = PROCESSES[server.shard]
            on_air = _posts(fake, server.airtime_channel_id, ON_AIR)
            assert len(on_air) == 1, (server, [message_text(r.json) for r in on_air])
            assert on_air[0].client == owner
            results = _posts(fake, server.channel_id, "results")
            assert len(results) == 1
            assert results[0].client == owner
            assert "1 voter" in message_text(results[0].json)
            # Only the owning process ever spoke in this server's channels.
            assert _requests_about(fake, server) == {owner}
            interrupted = _posts(fake, server.trivia_channel_id, RESTART_NOTICE)
            # The killed process's games were interrupted once each; the other's never.
            assert len(interrupted) == (1 if server.shard == 1 else 0), server
    finally:
        for bot in bots.values():
            if bot.running:
                await bot.terminate()
        pg_cluster.drop_database(url)
    assert all(bot.returncode == 0 for bot in bots.values())
