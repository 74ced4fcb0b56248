"""The one thing pyproject.toml cannot say: ship the top-level `migrations/` inside `bot`.

The SQL files stay in `migrations/` (forward-only, never edited once landed) and are installed
as the package `bot.migrations`, so a wheel holds them and `bot.migrate` reads them with
`importlib.resources`. Subfolders (one per database backend) ship too. Every other setting
lives in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup


def _tree(package: str, folder: str) -> list[str]:
    """`package` and every folder below `folder`, as dotted package names."""
    found = find_namespace_packages(where=folder, exclude=["*__pycache__*"])
    return [package, *(f"{package}.{name}" for name in found)]


setup(
    packages=[*_tree("bot", "bot"), *_tree("cogs", "cogs"), *_tree("bot.migrations", "migrations")],
    package_dir={"bot.migrations": "migrations"},
)
