"""Bench-only: notes every event-loop callback that ran longer than a threshold.

bench/stalls.py starts the bot with this folder on PYTHONPATH, so Python imports this file
at start-up (the `sitecustomize` hook); the bot's own code is unchanged. Each callback that
holds the loop for more than LOOPWATCH_MS (default 10) milliseconds appends a line to
LOOPWATCH_FILE: the wall-clock time it ended, how long it ran and how much of that was the
loop thread's own CPU (ms; on a shared machine the rest is waiting for a core), and what it
was.
Nothing happens unless LOOPWATCH_FILE is set.
"""

from __future__ import annotations

import asyncio
import asyncio.events
import os
import time

_PATH = os.environ.get("LOOPWATCH_FILE")
_LIMIT = float(os.environ.get("LOOPWATCH_MS", "10")) / 1000


def _describe(callback: object) -> str:
    """A task's await chain where it stopped (`coroutine:line > ...`), else the callback."""
    task = getattr(callback, "__self__", None)
    if not isinstance(task, asyncio.Task):
        return repr(callback)[:160]
    where = []
    coro = task.get_coro()
    while coro is not None and len(where) < 8:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None)
        if frame is None:
            break
        where.append(f"{frame.f_code.co_qualname}:{frame.f_lineno}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None)
    return " > ".join(where) or task.get_name()


def _install(path: str) -> None:
    out = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115 - open for the process
    run = asyncio.events.Handle._run

    def timed(self: asyncio.events.Handle) -> None:
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            run(self)
        finally:
            spent = time.perf_counter() - start
            if spent > _LIMIT:
                used = (time.thread_time() - cpu) * 1000
                what = _describe(getattr(self, "_callback", None)).replace("\n", " ")
                out.write(f"{time.time():.4f} {spent * 1000:.1f} {used:.1f} {what}\n")

    asyncio.events.Handle._run = timed  # type: ignore[method-assign]


if _PATH:
    _install(_PATH)

if os.environ.get("LOOPWATCH_GC"):
    import gc

    _gc_start = [0.0]

    def _gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _gc_start[0] = time.perf_counter()
        elif info["generation"] == 2 and _PATH:
            with open(_PATH + ".gc", "a", encoding="utf-8") as out:
                out.write(f"{time.time():.4f} {(time.perf_counter() - _gc_start[0]) * 1000:.1f}\n")

    gc.callbacks.append(_gc)
