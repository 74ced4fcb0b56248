"""The real CLI process: migrate, check, and run + graceful SIGTERM against the fake Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakediscord import FakeDiscord

ROOT = Path(__file__).resolve().parents[2]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "DATABASE_PATH": str(tmp_path / "nested" / "bot.sqlite3"),
        **extra,
    }


def _cli(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=_env(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_help_for_each_command(tmp_path: Path) -> None:
    for command in ("run", "migrate", "check"):
        result = _cli(tmp_path, command, "--help", DISCORD_TOKEN="t")
        assert result.returncode == 0
        assert "usage: dramabot" in result.stdout


def test_migrate_then_check(tmp_path: Path) -> None:
    result = _cli(tmp_path, "migrate", DISCORD_TOKEN="t")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "nested" / "bot.sqlite3").exists()
    check = _cli(tmp_path, "check", DISCORD_TOKEN="t")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip().endswith("ok")


async def test_run_connects_and_stops_cleanly_on_sigterm(fake: FakeDiscord, tmp_path: Path) -> None:
    fake.add_guild(name="CLI Club")
    env = _env(
        tmp_path,
        DISCORD_TOKEN=fake.token,
        DISCORD_API_URL=fake.api_url,
        DISCORD_GATEWAY_URL=fake.gateway_url,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await fake.wait_until_ready(timeout=30)
        await fake.wait_for_request("PUT", rf"/applications/{fake.app_id}/commands", timeout=30)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "bot closed" in log
    assert "database closed" in log
    assert fake.token not in log
