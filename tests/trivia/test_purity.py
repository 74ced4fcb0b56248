"""The pure trivia modules load without Discord, the database driver or the scheduler."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path


def test_pure_modules_import_no_io_libraries() -> None:
    code = (
        "import sys\n"
        "import cogs.trivia.game, cogs.trivia.match, cogs.trivia.packs, cogs.trivia.packyaml\n"
        "print(sorted(m for m in ('discord', 'aiosqlite', 'apscheduler') if m in sys.modules))\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]", out.stdout


SENDS = {"send", "edit", "send_message", "edit_message", "edit_original_response"}


def test_every_send_and_edit_names_its_allowed_mentions() -> None:
    # The bot has a no-pings default, but the house rule is explicit: every send says it.
    root = Path(__file__).resolve().parents[2] / "cogs" / "trivia"
    missing: list[str] = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr in SENDS and "allowed_mentions" not in {k.arg for k in node.keywords}:
                missing.append(f"{path.name}:{node.lineno} .{node.func.attr}(")
    assert missing == []


def test_modules_stay_under_400_lines() -> None:
    root = Path(__file__).resolve().parents[2] / "cogs" / "trivia"
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in root.glob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 400} == {}


def test_packs_keeps_its_public_api() -> None:
    import cogs.trivia.packs as packs

    for name in (
        "MAX_FILE_BYTES",
        "MAX_ALIASES",
        "MAX_QUESTIONS",
        "PackError",
        "Pack",
        "Question",
        "pack_key",
        "parse_pack",
        "validate_pack",
    ):
        assert hasattr(packs, name), name
