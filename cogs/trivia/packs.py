"""Trivia packs: YAML in, validated frozen dataclasses out, every problem named with its place.

Pure code. Reading the file safely (size, encoding, a restricted YAML loader, the alias cap)
lives in `packyaml`; this module validates what it read. A pack file looks like this:

    name: Secretary Kim scenes
    description: Kisses, cufflinks and a wardrobe.
    drama: What's Wrong with Secretary Kim   # optional: enables the spoiler guard
    author: DramaClub                        # optional
    questions:
      - question: In which episode is the wardrobe kiss?
        answers: [9, nine]                   # accepted answers; the first is shown
        choices: [5, 8, 9, 12]               # optional, 2-5, exactly one accepted
        episode: 9                           # optional: the scene's episode
        explanation: Episode 9 ...           # optional, shown at the reveal
        image: https://example.org/kiss.jpg  # optional, https only
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein

from bot.text import plural
from cogs.trivia.match import normalise
from cogs.trivia.packyaml import MAX_ALIASES, MAX_FILE_BYTES, UnreadableFileError, read_yaml

__all__ = [
    "MAX_ALIASES",
    "MAX_FILE_BYTES",
    "MAX_QUESTIONS",
    "Pack",
    "PackError",
    "Question",
    "pack_key",
    "parse_pack",
    "validate_pack",
]


MAX_SHOWN = 40  # characters of a pack's own text quoted in a problem
MAX_QUESTIONS = 2000
MIN_CHOICES = 2
MAX_CHOICES = 5
MAX_ANSWERS = 10
MAX_NAME = 60
MAX_DESCRIPTION = 300
MAX_QUESTION = 300
MAX_ANSWER = 80  # a button label holds 80 characters
MAX_EXPLANATION = 500
MAX_EPISODE = 1000
MAX_ERRORS_SHOWN = 15
MAX_PROBLEM_CHARS = 200
MAX_REPORT_CHARS = 1500  # the report must fit a Discord message with its wrapper

_TOP_KEYS = ("name", "description", "drama", "author", "questions")
_QUESTION_KEYS = ("question", "answers", "choices", "episode", "explanation", "image")
_MENTION = re.compile(r"@everyone|@here|<@[!&]?\d+>|<#\d+>|</[^>]+:\d+>", re.IGNORECASE)
_MASKED_LINK = re.compile(r"\[[^\]]*\]\(")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_IMAGE_URL = re.compile(r"https://[^\s<>\"']{3,500}")


class PackError(Exception):
    """A pack file is broken; `problems` lists what is wrong and where."""

    def __init__(self, problems: list[str]) -> None:
        """Keep the problems in file order."""
        super().__init__("; ".join(problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[PackError], tuple[list[str]]]:
        """Pickled with its problems (it comes back from the parser process)."""
        return (PackError, (self.problems,))

    def report(self, limit: int = MAX_ERRORS_SHOWN, chars: int = MAX_REPORT_CHARS) -> str:
        """The problems as a bullet list, capped at `limit` lines and about `chars` characters."""
        lines: list[str] = []
        size = 0
        for problem in self.problems[:limit]:
            line = f"• {problem[:MAX_PROBLEM_CHARS]}"
            if size + len(line) > chars:
                break
            lines.append(line)
            size += len(line) + 1
        if len(self.problems) > len(lines):
            lines.append(f"• … and {len(self.problems) - len(lines)} more")
        return "\n".join(lines)


@dataclass(frozen=True)
class Question:
    """One validated question; `answers[0]` is the answer shown at the reveal."""

    index: int
    text: str
    answers: tuple[str, ...]
    choices: tuple[str, ...] = ()
    episode: int | None = None
    explanation: str | None = None
    image: str | None = None

    @property
    def kind(self) -> str:
        """The answer kind for distractors: episode (a scene number), number or text."""
        if not normalise(self.answers[0]).isdigit():
            return "text"
        return "episode" if self.episode is not None else "number"


@dataclass(frozen=True)
class Pack:
    """A validated pack."""

    name: str
    description: str
    questions: tuple[Question, ...]
    drama: str | None = None
    author: str | None = None

    @property
    def key(self) -> str:
        """The case- and space-insensitive name used to find the pack."""
        return pack_key(self.name)


def pack_key(name: str) -> str:
    """The lookup key of a pack name."""
    return " ".join(name.casefold().split())


def parse_pack(source: str | bytes) -> Pack:
    """Parse and validate a pack file; raise `PackError` listing every problem."""
    try:
        data = read_yaml(source)
    except UnreadableFileError as error:
        raise PackError([error.problem]) from None
    return validate_pack(data)


def validate_pack(data: Any) -> Pack:
    """Validate already-parsed YAML; raise `PackError` listing every problem."""
    if not isinstance(data, dict):
        raise PackError(["file: expected a mapping with name, description and questions"])
    problems = [_unknown("", key, _TOP_KEYS) for key in data if key not in _TOP_KEYS]
    name = _text(data, "name", "name", MAX_NAME, problems, required=True, one_line=True)
    description = _text(data, "description", "description", MAX_DESCRIPTION, problems)
    drama = _text(data, "drama", "drama", MAX_NAME, problems, one_line=True)
    author = _text(data, "author", "author", MAX_NAME, problems, one_line=True)
    questions = _questions(data.get("questions"), problems)
    if problems:
        raise PackError(problems)
    return Pack(name or "", description or "", tuple(questions), drama or None, author or None)


def _shown(value: object) -> str:
    """A pack's own text quoted in a problem: short, on one line."""
    text = " ".join(str(value).split())
    return repr(text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…")


def _unknown(where: str, key: object, known: tuple[str, ...]) -> str:
    plain = isinstance(key, str) and len(key) <= MAX_SHOWN and key.isprintable()
    return f"{where}{key if plain else _shown(key)}: unknown key" + _hint(key, known)


def _hint(key: object, known: tuple[str, ...]) -> str:
    if isinstance(key, str) and len(key) <= MAX_SHOWN:
        for candidate in known:
            close = Levenshtein.distance(key.casefold(), candidate, score_cutoff=2) <= 2
            prefix = len(key) >= 3 and (candidate.startswith(key) or key.startswith(candidate))
            if close or prefix:
                return f" (did you mean '{candidate}'?)"
    return f" (known keys: {', '.join(known)})"


def _questions(raw: Any, problems: list[str]) -> list[Question]:
    if raw is None:
        problems.append("questions: missing; a pack needs at least one question")
        return []
    if not isinstance(raw, list):
        problems.append("questions: expected a list of questions")
        return []
    if not raw:
        problems.append("questions: empty; a pack needs at least one question")
    if len(raw) > MAX_QUESTIONS:
        problems.append(f"questions: {plural(len(raw), 'question')}, at most {MAX_QUESTIONS}")
        return []
    out: list[Question] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        question = _question(index, item, problems)
        if question is None:
            continue
        key = normalise(question.text)
        if key in seen:
            problems.append(f"questions[{index}].question: same as questions[{seen[key]}]")
        seen.setdefault(key, index)
        out.append(question)
    return out


def _question(index: int, item: Any, problems: list[str]) -> Question | None:
    where = f"questions[{index}]"
    if not isinstance(item, dict):
        problems.append(f"{where}: expected a mapping with question and answers")
        return None
    before = len(problems)
    problems.extend(
        _unknown(f"{where}.", key, _QUESTION_KEYS) for key in item if key not in _QUESTION_KEYS
    )
    text = _text(item, "question", f"{where}.question", MAX_QUESTION, problems, required=True)
    answers = _strings(item.get("answers"), f"{where}.answers", 1, MAX_ANSWERS, problems)
    choices = _choices(item.get("choices"), answers, f"{where}.choices", problems)
    episode = _episode(item.get("episode"), f"{where}.episode", problems)
    explanation = _text(item, "explanation", f"{where}.explanation", MAX_EXPLANATION, problems)
    image = _image(item.get("image"), f"{where}.image", problems)
    if len(problems) > before or not text:
        return None
    return Question(index, text, tuple(answers), tuple(choices), episode, explanation, image)


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value).strip()
    return None


def _safety(value: str, where: str, problems: list[str], *, one_line: bool) -> None:
    if _MENTION.search(value):
        problems.append(f"{where}: contains a mention (@everyone, @here, <@…>); remove it")
    if _MASKED_LINK.search(value):
        problems.append(f"{where}: contains a markdown link [text](url); write plain text")
    if _CONTROL.search(value) or (one_line and "\n" in value):
        problems.append(f"{where}: contains control characters or line breaks")


def _text(
    data: dict[Any, Any],
    key: str,
    where: str,
    limit: int,
    problems: list[str],
    *,
    required: bool = False,
    one_line: bool = False,
) -> str | None:
    raw = data.get(key)
    if raw is None:
        if required:
            problems.append(f"{where}: missing")
        return None
    value = _scalar(raw)
    if value is None:
        problems.append(f"{where}: expected text")
        return None
    if not value and required:
        problems.append(f"{where}: empty")
    if len(value) > limit:
        # Judged by length alone: never scan (or quote) text that is refused anyway.
        problems.append(f"{where}: {len(value)} characters, at most {limit}")
        return value
    _safety(value, where, problems, one_line=one_line)
    return value


def _strings(raw: Any, where: str, low: int, high: int, problems: list[str]) -> list[str]:
    items = raw if isinstance(raw, list) else ([] if raw is None else [raw])
    if not items:
        problems.append(f"{where}: missing; give at least {low}")
        return []
    if len(items) > high:
        problems.append(f"{where}: {len(items)} given, at most {high}")
        return []
    values: list[str] = []
    for position, item in enumerate(items):
        value = _scalar(item)
        spot = f"{where}[{position}]" if isinstance(raw, list) else where
        if not value:
            problems.append(f"{spot}: expected non-empty text or a number")
            continue
        if len(value) > MAX_ANSWER:
            problems.append(f"{spot}: {len(value)} characters, at most {MAX_ANSWER}")
            continue
        before = len(problems)
        _safety(value, spot, problems, one_line=True)
        if not normalise(value):
            # Matching and duplicate checks compare letters and digits only (a mention alone
            # has none since Discord markup is dropped; it is reported as a mention above).
            if len(problems) == before:
                problems.append(f"{spot}: needs a letter or a digit ({_shown(value)})")
            continue
        values.append(value)
    return values


def _choices(raw: Any, answers: list[str], where: str, problems: list[str]) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        problems.append(f"{where}: expected a list of {MIN_CHOICES}-{MAX_CHOICES} choices")
        return []
    if len(raw) > MAX_CHOICES:
        problems.append(f"{where}: {len(raw)} choices, at most {MAX_CHOICES}")
        return []
    if len(raw) < MIN_CHOICES:
        problems.append(f"{where}: {plural(len(raw), 'choice')}, at least {MIN_CHOICES}")
        return []
    choices = _strings(raw, where, MIN_CHOICES, MAX_CHOICES, problems)
    _check_choice_set(choices, answers, where, problems)
    return choices


def _check_choice_set(
    choices: list[str], answers: list[str], where: str, problems: list[str]
) -> None:
    seen: dict[str, int] = {}
    for position, choice in enumerate(choices):
        key = normalise(choice)
        if key in seen:
            problems.append(
                f"{where}[{position}]: duplicate of {where}[{seen[key]}] ({_shown(choice)})"
            )
        seen.setdefault(key, position)
    accepted = {normalise(answer) for answer in answers}
    correct = [choice for choice in choices if normalise(choice) in accepted]
    if answers and not correct:
        problems.append(f"{where}: none of the choices is an accepted answer")
    elif len(correct) > 1 and len(seen) == len(choices):
        problems.append(
            f"{where}: {len(correct)} choices are accepted answers, exactly one must be"
        )


def _episode(raw: Any, where: str, problems: list[str]) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_EPISODE:
        problems.append(f"{where}: expected a whole episode number from 1 to {MAX_EPISODE}")
        return None
    return raw


def _image(raw: Any, where: str, problems: list[str]) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not _IMAGE_URL.fullmatch(raw.strip()):
        problems.append(f"{where}: expected an https:// image URL")
        return None
    return raw.strip()
