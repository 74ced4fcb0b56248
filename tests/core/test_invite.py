"""The invite URL: one set of named permissions for the README, the READY log and the CLI."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import discord
import pytest

from bot.invite import PERMISSIONS, client_id_from_token, invite_url, permissions
from tests.botprocess import run_cli
from tests.fakediscord import APP_ID, TOKEN

ROOT = Path(__file__).resolve().parents[2]


def _entries(folder: Path) -> list[Path]:
    return list(folder.iterdir())


def _invite_step() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^3\. Invite it.*?(?=^4\. )", readme, flags=re.MULTILINE | re.DOTALL)
    assert match, "README lost its invite step"
    return " ".join(match.group(0).split())


def test_readme_integer_is_the_codes() -> None:
    found = re.search(r"Permissions integer: `(\d+)`", _invite_step())
    assert found
    assert int(found.group(1)) == permissions().value


def test_readme_names_every_permission() -> None:
    step = _invite_step()
    for label in PERMISSIONS.values():
        assert label in step, label


def test_threads_are_covered() -> None:
    granted = permissions()
    assert granted.send_messages_in_threads
    assert granted.send_messages
    assert not granted.administrator
    assert not granted.mention_everyone  # only needed for roles that are not mentionable


def test_url_carries_client_id_scopes_and_permissions() -> None:
    query = parse_qs(urlsplit(invite_url(APP_ID)).query)
    assert query == {
        "client_id": [str(APP_ID)],
        "scope": ["bot applications.commands"],
        "permissions": [str(permissions().value)],
    }


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (TOKEN, APP_ID),
        ("MTIz.x.y", 123),
        ("bm90LWEtbnVtYmVy.x.y", None),  # "not-a-number"
        ("%%%.x.y", None),
    ],
)
def test_client_id_from_token(token: str, expected: int | None) -> None:
    assert client_id_from_token(token) == expected


async def test_cli_prints_the_url_from_the_token(tmp_path: Path) -> None:
    result = await run_cli("invite", cwd=tmp_path, env={"DISCORD_TOKEN": TOKEN})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == invite_url(APP_ID)
    assert TOKEN not in result.stdout + result.stderr


async def test_cli_takes_a_client_id_without_a_token(tmp_path: Path) -> None:
    result = await run_cli("invite", "--client-id", "42", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == invite_url(42)
    assert _entries(tmp_path) == []  # nothing written


async def test_cli_without_token_or_client_id_is_one_line(tmp_path: Path) -> None:
    result = await run_cli("invite", cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "--client-id" in lines[0]
    assert "DISCORD_TOKEN" in lines[0]
    assert result.stdout == ""


def test_permissions_are_real_flags() -> None:
    valid = set(discord.Permissions.VALID_FLAGS)
    assert set(PERMISSIONS) <= valid
