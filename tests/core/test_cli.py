"""The real CLI process: version, migrate, check, and run against the fake Discord."""

from __future__ import annotations

import asyncio
import hashlib
import re
import socket
from pathlib import Path

from bot import __version__
from bot.invite import invite_url
from bot.migrate import discover
from bot.sqlitefile import peek_version
from tests.botprocess import BotProcess, run_cli
from tests.fakediscord import FakeDiscord
from tests.pg import PostgresCluster

OTHER_TOKEN = "MTE4MDcxMjM0NTY3ODkwMTI0OA.Gwr0ng.this-token-was-reset-0123456789abcdefghij"


def _files(folder: Path) -> dict[str, str]:
    """Every file below `folder` with a hash of its bytes."""
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_version(tmp_path: Path) -> None:
    result = await run_cli("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"dramabot {__version__}"


async def test_help_for_each_command_needs_no_settings(tmp_path: Path) -> None:
    for command in ("run", "migrate", "check"):
        result = await run_cli(command, "--help", cwd=tmp_path)
        assert result.returncode == 0
        assert "usage: dramabot" in result.stdout


async def test_migrate_and_check_need_no_token(tmp_path: Path) -> None:
    database = tmp_path / "nested" / "bot.sqlite3"
    env = {"DATABASE_PATH": str(database)}
    result = await run_cli("migrate", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stderr
    assert peek_version(database) == len(discover())
    check = await run_cli("check", cwd=tmp_path, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.strip().endswith("ok")


async def test_check_changes_nothing_on_disk(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3")}
    check = await run_cli("check", cwd=tmp_path, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no database at" in check.stdout
    assert _files(tmp_path) == {}  # no database file, no data/ folder
    assert not (tmp_path / "data").exists()
    assert (await run_cli("migrate", cwd=tmp_path, env=env)).returncode == 0
    before = _files(tmp_path)
    check = await run_cli("check", cwd=tmp_path, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert _files(tmp_path) == before


async def test_check_validates_the_token_shape_when_set(tmp_path: Path) -> None:
    for token in ("not a token", "abc.def"):
        check = await run_cli("check", cwd=tmp_path, env={"DISCORD_TOKEN": token})
        assert check.returncode == 2
        assert check.stderr.strip().splitlines() == [
            "dramabot: DISCORD_TOKEN does not look like a bot token (three parts separated by "
            "dots): copy it again (Discord Developer Portal > your application > Bot > "
            "Reset Token)"
        ]
    check = await run_cli("check", cwd=tmp_path, env={"DISCORD_TOKEN": OTHER_TOKEN})
    assert check.returncode == 0, check.stdout + check.stderr


async def test_run_connects_stops_cleanly_on_sigterm_and_restarts(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    fake.add_guild(name="CLI Club")
    async with BotProcess(fake, tmp_path / "nested" / "bot.sqlite3", tmp_path) as bot:
        await bot.start()
        assert fake.find_requests("PUT", rf"/applications/{fake.app_id}/commands")
        ready = await bot.wait_for_line(r" bot\.app ready ")
        assert f"invite='{invite_url(fake.app_id)}'" in ready
        assert await bot.terminate() == 0, bot.output
        assert "bot closed" in bot.output
        assert "database closed" in bot.output
        assert fake.token not in bot.output
        await bot.start()  # same database: the commands did not change
        assert "commands unchanged; sync skipped" in bot.output
        assert await bot.terminate() == 0, bot.output
    assert len(fake.find_requests("PUT", rf"/applications/{fake.app_id}/commands")) == 1
    assert fake.identify_count == 2


async def test_run_keeps_its_start_up_heap_out_of_full_garbage_collections(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    # A full collection walking everything start-up built held the event loop 40-150 ms.
    fake.add_guild(name="CLI Club")
    async with BotProcess(fake, tmp_path / "bot.sqlite3", tmp_path, log_level="DEBUG") as bot:
        await bot.start()
        frozen = await bot.wait_for_line(r" bot start-up heap frozen ")
        objects = re.search(r"objects=(\d+)", frozen)
        assert objects is not None, frozen
        assert int(objects.group(1)) > 10_000  # the libraries, the tree, the caches
        assert await bot.terminate() == 0, bot.output


async def test_a_token_discord_refuses_is_one_line_and_exit_2(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    async with BotProcess(fake, database, tmp_path, env={"DISCORD_TOKEN": OTHER_TOKEN}) as bot:
        await bot.start(wait_ready=False)
        assert await bot.wait_exit() == 2, bot.output
    refused = [line for line in bot.lines if "DISCORD_TOKEN" in line]
    assert len(refused) == 1, bot.output
    assert "Discord refused DISCORD_TOKEN" in refused[0]
    assert "Reset it under Bot in the Developer Portal" in refused[0]
    assert "Traceback" not in bot.output
    assert OTHER_TOKEN not in bot.output
    assert [r.status for r in fake.find_requests("GET", "/users/@me")] == [401]
    # The database was migrated before the bot tried to connect.
    assert peek_version(database) == len(discover())
    assert fake.identify_count == 0


async def test_discord_unreachable_at_start_is_one_line_and_exit_1(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    port = _closed_port()
    env = {
        "DISCORD_API_URL": f"http://127.0.0.1:{port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/gateway",
    }
    database = tmp_path / "bot.sqlite3"
    async with BotProcess(fake, database, tmp_path, env=env) as bot:
        await bot.start(wait_ready=False)
        assert await bot.wait_exit() == 1, bot.output
    errors = [line for line in bot.lines if " ERROR " in line]
    assert len(errors) == 1, bot.output
    assert f"cannot reach Discord at http://127.0.0.1:{port}/api/v10" in errors[0]
    assert "check the network connection and DISCORD_API_URL" in errors[0]
    assert "Traceback" not in bot.output
    assert peek_version(database) == len(discover())
    assert fake.requests == []


async def test_a_database_that_cannot_be_opened_stops_run_at_once_with_one_line(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    database = tmp_path / "bot.sqlite3"
    database.write_bytes(b"not a database, a text file someone put here " * 100)
    async with BotProcess(fake, database, tmp_path) as bot:
        started = asyncio.get_running_loop().time()
        await bot.start(wait_ready=False)
        assert await bot.wait_exit(timeout=15) == 1, bot.output
        assert asyncio.get_running_loop().time() - started < 15
    errors = [line for line in bot.lines if " ERROR " in line]
    assert len(errors) == 1, bot.output
    assert f"cannot open {database}" in errors[0]
    assert "Traceback" not in bot.output
    assert fake.requests == []  # it never went online
    migrated = await run_cli("migrate", cwd=tmp_path, env={"DATABASE_PATH": str(database)})
    assert migrated.returncode == 1
    assert len([line for line in migrated.stderr.splitlines() if " ERROR " in line]) == 1


async def test_migrate_from_sqlite_copies_into_postgresql_and_check_reads_it(
    tmp_path: Path, pg_cluster: PostgresCluster
) -> None:
    sqlite_path = tmp_path / "old.sqlite3"
    assert (
        await run_cli("migrate", cwd=tmp_path, env={"DATABASE_PATH": str(sqlite_path)})
    ).returncode == 0
    url = pg_cluster.new_database()
    try:
        env = {"DATABASE_URL": url}
        copied = await run_cli("migrate", "--from-sqlite", str(sqlite_path), cwd=tmp_path, env=env)
        assert copied.returncode == 0, copied.stdout + copied.stderr
        assert "every table's row count matches" in copied.stdout
        again = await run_cli("migrate", "--from-sqlite", str(sqlite_path), cwd=tmp_path, env=env)
        assert again.returncode == 0  # an empty source copies into a still-empty database
        checked = await run_cli("check", cwd=tmp_path, env=env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.strip().endswith("ok")
        missing = await run_cli(
            "migrate", "--from-sqlite", str(tmp_path / "nope.sqlite3"), cwd=tmp_path, env=env
        )
        assert missing.returncode == 1
        assert "nothing was kept" in missing.stderr
    finally:
        pg_cluster.drop_database(url)
