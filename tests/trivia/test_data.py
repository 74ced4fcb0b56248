"""The shipped packs are valid and the starter pack meets the issue's bar."""

from __future__ import annotations

import re
from pathlib import Path

from cogs.trivia import check_data
from cogs.trivia.library import DATA_DIR, shipped_packs, shipped_problems
from cogs.trivia.packs import parse_pack

DRAMA = "What's Wrong with Secretary Kim"


def test_check_data_is_clean() -> None:
    assert check_data() == []


def test_every_shipped_pack_parses() -> None:
    files = sorted(DATA_DIR.glob("*.yaml"))
    assert files
    for path in files:
        parse_pack(path.read_bytes())


def test_starter_pack() -> None:
    pack = parse_pack((DATA_DIR / "secretary_kim.yaml").read_bytes())
    assert pack.drama == DRAMA
    assert len(pack.questions) >= 15
    episodes = {q.episode: q for q in pack.questions if q.episode is not None}
    assert set(episodes) == {5, 8, 9, 12}
    wardrobe = episodes[9]
    assert "wardrobe" in wardrobe.text
    assert wardrobe.answers[0] == "9"
    assert pack.key in shipped_packs()


def test_check_data_reports_broken_file(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: X\nquestions:\n  - question: Q?\n", encoding="utf-8")
    assert shipped_problems(tmp_path) == [
        "bad.yaml: questions[0].answers: missing; give at least 1"
    ]
    assert shipped_problems(tmp_path / "empty")[0].endswith("no shipped trivia pack")


def test_starter_pack_never_spoils_a_later_scene() -> None:
    # A question is asked once its episode aired; its text and explanation (shown at the
    # reveal) must not tell what happens in a later episode, nor how many scenes are to come.
    pack = parse_pack((DATA_DIR / "secretary_kim.yaml").read_bytes())
    scenes = {q.episode for q in pack.questions if q.episode is not None}
    last = max(scenes)
    for question in pack.questions:
        text = f"{question.text} {question.explanation or ''}"
        mentioned = {int(n) for n in re.findall(r"\d+", text)} & scenes
        if question.episode is None:
            assert "kiss" not in text.casefold(), text
            continue
        assert all(n <= question.episode for n in mentioned), text
        if question.episode < last:
            assert "four" not in text.casefold(), text
