"""Structured logging: key=value (or JSON) lines carrying ids, never secrets."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else came from `extra=` and is context to print.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {key: value for key, value in vars(record).items() if key not in _STANDARD}


def _trailer(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    """The record's traceback and stack text ('' when it has neither).

    A `RedactFilter` renders (and redacts) the traceback into `exc_text` up front; it is
    used as is, never rendered again from `exc_info`.
    """
    parts: list[str] = []
    if record.exc_text:
        parts.append(record.exc_text)
    elif record.exc_info:
        parts.append(formatter.formatException(record.exc_info))
    if record.stack_info:
        parts.append(formatter.formatStack(record.stack_info))
    return "\n".join(parts)


class KeyValueFormatter(logging.Formatter):
    """`2026-11-26T05:30:00Z INFO bot.app ready user_id=1 guilds=3`."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record on one line (tracebacks follow on their own lines)."""
        when = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        line = f"{when} {record.levelname} {record.name} {record.getMessage()}"
        extras = " ".join(f"{key}={value!r}" for key, value in _extras(record).items())
        if extras:
            line = f"{line} {extras}"
        trailer = _trailer(self, record)
        if trailer:
            line = f"{line}\n{trailer}"
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        """Render one record as JSON."""
        payload: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_extras(record),
        }
        trailer = _trailer(self, record)
        if trailer:
            payload["exception"] = trailer
        return json.dumps(payload, default=str, ensure_ascii=False)


class RedactFilter(logging.Filter):
    """Replace secrets with `[redacted]` wherever they would appear in a record."""

    def __init__(self, secrets: list[str]) -> None:
        """Remember the secret strings (empty ones are ignored)."""
        super().__init__()
        self._secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place (message, extras, traceback, stack); always keep it."""
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        for key, value in _extras(record).items():
            if isinstance(value, str):
                setattr(record, key, self._redact(value))
        if record.exc_info and not record.exc_text:
            # An exception's text (a URL, a header in a message) can carry the token too:
            # render it once here, redacted, and drop the raw exception from the record.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return text


def setup_logging(level: str, fmt: str = "text", secrets: list[str] | None = None) -> None:
    """Configure the root logger once for the whole process."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter())
    handler.addFilter(RedactFilter(secrets or []))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py's gateway chatter at DEBUG is huge; keep it at INFO unless asked.
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
    # APScheduler says INFO for every job added, removed, run and done: thousands of lines at
    # each start of a bot in 10,000 servers. Its warnings and errors still show.
    logging.getLogger("apscheduler").setLevel(max(logging.getLevelName(level), logging.WARNING))
