"""Pack files are parsed in a separate process, so a big one never holds up the bot.

PyYAML's C parser keeps the interpreter lock while it builds a document: a 256 KiB pack
parsed on a thread still stopped the event loop for ~100 ms at a time (every game, click and
command waited). One worker process, started on first use and kept while trivia runs,
parses and validates; the bot only waits on it. The worker is spawned (a fresh interpreter
that imports the pack modules alone), so nothing of the bot's state or token is copied.
When no process can be started the parse runs on a thread, as before.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from cogs.trivia.packs import Pack, PackError, parse_pack

log = logging.getLogger(__name__)

CRASHED = "file: could not be read (the reader stopped on it); check the file and try again"


class PackParser:
    """`parse_pack` in a worker process."""

    def __init__(self) -> None:
        """Start nothing yet: the process starts with the first pack."""
        self._pool: ProcessPoolExecutor | None = None
        self._in_process = True

    async def parse(self, source: str | bytes) -> Pack:
        """The validated pack.

        Raises:
            PackError: the file has problems (or made the worker process fail).
        """
        pool = self._start() if self._in_process else None
        if pool is None:
            return await asyncio.to_thread(parse_pack, source)
        # The function as the worker will import it, by name (after a reload of the cog, an
        # old module's function is not the one its name leads to, and cannot be sent).
        function = importlib.import_module(parse_pack.__module__).parse_pack
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, source)
        except BrokenProcessPool:
            log.warning("the pack parser process stopped; a new one starts with the next pack")
            self._pool = None
            raise PackError([CRASHED]) from None

    def _start(self) -> ProcessPoolExecutor | None:
        if self._pool is None:
            try:
                self._pool = ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            except OSError:
                log.warning("cannot start the pack parser process; parsing on a thread instead")
                self._in_process = False
        return self._pool

    @property
    def pids(self) -> list[int]:
        """The worker's process id, once started (for tests and diagnostics)."""
        processes = getattr(self._pool, "_processes", None) or {}
        return list(processes)

    def close(self) -> None:
        """Stop the worker process (a parse in flight is abandoned)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
