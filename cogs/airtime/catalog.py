"""The shipped catalog (`data/catalog.yaml`): dramas a server can add in one command."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.errors import UserFacingError
from cogs.airtime.schedule import Slot
from cogs.airtime.validate import (
    check_episodes,
    check_range,
    check_text,
    check_title,
    make_slots,
    parse_date,
    parse_days,
    parse_time,
)

CATALOG_PATH = Path(__file__).resolve().parent / "data" / "catalog.yaml"


@dataclass(frozen=True)
class CatalogDrama:
    """One catalog entry, validated."""

    key: str
    title: str
    aliases: tuple[str, ...]
    network: str
    slots: tuple[Slot, ...]
    premiere: date
    episodes: int
    runtime_min: int
    streaming: str | None = None
    streaming_delay_min: int | None = None

    def names(self) -> tuple[str, ...]:
        """Title then aliases."""
        return (self.title, *self.aliases)


def parse_entry(raw: dict[str, Any]) -> CatalogDrama:
    """Validate one YAML entry with the same rules as `/drama add`."""
    delay = raw.get("streaming_delay")
    return CatalogDrama(
        key=str(raw["key"]),
        title=check_title(str(raw["title"])),
        aliases=tuple(check_title(str(alias)) for alias in raw.get("aliases", [])),
        network=check_text(str(raw["network"]), "network", 50),
        slots=make_slots(parse_days(str(raw["days"])), parse_time(str(raw["time"]))),
        premiere=parse_date(str(raw["premiere"])),
        episodes=check_episodes(int(raw["episodes"])),
        runtime_min=check_range(int(raw.get("runtime", 60)), 1, 300, "runtime"),
        streaming=str(raw["streaming"]) if raw.get("streaming") else None,
        streaming_delay_min=int(delay) if delay is not None else None,
    )


def load_catalog(path: Path = CATALOG_PATH) -> list[CatalogDrama]:
    """Parse and validate the catalog file; raises on any bad entry."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [parse_entry(raw) for raw in data.get("dramas", [])]


@cache
def catalog() -> tuple[CatalogDrama, ...]:
    """The shipped catalog, loaded once."""
    return tuple(load_catalog())


def find(name: str) -> CatalogDrama | None:
    """The entry whose key, title or alias matches `name` (case-insensitive)."""
    wanted = name.strip().casefold()
    for entry in catalog():
        if wanted == entry.key or wanted in (n.casefold() for n in entry.names()):
            return entry
    return None


def check_data(path: Path = CATALOG_PATH) -> list[str]:
    """Problems with the shipped catalog, for `dramabot check` (empty when fine)."""
    try:
        entries = load_catalog(path)
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, UserFacingError) as error:
        return [f"airtime catalog {path.name}: {error}"]
    keys = [entry.key for entry in entries]
    if len(keys) != len(set(keys)):
        return [f"airtime catalog {path.name}: duplicate keys"]
    return []
