"""Shapes shared by the REST handlers: parsed requests, replies, Discord-style errors."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Upload:
    field: str
    filename: str
    data: bytes
    content_type: str | None


@dataclass
class Recorded:
    """One REST request the bot made (recorded after it was handled)."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any  # JSON body (None if none), or payload_json of a multipart body
    files: list[tuple[str, bytes]]
    headers: dict[str, str]
    status: int = 0
    response: Any = None  # JSON body the fake answered with (None for 204)
    client: str | None = None  # tag of FakeDiscord.api_url_for(...) the request came through


@dataclass
class Req:
    method: str
    path: str
    query: dict[str, str]
    json: Any
    uploads: list[Upload]
    headers: dict[str, str]
    client: str | None = None


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class HttpError(Exception):
    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors  # Discord's nested form-body errors (400 / 50035)


def forbidden() -> HttpError:
    return HttpError(403, 50013, "Missing Permissions")


Handler = Callable[[Req, "re.Match[str]"], Awaitable[Reply]]
