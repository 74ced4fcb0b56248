"""The chaos harness, short and seeded: six kill -9s and nothing lost, nothing duplicated."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ZERO = (
    "votes lost",
    "phantom votes",
    "answers lost",
    "announcements missing",
    "announcements duplicated",
    "notices lost",
    "notices duplicated",
    "unclean exits",
)


@pytest.mark.chaos
def test_six_kills_lose_nothing() -> None:
    result = subprocess.run(  # noqa: S603 - our own benchmark
        [sys.executable, str(ROOT / "bench" / "chaos.py"), "--runs", "6", "--seed", "7"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard: the run takes about 90 s
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "kills: 6" in report
    for figure in ZERO:
        assert f"{figure}: 0\n" in report, report
