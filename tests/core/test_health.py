"""`dramabot health`: 0 while the running bot is connected with a fresh heartbeat, else 1."""

from __future__ import annotations

import asyncio
import os
import re
import time
from pathlib import Path

import pytest

from bot.health import Beat, HealthFileError, read_beat, verdict, write_beat
from tests.botprocess import BotProcess, run_cli
from tests.fakediscord import FakeDiscord
from tests.harness import BotEnv

NOW = 1_800_000_000.0


def _beat(state: str = "connected", *, at: float = NOW - 5, pid: int = 4242) -> Beat:
    return Beat(pid=pid, state=state, at=at, since=NOW - 600, latency_ms=42.0, version="0.1.0")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("beat", "alive", "expected"),
    [
        (_beat(), True, None),
        (_beat(at=NOW - 59), True, None),
        (_beat(at=NOW - 61), True, "the last heartbeat is 61 s old (more than 60 s)"),
        (_beat("disconnected"), True, "lost its connection to Discord 10 min ago"),
        (_beat("stopped"), False, "the bot stopped 10 min ago"),
        (_beat(), False, "is not running; it did not stop cleanly"),
    ],
)
def test_verdict(beat: Beat, alive: bool, expected: str | None) -> None:
    problem = verdict(beat, NOW, 60.0, alive=lambda pid: alive)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None
        assert expected in problem


def test_beat_round_trip_and_atomic_replace(tmp_path: Path) -> None:
    path = tmp_path / "run" / "dramabot.health"
    write_beat(path, _beat())
    write_beat(path, _beat("stopped"))
    assert read_beat(path) == _beat("stopped")
    assert [p.name for p in path.parent.iterdir()] == ["dramabot.health"]  # no temp left


def test_unreadable_file_is_a_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "dramabot.health"
    with pytest.raises(HealthFileError, match="no health file at"):
        read_beat(path)
    path.write_text("{half a json")
    with pytest.raises(HealthFileError, match="cannot read the health file"):
        read_beat(path)


async def _health(tmp_path: Path, database: Path, *args: str) -> tuple[int, list[str]]:
    result = await run_cli("health", *args, cwd=tmp_path, env={"DATABASE_PATH": str(database)})
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, result.stdout + result.stderr
    return result.returncode, lines


async def test_health_follows_the_bot_process(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.add_guild(name="Health Club")
    database = tmp_path / "data" / "bot.sqlite3"
    code, lines = await _health(tmp_path, database)
    assert code == 1
    assert lines[0].startswith("dramabot: unhealthy: no health file at")

    async with BotProcess(fake, database, tmp_path) as bot:
        await bot.start()
        code, lines = await _health(tmp_path, database)
        assert code == 0, lines
        assert lines[0].startswith("healthy: connected for")
        assert f"pid {bot.pid}" in lines[0]

        assert await bot.terminate() == 0
        code, lines = await _health(tmp_path, database)
        assert code == 1
        assert lines[0].startswith("dramabot: unhealthy: the bot stopped")

        await bot.start()
        assert (await _health(tmp_path, database))[0] == 0
        await bot.kill()  # no clean-up: the file still says connected
        code, lines = await _health(tmp_path, database)
        assert code == 1
        assert f"the bot (pid {bot.pid}) is not running" in lines[0]


async def test_a_stale_heartbeat_is_unhealthy(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    alive = os.getpid()  # a live process whose heartbeat stopped: a stuck bot
    write_beat(tmp_path / "dramabot.health", _beat(at=time.time() - 3600, pid=alive))
    code, lines = await _health(tmp_path, database)
    assert code == 1
    assert re.search(r"the last heartbeat is 36\d\d s old \(more than 60 s\)", lines[0])
    code, lines = await _health(tmp_path, database, "--max-age", "7200")
    assert code == 0, lines


async def _state(path: Path, wanted: str) -> Beat:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while True:
        try:
            beat = read_beat(path)
        except HealthFileError:
            beat = None
        if beat is not None and beat.state == wanted:
            return beat
        assert loop.time() < deadline, f"health file never said {wanted}: {beat}"
        await asyncio.sleep(0.02)


async def test_a_lost_gateway_is_reported(env: BotEnv) -> None:
    path = env.running.settings.health_path
    assert (await _state(path, "connected")).pid == os.getpid()
    await env.fake.reconnect()  # a resume keeps it connected
    await _state(path, "connected")
    await env.fake.stop()  # Discord goes away; reconnecting keeps failing
    beat = await _state(path, "disconnected")
    assert verdict(beat, time.time(), 60.0) is not None
    await env.stop()
    assert read_beat(path).state == "stopped"
