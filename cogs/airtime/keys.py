"""The names airtime gives things outside its own tables, each built here and nowhere else.

The feature's name (its problems' namespace, its outbox notices), its problem keys, its
scheduler job ids and its outbox notice keys.
"""

from __future__ import annotations

from bot.problems import ProblemKey

NAME = "airtime"
JOB_PREFIX = "airtime:"
SWEEP_JOB = "airtime-sweep"


def job_id(drama_id: int) -> str:
    """The scheduler job of one drama."""
    return f"{JOB_PREFIX}{drama_id}"


def cannot_announce(drama_id: int) -> ProblemKey:
    """A drama's announcements cannot be posted.

    Deliberately not tied to the announcement channel: when that channel is deleted the
    problem ("pick a new channel") must outlive it, so the core does not drop it.
    """
    return ProblemKey(f"announce:{drama_id}")


def late_notice(guild_id: int, drama_id: int, key: tuple[str, str]) -> str:
    """The outbox key of one late announcement (episode key, kind)."""
    return f"airtime:{guild_id}:{drama_id}:{key[0]}:{key[1]}"


EVENTS_JOB_PREFIX = "airevents:"
THREADS_JOB_PREFIX = "airthreads:"


def events_job(drama_id: int) -> str:
    """The scheduler job that keeps one drama's scheduled events in step."""
    return f"{EVENTS_JOB_PREFIX}{drama_id}"


def threads_job(drama_id: int) -> str:
    """The scheduler job that opens one drama's episode thread at air time."""
    return f"{THREADS_JOB_PREFIX}{drama_id}"


def events_refused(drama_id: int) -> ProblemKey:
    """Discord refused a drama's scheduled events (a permission, the 100-event limit)."""
    return ProblemKey(f"events:{drama_id}")


def threads_refused(drama_id: int, channel_id: int) -> ProblemKey:
    """Discord refused a drama's episode threads in a channel (forgotten with the channel)."""
    return ProblemKey(f"threads:{drama_id}", channel_id)


def threads_channel_gone(drama_id: int) -> ProblemKey:
    """A drama's episode-thread channel was deleted: not tied to it, so it outlives it."""
    return ProblemKey(f"threads-channel:{drama_id}")


def events_deleted(drama_id: int) -> ProblemKey:
    """A person deleted some of a drama's scheduled events (left deleted until turned on again)."""
    return ProblemKey(f"events-deleted:{drama_id}")


CHECKS_JOB = "airtime-tvmaze-checks"  # the one job that re-checks imported dramas when due


def tvmaze_failing(drama_id: int) -> ProblemKey:
    """An imported drama's checks against TVmaze keep failing."""
    return ProblemKey(f"tvmaze:{drama_id}")
