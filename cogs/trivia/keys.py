"""Every name trivia files things under, built in one place: feature, problems, notices, jobs."""

from __future__ import annotations

from bot.problems import ProblemKey

FEATURE = "trivia"  # the feature, its channel switch, its problems and its outbox notices
DEADLINE_JOBS = "trivia:deadline:"  # prefix of every question-deadline job


def cannot_post(channel_id: int) -> ProblemKey:
    """The problem 'I cannot post in this channel' (forgotten with the channel)."""
    return ProblemKey("post", channel_id)


def interrupted_notice(game_id: int) -> str:
    """The outbox key of the notice owed for a game a restart closed."""
    return f"trivia:interrupted:{game_id}"


def deadline_job(game_id: int) -> str:
    """The scheduler job that closes a game's current question."""
    return f"{DEADLINE_JOBS}{game_id}"
