"""Run the bot as a real subprocess against a `FakeDiscord` served by the test process.

The in-process `BotEnv` (tests/harness.py) is the quick way to drive the bot; this helper is
for what only a real process shows: the console script or `python -m bot` as an operator
starts it, signals, exit codes, what it prints, a restart on the same database, a SIGKILL.

    proc = BotProcess(fake, tmp_path / "bot.sqlite3", tmp_path)
    await proc.start()                 # waits (bounded) until the fake saw IDENTIFY + ready
    ...                                # drive it through `fake`
    assert await proc.terminate() == 0 # SIGTERM, wait, return code
    await proc.start()                 # same database, a fresh log file
    await proc.kill()                  # SIGKILL

The environment is built from scratch (nothing inherited but PATH), and the process runs in
`workdir`, so a developer's `.env` or DISCORD_TOKEN never leaks in. Each start writes the
process's stderr to its own file in `workdir` (`bot-1.stderr`, `bot-2.stderr`, ...); the
current run's lines are also in `lines` for assertions.

`run_cli` runs one of the other commands (`migrate`, `check`, `health`, ...) to completion,
with the same clean environment, without blocking the event loop the fake is served on.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from tests.fakediscord import FakeDiscord

PYTHON_M_BOT = (sys.executable, "-m", "bot", "run")
DRAMABOT = PYTHON_M_BOT[:3]  # the CLI, without a command
READY_LINE = re.compile(r" bot\.app ready\b")  # the text log line of DramaBot.on_ready
START_TIMEOUT = 60.0  # import, migrate, load cogs, sync, connect: slow on a loaded 2-core box
STOP_TIMEOUT = 30.0


def clean_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """An environment with nothing inherited but PATH, plus `extra`."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), **(extra or {})}


async def run_cli(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    program: Sequence[str] = DRAMABOT,
    timeout: float = STOP_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run `dramabot ARGS` in `cwd` to completion; stdout and stderr come back as text."""
    process = await asyncio.create_subprocess_exec(
        *[str(part) for part in program],
        *args,
        cwd=cwd,
        env=clean_env(cwd, env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"dramabot {' '.join(args)} did not finish in {timeout} s") from None
    assert process.returncode is not None
    return subprocess.CompletedProcess(
        [*program, *args], process.returncode, stdout.decode(), stderr.decode()
    )


class BotProcess:
    """One bot process at a time, started and stopped on demand, always on the same database."""

    def __init__(
        self,
        fake: FakeDiscord,
        database: Path,
        workdir: Path,
        *,
        command: Sequence[str] = PYTHON_M_BOT,
        env: Mapping[str, str] | None = None,
        log_level: str = "INFO",
        client: str | None = None,
        ready_line: re.Pattern[str] = READY_LINE,
    ) -> None:
        """Remember how to start the bot; nothing runs until `start()`.

        Args:
            fake: the started fake Discord the bot connects to.
            database: DATABASE_PATH, kept across restarts.
            workdir: the process's working directory; its stderr files go here too.
            command: e.g. `[venv / "bin" / "dramabot", "run"]`; default `python -m bot run`.
            env: extra environment variables (they win over the defaults).
            log_level: LOG_LEVEL for the process.
            client: a tag the fake records on this process's requests and sessions (for
                several processes on one fake: see `FakeDiscord.api_url_for`).
            ready_line: the stderr line that says the process is ready (another program's).
        """
        self.fake = fake
        self.database = database
        self.workdir = workdir
        self.command = [str(part) for part in command]
        self.extra_env = dict(env or {})
        self.log_level = log_level
        self.client = client
        self.ready_line = ready_line
        self.starts = 0
        self.lines: list[str] = []
        self.log_path: Path | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    def environment(self) -> dict[str, str]:
        """The process's whole environment."""
        return clean_env(
            self.workdir,
            {
                "DISCORD_TOKEN": self.fake.token,
                "DISCORD_API_URL": (
                    self.fake.api_url if self.client is None else self.fake.api_url_for(self.client)
                ),
                "DISCORD_GATEWAY_URL": self.fake.gateway_url_for(self.client),
                "DATABASE_PATH": str(self.database),
                "PREVIEW_ALLOWED_NETWORKS": "127.0.0.2/32",
                "LOG_LEVEL": self.log_level,
                **self.extra_env,
            },
        )

    @property
    def pid(self) -> int:
        """The running process's id."""
        assert self._process is not None, "bot process was never started"
        return self._process.pid

    @property
    def returncode(self) -> int | None:
        """The exit code, or None while it runs."""
        return None if self._process is None else self._process.returncode

    @property
    def running(self) -> bool:
        """Whether a started process has not exited yet."""
        return self._process is not None and self._process.returncode is None

    @property
    def output(self) -> str:
        """The current run's stderr so far."""
        return "\n".join(self.lines)

    async def start(self, *, wait_ready: bool = True, timeout: float = START_TIMEOUT) -> None:
        """Start the process; unless told otherwise, wait until it is connected and ready."""
        assert not self.running, "bot process is already running"
        self.starts += 1
        self.lines = []
        self._ready = asyncio.Event()
        self.log_path = self.workdir / f"bot-{self.starts}.stderr"
        identified = self.fake.identify_count
        self._process = await asyncio.create_subprocess_exec(
            *self.command,
            cwd=self.workdir,
            env=self.environment(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read(self._process, self.log_path))
        if wait_ready:
            await self.wait_ready(timeout, identified_before=identified)

    async def _read(self, process: asyncio.subprocess.Process, path: Path) -> None:
        assert process.stderr is not None
        with path.open("w", encoding="utf-8") as log:
            async for raw in process.stderr:
                line = raw.decode("utf-8", "replace").rstrip("\n")
                log.write(line + "\n")
                log.flush()
                self.lines.append(line)
                if self.ready_line.search(line):
                    self._ready.set()

    async def wait_ready(
        self, timeout: float = START_TIMEOUT, *, identified_before: int = 0
    ) -> None:
        """Wait until the fake saw an IDENTIFY, sent READY, and the bot logged that it is ready."""
        process = self._process
        assert process is not None, "bot process was never started"
        ready = asyncio.ensure_future(self._ready.wait())
        exited = asyncio.ensure_future(process.wait())
        try:
            await asyncio.wait(
                {ready, exited}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            ready.cancel()
            exited.cancel()
        if not self._ready.is_set():
            if process.returncode is not None:
                await self._drain()
                raise AssertionError(
                    f"bot exited with {process.returncode} before it was ready:\n{self.output}"
                )
            raise AssertionError(f"bot not ready within {timeout} s:\n{self.output}")
        await self.fake.wait_until_ready(timeout=timeout)
        assert self.fake.identify_count > identified_before, "bot was ready without IDENTIFY"

    async def wait_exit(self, timeout: float = STOP_TIMEOUT) -> int:
        """Wait for the process to end on its own; return its exit code."""
        process = self._process
        assert process is not None, "bot process was never started"
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"bot did not exit within {timeout} s:\n{self.output}") from None
        await self._drain()
        return code

    async def wait_for_line(self, pattern: str, timeout: float = STOP_TIMEOUT) -> str:
        """The first stderr line of this run matching the regex `pattern` (bounded wait)."""
        regex = re.compile(pattern)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for line in self.lines:
                if regex.search(line):
                    return line
            if loop.time() > deadline or not self.running:
                raise AssertionError(f"no log line matching {pattern!r}:\n{self.output}")
            await asyncio.sleep(0.05)

    async def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, as systemd or docker stop would; wait for the exit and return its code."""
        if self.running:
            assert self._process is not None
            self._process.send_signal(signal.SIGTERM)
        return await self.wait_exit(timeout)

    async def kill(self) -> int:
        """SIGKILL: no clean-up runs in the bot. Returns the exit code (-9)."""
        process = self._process
        assert process is not None, "bot process was never started"
        if process.returncode is None:
            process.kill()
        code = await process.wait()
        await self._drain()
        return code

    async def restart(self, *, kill: bool = False, timeout: float = START_TIMEOUT) -> None:
        """Stop (SIGTERM, or SIGKILL with `kill=True`) and start again on the same database."""
        if kill:
            await self.kill()
        else:
            await self.terminate()
        await self.start(timeout=timeout)

    async def _drain(self) -> None:
        if self._reader is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(self._reader, STOP_TIMEOUT)

    async def __aenter__(self) -> BotProcess:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Never leave a process behind, whatever the test did."""
        if self._process is not None:
            await self.kill()
