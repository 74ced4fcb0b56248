"""Health: the running bot keeps a small file up to date; `dramabot health` reads it.

One file per process (HEALTH_FILE), replaced atomically, never in the shared database. The
bot writes it when its gateway session becomes ready or resumes, every `WRITE_EVERY` seconds
while the websocket is open (discord.py closes it when heartbeats stop being acknowledged),
"disconnected" when the connection drops and "stopped" when the bot closes. A reader calls
the bot healthy when the file says connected, the process is alive and the last write is
fresh: a bot whose event loop is stuck stops writing and goes stale.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import discord

from bot import __version__

log = logging.getLogger(__name__)

WRITE_EVERY = 10.0  # seconds between writes while connected
DEFAULT_MAX_AGE = 60.0  # seconds after which a connected beat counts as stale

State = Literal["connected", "disconnected", "stopped"]


class HealthFileError(Exception):
    """The health file is missing or unreadable; the message says which and where."""


@dataclass(frozen=True)
class Beat:
    """What the bot last said about itself."""

    pid: int
    state: State
    at: float  # unix time of this write
    since: float  # unix time the state began
    latency_ms: float | None
    version: str


def write_beat(path: Path, beat: Beat) -> None:
    """Replace the health file atomically: a reader sees the old beat or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{beat.pid}.tmp")
    temporary.write_text(json.dumps(asdict(beat)), encoding="utf-8")
    os.replace(temporary, path)


def read_beat(path: Path) -> Beat:
    """The last beat written to `path`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Beat(**data)
    except FileNotFoundError:
        raise HealthFileError(
            f"no health file at {path}: the bot has not run here (or HEALTH_FILE differs)"
        ) from None
    except (OSError, ValueError, TypeError) as error:
        raise HealthFileError(f"cannot read the health file {path} ({error})") from None


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (ours or another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def verdict(
    beat: Beat, now: float, max_age: float, alive: Callable[[int], bool] = process_alive
) -> str | None:
    """Why the bot is unhealthy, or None when it is connected with a fresh heartbeat."""
    if beat.state == "stopped":
        return f"the bot stopped {_ago(now - beat.since)} (pid {beat.pid})"
    if not alive(beat.pid):
        return f"the bot (pid {beat.pid}) is not running; it did not stop cleanly"
    if beat.state == "disconnected":
        return f"the bot lost its connection to Discord {_ago(now - beat.since)}"
    age = now - beat.at
    if age > max_age:
        return (
            f"the last heartbeat is {age:.0f} s old (more than {max_age:.0f} s): "
            f"the bot (pid {beat.pid}) is stuck"
        )
    return None


def describe_healthy(beat: Beat, now: float) -> str:
    """The one line `dramabot health` prints when all is well."""
    latency = "" if beat.latency_ms is None else f", gateway latency {beat.latency_ms:.0f} ms"
    return (
        f"healthy: connected for {_duration(now - beat.since)}, last heartbeat "
        f"{_ago(now - beat.at)}{latency} (pid {beat.pid}, dramabot {beat.version})"
    )


def _ago(seconds: float) -> str:
    return f"{_duration(seconds)} ago"


def _duration(seconds: float) -> str:
    seconds = max(seconds, 0.0)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h"


class HealthReporter:
    """Keeps the health file of one bot process up to date."""

    def __init__(self, path: Path, client: discord.Client) -> None:
        """Report on `client` into `path`; nothing is written before `start()`."""
        self.path = path
        self.client = client
        self.state: State = "disconnected"
        self._since = time.time()
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._failing = False

    def start(self) -> None:
        """Begin the periodic writes (they only write while connected)."""
        if self._task is None:
            self._task = asyncio.create_task(self._every(), name="health reporter")

    async def connected(self) -> None:
        """The gateway session is ready or resumed."""
        await self._set("connected")

    async def disconnected(self) -> None:
        """The websocket closed; discord.py will try to reconnect."""
        await self._set("disconnected")

    async def stopped(self) -> None:
        """The bot is closing: stop writing and say so."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._set("stopped")

    async def _set(self, state: State) -> None:
        if self.state == "stopped":
            return  # a late disconnect event must not undo the last word
        if state != self.state:
            self.state, self._since = state, time.time()
        await self._write()

    async def _every(self) -> None:
        while True:
            await asyncio.sleep(WRITE_EVERY)
            if self.state == "connected" and self._all_shards_open():
                await self._write()

    def _all_shards_open(self) -> bool:
        shards = getattr(self.client, "shards", None)
        if shards is None:  # a client without sharding: its one websocket
            ws = self.client.ws
            return ws is not None and bool(ws.open)
        return bool(shards) and all(not shard.is_closed() for shard in shards.values())

    async def _write(self) -> None:
        latency = self.client.latency
        beat = Beat(
            pid=os.getpid(),
            state=self.state,
            at=time.time(),
            since=self._since,
            latency_ms=round(latency * 1000, 1) if math.isfinite(latency) else None,
            version=__version__,
        )
        async with self._lock:  # one write at a time, in order
            try:
                await asyncio.to_thread(write_beat, self.path, beat)
            except OSError as error:
                if not self._failing:
                    log.warning("cannot write the health file %s: %s", self.path, error)
                self._failing = True
            else:
                self._failing = False
