"""Typed-answer matching: forgiving about form, strict about meaning.

Pure code. `normalise` folds case, accents, punctuation, spacing, a leading "the", number
words and "episode 9" forms into one canonical string; `Matcher` holds a question's
accepted answers pre-normalised so that judging a chat message costs microseconds.

A guess is right when its canonical form equals an accepted answer, or, for text answers
only, when it is within a small, length-aware number of edits (optimal string alignment:
a swapped pair of letters is one edit) and its digits are the same. Numbers never fuzz:
"19" is not "9". A guess that adds a whole word ("Park Seo Joon's brother") is many edits
away and is refused; so is a guess nearer to a wrong choice than to the answer, and a guess
that merely extends an answer ("Kim Mi Sook" for "Kim Mi So"; only a plural or possessive
"s" may follow it).

A wrong message counts as a try (stored, shown in stats and the reveal's "Wrong answers") only
when it plausibly is a guess, see `Matcher.is_attempt`; other chatter in the channel is ignored.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

MAX_GUESS_CHARS = 200
# A wrong message is a try only if it is this short and near an answer or choice of the question.
MAX_ATTEMPT_CHARS = 60
MAX_ATTEMPT_WORDS = 8
ATTEMPT_SIMILARITY = 50  # rapidfuzz ratio (0-100) to some accepted answer or choice
MIN_SHARED_WORD = 3  # a shared word this long (not a stop word) also makes it a guess
_STOP_WORDS = frozenset({"the", "and", "for", "not", "was", "its", "his", "her", "who"})

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
    "thirteenth": 13,
    "fourteenth": 14,
    "fifteenth": 15,
    "sixteenth": 16,
    "seventeenth": 17,
    "eighteenth": 18,
    "nineteenth": 19,
    "twentieth": 20,
}
_WORD_NUMBERS = {**_UNITS, **_ORDINALS}

_APOSTROPHES = "'’‘`´"
_DROP = str.maketrans("", "", _APOSTROPHES)
_SPACE_OUT = re.compile(r"[^\w]+|_", re.UNICODE)
_ORDINAL_SUFFIX = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_EPISODE = re.compile(
    r"^(?:(?:episode|episodes|ep|eps|e|no|number)\s*(\d+)|(\d+)\s*(?:episode|ep))$"
)
_COMMA_NUMBER = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")
# Discord markup a fan may type around a guess: user/role/channel mentions, custom emoji,
# timestamps, slash-command mentions. Their ids are no guess ("<@1180…>" is not a number).
_DISCORD_MARKUP = re.compile(r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::[A-Za-z])?|/[^<>:]+:\d+)>")


def _fold(text: str) -> str:
    """Case-fold and strip accents (keeping Hangul and other letters whole)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", kept)


def _number_tokens(tokens: list[str]) -> list[str]:
    """Turn number words into digits: "twenty one" -> "21", "ninth" -> "9", "9th" -> "9"."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        suffixed = _ORDINAL_SUFFIX.match(token)
        if token in _TENS:
            value = _TENS[token]
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt in _WORD_NUMBERS and 0 < _WORD_NUMBERS[nxt] < 10:
                value += _WORD_NUMBERS[nxt]
                i += 1
            out.append(str(value))
        elif token in _WORD_NUMBERS:
            out.append(str(_WORD_NUMBERS[token]))
        elif suffixed is not None:
            out.append(str(int(suffixed.group(1))))
        elif token.isdigit():
            out.append(str(int(token)))
        else:
            out.append(token)
        i += 1
    return out


def normalise(text: str) -> str:
    """The canonical form of an answer or a guess.

    >>> normalise("The Wardrobe!")
    'wardrobe'
    >>> normalise("Episode Nine")
    '9'
    >>> normalise("<@1180712345678901248> episode 9")
    '9'
    """
    plain = _DISCORD_MARKUP.sub(" ", text[: MAX_GUESS_CHARS * 2])
    folded = _COMMA_NUMBER.sub("", _fold(plain).translate(_DROP))
    tokens = _number_tokens(_SPACE_OUT.sub(" ", folded).split())
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    joined = " ".join(tokens)
    episode = _EPISODE.match(joined)
    if episode is None:
        return joined
    return episode.group(1) or episode.group(2)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def allowed_edits(length: int) -> int:
    """How many edits a typo may cost for an answer of `length` characters."""
    if length < 4:
        return 0
    if length < 8:
        return 1
    if length < 16:
        return 2
    return 3


@dataclass(frozen=True)
class Matcher:
    """One question's accepted answers, normalised once; judges guesses quickly."""

    answers: frozenset[str]
    fuzzy: tuple[tuple[str, int, str], ...]  # (answer, allowed edits, its digits)
    rivals: frozenset[str]
    candidates: tuple[str, ...] = ()  # answers and rivals: what a guess looks like
    words: frozenset[str] = frozenset()  # their telling words, for `is_attempt`

    @classmethod
    def build(cls, answers: tuple[str, ...], rivals: tuple[str, ...] = ()) -> Matcher:
        """Prepare `answers`; `rivals` are wrong choices a near guess must not be closer to."""
        normal = frozenset(n for n in (normalise(a) for a in answers) if n)
        fuzzy = tuple(
            (answer, allowed_edits(len(answer)), _digits(answer))
            for answer in sorted(normal)
            if not answer.isdigit() and allowed_edits(len(answer)) > 0
        )
        wrong = frozenset(n for n in (normalise(r) for r in rivals) if n and n not in normal)
        candidates = tuple(sorted(normal | wrong))
        words = frozenset(
            word
            for candidate in candidates
            for word in candidate.split()
            if len(word) >= MIN_SHARED_WORD and word not in _STOP_WORDS
        )
        return cls(normal, fuzzy, wrong, candidates, words)

    @property
    def numeric(self) -> bool:
        """Whether every accepted answer is a number (episodes, years, counts)."""
        return bool(self.answers) and all(answer.isdigit() for answer in self.answers)

    def is_correct(self, guess: str) -> bool:
        """Whether `guess` (raw chat text) is an accepted answer."""
        if len(guess) > MAX_GUESS_CHARS:
            return False
        return self.matches(normalise(guess))

    def matches(self, text: str) -> bool:
        """Whether an already normalised guess is an accepted answer."""
        if not text:
            return False
        if text in self.answers:
            return True
        if text in self.rivals or not self.fuzzy:
            return False
        return self._near(text)

    def is_attempt(self, raw: str, guess: str) -> bool:
        """Whether a message that is not right still counts as a try (else it is chatter).

        `raw` is the message, `guess` its normalised form. A try is short (at most 60
        characters and 8 words) and, for a number answer, is a number ("8", "episode 12",
        "twelve"); for a text answer it is like an accepted answer or choice of the question:
        a rapidfuzz ratio of at least 50 to one of them ("Kim Mi Sook", "9:00 pm", "MBC" among
        the choices) or a shared word of 3+ letters ("Park Hyung Sik", "web novel").
        """
        if not guess or len(raw) > MAX_ATTEMPT_CHARS:
            return False
        if len(raw.split()) > MAX_ATTEMPT_WORDS:
            return False
        if self.numeric:
            return guess.isdigit()
        if not self.words.isdisjoint(guess.split()):
            return True
        return any(
            fuzz.ratio(guess, candidate, score_cutoff=ATTEMPT_SIMILARITY)
            for candidate in self.candidates
        )

    def _near(self, text: str) -> bool:
        if self._extends_an_answer(text):
            return False
        digits = _digits(text)
        for answer, limit, answer_digits in self.fuzzy:
            if digits != answer_digits or abs(len(text) - len(answer)) > limit:
                continue
            distance = OSA.distance(text, answer, score_cutoff=limit)
            if distance <= limit and not self._rival_nearer(text, distance):
                return True
        return False

    def _extends_an_answer(self, text: str) -> bool:
        """Whether an answer sits in `text` glued to more letters ("Kim Mi Sook").

        Only a final plural or possessive "s" may follow it ("Park Seo Joon's"); a separate
        extra word is left to the edit distance ("Leee Young Joon" is a typo, not "Young Joon"
        plus a word).
        """
        for answer in self.answers:
            start = text.find(answer)
            while start != -1:
                end = start + len(answer)
                glued_before = start > 0 and text[start - 1].isalnum()
                glued_after = end < len(text) and text[end].isalnum() and text[end:] != "s"
                if glued_before or glued_after:
                    return True
                start = text.find(answer, start + 1)
        return False

    def _rival_nearer(self, text: str, distance: int) -> bool:
        return any(
            OSA.distance(text, rival, score_cutoff=distance) <= distance for rival in self.rivals
        )
