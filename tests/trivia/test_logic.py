"""Pure trivia logic: matching, packs, scoring, distractors, spoilers, the round state machine."""

from __future__ import annotations

import random
import textwrap
from datetime import UTC, datetime

import pytest

from bot.errors import InvalidInput
from cogs.trivia.game import (
    Game,
    Mode,
    check_settings,
    distractors,
    plan_game,
    plan_question,
    score,
    spoiler_safe,
)
from cogs.trivia.match import Matcher, normalise
from cogs.trivia.packs import MAX_FILE_BYTES, Pack, PackError, Question, parse_pack
from cogs.trivia.periods import counted_in, period_start
from cogs.trivia.render import question_text, question_title, reveal_text

# -- normalisation and matching ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The Wardrobe!", "wardrobe"),
        ("  the   WARDROBE  ", "wardrobe"),
        ("the", "the"),
        ("Episode Nine", "9"),
        ("episode 9", "9"),
        ("ep9", "9"),
        ("Ep. 9", "9"),
        ("9th", "9"),
        ("ninth", "9"),
        ("nine", "9"),
        ("09", "9"),
        ("9th episode", "9"),
        ("twenty-one", "21"),
        ("Twenty One", "21"),
        ("Park Seo-Joon", "park seo joon"),
        ("Park Seo Joon’s", "park seo joons"),
        ("Kim Mi-so", "kim mi so"),
        ("Café", "cafe"),
        ("tvN", "tvn"),
        ("1,000", "1000"),
        ("김비서가 왜 그럴까", "김비서가 왜 그럴까"),
        ("", ""),
        ("?!", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


NAME = ("Park Seo Joon", "Park Seo-joon")
EPISODE = ("9", "nine")
RIVALS = ("Park Seo Joon", "Park Bo Gum", "Lee Min Ho", "Hyun Bin")


@pytest.mark.parametrize(
    ("answers", "rivals", "guess", "right"),
    [
        # the right answer in many forms
        (NAME, (), "park seo joon", True),
        (NAME, (), "PARK SEO-JOON!!", True),
        (NAME, (), "  Park   Seo   Joon ", True),
        (NAME, (), "park seojoon", True),  # one deleted space
        (NAME, (), "Prak Seo Joon", True),  # swapped letters: one edit
        (NAME, (), "Park Seo Jon", True),  # small typo
        (EPISODE, (), "9", True),
        (EPISODE, (), "nine", True),
        (EPISODE, (), "Episode 9", True),
        (EPISODE, (), "episode nine", True),
        (EPISODE, (), "ep 9", True),
        (EPISODE, (), "the ninth", True),
        (("The Wardrobe",), (), "wardrobe", True),
        (("wardrobe",), (), "The wardrobe", True),
        (("tvN",), (), "TVN", True),
        # wrong answers, including near misses and containers of the right answer
        (EPISODE, (), "19", False),
        (EPISODE, (), "episode 19", False),
        (EPISODE, (), "90", False),
        (EPISODE, (), "8", False),
        (EPISODE, (), "episode 9 or 12", False),
        (EPISODE, (), "", False),
        (NAME, (), "Park Seo Joon's brother", False),
        (NAME, (), "not Park Seo Joon", False),
        (NAME, (), "Park", False),
        (NAME, (), "Seo Joon", False),
        (NAME, (), "Park Min Young", False),
        (NAME, (), "Park Seo Joon " * 20, False),
        (("tvN",), (), "tvn2", False),  # short answers do not fuzz
        (("tvN",), (), "MBC", False),
        (("Park Bo Young",), (*RIVALS, "Park Bo Young"), "Park Bo Gum", False),  # a rival
        (("Park Bo Young",), ("Park Bo Yang", "Park Bo Young"), "Park Bo Yang", False),
        (("Season 2",), (), "Season 3", False),  # digits must agree even in text answers
        (("2018",), (), "2019", False),
        (("21:30",), (), "2130", True),  # same digits, one deleted separator
        (("21:30",), (), "22:30", False),
        (("21:30",), (), "21 30", True),
    ],
)
def test_matching(
    answers: tuple[str, ...], rivals: tuple[str, ...], guess: str, right: bool
) -> None:
    assert Matcher.build(answers, rivals).is_correct(guess) is right


def test_long_guess_is_ignored() -> None:
    assert not Matcher.build(("a" * 10,)).is_correct("a" * 10 + " " * 300)


# -- pack validation --------------------------------------------------------------------

GOOD = """
name: Test pack
description: A pack for tests.
questions:
  - question: In which episode is the wardrobe kiss?
    answers: [9, nine]
    episode: 9
  - question: Who plays Kim Mi So?
    answers: Park Min Young
    choices: [Park Min Young, Park Shin Hye]
    explanation: She does.
    image: https://example.org/a.png
"""


def test_good_pack_parses() -> None:
    pack = parse_pack(GOOD)
    assert pack.name == "Test pack"
    assert pack.key == "test pack"
    assert [q.kind for q in pack.questions] == ["episode", "text"]
    assert pack.questions[0].answers == ("9", "nine")
    assert pack.questions[0].episode == 9
    assert pack.questions[1].answers == ("Park Min Young",)
    assert pack.questions[1].choices == ("Park Min Young", "Park Shin Hye")


def _problems(source: str | bytes) -> list[str]:
    with pytest.raises(PackError) as caught:
        parse_pack(source)
    return caught.value.problems


def _one_question(body: str) -> str:
    return "name: P\nquestions:\n" + textwrap.indent(textwrap.dedent(body).strip(), "  ")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("name: [unclosed", "file: not valid YAML at line "),
        ("a: 1\n  b: 2\n", "file: not valid YAML at line 2, column 4"),
        ("a: [1, 2\nb: 3\n", "file: not valid YAML at line"),
        ("just a string", "file: expected a mapping"),
        ("- a\n- b", "file: expected a mapping"),
        ("", "file: expected a mapping"),
        ("questions: []", "name: missing"),
        ("name: P\nquestions: []", "questions: empty"),
        ("name: P", "questions: missing"),
        ("name: P\nquestions: nope", "questions: expected a list"),
        ("name: P\nquestons: []", "questons: unknown key (did you mean 'questions'?)"),
        (_one_question("- question: Q?"), "questions[0].answers: missing"),
        (_one_question("- question: Q?\n  answers: []"), "questions[0].answers: missing"),
        (_one_question("- answers: [a]"), "questions[0].question: missing"),
        (_one_question("- question: Q?\n  answer: a"), "questions[0].answer: unknown key"),
        (
            _one_question("- question: Q?\n  answers: [a]\n  choices: [a, b, c, d, e, f]"),
            "questions[0].choices: 6 choices, at most 5",
        ),
        (
            _one_question("- question: Q?\n  answers: [a]\n  choices: [a]"),
            "questions[0].choices: 1 choice, at least 2",
        ),
        (
            _one_question("- question: Q?\n  answers: [a]\n  choices: [a, b, B]"),
            "questions[0].choices[2]: duplicate of questions[0].choices[1]",
        ),
        (
            _one_question("- question: Q?\n  answers: [a]\n  choices: [b, c]"),
            "questions[0].choices: none of the choices is an accepted answer",
        ),
        (
            _one_question("- question: Q?\n  answers: [a, b]\n  choices: [a, b, c]"),
            "questions[0].choices: 2 choices are accepted answers",
        ),
        (
            _one_question("- question: Q?\n  answers: [a]\n  episode: 0"),
            "questions[0].episode: expected a whole episode number",
        ),
        (
            _one_question("- question: Q?\n  answers: [a]\n  episode: nine"),
            "questions[0].episode: expected a whole episode number",
        ),
        (
            _one_question("- question: Q?\n  answers: [a]\n  image: http://x.org/a.png"),
            "questions[0].image: expected an https:// image URL",
        ),
        (
            _one_question("- question: Hi @everyone?\n  answers: [a]"),
            "questions[0].question: contains a mention",
        ),
        (
            _one_question("- question: Hi <@123456>?\n  answers: [a]"),
            "questions[0].question: contains a mention",
        ),
        (
            _one_question("- question: Q?\n  answers: ['<@&42>']"),
            "questions[0].answers[0]: contains a mention",
        ),
        (
            _one_question("- question: '[click](https://evil.example)'\n  answers: [a]"),
            "questions[0].question: contains a markdown link",
        ),
        (
            _one_question(f"- question: {'x' * 301}\n  answers: [a]"),
            "questions[0].question: 301 characters, at most 300",
        ),
        (
            _one_question("- question: Q?\n  answers: [a]\n- question: q\n  answers: [b]"),
            "questions[1].question: same as questions[0]",
        ),
        (_one_question("- just text"), "questions[0]: expected a mapping"),
        (b"\xff\xfe name", "file: not UTF-8 text"),
        ("name: !!int 09\nquestions: []", "file: a value could not be read"),
        ("name: !!timestamp 2018-13-45", "file: a value could not be read"),
        ("name: !!python/object:os.system x", "file: not valid YAML"),
        ("name: " + "[" * 3000 + "]" * 3000, "file: not valid YAML"),
        ("name: &a [*a]\nquestions: []", "name: expected text"),
        (
            "name: P\nquestions: [&q {question: Q?, answers: [a]}, *q]",
            "questions[1].question: same",
        ),
        ("name: P\nq: 1\nquestions: []", "q: unknown key (known keys:"),
    ],
)
def test_broken_packs_name_the_place(source: str, expected: str) -> None:
    problems = _problems(source)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_every_problem_is_listed() -> None:
    source = _one_question(
        """
        - question: Q1?
        - question: Q2?
          answers: [a]
          choices: [a, b, c, d, e, f]
        - question: Q3?
          answers: [a]
          episode: -1
        """
    )
    problems = _problems(source)
    assert [p.split(":")[0] for p in problems] == [
        "questions[0].answers",
        "questions[1].choices",
        "questions[2].episode",
    ]


def test_oversized_file_refused() -> None:
    assert _problems("x" * (MAX_FILE_BYTES + 1))[0].startswith("file: 256 KiB, at most 256 KiB")


def test_error_report_is_capped() -> None:
    error = PackError([f"p{i}" for i in range(40)])
    report = error.report(limit=5)
    assert report.count("\n") == 5
    assert report.endswith("… and 35 more")


# -- scoring ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elapsed", "seconds", "streak", "points"),
    [
        (0.0, 20, 1, 150),  # instant, first right answer
        (10.0, 20, 1, 125),  # half the time left
        (20.0, 20, 1, 100),  # at the buzzer
        (25.0, 20, 1, 100),  # late (clock skew) never goes below the base
        (-1.0, 20, 1, 150),  # never above the maximum speed bonus
        (0.0, 20, 2, 160),
        (0.0, 20, 3, 170),
        (0.0, 20, 6, 200),
        (0.0, 20, 7, 200),  # streak bonus capped at 50
        (0.0, 20, 50, 200),
        (1.0, 5, 1, 140),
        (3.0, 120, 1, 149),
    ],
)
def test_score(elapsed: float, seconds: int, streak: int, points: int) -> None:
    assert score(elapsed, seconds, streak) == points


@pytest.mark.parametrize(
    ("questions", "seconds", "ok"),
    [
        (10, 20, True),
        (1, 5, True),
        (50, 120, True),
        (0, 20, False),
        (1000, 20, False),
        (-3, 20, False),
        (10, 1, False),
        (10, 4, False),
        (10, 121, False),
        (10, 0, False),
    ],
)
def test_check_settings(questions: int, seconds: int, ok: bool) -> None:
    if ok:
        check_settings(questions, seconds)
    else:
        with pytest.raises(InvalidInput):
            check_settings(questions, seconds)


# -- distractors -------------------------------------------------------------------------


def _q(
    index: int, answer: str, *, episode: int | None = None, choices: tuple[str, ...] = ()
) -> Question:
    return Question(index, f"Question {index}?", (answer,), choices, episode)


def _pack(*questions: Question, drama: str | None = None) -> Pack:
    return Pack("P", "", tuple(questions), drama)


def test_distractors_prefer_same_kind() -> None:
    pack = _pack(_q(0, "9"), _q(1, "5"), _q(2, "12"), _q(3, "8"), _q(4, "tvN"), _q(5, "Hyun Bin"))
    picked = distractors(pack.questions[0], pack, random.Random(1))
    assert sorted(picked) == ["12", "5", "8"]
    picked = distractors(pack.questions[4], pack, random.Random(1))
    assert picked == ["Hyun Bin"] or "Hyun Bin" in picked
    assert all(not p.isdigit() for p in picked[:1])


def test_distractors_never_repeat_or_include_the_answer() -> None:
    pack = _pack(_q(0, "9"), _q(1, "nine"), _q(2, "9"), _q(3, "Episode 9"), _q(4, "12"))
    for seed in range(20):
        picked = distractors(pack.questions[0], pack, random.Random(seed))
        keys = [normalise(p) for p in picked]
        assert "9" not in keys
        assert len(keys) == len(set(keys)) == 3


def test_number_distractors_fall_back_to_near_numbers() -> None:
    pack = _pack(_q(0, "16"), _q(1, "tvN"))
    picked = distractors(pack.questions[0], pack, random.Random(3))
    assert len(picked) == 3
    assert all(p.isdigit() and p != "16" and abs(int(p) - 16) <= 4 for p in picked)


def test_near_numbers_stay_positive() -> None:
    pack = _pack(_q(0, "1"))
    picked = distractors(pack.questions[0], pack, random.Random(0))
    assert all(int(p) >= 1 and p != "1" for p in picked)


def test_text_question_alone_is_skipped_in_buttons_mode() -> None:
    pack = _pack(_q(0, "tvN"))
    assert plan_question(pack.questions[0], pack, Mode.BUTTONS, random.Random(0)) is None
    assert plan_question(pack.questions[0], pack, Mode.TYPED, random.Random(0)) is not None


def test_shuffled_choices_keep_the_right_index() -> None:
    question = _q(0, "b", choices=("a", "b", "c", "d", "e"))
    pack = _pack(question)
    positions = set()
    for seed in range(40):
        planned = plan_question(question, pack, Mode.BUTTONS, random.Random(seed))
        assert planned is not None
        assert planned.correct is not None
        assert planned.choices[planned.correct] == "b"
        assert sorted(planned.choices) == ["a", "b", "c", "d", "e"]
        positions.add(planned.correct)
    assert len(positions) > 1  # the right answer moves between games


# -- spoilers ---------------------------------------------------------------------------

SCENES = (_q(0, "a"), _q(1, "b", episode=5), _q(2, "c", episode=9), _q(3, "d", episode=16))


@pytest.mark.parametrize(
    ("aired", "kept"),
    [
        (None, [0, 1, 2, 3]),
        (0, [0]),
        (4, [0]),
        (5, [0, 1]),
        (8, [0, 1]),
        (9, [0, 1, 2]),
        (16, [0, 1, 2, 3]),
        (40, [0, 1, 2, 3]),
    ],
)
def test_spoiler_filter(aired: int | None, kept: list[int]) -> None:
    assert [q.index for q in spoiler_safe(SCENES, aired)] == kept


def test_plan_game_reports_hidden_and_caps_count() -> None:
    planned, hidden = plan_game(_pack(*SCENES), Mode.TYPED, 10, 5, random.Random(0))
    assert hidden == 2
    assert sorted(p.question.index for p in planned) == [0, 1]
    planned, _ = plan_game(_pack(*SCENES), Mode.TYPED, 1, None, random.Random(0))
    assert len(planned) == 1


def test_plan_game_all_hidden_plans_nothing_and_says_so() -> None:
    pack = _pack(_q(0, "a", episode=3))
    assert plan_game(pack, Mode.TYPED, 5, 2, random.Random(0)) == ([], 1)


# -- the round state machine ---------------------------------------------------------------


def _game(mode: Mode, questions: int = 2) -> Game:
    pack = _pack(
        _q(0, "9", choices=("5", "8", "9", "12")),
        _q(1, "Park Seo Joon", choices=("Park Seo Joon", "Hyun Bin")),
    )
    planned = [plan_question(q, pack, mode, random.Random(0)) for q in pack.questions][:questions]
    game = Game(1, 10, 20, 30, mode, 20, "P", [p for p in planned if p is not None])
    game.ask(1000.0)
    return game


def test_buttons_first_click_counts() -> None:
    game = _game(Mode.BUTTONS)
    right = game.current.correct
    assert right is not None
    wrong = (right + 1) % len(game.current.choices)
    first = game.answer_choice(1, 0, right, 1002.0)
    assert first.correct
    assert first.points == 150 - round(50 * 2 / 20)
    with pytest.raises(InvalidInput, match="first answer counts"):
        game.answer_choice(1, 0, wrong, 1003.0)
    loser = game.answer_choice(2, 0, wrong, 1001.0)
    assert not loser.correct
    assert loser.points == 0
    with pytest.raises(InvalidInput, match="closed"):
        game.answer_choice(3, 1, right, 1001.0)  # not the current question
    with pytest.raises(InvalidInput, match="closed"):
        game.answer_choice(3, 0, right, 1020.5)  # after the deadline
    with pytest.raises(InvalidInput, match="does not exist"):
        game.answer_choice(3, 0, 9, 1001.0)
    assert [a.user_id for a in game.close()] == [1]
    with pytest.raises(InvalidInput, match="closed"):
        game.answer_choice(4, 0, right, 1001.0)


def test_streaks_build_and_break() -> None:
    game = _game(Mode.BUTTONS)
    right0 = game.current.correct or 0
    game.answer_choice(1, 0, right0, 1000.0)
    game.close()
    assert game.advance()
    game.ask(2000.0)
    right1 = game.current.correct or 0
    second = game.answer_choice(1, 1, right1, 2000.0)
    assert second.streak == 2
    assert second.points == 160
    game.close()
    assert not game.advance()
    standings = game.standings()
    assert standings[0][0] == 1
    assert standings[0][1].points == 310
    assert standings[0][1].best_streak == 2


def test_missed_question_breaks_streak() -> None:
    game = _game(Mode.BUTTONS)
    game.answer_choice(1, 0, game.current.correct or 0, 1000.0)
    game.close()
    game.advance()
    game.ask(2000.0)
    game.close()  # player 1 did not answer
    assert game.scores[1].streak == 0


def test_typed_tries_and_first_right() -> None:
    game = _game(Mode.TYPED)
    assert game.answer_text(1, "8", 1001.0) is not None
    assert game.answer_text(1, "12", 1002.0) is not None
    third = game.answer_text(1, "nine", 1003.0)
    assert third is not None
    assert third.correct
    assert third.tries == 3
    assert game.answer_text(1, "9", 1004.0) is None  # already right
    for guess in ("1", "2", "3"):
        game.answer_text(2, guess, 1001.0)
    assert game.answer_text(2, "9", 1005.0) is None  # out of tries
    assert game.answer_text(3, "9", 1021.0) is None  # too late
    right = game.close()
    assert [a.user_id for a in right] == [1]
    assert game.answer_text(4, "9", 1002.0) is None  # closed


def test_too_many_answers_refused() -> None:
    answers = ", ".join(f"a{i}" for i in range(11))
    problems = _problems(_one_question(f"- question: Q?\n  answers: [{answers}]"))
    assert problems == ["questions[0].answers: 11 given, at most 10"]


# -- rendering helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "now", "start"),
    [
        ("all-time", datetime(2026, 3, 4, 12, tzinfo=UTC), None),
        ("week", datetime(2026, 3, 4, 12, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)),  # Wed
        ("week", datetime(2026, 3, 2, 0, 0, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)),  # Mon
        ("week", datetime(2026, 3, 1, 23, 59, tzinfo=UTC), datetime(2026, 2, 23, tzinfo=UTC)),
        ("month", datetime(2026, 3, 31, 23, 59, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
        ("month", datetime(2026, 1, 1, 0, 0, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_period_start(period: str, now: datetime, start: datetime | None) -> None:
    expected = None if start is None else int(start.timestamp())
    assert period_start(period, now) == expected


def test_period_start_rejects_unknown() -> None:
    with pytest.raises(InvalidInput):
        period_start("year", datetime(2026, 1, 1, tzinfo=UTC))


def test_an_answer_counts_in_all_time_its_month_and_its_week() -> None:
    sunday_night = int(datetime(2026, 3, 1, 23, 59, tzinfo=UTC).timestamp())
    assert counted_in(sunday_night) == [
        ("all-time", 0),
        ("month", int(datetime(2026, 3, 1, tzinfo=UTC).timestamp())),
        ("week", int(datetime(2026, 2, 23, tzinfo=UTC).timestamp())),
    ]


def test_user_text_is_made_inert_in_reveals() -> None:
    question = Question(
        0,
        "Who is **bold** @everyone?",
        ("<@123456789012345678> _x_",),
        ("<@123456789012345678> _x_", "b"),
    )
    pack = _pack(question)
    planned = plan_question(question, pack, Mode.BUTTONS, random.Random(0))
    assert planned is not None
    game = Game(1, 1, 1, 1, Mode.BUTTONS, 20, "P *pack*", [planned])
    game.ask(0.0)
    body = question_text(game) + question_title(game) + reveal_text(game, game.close())
    assert "@everyone" not in body.replace("@\u200beveryone", "")
    assert "<@123456789012345678>" not in body
    assert "\\*\\*bold\\*\\*" in body


def test_episode_distractors_are_episodes_never_years() -> None:
    pack = _pack(
        _q(0, "9", episode=9),
        _q(1, "5", episode=5),
        _q(2, "12", episode=12),
        _q(3, "2018"),
        _q(4, "16"),
        _q(5, "8", episode=8),
        _q(6, "Park Seo Joon"),
    )
    for seed in range(20):
        picked = distractors(pack.questions[0], pack, random.Random(seed))
        assert sorted(picked, key=int) == ["5", "8", "12"]
    year = distractors(pack.questions[3], pack, random.Random(0))
    assert all(2014 <= int(p) <= 2022 for p in year)
    count = distractors(pack.questions[4], pack, random.Random(0))
    assert "2018" not in count
    assert "Park Seo Joon" not in count
    text = distractors(pack.questions[6], pack, random.Random(0))
    assert text == []  # no other text answer: the question is skipped in buttons mode


def test_yaml_1_1_surprises_stay_text() -> None:
    pack = parse_pack(
        "name: P\nquestions:\n  - question: Q?\n    answers: [21:30, yes, 3.50, 09, no, 0x1F]\n"
        "    episode: 9\n"
    )
    assert pack.questions[0].answers == ("21:30", "yes", "3.50", "09", "no", "0x1F")
    assert pack.questions[0].episode == 9


def test_typed_number_answers_only_count_numbers() -> None:
    game = _game(Mode.TYPED)  # question 0: the answer is 9
    assert game.answer_text(1, "hmm which one", 1001.0) is None  # chatter: no try used
    assert game.answer_text(1, "episode 8", 1002.0) is not None
    assert game.answer_text(1, "ep 9", 1003.0) is not None
    assert game.scores[1].correct == 1


WRONG_ACTORS = (
    "Park Bo Gum",
    "Hyun Bin",
    "Park Ji Sung",
    "Park Hyung Sik",
    "Park Bo Young",
    "Park Shin Hye",
    "Park Seo Hyun",
    "Park Min Young",
    "Park Joon Hwa",
    "Park Yoo Sik",
)


def test_typed_text_answers_take_any_number_of_guesses() -> None:
    game = _game(Mode.TYPED)
    game.close()
    game.advance()
    game.ask(2000.0)  # question 1: Park Seo Joon
    for name in WRONG_ACTORS:
        wrong = game.answer_text(1, name, 2001.0)
        assert wrong is not None
        assert not wrong.correct
    right = game.answer_text(1, "park seo-joon", 2002.0)
    assert right is not None
    assert right.correct
    assert right.tries == 11
    game.close()
    assert game.scores[1].answered == 1
