"""Command line: `dramabot run | migrate | check` (also `python -m bot ...`)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
from collections.abc import Sequence

from bot.app import DramaBot, discover_cog_packages
from bot.db import Database
from bot.logs import setup_logging
from bot.migrate import MigrationError, current_version, discover, migrate
from bot.settings import Settings, SettingsError, load_settings

log = logging.getLogger("bot")

EXIT_SETTINGS = 2


def build_parser() -> argparse.ArgumentParser:
    """The CLI's argument parser."""
    parser = argparse.ArgumentParser(
        prog="dramabot",
        description="A Discord bot for drama fan communities. Settings come from the "
        "environment and .env (see .env.example).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run", help="connect to Discord and run the bot", description="Start the bot."
    )
    run.add_argument(
        "--force-sync",
        action="store_true",
        help="upload the slash commands even if they did not change since the last sync",
    )
    commands.add_parser(
        "migrate",
        help="apply database migrations and exit",
        description="Apply pending migrations to DATABASE_PATH and exit.",
    )
    commands.add_parser(
        "check",
        help="validate settings, database and shipped data without connecting",
        description="Validate settings, the database and shipped data; exit 0 if all is well.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `dramabot` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"dramabot: configuration error: {error}", file=sys.stderr)  # noqa: T201
        return EXIT_SETTINGS
    setup_logging(
        settings.log_level, settings.log_format, [settings.discord_token.get_secret_value()]
    )
    try:
        discover()  # an incomplete installation is the operator's to fix, before anything runs
    except MigrationError as error:
        print(f"dramabot: {error}", file=sys.stderr)  # noqa: T201
        return EXIT_SETTINGS
    if args.command == "migrate":
        return asyncio.run(_migrate(settings))
    if args.command == "check":
        return asyncio.run(_check(settings))
    return asyncio.run(_run(settings, force_sync=args.force_sync))


async def _migrate(settings: Settings) -> int:
    db = Database(settings.database_path)
    await db.connect()
    try:
        applied = await migrate(db)
    except MigrationError as error:
        log.error("migration failed: %s", error)
        return 1
    finally:
        await db.close()
    log.info("database is up to date", extra={"applied": applied})
    return 0


async def _check(settings: Settings) -> int:
    problems: list[str] = []
    problems += await _check_database(settings)
    problems += _check_shipped_data()
    for problem in problems:
        print(f"problem: {problem}")  # noqa: T201
    print("ok" if not problems else f"{len(problems)} problem(s)")  # noqa: T201
    return 0 if not problems else 1


async def _check_database(settings: Settings) -> list[str]:
    try:
        known = len(discover())
    except MigrationError as error:
        return [str(error)]
    db = Database(settings.database_path)
    try:
        await db.connect()
        version = await current_version(db)
    except Exception as error:
        return [f"DATABASE_PATH {settings.database_path}: cannot open ({error})"]
    finally:
        await db.close()
    if version > known:
        return [f"database version {version} is newer than this code ({known})"]
    if version < known:
        print(f"note: {known - version} migration(s) pending; `dramabot run` applies them")  # noqa: T201
    return []


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


async def _run(settings: Settings, *, force_sync: bool = False) -> int:
    bot = DramaBot(settings, force_sync=force_sync)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = asyncio.create_task(bot.start(settings.discord_token.get_secret_value()))
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if stop.is_set():
        log.info("stop signal received; shutting down")
    # Always finish closing here, so the database thread is gone before the loop ends.
    await bot.close()
    try:
        await runner
    except Exception:
        log.exception("bot stopped with an error")
        return 1
    log.info("shut down cleanly")
    return 0


if __name__ == "__main__":
    sys.exit(main())
