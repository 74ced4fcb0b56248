"""Review findings, pure: hostile pack files, spoilers in choices, matching, ties."""

from __future__ import annotations

import random
import time

import pytest

from bot.errors import InvalidInput
from cogs.trivia.game import Game, Mode, PlayerScore, plan_game, plan_question
from cogs.trivia.match import Matcher
from cogs.trivia.packs import MAX_ALIASES, Pack, PackError, Question, parse_pack
from cogs.trivia.render import leaderboard_text, standings_text
from cogs.trivia.score_store import Standing


def _problems(source: str | bytes) -> list[str]:
    with pytest.raises(PackError) as caught:
        parse_pack(source)
    return caught.value.problems


# -- YAML anchors and aliases ----------------------------------------------------------------


def _amplified(questions: int, size: int = 200_000) -> str:
    """One big string anchored once, referenced by every field of `questions` questions."""
    many = ", ".join(["*s"] * 10)
    return (
        f's: &s "{"x" * size}"\n'
        f"q: &q {{question: *s, answers: [{many}], choices: [*s, *s, *s, *s, *s], "
        "explanation: *s}\n"
        f"name: x\nquestions: [{', '.join(['*q'] * questions)}]\n"
    )


def test_alias_amplification_is_refused_quickly() -> None:
    source = _amplified(400)
    assert len(source) < 256 * 1024
    started = time.process_time()  # this process's CPU, whatever else the machine runs
    problems = _problems(source)
    assert time.process_time() - started < 1.0
    assert any(f"more than {MAX_ALIASES} aliases" in p for p in problems), problems[:3]


def test_billion_laughs_is_refused() -> None:
    lines = [f"a0: &a0 [{', '.join(['lol'] * 30)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 30)}]" for i in range(1, 10)]
    problems = _problems("\n".join(lines) + "\nname: x\nquestions: *a9\n")
    assert any("aliases" in p for p in problems)


def test_oversized_fields_are_cheap_to_refuse_even_when_repeated() -> None:
    # Under the alias cap, but every field far too long: judged by length, never scanned.
    started = time.process_time()
    problems = _problems(_amplified(150, size=240_000))
    assert time.process_time() - started < 0.5
    assert "questions[0].question: 240000 characters, at most 300" in problems


def test_a_few_aliases_for_shared_choices_are_fine() -> None:
    pack = parse_pack(
        "name: Shared\nquestions:\n"
        "  - {question: First kiss?, answers: [5], choices: &eps [5, 8, 9, 12]}\n"
        "  - {question: Wardrobe kiss?, answers: [9], choices: *eps}\n"
    )
    assert pack.questions[1].choices == ("5", "8", "9", "12")


@pytest.mark.parametrize(
    "source",
    [
        "name: x\n? " + "k" * 5000 + "\n: 1\nquestions: [{question: q, answers: [a]}]\n",
        "name: x\nquestions: [{question: q, answers: ["
        + "d" * 3000
        + "], choices: ["
        + "d" * 3000
        + ", "
        + "d" * 3000
        + "]}]\n",
        "name: x\nquestions:\n  - question: q\n    answers: [a]\n    ? "
        + "z" * 4000
        + "\n    : 1\n",
    ],
)
def test_problem_lines_stay_short(source: str) -> None:
    problems = _problems(source)
    assert problems
    assert all(len(p) <= 200 for p in problems), [len(p) for p in problems]
    assert len(PackError(problems * 20).report()) < 1800


# -- spoilers hiding in the choices ---------------------------------------------------------


def _scene(index: int, answer: str, episode: int | None) -> Question:
    return Question(index, f"Scene question {index}?", (answer,), (), episode)


@pytest.mark.parametrize("seed", range(20))
def test_distractors_never_come_from_unaired_scenes(seed: int) -> None:
    pack = Pack(
        "P",
        "",
        (
            _scene(0, "5", 5),
            _scene(1, "14", 14),  # the answer of a scene that has not aired
            _scene(2, "Han River", 3),
            _scene(3, "Hospital rooftop", 15),  # ditto, as text
            _scene(4, "Cafe", None),
        ),
        "Drama",
    )
    planned, hidden = plan_game(pack, Mode.BUTTONS, 5, 5, random.Random(seed))
    assert hidden == 2
    shown = {choice for item in planned for choice in item.choices}
    assert "14" not in shown
    assert "Hospital rooftop" not in shown


# -- matching: near misses, containers, scripts ------------------------------------------------

MISO = ("Kim Mi So", "Kim Mi-so", "Kim Miso", "Mi So", "Secretary Kim")
MISO_CHOICES = ("Kim Mi So", "Kim Ji Ah", "Go Gwi Nam", "Bong Se Ra")
SEO_JOON = ("Park Seo Joon", "Park Seo-joon")
MIN_YOUNG = ("Park Min Young", "Park Min-young")
MIN_YOUNG_CHOICES = ("Park Min Young", "Park Shin Hye", "Kim Go Eun", "Park Bo Young")


@pytest.mark.parametrize(
    ("answers", "rivals", "guess", "right"),
    [
        # a wrong answer that merely contains the right one
        (MISO, MISO_CHOICES, "Kim Mi Sook", False),
        (MISO, MISO_CHOICES, "Kim Mi Soo", False),
        (MISO, MISO_CHOICES, "Mi Sol", False),
        (SEO_JOON, (), "Park Seo Joonie", False),
        (("July",), (), "Julyy", False),
        (("박서준",), (), "박서준이", False),
        # near misses between the two leads and between choices
        (SEO_JOON, (), "Park Min Young", False),
        (MIN_YOUNG, (), "Park Seo Joon", False),
        (MIN_YOUNG, MIN_YOUNG_CHOICES, "Park Bo Young", False),
        (MIN_YOUNG, MIN_YOUNG_CHOICES, "Park Bo Yong", False),  # nearer the wrong choice
        (MIN_YOUNG, MIN_YOUNG_CHOICES, "Park Min Yong", True),
        (("1",), (), "episode 11", False),
        (("11",), (), "episode 1", False),
        (("episode 1",), (), "episode 11", False),
        # still forgiving: typos, plurals and possessives, other scripts, emoji around
        (SEO_JOON, (), "Park Seo Joon's", True),
        (SEO_JOON, (), "Park Seo Jun", True),
        (("Lee Young Joon", "Young Joon"), (), "Leee Young Joon", True),
        (MISO, MISO_CHOICES, "Kim Mi Soo Secretary", False),
        (MISO, MISO_CHOICES, "kim mi s", True),
        (("webtoon",), (), "webtoons", True),
        (("July",), (), "Jul", True),
        (("박서준",), (), "박서준", True),
        (("박서준",), (), "박보검", False),
        (("tvN",), (), "📺 tvN", True),
        (("tvN",), (), "🎉", False),
    ],
)
def test_matching_near_misses(
    answers: tuple[str, ...], rivals: tuple[str, ...], guess: str, right: bool
) -> None:
    assert Matcher.build(answers, rivals).is_correct(guess) is right


# -- ties ------------------------------------------------------------------------------------


def test_tied_players_share_their_place_in_the_final_standings() -> None:
    rows = [
        (1, PlayerScore(points=250, correct=2)),
        (2, PlayerScore(points=250, correct=2)),
        (3, PlayerScore(points=100, correct=1)),
        (4, PlayerScore(points=0, correct=0)),
    ]
    lines = standings_text("Final standings", rows, 3).splitlines()[1:]
    assert [line.split(" ")[0] for line in lines] == ["🥇", "🥇", "🥉", "4."]


def test_tied_players_share_their_rank_on_the_leaderboard() -> None:
    rows = [Standing(1, 300, 3, 3), Standing(2, 300, 3, 4), Standing(3, 120, 1, 1)]
    lines = leaderboard_text("week", rows).splitlines()[1:]
    assert [line.split(" ")[0] for line in lines] == ["1.", "1.", "3."]


# -- answers that cannot be typed or told apart ----------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("answers: ['🎉']", "questions[0].answers[0]: needs a letter or a digit"),
        ("answers: [x]\n    choices: [x, '💋', '🌂']", "questions[0].choices[1]: needs a letter"),
        ("answers: ['?!', ok]", "questions[0].answers[0]: needs a letter or a digit"),
    ],
)
def test_answers_and_choices_need_a_letter_or_digit(body: str, expected: str) -> None:
    source = f"name: P\nquestions:\n  - question: Q?\n    {body}\n"
    assert any(expected in problem for problem in _problems(source)), _problems(source)


# -- the deadline instant ----------------------------------------------------------------------


def test_the_deadline_instant_still_counts_and_a_moment_later_does_not() -> None:
    pack = Pack("P", "", (Question(0, "Q?", ("9",), ("5", "8", "9", "12")),))
    planned = plan_question(pack.questions[0], pack, Mode.BUTTONS, random.Random(0))
    assert planned is not None
    assert planned.correct is not None
    game = Game(1, 10, 20, 30, Mode.BUTTONS, 20, "P", [planned])
    game.ask(1000.0)
    on_time = game.answer_choice(1, 0, planned.correct, 1020.0)
    assert on_time.correct
    assert on_time.points == 100  # no speed bonus left, no streak yet
    with pytest.raises(InvalidInput, match="closed"):
        game.answer_choice(2, 0, planned.correct, 1020.001)
    typed = Game(2, 10, 21, 30, Mode.TYPED, 20, "P", [planned])
    typed.ask(1000.0)
    assert typed.answer_text(1, "9", 1020.001) is None
    right = typed.answer_text(2, "nine", 1020.0)
    assert right is not None
    assert right.correct
