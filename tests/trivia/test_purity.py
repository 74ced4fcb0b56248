"""The pure trivia modules load without Discord, the database driver or the scheduler."""

from __future__ import annotations

import subprocess
import sys


def test_pure_modules_import_no_io_libraries() -> None:
    code = (
        "import sys\n"
        "import cogs.trivia.game, cogs.trivia.match, cogs.trivia.packs\n"
        "print(sorted(m for m in ('discord', 'aiosqlite', 'apscheduler') if m in sys.modules))\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout
