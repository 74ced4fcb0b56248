"""Settings: names, defaults, and one clear line in our own words for every mistake."""

from __future__ import annotations

import ipaddress
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import (
    DEFAULT_API_URL,
    DEFAULT_TVMAZE_URL,
    ENV_NAMES,
    TOKEN_MISSING,
    Settings,
    SettingsError,
    load_settings,
)

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "MTE4MDcxMjM0NTY3ODkwMTI0OA.GfAkE1.abcdefghijklmnopqrstuvwxyz0123456789-_"
# Words of the validation library that an operator must never have to read.
LIBRARY_WORDS = ("Input should", "validation", "pydantic", "Value error", "type=")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.token() == TOKEN
    assert settings.discord_api_url == DEFAULT_API_URL
    assert settings.discord_gateway_url.startswith("wss://")
    assert settings.database_path == Path("data/dramabot.sqlite3")
    assert settings.health_path == Path("data/dramabot.health")
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.message_content_intent is True
    assert settings.preview_allowed_networks == ()
    assert settings.tvmaze_api_url == DEFAULT_TVMAZE_URL
    assert not settings.gateway_is_custom


def test_tvmaze_url_loses_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TVMAZE_API_URL", "http://127.0.0.1:8080/")
    assert load_settings().tvmaze_api_url == "http://127.0.0.1:8080"


def test_token_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    settings = load_settings()
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())


def test_reads_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN={TOKEN}\nDEV_GUILD_ID=42\nlog_level=debug\n")
    settings = load_settings()
    assert settings.token() == TOKEN
    assert settings.dev_guild_id == 42
    assert settings.log_level == "DEBUG"


def test_allowed_networks_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREVIEW_ALLOWED_NETWORKS", "127.0.0.2/32, 10.1.0.0/16")
    settings = load_settings()
    assert settings.preview_allowed_networks == (
        ipaddress.ip_network("127.0.0.2/32"),
        ipaddress.ip_network("10.1.0.0/16"),
    )


def test_health_file_follows_the_database_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_PATH", "/var/lib/dramabot/bot.sqlite3")
    assert load_settings().health_path == Path("/var/lib/dramabot/dramabot.health")
    monkeypatch.setenv("HEALTH_FILE", "/run/dramabot/health")
    assert load_settings().health_path == Path("/run/dramabot/health")


def test_no_token_is_fine_until_one_is_needed() -> None:
    settings = load_settings()
    assert settings.discord_token is None
    with pytest.raises(SettingsError) as caught:
        settings.token()
    assert str(caught.value) == TOKEN_MISSING


def test_an_empty_dotenv_reads_like_a_missing_one(tmp_path: Path) -> None:
    # What `cp .env.example .env` gives: every setting present, most of them empty.
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text())
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.preview_allowed_networks == ()
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\nLOG_LEVEL=\nDEV_GUILD_ID=\nHEALTH_FILE=\n")
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.log_level == "INFO"
    assert settings.health_path == Path("data/dramabot.health")


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DISCORD_TOKEN": "not a token"}, "DISCORD_TOKEN does not look like a bot token"),
        ({"DISCORD_TOKEN": "abc.def"}, "DISCORD_TOKEN does not look like a bot token"),
        ({"DEV_GUILD_ID": "abc"}, "DEV_GUILD_ID is 'abc'; it must be a server id"),
        ({"DEV_GUILD_ID": "-5"}, "DEV_GUILD_ID is '-5'; it must be a server id"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL is 'loud'; it must be DEBUG, INFO, WARNING"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT is 'xml'; it must be text or json"),
        ({"DISCORD_API_URL": "ftp://x"}, "DISCORD_API_URL is 'ftp://x'; it must start with http"),
        ({"DISCORD_GATEWAY_URL": "http://x"}, "DISCORD_GATEWAY_URL is 'http://x'; it must start"),
        ({"MESSAGE_CONTENT_INTENT": "maybe"}, "MESSAGE_CONTENT_INTENT is 'maybe'; it must be true"),
        ({"PREVIEW_ALLOWED_NETWORKS": "10.0.0.0/33"}, "PREVIEW_ALLOWED_NETWORKS is '10.0.0.0/33'"),
        ({"TVMAZE_API_URL": "api.tvmaze.com"}, "TVMAZE_API_URL is 'api.tvmaze.com'; it must"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL is 'mysql://x/y'; it must be a PostgreSQL"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT is '0'; it must be a whole number"),
        ({"SHARD_IDS": "0,1"}, "SHARD_IDS is '0,1'; it must be shard numbers"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "SHARD_IDS is '2'; it must be shard numbers"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "one"}, "SHARD_IDS is 'one'; it must be shard numbers"),
    ],
)
def test_errors_name_the_setting_in_our_words(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert not any(word in message for word in LIBRARY_WORDS), message
    if "DISCORD_TOKEN" in env:
        assert env["DISCORD_TOKEN"] not in message


def test_two_mistakes_make_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "loud")
    monkeypatch.setenv("DEV_GUILD_ID", "abc")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "DEV_GUILD_ID" in str(caught.value)
    assert "LOG_LEVEL" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "DISCORD_TOKEN is not set: put the bot token in .env"),
        ({"DISCORD_TOKEN": ""}, "DISCORD_TOKEN is not set: put the bot token in .env"),
        ({"DISCORD_TOKEN": "not a token"}, "DISCORD_TOKEN does not look like a bot token"),
        ({"DISCORD_TOKEN": TOKEN, "DEV_GUILD_ID": "-5"}, "DEV_GUILD_ID is '-5'"),
    ],
)
def test_cli_exits_2_with_one_line(env: dict[str, str], expected: str, tmp_path: Path) -> None:
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **env}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0] == f"dramabot: {expected}" or lines[0].startswith(f"dramabot: {expected}")
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "data").exists()


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    assert set(ENV_NAMES) <= listed, set(ENV_NAMES) - listed
    assert listed <= set(ENV_NAMES), listed - set(ENV_NAMES)


def test_settings_class_has_no_instance_at_import() -> None:
    import bot.settings as module

    assert not any(isinstance(value, Settings) for value in vars(module).values())
