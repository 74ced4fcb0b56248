"""Logs carry context and never a secret."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonFormatter, KeyValueFormatter, RedactFilter


def _record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("bot.test", logging.INFO, __file__, 1, msg, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    return record


def test_key_value_includes_extras() -> None:
    line = KeyValueFormatter().format(_record("sent %s", "ok", guild_id=5, kind="on_air"))
    assert "INFO bot.test sent ok" in line
    assert "guild_id=5" in line
    assert "kind='on_air'" in line


def test_json_is_one_object() -> None:
    payload = json.loads(JsonFormatter().format(_record("hello", guild_id=7)))
    assert payload["message"] == "hello"
    assert payload["guild_id"] == 7


def test_secret_redacted_everywhere() -> None:
    record = _record("login with %s", "tok.en.secret", url="https://x/tok.en.secret")
    RedactFilter(["tok.en.secret"]).filter(record)
    line = KeyValueFormatter().format(record)
    assert "tok.en.secret" not in line
    assert line.count("[redacted]") == 2


def _failing_record(secret: str) -> logging.LogRecord:
    try:
        raise RuntimeError(f"gateway refused Authorization: Bot {secret}")
    except RuntimeError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord("bot.test", logging.ERROR, __file__, 1, "failed", (), exc_info)
    record.stack_info = f"Stack (most recent call last):\n  token={secret}"
    return record


def test_secret_redacted_in_tracebacks_text_and_json() -> None:
    for formatter in (KeyValueFormatter(), JsonFormatter()):
        record = _failing_record("tok.en.secret")
        RedactFilter(["tok.en.secret"]).filter(record)
        line = formatter.format(record)
        assert "tok.en.secret" not in line
        assert "RuntimeError: gateway refused Authorization: Bot [redacted]" in line
        assert "token=[redacted]" in line
