"""A normal install works: the wheel, in a fresh venv, migrates from anywhere and answers /help.

Slow (a wheel and a venv, once per session): deselect locally with `-m "not wheel"`; CI runs it.
"""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest

from bot.invite import invite_url
from bot.migrate import discover
from bot.sqlitefile import peek_version
from tests.botprocess import BotProcess, run_cli
from tests.deploy import dockerfile
from tests.deploy.conftest import ROOT, Installed
from tests.fakediscord import FakeDiscord

pytestmark = pytest.mark.wheel


def test_every_image_command_ran(installed: Installed) -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    expected = [
        dockerfile.command(rest)
        for stage in dockerfile.parse(text)
        for rest in stage.all("RUN")
        if dockerfile.command(rest)[0] not in dockerfile.OS_SETUP
    ]
    assert [argv[0] for argv in expected] == ["pip", "pip", "dramabot"]
    assert installed.ran == expected


def test_the_wheel_holds_the_migrations_and_the_data(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    shipped = {f"bot/migrations/{path.name}" for path in (ROOT / "migrations").rglob("*.sql")}
    assert shipped
    assert shipped <= names
    assert {"cogs/trivia/data/secretary_kim.yaml", "cogs/airtime/data/catalog.yaml"} <= names
    assert not [name for name in names if name.startswith(("migrations/", "tests/"))]


def test_the_installed_code_is_the_wheels(installed: Installed, tmp_path: Path) -> None:
    python = installed.venv / "bin" / "python"
    where = subprocess.run(  # noqa: S603 - our own venv
        [python, "-c", "import bot.migrate as m; print(m.__file__); print(m.shipped())"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert all(line.startswith(str(installed.venv)) for line in where), where


async def test_migrate_from_another_working_directory(installed: Installed, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"DATABASE_PATH": "state/bot.sqlite3"}
    result = await run_cli("migrate", cwd=elsewhere, env=env, program=[installed.dramabot])
    assert result.returncode == 0, result.stderr
    applied = [m.version for m in discover()]
    assert f"database is up to date applied={applied}" in result.stderr
    assert peek_version(elsewhere / "state" / "bot.sqlite3") == len(applied)
    check = await run_cli("check", cwd=elsewhere, env=env, program=[installed.dramabot])
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip().endswith("ok")


async def test_the_installed_bot_answers_help(
    installed: Installed, fake: FakeDiscord, tmp_path: Path
) -> None:
    guild = fake.add_guild(name="Wheel Club")
    fan = fake.add_member(guild.id, name="fan")
    database = Path(installed.env["DATABASE_PATH"]).with_name(f"{tmp_path.name}.sqlite3")
    env = {**installed.env, "DATABASE_PATH": str(database)}
    bot = BotProcess(fake, database, tmp_path, command=installed.cmd, env=env)
    async with bot:
        await bot.start()
        itx = await fake.slash(guild.id, guild.default_channel_id, fan, "help")
        text = await itx.reply_text(timeout=15)
        for command in ("/airtime next", "/trivia start", "/poll create", "/preview"):
            assert command in text
        assert invite_url(fake.app_id) in bot.output
        program, *arguments = installed.healthcheck
        health = await run_cli(*arguments, cwd=tmp_path, env=env, program=[program])
        assert health.returncode == 0, health.stderr
        assert health.stdout.startswith("healthy: connected")
        assert await bot.terminate() == 0
    assert "Traceback" not in bot.output
