"""The real CLI process: migrate, check, and run + graceful SIGTERM against the fake Discord."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.botprocess import BotProcess
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


async def test_run_connects_stops_cleanly_on_sigterm_and_restarts(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    fake.add_guild(name="CLI Club")
    async with BotProcess(fake, tmp_path / "nested" / "bot.sqlite3", tmp_path) as bot:
        await bot.start()
        assert fake.find_requests("PUT", rf"/applications/{fake.app_id}/commands")
        assert await bot.terminate() == 0, bot.output
        assert "bot closed" in bot.output
        assert "database closed" in bot.output
        assert fake.token not in bot.output
        await bot.start()  # same database: the commands did not change
        assert "commands unchanged; sync skipped" in bot.output
        assert await bot.terminate() == 0, bot.output
    assert len(fake.find_requests("PUT", rf"/applications/{fake.app_id}/commands")) == 1
    assert fake.identify_count == 2
