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


CHECKS_JOB = "airtime-tvmaze-checks"  # the one job that re-checks imported dramas when due


def tvmaze_failing(drama_id: int) -> ProblemKey:
    """An imported drama's checks against TVmaze keep failing."""
    return ProblemKey(f"tvmaze:{drama_id}")
