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
