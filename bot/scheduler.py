"""A thin wrapper over APScheduler 3 so cogs can schedule, cancel and rebuild jobs.

The database row is the truth; the scheduler only holds what is derived from it, in memory.
At start-up every cog rebuilds its jobs from its tables, so nothing here needs persisting.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

log = logging.getLogger(__name__)

JobFunc = Callable[..., Awaitable[None]]


class Scheduler:
    """One AsyncIOScheduler (UTC) owned by the bot.

    Jobs run however late they are (`misfire_grace_time=None`): the job itself decides,
    from the database, whether a late run still makes sense, so lateness is never silently
    swallowed by the scheduler.
    """

    def __init__(self) -> None:
        """Create the (not yet started) scheduler."""
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )

    @property
    def running(self) -> bool:
        """Whether `start()` ran and `shutdown()` has not."""
        return bool(self._scheduler.running)

    def start(self) -> None:
        """Start processing jobs on the running event loop."""
        if not self._scheduler.running:
            self._scheduler.start()
            log.info("scheduler started")

    def shutdown(self) -> None:
        """Stop without waiting for running jobs; their rows stay in the database."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
            log.info("scheduler stopped")

    def schedule(self, job_id: str, run_at: datetime, func: JobFunc, *args: Any) -> None:
        """Run `func(*args)` at `run_at` (aware), replacing any job with the same id."""
        if run_at.tzinfo is None:
            raise ValueError("run_at must be timezone-aware")
        self._scheduler.add_job(
            func,
            trigger=DateTrigger(run_date=run_at.astimezone(UTC), timezone=UTC),
            args=args,
            id=job_id,
            name=job_id,
            replace_existing=True,
        )

    def cancel(self, job_id: str) -> bool:
        """Remove the job if it exists; return whether one was removed."""
        try:
            self._scheduler.remove_job(job_id)
        except JobLookupError:
            return False
        return True

    def cancel_prefix(self, prefix: str) -> int:
        """Remove every job whose id starts with `prefix`; return how many."""
        removed = 0
        for job in list(self._scheduler.get_jobs()):
            if job.id.startswith(prefix) and self.cancel(job.id):
                removed += 1
        return removed

    def job_ids(self, prefix: str = "") -> list[str]:
        """Ids of the scheduled jobs whose id starts with `prefix`."""
        return [job.id for job in self._scheduler.get_jobs() if job.id.startswith(prefix)]

    def next_run(self, job_id: str) -> datetime | None:
        """When the job runs next, or None if there is no such job."""
        job = self._scheduler.get_job(job_id)
        if job is None:
            return None
        run_time: datetime | None = getattr(job, "next_run_time", None)
        if run_time is None:
            # Jobs added before start() are pending and have no next_run_time yet.
            run_time = job.trigger.run_date
        return run_time

    def wakeup(self) -> None:
        """Re-check due jobs now (after the clock jumped, in tests)."""
        if self._scheduler.running:
            self._scheduler.wakeup()
