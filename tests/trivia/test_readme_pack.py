"""The README's example trivia pack imports exactly as printed, and plays."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from tests.harness import BotEnv

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_pack() -> bytes:
    """The YAML block of the README's trivia section, as a reader sees it."""
    blocks = re.findall(r"^( *)```yaml\n(.*?)^\1```", README.read_text("utf-8"), re.M | re.S)
    (block,) = [body for _, body in blocks if "questions:" in body]
    return textwrap.dedent(block).encode("utf-8")


async def test_readme_pack_imports_as_printed(env: BotEnv) -> None:
    itx = await env.slash(
        env.mod_id, "trivia", "import", file=("my-pack.yaml", readme_pack(), "application/x-yaml")
    )
    text = await itx.reply_text()
    assert text.startswith("Imported **My pack**: 1 question."), text
    intro = await env.reply(env.fan_id, "trivia", "start", pack="My pack")
    assert "started **My pack** trivia: 1 question," in intro
