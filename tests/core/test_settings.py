"""Settings: names, defaults, and one clear line for every mistake."""

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
    Settings,
    SettingsError,
    load_settings,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer .env leaks in


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "abc.def")
    settings = load_settings()
    assert settings.discord_api_url == DEFAULT_API_URL
    assert settings.discord_gateway_url.startswith("wss://")
    assert settings.database_path == Path("data/dramabot.sqlite3")
    assert settings.dev_guild_id is None
    assert settings.log_level == "INFO"
    assert settings.message_content_intent is True
    assert settings.preview_allowed_networks == ()
    assert settings.tvmaze_api_url == DEFAULT_TVMAZE_URL
    assert not settings.gateway_is_custom


def test_tvmaze_url_loses_its_trailing_slash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("TVMAZE_API_URL", "http://127.0.0.1:8080/")
    assert load_settings().tvmaze_api_url == "http://127.0.0.1:8080"


def test_token_never_in_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "super-secret-token")
    settings = load_settings()
    assert "super-secret-token" not in repr(settings)
    assert "super-secret-token" not in str(settings.model_dump())


def test_reads_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=from-file\nDEV_GUILD_ID=42\nlog_level=debug\n")
    settings = load_settings()
    assert settings.discord_token.get_secret_value() == "from-file"
    assert settings.dev_guild_id == 42
    assert settings.log_level == "DEBUG"


def test_allowed_networks_plain_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "t")
    monkeypatch.setenv("PREVIEW_ALLOWED_NETWORKS", "127.0.0.2/32, 10.1.0.0/16")
    settings = load_settings()
    assert settings.preview_allowed_networks == (
        ipaddress.ip_network("127.0.0.2/32"),
        ipaddress.ip_network("10.1.0.0/16"),
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, r"DISCORD_TOKEN is required"),
        ({"DISCORD_TOKEN": ""}, r"DISCORD_TOKEN is invalid"),
        ({"DISCORD_TOKEN": "t", "DEV_GUILD_ID": "abc"}, r"DEV_GUILD_ID is invalid"),
        ({"DISCORD_TOKEN": "t", "LOG_LEVEL": "loud"}, r"LOG_LEVEL is invalid"),
        ({"DISCORD_TOKEN": "t", "DISCORD_API_URL": "ftp://x"}, r"DISCORD_API_URL is invalid"),
        ({"DISCORD_TOKEN": "t", "DISCORD_GATEWAY_URL": "http://x"}, r"DISCORD_GATEWAY_URL"),
        ({"DISCORD_TOKEN": "t", "MESSAGE_CONTENT_INTENT": "maybe"}, r"MESSAGE_CONTENT_INTENT"),
        ({"DISCORD_TOKEN": "t", "PREVIEW_ALLOWED_NETWORKS": "10.0.0.0/33"}, r"PREVIEW_ALLOWED"),
        ({"DISCORD_TOKEN": "t", "TVMAZE_API_URL": "api.tvmaze.com"}, r"TVMAZE_API_URL is inv"),
    ],
)
def test_errors_name_the_setting(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError, match=expected) as caught:
        load_settings()
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "DISCORD_TOKEN is required"),
        ({"DISCORD_TOKEN": "t", "DEV_GUILD_ID": "-5"}, "DEV_GUILD_ID is invalid"),
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
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_env_example_lists_every_setting() -> None:
    text = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    assert set(ENV_NAMES) <= listed, set(ENV_NAMES) - listed
    assert listed <= set(ENV_NAMES), listed - set(ENV_NAMES)


def test_settings_class_has_no_instance_at_import() -> None:
    import bot.settings as module

    assert not any(isinstance(value, Settings) for value in vars(module).values())
