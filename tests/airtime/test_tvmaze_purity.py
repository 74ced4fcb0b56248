"""The TVmaze mapping and rules modules are pure: no Discord, HTTP, database or scheduler.

`cogs/airtime/__init__.py` loads the whole cog, so importing the module proves nothing; this
follows each module's own import statements through the repository instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {"discord", "aiohttp", "aiosqlite", "apscheduler"}
PURE = [
    "cogs.airtime.tvmaze_data",
    "cogs.airtime.tvmaze_import",
    "cogs.airtime.tvmaze_merge",
    "cogs.airtime.import_rules",
]


def module_file(name: str) -> Path | None:
    path = ROOT.joinpath(*name.split(".")).with_suffix(".py")
    return path if path.is_file() else None


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def import_closure(start: str) -> set[str]:
    """Every module `start` imports, following our own modules (not package __init__s)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        path = module_file(todo.pop())
        for name in imported(path) if path else ():
            if name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


@pytest.mark.parametrize("module", PURE)
def test_mapping_modules_import_no_io_libraries(module: str) -> None:
    reached = {name.split(".")[0] for name in import_closure(module)}
    assert reached & FORBIDDEN == set()


def test_closure_does_find_io_libraries_where_they_are() -> None:
    assert "aiohttp" in {name.split(".")[0] for name in import_closure("cogs.airtime.tvmaze")}


def test_tvmaze_modules_stay_under_400_lines() -> None:
    sizes = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in (ROOT / "cogs" / "airtime").glob("tvmaze*.py")
    }
    assert len(sizes) == 5
    assert {name: lines for name, lines in sizes.items() if lines > 400} == {}
