"""Errors that pure code raises for the user to read and act on."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose message is shown to the user, ephemerally, as it is.

    The message must say what was wrong and how to fix it.
    """

    def __init__(self, message: str) -> None:
        """Keep `message` for the reply."""
        super().__init__(message)
        self.message = message


class InvalidInput(UserFacingError):
    """The user typed something we cannot use."""


class NotFound(UserFacingError):
    """The thing the user named does not exist (here)."""


class Conflict(UserFacingError):
    """The request clashes with existing state (a duplicate, a game already running)."""


class NotAllowed(UserFacingError):
    """The user may not do this."""


class RateLimited(UserFacingError):
    """The user is going too fast."""


class MissingBotPermission(UserFacingError):
    """Discord refused the bot an action for lack of a permission a moderator can grant."""
