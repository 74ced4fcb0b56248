"""Packs parsed in the worker process come back exactly as parsed here, problems included."""

from __future__ import annotations

import importlib
import os

import pytest

BROKEN = b"name: Broken\nquestions:\n  - question: Where?\n    answers: []\n    chioces: [a]\n"


async def test_the_worker_process_parses_as_the_bot_would() -> None:
    # The modules as the bot would load them now (end-to-end tests reload the cogs).
    packs = importlib.import_module("cogs.trivia.packs")
    parse_pack, PackError = packs.parse_pack, packs.PackError  # noqa: N806
    parser = importlib.import_module("cogs.trivia.parsing").PackParser()
    source = (importlib.import_module("cogs.trivia.library").DATA_DIR / "x").with_name(
        "secretary_kim.yaml"
    )
    try:
        data = source.read_bytes()
        assert await parser.parse(data) == parse_pack(data)
        with pytest.raises(PackError) as refused:
            await parser.parse(BROKEN)
        with pytest.raises(PackError) as here:
            parse_pack(BROKEN)
        assert refused.value.problems == here.value.problems
        assert len(refused.value.problems) >= 2
        # The same worker serves the next pack: it is not the bot's process.
        assert parser.pids
        assert os.getpid() not in parser.pids
    finally:
        parser.close()
