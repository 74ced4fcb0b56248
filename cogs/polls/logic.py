"""Pure poll rules: option parsing, vote bookkeeping, tallies and result text."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.bidi import BIDI_HINT, has_bidi
from bot.errors import InvalidInput
from bot.text import plural

MIN_OPTIONS = 2
MAX_OPTIONS = 20  # Discord allows 20 different reactions on a message.
MAX_OPTION_CHARS = 100
MAX_QUESTION_CHARS = 250
BAR_WIDTH = 10
MAX_NAMED_WINNERS = 3  # a tie between more options lists their emoji only

# Regional indicator letters 🇦..🇹, the default emoji for options without their own.
DEFAULT_EMOJI: tuple[str, ...] = tuple(chr(0x1F1E6 + i) for i in range(MAX_OPTIONS))

# Code points that start an emoji (Unicode's Emoji=Yes list below U+1F200, exactly: symbols
# such as ✓ ★ ♪ ♡ are not emoji, Discord cannot react with them, so they stay in the label).
_PICTO = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u2199\u21a9\u21aa\u231a\u231b\u2328\u23cf"
    "\u23e9-\u23f3\u23f8-\u23fa\u24c2\u25aa\u25ab\u25b6\u25c0\u25fb-\u25fe"
    "\u2600-\u2604\u260e\u2611\u2614\u2615\u2618\u261d\u2620\u2622\u2623\u2626\u262a"
    "\u262e\u262f\u2638-\u263a\u2640\u2642\u2648-\u2653\u265f\u2660\u2663\u2665\u2666"
    "\u2668\u267b\u267e\u267f\u2692-\u2697\u2699\u269b\u269c\u26a0\u26a1\u26a7\u26aa"
    "\u26ab\u26b0\u26b1\u26bd\u26be\u26c4\u26c5\u26c8\u26ce\u26cf\u26d1\u26d3\u26d4"
    "\u26e9\u26ea\u26f0-\u26f5\u26f7-\u26fa\u26fd"
    "\u2702\u2705\u2708-\u270d\u270f\u2712\u2714\u2716\u271d\u2721\u2728\u2733\u2734"
    "\u2744\u2747\u274c\u274e\u2753-\u2755\u2757\u2763\u2764\u2795-\u2797\u27a1\u27b0"
    "\u27bf\u2934\u2935\u2b05-\u2b07\u2b1b\u2b1c\u2b50\u2b55\u3030\u303d\u3297\u3299"
    "\U0001f004\U0001f0cf\U0001f170\U0001f171\U0001f17e\U0001f17f\U0001f18e"
    "\U0001f191-\U0001f19a\U0001f200-\U0001faff"
)
_MODS = "\ufe0f\U0001f3fb-\U0001f3ff"
_ONE = f"[{_PICTO}][{_MODS}]*(?:[\U000e0020-\U000e007f]+)?"
_EMOJI_RE = re.compile(
    r"<(?P<animated>a?):(?P<name>[A-Za-z0-9_~]{2,32}):(?P<id>\d{15,21})>"  # custom
    r"|(?P<unicode>"
    r"[\U0001f1e6-\U0001f1ff]{1,2}"  # a flag, or one regional indicator letter
    r"|[0-9#*]\ufe0f?\u20e3"  # keycap
    rf"|{_ONE}(?:\u200d{_ONE})*"  # pictograph, skin tones, tags, ZWJ sequences
    r")"
)
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Option:
    """One answer: the emoji that votes for it (as sent to Discord) and its label."""

    emoji: str
    label: str

    @property
    def key(self) -> str:
        """How reaction events name this emoji (see `emoji_key`)."""
        return emoji_key(self.emoji)


def emoji_key(emoji: str) -> str:
    """A stable key for an emoji: a custom emoji's id, or the unicode text without FE0F.

    Custom emoji are matched by id (their name can change); unicode emoji by their
    characters, ignoring the optional variation selector that clients add or drop.
    """
    match = re.fullmatch(r"<?a?:?[A-Za-z0-9_~]*:(\d+)>?", emoji)
    if match:
        return match.group(1)
    return emoji.replace("\ufe0f", "")


def reaction_form(emoji: str) -> str:
    """The emoji as Discord's reaction routes want it: `name:id` or the unicode text."""
    match = _EMOJI_RE.fullmatch(emoji)
    if match and match.group("id"):
        return f"{match.group('name')}:{match.group('id')}"
    return emoji


def split_leading_emoji(text: str) -> tuple[str | None, str, str | None]:
    """Split `text` into (emoji, rest, custom emoji id) when it starts with an emoji."""
    match = _EMOJI_RE.match(text)
    if match is None:
        return None, text, None
    return match.group(0), text[match.end() :].strip(), match.group("id")


def parse_options(raw: str, known_custom_ids: Collection[int] = ()) -> list[Option]:
    """Parse `🔥 Episode 9 | 💋 Episode 12 | Finale` into options.

    Options are separated by `|`; each may start with an emoji (unicode, or a custom emoji
    of this server); the others get 🇦 🇧 🇨 … in order, skipping letters already taken.

    Raises:
        InvalidInput: fewer than 2 or more than 20 options, an empty or over-long option,
            a duplicate label or emoji, or a custom emoji this server does not have.
    """
    parts = [_SPACES.sub(" ", part).strip() for part in raw.split("|")]
    if len(parts) < MIN_OPTIONS or len(parts) > MAX_OPTIONS:
        raise InvalidInput(_option_count_error(len(parts), raw))
    pairs = [_parse_one(number, part, known_custom_ids) for number, part in enumerate(parts, 1)]
    taken = {emoji_key(emoji) for emoji, _ in pairs if emoji}
    spare = iter(letter for letter in DEFAULT_EMOJI if letter not in taken)
    options = [Option(emoji or next(spare), label) for emoji, label in pairs]
    _refuse_duplicates(options)
    return options


def _option_count_error(count: int, raw: str) -> str:
    why = ""
    if count > MAX_OPTIONS:
        why = f"; Discord allows {MAX_OPTIONS} reactions on a message"
    elif "," in raw or ";" in raw:
        why = "; separate them with `|`, not commas"
    return (
        f"A poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options separated by `|` "
        f"(you gave {count}{why}), e.g. `🔥 Episode 9 | 💋 Episode 12 | Finale`."
    )


def check_pairs(pairs: Sequence[tuple[str, str]]) -> list[Option]:
    """Validate (emoji, label) pairs given by another feature, with /poll create's limits.

    Each emoji must be one standard or custom emoji (the caller vouches for custom ones).

    Raises:
        InvalidInput: a wrong count, a bad emoji, an over-long label or a duplicate.
    """
    if len(pairs) < MIN_OPTIONS or len(pairs) > MAX_OPTIONS:
        raise InvalidInput(f"A poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options.")
    options: list[Option] = []
    for number, (emoji, label) in enumerate(pairs, 1):
        tidy = _SPACES.sub(" ", label).strip()
        if not _EMOJI_RE.fullmatch(emoji.strip()):
            raise InvalidInput(f"Option {number} needs exactly one emoji.")
        if has_bidi(tidy):
            raise InvalidInput(f"Option {number} {BIDI_HINT}.")
        if len(tidy) > MAX_OPTION_CHARS:
            raise InvalidInput(
                f"Option {number} is {len(tidy)} characters long; shorten it to "
                f"{MAX_OPTION_CHARS} or fewer."
            )
        options.append(Option(emoji.strip(), tidy))
    _refuse_duplicates(options)
    return options


def _parse_one(number: int, part: str, known_custom_ids: Collection[int]) -> tuple[str | None, str]:
    if not part:
        raise InvalidInput(
            f"Option {number} is empty: write something between the `|` signs, or remove "
            "the extra `|`."
        )
    if has_bidi(part):
        raise InvalidInput(f"Option {number} {BIDI_HINT}.")
    emoji, label, custom_id = split_leading_emoji(part)
    if custom_id is not None and int(custom_id) not in known_custom_ids:
        raise InvalidInput(
            f"Option {number} uses a custom emoji from another server, and I can only react "
            "with this server's own: pick one of this server's emoji or a standard one."
        )
    if len(label) > MAX_OPTION_CHARS:
        raise InvalidInput(
            f"Option {number} is {len(label)} characters long; shorten it to "
            f"{MAX_OPTION_CHARS} or fewer."
        )
    return emoji, label


def _refuse_duplicates(options: Sequence[Option]) -> None:
    seen_labels: dict[str, int] = {}
    seen_keys: dict[str, int] = {}
    for number, option in enumerate(options, 1):
        label = option.label.casefold()
        if label and label in seen_labels:
            raise InvalidInput(
                f"Option {number} repeats option {seen_labels[label]}: give each option a "
                "different text."
            )
        if option.key in seen_keys:
            raise InvalidInput(
                f"Option {number} uses the same emoji as option {seen_keys[option.key]}: give "
                "each option its own emoji (or none, and I will use 🇦 🇧 🇨 …)."
            )
        seen_labels.setdefault(label, number)
        seen_keys.setdefault(option.key, number)


def validate_question(question: str) -> str:
    """Return the question with its spaces tidied, or raise `InvalidInput`."""
    tidy = _SPACES.sub(" ", question).strip()
    if not tidy:
        raise InvalidInput(
            "The question is empty: type what you want to ask, e.g. `Best kiss scene?`."
        )
    if has_bidi(tidy):
        raise InvalidInput(f"The question {BIDI_HINT}.")
    if len(tidy) > MAX_QUESTION_CHARS:
        raise InvalidInput(
            f"The question is {len(tidy)} characters long; shorten it to {MAX_QUESTION_CHARS} "
            "or fewer."
        )
    return tidy


# --- votes --------------------------------------------------------------------------------
def current_choices(history: Sequence[int], multi: bool) -> list[int]:
    """Which options a voter's reactions count for, oldest first.

    `history` lists the options the voter has reacted with, oldest first. A multi-choice
    poll counts them all; a single-choice poll counts only the latest.
    """
    if multi or not history:
        return list(history)
    return [history[-1]]


def after_add(history: Sequence[int], position: int, multi: bool) -> tuple[list[int], list[int]]:
    """A voter reacted with `position`: their new history and the reactions to tidy away.

    Single-choice: every other option the voter still holds is superseded (the bot removes
    those reactions when it may). A repeated add moves the option to the end (latest).
    """
    new = [p for p in history if p != position] + [position]
    superseded = [] if multi else [p for p in new if p != position]
    return new, superseded


def after_remove(history: Sequence[int], position: int) -> list[int]:
    """A voter's reaction for `position` went away."""
    return [p for p in history if p != position]


def after_click(history: Sequence[int], position: int, multi: bool) -> tuple[list[int], bool]:
    """A button click toggles: a second click on the same option withdraws it.

    Returns the new choices and whether `position` is now chosen.
    """
    if position in history:
        return [p for p in history if p != position], False
    if multi:
        return [*history, position], True
    return [position], True


# --- tallies ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tally:
    """Counted votes: per option, and how many distinct fans voted."""

    counts: tuple[int, ...]
    voters: int

    @property
    def top(self) -> int:
        """The highest count (0 with no votes)."""
        return max(self.counts, default=0)

    @property
    def winners(self) -> tuple[int, ...]:
        """Positions with the highest count; empty when nobody voted."""
        if self.top == 0:
            return ()
        return tuple(i for i, count in enumerate(self.counts) if count == self.top)


def counted(history: Sequence[int], option_count: int, multi: bool) -> list[int]:
    """The options one voter's history counts for (those that exist)."""
    return [p for p in current_choices(history, multi) if 0 <= p < option_count]


def tally(option_count: int, votes: Mapping[int, Sequence[int]], multi: bool) -> Tally:
    """Count `votes` (voter -> options held, oldest first) for `option_count` options."""
    counts = [0] * option_count
    voters = 0
    for history in votes.values():
        chosen = counted(history, option_count, multi)
        if chosen:
            voters += 1
        for position in chosen:
            counts[position] += 1
    return Tally(tuple(counts), voters)


def percent(count: int, voters: int) -> int:
    """Share of voters, rounded half up; 0 when nobody voted."""
    if voters == 0:
        return 0
    return (count * 200 + voters) // (voters * 2)


def bar(share: int, width: int = BAR_WIDTH) -> str:
    """A bar for a percentage (0-100), rounded half up to whole blocks."""
    filled = min(width, max(0, (share * width + 50) // 100))
    return "█" * filled + "░" * (width - filled)


def render_results(
    options: Sequence[tuple[str, str]], result: Tally, *, multi: bool, final: bool
) -> str:
    """Lines for each option (count, %, bar, 🏆 winner) and a summary.

    `options` are (emoji, already-cleaned label). Percentages are shares of voters, so in a
    multi-choice poll they may add up to more than 100 %.
    """
    lines = [_result_line(i, emoji, label, result) for i, (emoji, label) in enumerate(options)]
    lines.append("")
    lines.append(_summary(options, result, multi=multi, final=final))
    return "\n".join(lines)


def _result_line(position: int, emoji: str, label: str, result: Tally) -> str:
    count = result.counts[position]
    mark = " 🏆" if position in result.winners else ""
    title = f"{emoji} {label}".rstrip()
    share = percent(count, result.voters)
    return f"{title}{mark}\n`{bar(share)}` {plural(count, 'vote')} · {share}%"


def _summary(options: Sequence[tuple[str, str]], result: Tally, *, multi: bool, final: bool) -> str:
    voters = plural(result.voters, "voter")
    if not result.winners:
        return "No votes were cast." if final else "No votes yet."
    names = [f"{options[p][0]} {options[p][1]}".rstrip() for p in result.winners]
    if len(names) > MAX_NAMED_WINNERS:
        # A many-way tie names the options by emoji only, so the verdict stays short.
        emoji = [options[p][0] for p in result.winners]
        verdict = f"Tie between {len(names)} options: " + ", ".join(emoji)
    elif len(names) > 1:
        verdict = "Tie between " + ", ".join(names[:-1]) + " and " + names[-1]
    else:
        verdict = ("Winner: " if final else "Leading: ") + names[0]
    note = " (several choices each)" if multi else ""
    return f"{verdict} · {voters}{note}"


def render_options(options: Iterable[tuple[str, str]]) -> str:
    """The poll body: one `emoji label` line per option."""
    return "\n".join(f"{emoji} {label}".rstrip() for emoji, label in options)
