"""Moderators' pack management behind /trivia import and /trivia delete (the cog stays thin)."""

from __future__ import annotations

import logging

from bot.errors import Conflict, InvalidInput, NotAllowed, NotFound
from bot.replies import clean
from bot.text import plural
from cogs.trivia.library import Library, shipped_packs
from cogs.trivia.packs import PackError, pack_key
from cogs.trivia.parsing import PackParser
from cogs.trivia.store import DeleteResult, StoredPack, TriviaStore

log = logging.getLogger(__name__)

MAX_GUILD_PACKS = 50


async def import_pack(
    store: TriviaStore, parser: PackParser, guild_id: int, user_id: int, data: bytes, at: int
) -> str:
    """Validate and store an uploaded pack file; return the confirmation to show.

    Raises:
        InvalidInput: the file is not a valid pack (with every problem and where it is).
        Conflict: the name is a built-in pack's, or the server is at its pack limit.
    """
    try:
        # A big pack takes a while to parse: off the event loop, in another process.
        pack = await parser.parse(data)
    except PackError as error:
        report = error.report().replace("`", "'")
        raise InvalidInput(
            f"That pack has problems, so nothing was imported:\n```\n{report}\n```"
        ) from None
    if pack.key in shipped_packs():
        raise Conflict(
            f"**{clean(pack.name)}** is the name of a built-in pack; choose another `name`."
        )
    existing = {listed.name_key for listed in await store.pack_summaries(guild_id)}
    if pack.key not in existing and len(existing) >= MAX_GUILD_PACKS:
        raise Conflict(
            f"This server already has {MAX_GUILD_PACKS} packs; replace one by "
            "uploading a pack with its name, or `/trivia delete` one."
        )
    stored = StoredPack(
        pack.key,
        pack.name,
        pack.drama,
        len(pack.questions),
        data.decode("utf-8-sig"),
        user_id,
        at,
        pack.description,
    )
    replaced = await store.save_pack(guild_id, stored)
    verb = "Updated" if replaced else "Imported"
    return (
        f"{verb} **{clean(pack.name)}**: {plural(len(pack.questions), 'question')}. "
        f"Play it with `/trivia start pack:{clean(pack.name)}`."
    )


async def delete_pack(library: Library, guild_id: int, name: str) -> str:
    """Delete the guild's uploaded pack called `name`; return the confirmation to show.

    Raises:
        NotAllowed: it is a built-in pack (those can only be disabled).
        NotFound: the guild has no uploaded pack by that name.
        Conflict: a game with the pack is running in the guild.
    """
    key = pack_key(name)
    entry = next((e for e in await library.entries(guild_id) if e.key == key), None)
    if entry is not None and entry.shipped:
        raise NotAllowed(
            f"**{clean(entry.name)}** is a built-in pack and cannot be deleted. To keep it from "
            f"being played here, use `/trivia disable pack:{clean(entry.name)}`."
        )
    missing = NotFound(
        f"There is no uploaded pack called **{clean(name, limit=60)}** in this server. "
        "`/trivia packs` lists them."
    )
    if entry is None:
        raise missing
    result = await library.store.delete_pack(guild_id, key)
    if result is DeleteResult.RUNNING:
        raise Conflict(
            f"**{clean(entry.name)}** is being played in this server right now. Delete it once "
            "that game ends, or `/trivia stop` the game first."
        )
    if result is DeleteResult.MISSING:
        raise missing
    log.info("trivia pack deleted", extra={"guild_id": guild_id, "pack": key})
    return (
        f"Deleted **{clean(entry.name)}** from this server. "
        "Points already earned with it stay on the leaderboard."
    )


async def switch_pack(
    library: Library, guild_id: int, name: str, disabled: bool, by: int, at: int
) -> str:
    """Disable (or enable) the guild's pack called `name`; return the confirmation to show.

    Raises:
        NotFound: the guild has no pack by that name.
    """
    key = pack_key(name)
    entry = next((e for e in await library.entries(guild_id) if e.key == key), None)
    if entry is None:
        raise NotFound(
            f"There is no pack called **{clean(name, limit=60)}**. `/trivia packs` lists them."
        )
    changed = await library.store.set_disabled(guild_id, key, disabled, by, at)
    state = "disabled" if disabled else "enabled"
    if changed:
        return f"**{clean(entry.name)}** is now {state} here."
    return f"**{clean(entry.name)}** was already {state}."
