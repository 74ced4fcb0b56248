"""Trivia rounds: planning (spoiler filter, shuffled choices, distractors), scoring, state.

Pure code. One `Game` per running game holds everything; the cog persists each answer the
moment `Game.answer_choice` / `Game.answer_text` accepts it.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from bot.errors import InvalidInput
from cogs.trivia.match import MAX_GUESS_CHARS, Matcher, normalise
from cogs.trivia.packs import Pack, Question

MIN_QUESTIONS, MAX_GAME_QUESTIONS, DEFAULT_QUESTIONS = 1, 50, 10
MIN_SECONDS, MAX_SECONDS, DEFAULT_SECONDS = 5, 120, 20
DISTRACTORS = 3
TYPED_TRIES = 3
# An episode's scenes may be asked about once its broadcast is surely over: airtime knows
# when an episode starts, and a K-drama episode runs 60-90 minutes.
BROADCAST_OVER_AFTER = timedelta(hours=2)

BASE_POINTS = 100
SPEED_BONUS = 50
STREAK_STEP = 10
STREAK_CAP = 50

SCORING_HELP = (
    "**Scoring**: a right answer earns 100 points, plus a speed bonus of up to 50 that shrinks "
    "linearly with the time used (50 × time left ÷ time allowed), plus a streak bonus of "
    "10 × (streak − 1), at most 50, for consecutive right answers in the same game. "
    "Everyone who is right before the timer ends scores. Buttons: your first click counts. "
    "Typed: guess as often as you like, wrong guesses cost nothing; when the answer is a number "
    "(an episode, a year) only your first 3 numbers count. Chat that is not a guess (over 60 "
    "characters or 8 words, or unlike every answer and choice) does not count in the stats. "
    "Questions about scenes from episodes that have not aired for this server are never "
    "asked (an episode counts as aired 2 hours after its broadcast starts). Leaderboard "
    "periods are in UTC: a week starts on Monday 00:00, a month on the 1st at 00:00; equal "
    "points share a place."
)


class Mode(StrEnum):
    """How players answer."""

    BUTTONS = "buttons"
    TYPED = "typed"


def score(elapsed: float, seconds: int, streak: int) -> int:
    """Points for a right answer after `elapsed` s of `seconds`, making a streak of `streak`."""
    remaining = min(max(seconds - elapsed, 0.0), float(seconds))
    speed = round(SPEED_BONUS * remaining / seconds) if seconds > 0 else 0
    bonus = min(STREAK_STEP * max(streak - 1, 0), STREAK_CAP)
    return BASE_POINTS + speed + bonus


def check_settings(questions: int, seconds: int) -> None:
    """Raise `InvalidInput` for a question count or timer outside the allowed range."""
    if not MIN_QUESTIONS <= questions <= MAX_GAME_QUESTIONS:
        raise InvalidInput(
            f"`questions` must be from {MIN_QUESTIONS} to {MAX_GAME_QUESTIONS} "
            f"(you gave {questions})."
        )
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise InvalidInput(
            f"`seconds` must be from {MIN_SECONDS} to {MAX_SECONDS} (you gave {seconds})."
        )


def spoiler_safe(questions: tuple[Question, ...], aired: int | None) -> list[Question]:
    """Questions whose scene has aired; `aired` None means no guard applies."""
    if aired is None:
        return list(questions)
    return [q for q in questions if q.episode is None or q.episode <= aired]


def distractors(
    question: Question, pack: Pack, rng: random.Random, count: int = DISTRACTORS
) -> list[str]:
    """Wrong choices for a question without its own: other answers of the same pack.

    Same kind first (episode numbers with episode numbers), then the other kind of the same
    shape (numbers with numbers, text with text); numbers only of a plausible size (never a
    year among episode numbers). Number answers fall back to nearby numbers.
    """
    answer = normalise(question.answers[0])
    seen = {normalise(accepted) for accepted in question.answers}
    tiers: tuple[list[str], list[str]] = ([], [])
    for candidate in pack.questions:
        shown = candidate.answers[0]
        key = normalise(shown)
        if candidate.index == question.index or key in seen or not key:
            continue
        if answer.isdigit() != key.isdigit():
            continue
        if answer.isdigit() and not _plausible(int(answer), int(key)):
            continue
        seen.add(key)
        tiers[0 if candidate.kind == question.kind else 1].append(shown)
    picked: list[str] = []
    for tier in tiers:
        rng.shuffle(tier)
        picked += tier[: count - len(picked)]
    if answer.isdigit() and len(picked) < count:
        picked += _near_numbers(int(answer), seen, count - len(picked), rng)
    return picked


def _plausible(a: int, b: int) -> bool:
    low, high = sorted((a, b))
    return low >= 1 and (high - low <= 10 or high <= 3 * low)


def _near_numbers(value: int, taken: set[str], count: int, rng: random.Random) -> list[str]:
    pool = [n for n in range(max(value - 4, 1), value + 5) if str(n) not in taken]
    rng.shuffle(pool)
    return [str(n) for n in pool[:count]]


@dataclass(frozen=True)
class Planned:
    """A question as asked in one game: choices shuffled, the right one known only here."""

    question: Question
    choices: tuple[str, ...]
    correct: int | None
    matcher: Matcher

    @property
    def answer(self) -> str:
        """The answer shown at the reveal."""
        if self.correct is not None:
            return self.choices[self.correct]
        return self.question.answers[0]


def plan_question(question: Question, pack: Pack, mode: Mode, rng: random.Random) -> Planned | None:
    """Shuffle choices (buttons) or just prepare matching (typed); None if not askable."""
    rivals = question.choices
    if mode is Mode.TYPED:
        return Planned(question, (), None, Matcher.build(question.answers, rivals))
    options = list(question.choices) or [question.answers[0], *distractors(question, pack, rng)]
    if len(options) < 2:
        return None
    rng.shuffle(options)
    accepted = {normalise(answer) for answer in question.answers}
    correct = next(i for i, option in enumerate(options) if normalise(option) in accepted)
    return Planned(question, tuple(options), correct, Matcher.build(question.answers, rivals))


def plan_game(
    pack: Pack, mode: Mode, count: int, aired: int | None, rng: random.Random
) -> tuple[list[Planned], int]:
    """Pick up to `count` askable questions; also return how many the spoiler guard hid.

    The list is empty when nothing can be asked (an empty pack, every scene unaired, no
    question fit for the mode); the caller says why (`render.nothing_to_ask`).
    """
    safe = spoiler_safe(pack.questions, aired)
    hidden = len(pack.questions) - len(safe)
    # Distractors come from the aired scenes only: an unaired scene's answer offered as a
    # choice would be a spoiler of its own.
    visible = Pack(pack.name, pack.description, tuple(safe), pack.drama, pack.author)
    rng.shuffle(safe)
    planned: list[Planned] = []
    for question in safe:
        if len(planned) == count:
            break
        item = plan_question(question, visible, mode, rng)
        if item is not None:
            planned.append(item)
    return planned, hidden


@dataclass(frozen=True)
class Started:
    """A game set up by /trivia start, before its first question."""

    game_id: int
    pack_name: str
    questions: int
    seconds: int
    mode: Mode
    hidden: int  # questions the spoiler guard held back
    wanted: int  # questions asked for
    downgraded: bool = False  # typed was asked for, but buttons it is (no message content)


@dataclass
class PlayerScore:
    """A player's running totals in one game."""

    points: int = 0
    correct: int = 0
    answered: int = 0
    streak: int = 0
    best_streak: int = 0


@dataclass(frozen=True)
class Answer:
    """One player's recorded answer to the current question."""

    user_id: int
    question_index: int
    choice: int | None
    correct: bool
    tries: int
    elapsed: float
    points: int
    streak: int


@dataclass
class Game:
    """A running game; `index` is the current question, `asked_at` its start (unix seconds)."""

    game_id: int
    guild_id: int
    channel_id: int
    starter_id: int
    mode: Mode
    seconds: int
    pack_name: str
    questions: list[Planned]
    index: int = 0
    asked_at: float = 0.0
    open: bool = False
    answers: dict[int, Answer] = field(default_factory=dict)
    scores: dict[int, PlayerScore] = field(default_factory=dict)
    message_id: int | None = None
    # Serialises the deadline job and /trivia stop for this game.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    @property
    def current(self) -> Planned:
        """The question being asked."""
        return self.questions[self.index]

    @property
    def deadline(self) -> float:
        """When the current question closes (unix seconds)."""
        return self.asked_at + self.seconds

    def ask(self, now: float) -> Planned:
        """Open the current question."""
        self.asked_at, self.open, self.answers = now, True, {}
        return self.current

    def _accept(
        self, user_id: int, choice: int | None, correct: bool, tries: int, now: float
    ) -> Answer:
        player = self.scores.setdefault(user_id, PlayerScore())
        elapsed = max(now - self.asked_at, 0.0)
        streak = player.streak + 1 if correct else 0
        points = score(elapsed, self.seconds, streak) if correct else 0
        answer = Answer(user_id, self.index, choice, correct, tries, elapsed, points, streak)
        self.answers[user_id] = answer
        if correct:
            player.points += points
            player.correct += 1
            player.streak = streak
            player.best_streak = max(player.best_streak, streak)
        return answer

    def answer_choice(self, user_id: int, question_index: int, choice: int, now: float) -> Answer:
        """Record a button click; the first click counts. Raises InvalidInput otherwise."""
        if not self.open or question_index != self.index or now > self.deadline:
            raise InvalidInput("This question is closed; wait for the next one.")
        if not 0 <= choice < len(self.current.choices):
            raise InvalidInput("That choice does not exist.")
        previous = self.answers.get(user_id)
        if previous is not None:
            letter = "ABCDE"[previous.choice or 0]
            picked = self.current.choices[previous.choice or 0]
            raise InvalidInput(f"Your first answer counts: you picked **{letter}. {picked}**.")
        return self._accept(user_id, choice, choice == self.current.correct, 1, now)

    def answer_text(self, user_id: int, text: str, now: float) -> Answer | None:
        """Judge a typed message; None when it does not count.

        It does not count when the question is closed, the player was already right, for a
        number answer (an episode, a year) when the player used up their 3 tries (numbers
        could otherwise be guessed one by one), or when it is wrong and no plausible guess
        (`Matcher.is_attempt`): chatter is neither stored nor counted as a try. Text answers
        take any number of guesses.
        """
        if not self.open or now > self.deadline:
            return None
        previous = self.answers.get(user_id)
        if previous is not None and previous.correct:
            return None
        matcher = self.current.matcher
        if matcher.numeric and previous is not None and previous.tries >= TYPED_TRIES:
            return None
        guess = normalise(text[: MAX_GUESS_CHARS + 1])
        right = len(text) <= MAX_GUESS_CHARS and matcher.matches(guess)
        if not right and not matcher.is_attempt(text.strip(), guess):
            return None
        tries = 1 if previous is None else previous.tries + 1
        return self._accept(user_id, None, right, tries, now)

    def close(self) -> list[Answer]:
        """Close the current question; break the streak of players who missed it."""
        self.open = False
        for user_id in self.answers:
            self.scores[user_id].answered += 1
        for user_id, player in self.scores.items():
            answer = self.answers.get(user_id)
            if answer is None or not answer.correct:
                player.streak = 0
        return sorted((a for a in self.answers.values() if a.correct), key=lambda a: a.elapsed)

    def advance(self) -> bool:
        """Move to the next question; False when the game is over."""
        if self.index + 1 >= len(self.questions):
            return False
        self.index += 1
        return True

    def standings(self) -> list[tuple[int, PlayerScore]]:
        """Players by points, then right answers, then who answered first in this game."""
        return sorted(self.scores.items(), key=lambda item: (-item[1].points, -item[1].correct))
