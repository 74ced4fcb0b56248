"""Command line: `dramabot run|migrate|check|backup|health|invite` (or `python -m bot ...`).

Exit codes: 0 all is well; 2 something the operator must fix before it can work (a setting,
the token, an incomplete installation); 1 anything else that went wrong.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp
import discord

from bot import __version__
from bot.app import DramaBot, discover_cog_packages
from bot.db import Database, StorageError
from bot.dbcopy import CopyError, copy_sqlite
from bot.health import DEFAULT_MAX_AGE, HealthFileError, describe_healthy, read_beat, verdict
from bot.heap import freeze_after_bulk_builds
from bot.invite import client_id_from_token, invite_url
from bot.logs import setup_logging
from bot.migrate import MigrationError, discover, migrate
from bot.settings import PORTAL_BOT_PAGE, Settings, SettingsError, load_settings
from bot.sqlitefile import BackupError, backup, peek_version
from bot.text import plural

log = logging.getLogger("bot")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_FIX_SETUP = 2
USES_DATABASE = {"run", "migrate", "check"}

TOKEN_REFUSED = (
    "Discord refused DISCORD_TOKEN (401 Unauthorized): it is wrong or was reset. "
    f"Reset it under Bot in the Developer Portal ({PORTAL_BOT_PAGE}) and put the new one in .env."
)


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(
        prog="dramabot",
        description="A Discord bot for drama fan communities. Settings come from the "
        "environment and .env (see .env.example).",
    )
    parser.add_argument("--version", action="version", version=f"dramabot {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="migrate the database, connect to Discord and run the bot",
        description="Apply pending migrations, then connect to Discord and run the bot.",
    )
    run.add_argument(
        "--force-sync",
        action="store_true",
        help="upload the slash commands even if they did not change since the last sync",
    )
    migrate_command = commands.add_parser(
        "migrate",
        help="apply database migrations and exit (no token needed)",
        description="Apply pending migrations to the database (DATABASE_URL, else "
        "DATABASE_PATH) and exit.",
    )
    migrate_command.add_argument(
        "--from-sqlite",
        type=Path,
        metavar="FILE",
        help="then copy this SQLite database into the (empty) PostgreSQL one of DATABASE_URL, "
        "checking every table's row count",
    )
    commands.add_parser(
        "check",
        help="validate settings, database and shipped data; changes nothing, connects nowhere",
        description="Validate the settings (the token's shape too, when set), the database and "
        "the shipped data without connecting or changing anything; exit 0 if all is well.",
    )
    invite = commands.add_parser(
        "invite",
        help="print the URL that adds the bot to a server",
        description="Print the invite URL: scopes bot and applications.commands with the "
        "permissions the features need.",
    )
    invite.add_argument(
        "--client-id",
        type=int,
        metavar="ID",
        help="the Application ID (Developer Portal > General Information); "
        "by default it is read from DISCORD_TOKEN",
    )
    backup_command = commands.add_parser(
        "backup",
        help="copy the database into a new FILE; safe while the bot runs",
        description="Make a consistent copy of DATABASE_PATH in FILE with SQLite's online "
        "backup API, while the bot keeps running. FILE must not exist yet.",
    )
    backup_command.add_argument("file", type=Path, metavar="FILE")
    health = commands.add_parser(
        "health",
        help="exit 0 if the running bot is connected and its heartbeat is fresh",
        description="Read the running bot's health file (HEALTH_FILE) and exit 0 when the bot "
        "is connected to Discord with a fresh heartbeat, 1 otherwise; for a container "
        "healthcheck or a service watchdog. Run it where the bot runs.",
    )
    health.add_argument(
        "--max-age",
        type=float,
        default=DEFAULT_MAX_AGE,
        metavar="SECONDS",
        help=f"oldest heartbeat that still counts as fresh (default {DEFAULT_MAX_AGE:.0f})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `dramabot` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
        token = settings.token() if args.command == "run" else ""
        if args.command in USES_DATABASE:
            discover()  # an incomplete installation is the operator's to fix, first of all
    except (SettingsError, MigrationError) as error:
        _say(str(error))
        return EXIT_FIX_SETUP
    if args.command == "invite":
        return _invite(settings, args.client_id)
    if args.command == "health":
        return _health(settings, args.max_age)
    if args.command == "backup":
        return _backup(settings, args.file)
    setup_logging(settings.log_level, settings.log_format, settings.secrets())
    if args.command == "migrate":
        if args.from_sqlite is not None:
            return asyncio.run(_copy_from_sqlite(settings, args.from_sqlite))
        return asyncio.run(_migrate(settings))
    if args.command == "check":
        return asyncio.run(_check(settings))
    return asyncio.run(_run(settings, token, force_sync=args.force_sync))


def _say(line: str) -> None:
    """One line for the operator on stderr (before logging is set up)."""
    print(f"dramabot: {line}", file=sys.stderr)  # noqa: T201


def _invite(settings: Settings, client_id: int | None) -> int:
    if client_id is None and settings.discord_token is not None:
        client_id = client_id_from_token(settings.token())
    if client_id is None or client_id <= 0:
        _say(
            "the invite URL needs the application id: pass --client-id with the Application ID "
            "(Developer Portal > your application > General Information), or set DISCORD_TOKEN"
        )
        return EXIT_FIX_SETUP
    print(invite_url(client_id))  # noqa: T201
    return EXIT_OK


def _backup(settings: Settings, target: Path) -> int:
    if settings.database_url is not None:
        _say(
            "backup copies the SQLite database; with DATABASE_URL (PostgreSQL) use "
            "PostgreSQL's own tools (pg_dump)"
        )
        return EXIT_FIX_SETUP
    try:
        done = backup(settings.database_path, target)
    except BackupError as error:
        _say(str(error))
        return EXIT_FAILED
    print(  # noqa: T201
        f"backed up {settings.database_path} to {done.target} "
        f"(schema version {done.version}, {max(done.size // 1024, 1)} KiB)"
    )
    return EXIT_OK


def _health(settings: Settings, max_age: float) -> int:
    now = time.time()
    try:
        beat = read_beat(settings.health_path)
    except HealthFileError as error:
        _say(f"unhealthy: {error}")
        return EXIT_FAILED
    problem = verdict(beat, now, max_age)
    if problem is not None:
        _say(f"unhealthy: {problem}")
        return EXIT_FAILED
    print(describe_healthy(beat, now))  # noqa: T201
    return EXIT_OK


async def _migrate(settings: Settings) -> int:
    db = Database(settings.database_target)
    try:
        await db.connect()
        applied = await migrate(db)
    except (MigrationError, StorageError, OSError) as error:
        log.error("migration failed: %s", error)
        return EXIT_FAILED
    finally:
        await db.close()
    log.info("database is up to date", extra={"applied": applied})
    return EXIT_OK


async def _copy_from_sqlite(settings: Settings, source: Path) -> int:
    db = Database(settings.database_target)
    try:
        await db.connect()
        copied = await copy_sqlite(source, db)
    except (CopyError, MigrationError, StorageError, OSError) as error:
        log.error("copy failed, nothing was kept: %s", error)
        return EXIT_FAILED
    finally:
        await db.close()
    for table in copied:
        print(f"{table.table}: {plural(table.rows, 'row')}")  # noqa: T201
    print(f"copied {source} into {db.label}; every table's row count matches")  # noqa: T201
    return EXIT_OK


async def _check(settings: Settings) -> int:
    database = (
        await _check_server_database(settings)
        if settings.database_url is not None
        else _check_database(settings)
    )
    problems = database + _check_shipped_data()
    for problem in problems:
        print(f"problem: {problem}")  # noqa: T201
    print("ok" if not problems else plural(len(problems), "problem"))  # noqa: T201
    return EXIT_OK if not problems else EXIT_FAILED


async def _check_server_database(settings: Settings) -> list[str]:
    """Read PostgreSQL's schema version (reading changes nothing)."""
    db = Database(settings.database_target)
    try:
        await db.connect()
        version = await db.schema_version()
    except StorageError as error:
        return [f"DATABASE_URL: {error}"]
    finally:
        await db.close()
    return _compare_versions(version, db.label)


def _compare_versions(version: int, where: object) -> list[str]:
    known = len(discover())
    if version > known:
        return [f"the database at {where} is at version {version}, newer than this code ({known})"]
    if version < known:
        pending = plural(known - version, "migration")
        print(f"note: {pending} pending; `dramabot migrate` or `run` applies them")  # noqa: T201
    return []


def _check_database(settings: Settings) -> list[str]:
    path = settings.database_path
    if not path.exists():
        print(f"note: no database at {path} yet; `dramabot migrate` or `run` creates it")  # noqa: T201
        return []
    try:
        version = peek_version(path)
    except sqlite3.Error as error:
        return [f"DATABASE_PATH {path}: cannot read it as an SQLite database ({error})"]
    return _compare_versions(version, path)


def _check_shipped_data() -> list[str]:
    problems: list[str] = []
    for name in discover_cog_packages():
        try:
            module = importlib.import_module(name)
        except Exception as error:
            problems.append(f"{name}: cannot import ({error!r})")
            continue
        check = getattr(module, "check_data", None)
        if check is not None:
            problems += [f"{name}: {problem}" for problem in check()]
    return problems


async def _run(settings: Settings, token: str, *, force_sync: bool = False) -> int:
    code = await _migrate(settings)  # before connecting: a broken database never goes online
    if code != EXIT_OK:
        return code
    bot = DramaBot(settings, force_sync=force_sync)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = asyncio.create_task(_serve(bot, token))
    stopper = asyncio.create_task(stop.wait())
    freezer = asyncio.create_task(_freeze_start_up_heap(bot))
    await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    freezer.cancel()
    if stop.is_set():
        log.info("stop signal received; shutting down")
    # Always finish closing here, so the database thread is gone before the loop ends.
    await bot.close()
    try:
        await runner
    except Exception as error:
        return _failure(settings, error)
    if bot.storage_failure is not None:
        return EXIT_FAILED
    log.info("shut down cleanly")
    return EXIT_OK


async def _freeze_start_up_heap(bot: DramaBot) -> None:
    """Once connected, keep what start-up built out of the garbage collector's full passes.

    The libraries, the command tree and the guild caches live as long as the process, yet a
    full collection walks them all: 40-150 ms with the event loop held, at moments set by
    allocation (an export, a busy minute of votes). Frozen, they are left alone; what is
    built later is collected as usual. Only this process entry does it: a bot embedded in
    another program (the tests) leaves that program's collector as it is. The young
    generations are collected first (cheap); a full collection here would itself hold the
    loop for that long just as the first commands arrive.
    """
    await bot.wait_until_ready()
    gc.collect(1)
    gc.freeze()
    freeze_after_bulk_builds(True)  # what features build in bulk after READY, frozen likewise
    log.debug("start-up heap frozen", extra={"objects": gc.get_freeze_count()})


async def _serve(bot: DramaBot, token: str) -> None:
    """`bot.start()`, in two steps so a failure to log in can be told from a later one."""
    try:
        await bot.login(token)
    except (aiohttp.ClientError, OSError) as error:
        raise Unreachable(error) from error
    await bot.connect()


class Unreachable(Exception):
    """Discord's REST API could not be reached while logging in."""


def _failure(settings: Settings, error: Exception) -> int:
    """Log why the bot stopped, in one line when the operator can act on it."""
    refused = isinstance(error, discord.LoginFailure) or (
        isinstance(error, discord.ConnectionClosed) and error.code == 4004
    )
    if refused:
        log.error(TOKEN_REFUSED)
        return EXIT_FIX_SETUP
    if isinstance(error, Unreachable):
        reason = error.__cause__ or error
        log.error(
            "cannot reach Discord at %s (%s); check the network connection and "
            "DISCORD_API_URL, then start again",
            settings.discord_api_url,
            str(reason) or type(reason).__name__,
        )
        return EXIT_FAILED
    log.exception("bot stopped with an error", exc_info=error)
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
