"""Which packs a guild can play: the shipped ones plus its uploads, minus the disabled ones."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.errors import NotFound
from bot.replies import clean
from cogs.trivia.packs import Pack, PackError, pack_key, parse_pack
from cogs.trivia.parsing import PackParser
from cogs.trivia.store import StoredPack, TriviaStore

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"


def shipped_problems(directory: Path = DATA_DIR) -> list[str]:
    """Every problem in the shipped packs (file name first), for `dramabot check` and tests."""
    problems: list[str] = []
    keys: dict[str, str] = {}
    files = sorted(directory.glob("*.yaml"))
    if not files:
        return [f"{directory}: no shipped trivia pack"]
    for path in files:
        try:
            pack = parse_pack(path.read_bytes())
        except PackError as error:
            problems += [f"{path.name}: {problem}" for problem in error.problems]
            continue
        if pack.key in keys:
            problems.append(f"{path.name}: name '{pack.name}' also used by {keys[pack.key]}")
        keys[pack.key] = path.name
    return problems


@lru_cache(maxsize=1)
def shipped_packs(directory: Path = DATA_DIR) -> dict[str, Pack]:
    """The valid shipped packs by key (a broken file is logged and left out)."""
    packs: dict[str, Pack] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            pack = parse_pack(path.read_bytes())
        except PackError:
            log.exception("shipped trivia pack is broken", extra={"file": path.name})
            continue
        packs.setdefault(pack.key, pack)
    return packs


@dataclass(frozen=True)
class PackEntry:
    """A pack as listed for a guild."""

    key: str
    name: str
    description: str
    drama: str | None
    question_count: int
    shipped: bool
    disabled: bool


class Library:
    """Finds packs for a guild; parses uploaded packs once and caches them by source."""

    def __init__(self, store: TriviaStore, parser: PackParser | None = None) -> None:
        """Read uploads through `store`; parse them with `parser` (off the event loop)."""
        self.store = store
        self.parser = parser or PackParser()
        self._parsed: dict[str, Pack] = {}

    async def _parse(self, stored: StoredPack) -> Pack:
        pack = self._parsed.get(stored.source)
        if pack is None:
            pack = await self.parser.parse(stored.source)
            if len(self._parsed) >= 64:
                self._parsed.clear()
            self._parsed[stored.source] = pack
        return pack

    async def entries(self, guild_id: int) -> list[PackEntry]:
        """Every pack the guild can see, shipped first, each marked disabled or not.

        Uploaded packs are listed from their stored columns: their files are neither read nor
        re-parsed (autocomplete lists packs on every keystroke; 50 uploads are ~13 MB).
        """
        disabled = await self.store.disabled_keys(guild_id)
        entries = [
            PackEntry(key, p.name, p.description, p.drama, len(p.questions), True, key in disabled)
            for key, p in shipped_packs().items()
        ]
        for stored in await self.store.pack_summaries(guild_id):
            entries.append(
                PackEntry(
                    stored.name_key,
                    stored.name,
                    stored.description,
                    stored.drama,
                    stored.question_count,
                    False,
                    stored.name_key in disabled,
                )
            )
        return entries

    async def find(self, guild_id: int, name: str | None) -> Pack:
        """The playable pack called `name` (or the first enabled one); NotFound otherwise."""
        entries = await self.entries(guild_id)
        enabled = [entry for entry in entries if not entry.disabled]
        if name is None or not name.strip():
            if not enabled:
                raise NotFound(
                    "No trivia pack is enabled here. A moderator can `/trivia enable` one."
                )
            return await self._load(guild_id, enabled[0])
        key = pack_key(name)
        entry = next((e for e in entries if e.key == key), None)
        if entry is None:
            raise NotFound(
                f"There is no pack called **{clean(name, limit=60)}**. `/trivia packs` lists them."
            )
        if entry.disabled:
            raise NotFound(
                f"The pack **{clean(entry.name)}** is disabled here. "
                "A moderator can `/trivia enable` it."
            )
        return await self._load(guild_id, entry)

    async def _load(self, guild_id: int, entry: PackEntry) -> Pack:
        if entry.shipped:
            return shipped_packs()[entry.key]
        stored = await self.store.pack_source(guild_id, entry.key)
        if stored is None:
            raise NotFound(f"The pack **{clean(entry.name)}** was just removed.")
        return await self._parse(stored)
