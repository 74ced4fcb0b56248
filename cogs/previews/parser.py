"""Parse fetched pages in worker processes that can be killed.

lexbor is fast on real pages (~1 ms) but some hostile inputs make it super-linear: a
`<select>` with 100 000 `<option>`s, one tag with 100 000 attributes or 200 000 nested
`<div>`s each take a minute or more of CPU inside one C call. A thread cannot be stopped, so
such a page would burn a core and hold an executor thread (the one DNS lookups use) for
minutes. Here every parse runs in a small pool of long-lived worker processes
(`python -m cogs.previews.parse_worker`); a parse that misses its deadline is killed with
its process, which is replaced on the next use. The event loop only waits on a pipe.
The workers are started ahead of the first page (`warm`), so fans never wait for one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from cogs.previews.extract import Article, extract_article

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
WORKER_MODULE = "cogs.previews.parse_worker"
PARSE_TIMEOUT = 3.0
START_TIMEOUT = 20.0
WORKERS = 2
REPLY_LIMIT = 1024 * 1024


class ParseFailed(Exception):
    """The page could not be parsed in time (or the worker died); `message` is for a fan."""

    def __init__(self, message: str) -> None:
        """Keep the sentence for the reply."""
        super().__init__(message)
        self.message = message


class _Worker:
    """One worker process and its pipes; used by one parse at a time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls) -> _Worker:
        # A minimal environment: the process reading hostile pages never sees the token.
        env = {"PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            WORKER_MODULE,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            cwd=str(ROOT),
            env=env,
            limit=REPLY_LIMIT,
        )
        return cls(process)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def ask(self, body: bytes, url: str, content_type: str | None) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        if stdin is None or stdout is None:
            raise ParseFailed("I couldn't read that page.")
        header = json.dumps({"url": url, "content_type": content_type, "size": len(body)})
        stdin.write(header.encode() + b"\n" + body)
        await stdin.drain()
        line = await stdout.readline()
        if not line:
            raise ParseFailed("I couldn't read that page.")
        reply: dict[str, Any] = json.loads(line)
        return reply

    async def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        with contextlib.suppress(Exception):
            await self.process.wait()


class ParserPool:
    """`extract` = `extract_article` in a killable worker process, with a deadline."""

    def __init__(self, workers: int = WORKERS, timeout: float = PARSE_TIMEOUT) -> None:
        """Allow `workers` parses at once, each at most `timeout` seconds."""
        self.timeout = timeout
        self._size = workers
        self._slots: asyncio.Queue[_Worker | None] = asyncio.Queue()
        for _ in range(workers):
            self._slots.put_nowait(None)  # a slot whose process starts at warm-up or first use
        self._workers: set[_Worker] = set()
        self._in_process = True
        self.killed = 0

    async def warm(self) -> None:
        """Start every worker now, so that the first pages need not wait for a process."""
        await asyncio.gather(*(self._warm_one() for _ in range(self._size)))

    async def _warm_one(self) -> None:
        worker = await self._slots.get()
        try:
            if self._in_process:
                worker = await self._ready(worker)
        finally:
            self._slots.put_nowait(worker)

    async def extract(self, body: bytes, url: str, content_type: str | None = None) -> Article:
        """The page's Article, parsed in a worker.

        Raises:
            ParseFailed: the parse missed its deadline (the worker is killed) or crashed.
        """
        if not self._in_process:
            return await asyncio.to_thread(extract_article, body, url, content_type)
        worker = await self._slots.get()
        try:
            worker = await self._ready(worker)
            if worker is None:
                self._slots.put_nowait(None)
                return await asyncio.to_thread(extract_article, body, url, content_type)
            reply = await self._ask(worker, body, url, content_type)
        except BaseException:
            # Timed out, crashed or the caller was cancelled mid-answer: the worker's pipe
            # is in an unknown state, so it goes; the slot gets a fresh one on next use.
            if worker is not None:
                await self._discard(worker)
            self._slots.put_nowait(None)
            raise
        self._slots.put_nowait(worker)
        if "article" not in reply:
            raise ParseFailed("I couldn't read that page.")
        return Article.from_json(reply["article"])

    async def _ready(self, worker: _Worker | None) -> _Worker | None:
        if worker is not None and worker.alive:
            return worker
        if worker is not None:
            await self._discard(worker)
        try:
            async with asyncio.timeout(START_TIMEOUT):
                fresh = await _Worker.start()
        except (OSError, TimeoutError):
            log.warning("cannot start the page parser process; parsing in a thread instead")
            self._in_process = False
            return None
        self._workers.add(fresh)
        return fresh

    async def _ask(
        self, worker: _Worker, body: bytes, url: str, content_type: str | None
    ) -> dict[str, Any]:
        try:
            async with asyncio.timeout(self.timeout):
                return await worker.ask(body, url, content_type)
        except TimeoutError:
            self.killed += 1
            log.info("page parse took too long; worker killed")
            raise ParseFailed("That page is too complicated to preview.") from None
        except (OSError, ValueError, EOFError):
            raise ParseFailed("I couldn't read that page.") from None

    async def _discard(self, worker: _Worker) -> None:
        self._workers.discard(worker)
        await worker.kill()

    @property
    def pids(self) -> list[int]:
        """The running workers' process ids (for tests and /config diagnostics)."""
        return [w.process.pid for w in self._workers if w.alive]

    async def close(self) -> None:
        """Stop every worker."""
        workers, self._workers = list(self._workers), set()
        for worker in workers:
            await worker.kill()
