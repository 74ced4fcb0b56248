"""Many clicks at once: every click acknowledged in time, every acknowledged answer stored."""

from __future__ import annotations

import asyncio
import time

from bot.dbdrivers import SqliteDriver
from tests.fakediscord import InteractionState
from tests.harness import BotEnv

PLAYERS = 100


async def _question(env: BotEnv) -> tuple[int, list[str]]:
    before = len(env.fake.requests)
    itx = await env.slash(env.fan_id, "trivia", "start", questions=1, seconds=60)
    await itx.reply_text()
    post = await env.fake.wait_for_request(
        "POST", rf"/channels/{env.channel_id}/messages", after=before
    )
    ids = [c["custom_id"] for row in post.json["components"] for c in row["components"]]
    return int(post.response["id"]), ids


async def _click_all(
    env: BotEnv, players: list[int], message_id: int, ids: list[str]
) -> list[InteractionState]:
    first = len(env.fake.interactions)
    await asyncio.gather(
        *(
            env.fake.click(
                env.guild_id, env.channel_id, user, message_id, ids[n % len(ids)], sync=False
            )
            for n, user in enumerate(players)
        )
    )
    return env.fake.interactions[first:]


async def _answered(clicks: list[InteractionState], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not all(c.acked for c in clicks):
        assert loop.time() < deadline, "clicks left unanswered"
        await asyncio.sleep(0.01)


async def _rows(env: BotEnv) -> int:
    return int(await env.running.db.fetch_value("SELECT COUNT(*) FROM trivia_answers"))


async def _slow_commits(env: BotEnv, seconds: float) -> list[str]:
    """Every COMMIT takes `seconds` (a slow disk); returns the list the commits are noted in."""
    commits: list[str] = []

    def on_statement(sql: str) -> None:
        # Runs on the database's own thread, where the disk would be slow.
        if sql == "COMMIT":
            commits.append(sql)
            time.sleep(seconds)

    driver = env.running.db._driver
    assert isinstance(driver, SqliteDriver)
    await driver.writer_trace(on_statement)
    return commits


async def test_a_burst_of_clicks_is_committed_in_groups_and_each_acknowledged(
    env: BotEnv,
) -> None:
    players = [env.fake.add_member(env.guild_id, name=f"p{n}") for n in range(PLAYERS)]
    await env.fake.sync()
    message_id, ids = await _question(env)
    # 50 ms per commit: one transaction per click would take 5 s, past Discord's 3 s.
    commits = await _slow_commits(env, 0.05)
    clicks = await _click_all(env, players, message_id, ids)
    await _answered(clicks)
    assert await _rows(env) == PLAYERS
    assert 1 <= len(commits) <= 10, f"{len(commits)} transactions for {PLAYERS} clicks"


async def test_every_click_received_before_sigterm_is_saved_and_answered(env: BotEnv) -> None:
    players = [env.fake.add_member(env.guild_id, name=f"p{n}") for n in range(PLAYERS)]
    await env.fake.sync()
    message_id, ids = await _question(env)
    await _slow_commits(env, 0.02)
    clicks = await _click_all(env, players, message_id, ids)
    await env.fake.sync()  # one barrier: the bot has parsed every click (handlers run on)
    db_path = env.db_path
    await env.stop()  # as SIGTERM does, while the clicks are still being handled
    assert all(c.acked for c in clicks), "a click received before the stop went unanswered"
    await env.start()
    assert await _rows(env) == PLAYERS
    assert db_path == env.db_path


async def test_a_click_answered_too_late_is_not_answered_twice(env: BotEnv) -> None:
    message_id, ids = await _question(env)
    env.fake.interaction_deadline = 0.0  # every answer now comes too late
    late = await env.fake.click(env.guild_id, env.channel_id, env.fan2_id, message_id, ids[0])
    await env.fake.wait_for_request("POST", rf"/interactions/{late.id}/.*/callback")
    await env.settle(rounds=20)  # time for a second attempt, if the bot made one
    assert len(env.fake.find_requests("POST", rf"/interactions/{late.id}/.*/callback")) == 1
    assert env.fake.find_requests("POST", rf"/webhooks/\d+/{late.token}") == []
    assert len(env.fake.violations) == 1
    assert "not answered within 3 s" in env.fake.violations[0]
    env.fake.violations.clear()  # the one late answer this test provoked
