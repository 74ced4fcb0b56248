"""Pure poll rules: options, durations, vote bookkeeping, tallies, result text."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import InvalidInput
from cogs.polls import durations, logic
from cogs.polls.logic import Option, Tally

A, B, C, D = logic.DEFAULT_EMOJI[:4]
CUSTOM = "<:kiss:123456789012345678>"
ANIMATED = "<a:dance:223456789012345678>"
KNOWN = {123456789012345678, 223456789012345678}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Yes | No", [Option(A, "Yes"), Option(B, "No")]),
        ("🔥 Episode 9 | 💋 Episode 12", [Option("🔥", "Episode 9"), Option("💋", "Episode 12")]),
        ("🔥Ep 9|Ep 12", [Option("🔥", "Ep 9"), Option(A, "Ep 12")]),
        (f"{A} first | second", [Option(A, "first"), Option(B, "second")]),
        (f"x | {A} y", [Option(B, "x"), Option(A, "y")]),
        ("👍 | 👎", [Option("👍", ""), Option("👎", "")]),
        ("👩‍❤️‍💋‍👨 couple | 👍🏽 tone", [Option("👩‍❤️‍💋‍👨", "couple"), Option("👍🏽", "tone")]),
        ("1️⃣ one | #️⃣ hash", [Option("1️⃣", "one"), Option("#️⃣", "hash")]),
        ("🇰🇷 Korea | 🇯🇵 Japan", [Option("🇰🇷", "Korea"), Option("🇯🇵", "Japan")]),
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland | ❤️ love", [Option("🏴󠁧󠁢󠁳󠁣󠁴󠁿", "Scotland"), Option("❤️", "love")]),
        (f"{CUSTOM} kiss | {ANIMATED} dance", [Option(CUSTOM, "kiss"), Option(ANIMATED, "dance")]),
        ("  a   b  |  c ", [Option(A, "a b"), Option(B, "c")]),
        ("1 | 2", [Option(A, "1"), Option(B, "2")]),
        ("@everyone | <@&123>", [Option(A, "@everyone"), Option(B, "<@&123>")]),
    ],
)
def test_parse_options(raw: str, expected: list[Option]) -> None:
    assert logic.parse_options(raw, KNOWN) == expected


def test_twenty_options_get_twenty_letters() -> None:
    options = logic.parse_options(" | ".join(f"o{i}" for i in range(20)))
    assert [o.emoji for o in options] == list(logic.DEFAULT_EMOJI)
    assert logic.DEFAULT_EMOJI[0] == "🇦"
    assert logic.DEFAULT_EMOJI[19] == "🇹"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("only one", "2 to 20"),
        ("", "2 to 20"),
        (" | ".join(f"o{i}" for i in range(21)), "you gave 21"),
        ("a | a", "repeats"),
        ("Yes | YES", "repeats"),
        ("🔥 a | 🔥 b", "emoji"),
        ("❤️ a | ❤ b", "emoji"),
        (f"{A} a | {A} b", "emoji"),
        ("a | | b", "empty"),
        ("a |", "empty"),
        ("x" * 300 + " | b", "300 characters"),
        ("x" * 101 + " | b", "101 characters"),
        ("<:nope:999999999999999999> a | b", "custom emoji"),
    ],
)
def test_parse_options_refuses(raw: str, fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        logic.parse_options(raw, KNOWN)


def test_option_of_exactly_100_characters_is_fine() -> None:
    options = logic.parse_options("x" * 100 + " | y")
    assert len(options[0].label) == 100


@pytest.mark.parametrize(
    ("emoji", "key"),
    [
        ("❤️", "❤"),
        ("❤", "❤"),
        (CUSTOM, "123456789012345678"),
        ("kiss:123456789012345678", "123456789012345678"),
        (ANIMATED, "223456789012345678"),
        ("🇦", "🇦"),
    ],
)
def test_emoji_key(emoji: str, key: str) -> None:
    assert logic.emoji_key(emoji) == key


@pytest.mark.parametrize(
    ("emoji", "form"),
    [(CUSTOM, "kiss:123456789012345678"), (ANIMATED, "dance:223456789012345678"), ("🔥", "🔥")],
)
def test_reaction_form(emoji: str, form: str) -> None:
    assert logic.reaction_form(emoji) == form


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("30m", timedelta(minutes=30)),
        ("1m", timedelta(minutes=1)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1h30m", timedelta(minutes=90)),
        ("1H 30M", timedelta(minutes=90)),
        ("32d", timedelta(days=32)),
        ("31d23h59m", timedelta(days=32) - timedelta(minutes=1)),
        # What fans type naturally.
        ("1w", timedelta(weeks=1)),
        ("4 weeks", timedelta(weeks=4)),
        ("90min", timedelta(minutes=90)),
        ("90 mins", timedelta(minutes=90)),
        ("1h 30m", timedelta(minutes=90)),
        ("1 day", timedelta(days=1)),
        ("2 hours", timedelta(hours=2)),
        ("45 minutes", timedelta(minutes=45)),
        ("1 minute", timedelta(minutes=1)),
        ("1d12h", timedelta(hours=36)),
        ("1 hr 15 min", timedelta(minutes=75)),
        ("2hrs", timedelta(hours=2)),
        ("1 Day, 6 Hours", timedelta(hours=30)),
        ("1 hour and 30 minutes", timedelta(minutes=90)),
        ("  3   days ", timedelta(days=3)),
        ("30m 1h", timedelta(minutes=90)),
        ("1w 4d", timedelta(days=11)),
        ("0d 5m", timedelta(minutes=5)),
        ("4w4d", timedelta(days=32)),
        ("000000000001h", timedelta(hours=1)),
    ],
)
def test_parse_duration(raw: str | None, expected: timedelta | None) -> None:
    assert durations.parse_duration(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("0", "too short"),
        ("0m", "too short"),
        ("0 minutes", "too short"),
        ("forever", "could not read `forever`"),
        ("40d", "`40d` is too long"),
        ("5w", "too long"),
        ("32d1m", "too long"),
        ("9999999d", "too long"),
        ("9" * 80 + "d", "too long"),
        ("1" * 150 + "m", "too long"),
        ("1" * 4000 + "m", "could not read this duration"),
        ("a" * 81, "could not read this duration"),
        ("1h " * 100, "could not read this duration"),
        ("1234567", "could not read `1234567`"),
        ("30", "`30` needs a unit: `30m` for minutes, `30h` for hours or `30d` for days"),
        ("-5m", "could not read"),
        ("1.5h", "whole numbers"),
        ("1,5h", "whole numbers"),
        ("m", "could not read"),
        ("30s", "could not read"),
        ("1 month", "could not read"),
        ("1 mo", "could not read"),
        ("1hour30", "could not read"),
        ("h1", "could not read"),
        ("1h 1h", "each unit once"),
        ("1m 30m", "each unit once"),
        ("1 and", "could not read"),
        ("and 1h", "could not read"),
        ("1h,,30m", "could not read"),
        ("١h", "could not read"),  # an Arabic-Indic digit is not a number here
        ("`@everyone`", "could not read this duration"),  # odd text is not echoed back
    ],
)
def test_parse_duration_refuses_with_examples(raw: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        durations.parse_duration(raw)
    text = str(caught.value)
    assert says in text
    assert "1 minute and 32 days" in text
    assert "`1h 30m`" in text  # every refusal shows how to write it
    assert "@everyone" not in text


@pytest.mark.parametrize(
    ("duration", "text"),
    [(timedelta(minutes=90), "1h 30m"), (timedelta(days=3), "3d"), (timedelta(0), "0m")],
)
def test_format_duration(duration: timedelta, text: str) -> None:
    assert durations.format_duration(duration) == text


@pytest.mark.parametrize("control", ["\u202e", "\u202b", "\u2067", "\u2069"])
def test_bidi_controls_are_refused_in_questions_and_options(control: str) -> None:
    with pytest.raises(InvalidInput, match="direction"):
        logic.validate_question(f"Best {control}kiss?")
    with pytest.raises(InvalidInput, match=r"Option 2.*direction"):
        logic.parse_options(f"a | 🔥 {control}exe.jpg")
    with pytest.raises(InvalidInput, match=r"Option 1.*direction"):
        logic.check_pairs([("🔥", f"{control}b"), ("💋", "c")])


def test_question_validation() -> None:
    assert logic.validate_question("  Best   kiss? ") == "Best kiss?"
    with pytest.raises(InvalidInput, match="empty"):
        logic.validate_question("   ")
    with pytest.raises(InvalidInput, match="251 characters"):
        logic.validate_question("q" * 251)


@pytest.mark.parametrize(
    ("history", "position", "multi", "new", "superseded"),
    [
        ([], 0, False, [0], []),
        ([0], 1, False, [0, 1], [0]),
        ([0, 1], 0, False, [1, 0], [1]),
        ([0], 0, False, [0], []),
        ([0], 1, True, [0, 1], []),
        ([0, 1], 0, True, [1, 0], []),
    ],
)
def test_after_add(
    history: list[int], position: int, multi: bool, new: list[int], superseded: list[int]
) -> None:
    assert logic.after_add(history, position, multi) == (new, superseded)


def test_after_remove_keeps_the_rest_in_order() -> None:
    assert logic.after_remove([2, 0, 1], 0) == [2, 1]
    assert logic.after_remove([2], 5) == [2]


@pytest.mark.parametrize(
    ("history", "position", "multi", "new", "chosen"),
    [
        ([], 1, False, [1], True),
        ([1], 1, False, [], False),
        ([1], 2, False, [2], True),
        ([1], 2, True, [1, 2], True),
        ([1, 2], 1, True, [2], False),
    ],
)
def test_after_click_toggles(
    history: list[int], position: int, multi: bool, new: list[int], chosen: bool
) -> None:
    assert logic.after_click(history, position, multi) == (new, chosen)


@pytest.mark.parametrize(
    ("votes", "multi", "counts", "voters"),
    [
        ({}, False, (0, 0, 0), 0),
        ({1: [0], 2: [1], 3: [1]}, False, (1, 2, 0), 3),
        ({1: [0, 2]}, False, (0, 0, 1), 1),  # single-choice: only the latest reaction counts
        ({1: [0, 2], 2: [2]}, True, (1, 0, 2), 2),
        ({1: [], 2: [7]}, False, (0, 0, 0), 0),  # no reactions left / unknown option
    ],
)
def test_tally(
    votes: dict[int, list[int]], multi: bool, counts: tuple[int, ...], voters: int
) -> None:
    assert logic.tally(3, votes, multi) == Tally(counts, voters)


@pytest.mark.parametrize(
    ("count", "voters", "share"), [(0, 0, 0), (1, 3, 33), (2, 3, 67), (1, 2, 50), (1, 8, 13)]
)
def test_percent(count: int, voters: int, share: int) -> None:
    assert logic.percent(count, voters) == share


@pytest.mark.parametrize(
    ("share", "drawn"),
    [
        (100, "██████████"),
        (0, "░░░░░░░░░░"),
        (25, "███░░░░░░░"),
        (4, "░░░░░░░░░░"),
        (5, "█░░░░░░░░░"),
    ],
)
def test_bar_is_the_share(share: int, drawn: str) -> None:
    assert logic.bar(share) == drawn


OPTS = [("🔥", "Ep 9"), ("💋", "Ep 12"), ("😭", "Finale")]


def test_render_winner() -> None:
    text = logic.render_results(OPTS, Tally((3, 1, 0), 4), multi=False, final=True)
    assert "🔥 Ep 9 🏆\n`████████░░` 3 votes · 75%" in text
    assert "💋 Ep 12\n`███░░░░░░░` 1 vote · 25%" in text
    assert "😭 Finale\n`░░░░░░░░░░` 0 votes · 0%" in text
    assert text.endswith("Winner: 🔥 Ep 9 · 4 voters")


def test_render_live_says_leading() -> None:
    text = logic.render_results(OPTS, Tally((0, 1, 0), 1), multi=False, final=False)
    assert text.endswith("Leading: 💋 Ep 12 · 1 voter")


def test_render_tie() -> None:
    text = logic.render_results(OPTS, Tally((2, 2, 2), 6), multi=False, final=True)
    assert text.count("🏆") == 3
    assert "Tie between 🔥 Ep 9, 💋 Ep 12 and 😭 Finale · 6 voters" in text


def test_render_zero_votes() -> None:
    final = logic.render_results(OPTS, Tally((0, 0, 0), 0), multi=False, final=True)
    assert "🏆" not in final
    assert final.endswith("No votes were cast.")
    live = logic.render_results(OPTS, Tally((0, 0, 0), 0), multi=False, final=False)
    assert live.endswith("No votes yet.")


def test_render_multi_shares_of_voters() -> None:
    text = logic.render_results(OPTS, Tally((2, 2, 1), 2), multi=True, final=True)
    assert "2 votes · 100%" in text
    assert "1 vote · 50%" in text
    assert text.endswith("Tie between 🔥 Ep 9 and 💋 Ep 12 · 2 voters (several choices each)")


def test_render_options() -> None:
    assert logic.render_options([("🇦", "a"), ("👍", "")]) == "🇦 a\n👍"


def test_check_pairs_accepts_pipes_in_labels() -> None:
    assert logic.check_pairs([("😍", "Love | it"), (CUSTOM, " Angry ")]) == [
        Option("😍", "Love | it"),
        Option(CUSTOM, "Angry"),
    ]


@pytest.mark.parametrize(
    ("pairs", "fragment"),
    [
        ([("😍", "x")], "2 to 20"),
        ([("😍", "x")] * 21, "2 to 20"),
        ([("x", "a"), ("😍", "b")], "exactly one emoji"),
        ([("😍😍", "a"), ("😡", "b")], "exactly one emoji"),
        ([("😍", "a"), ("😍", "b")], "emoji"),
        ([("😍", "a"), ("😡", "A")], "repeats"),
        ([("😍", "a" * 101), ("😡", "b")], "101 characters"),
    ],
)
def test_check_pairs_refuses(pairs: list[tuple[str, str]], fragment: str) -> None:
    with pytest.raises(InvalidInput, match=fragment):
        logic.check_pairs(pairs)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Symbols that are not emoji (Discord cannot react with them) stay part of the label.
        ("✓ Yes | ✗ No", [Option(A, "✓ Yes"), Option(B, "✗ No")]),
        (
            "★ Star | ♪ Song | ♡ Love",
            [Option(A, "★ Star"), Option(B, "♪ Song"), Option(C, "♡ Love")],
        ),
        ("☐ todo | ➜ next", [Option(A, "☐ todo"), Option(B, "➜ next")]),
        # Their emoji neighbours still vote.
        ("✔ ok | ✅ done | ☑️ box", [Option("✔", "ok"), Option("✅", "done"), Option("☑️", "box")]),
        (
            "♥ heart | ☀️ sun | ⭐ star",
            [Option("♥", "heart"), Option("☀️", "sun"), Option("⭐", "star")],
        ),
        ("✨ magic | ❤️‍🔥 burning", [Option("✨", "magic"), Option("❤️‍🔥", "burning")]),
        ("🃏 joker | 🂡 ace", [Option("🃏", "joker"), Option(A, "🂡 ace")]),
        ("🅰️ type a | Ⓜ️ metro", [Option("🅰️", "type a"), Option("Ⓜ️", "metro")]),
    ],
)
def test_only_real_emoji_become_vote_emoji(raw: str, expected: list[Option]) -> None:
    assert logic.parse_options(raw) == expected


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("only one", "2 to 20 options separated by `|` (you gave 1)"),
        ("Yes, No, Maybe", "(you gave 1; separate them with `|`, not commas)"),
        (" | ".join(f"o{i}" for i in range(21)), "Discord allows 20 reactions on a message"),
        ("a | b | A", "Option 3 repeats option 1: give each option a different text."),
        ("🔥 a | b | 🔥 c", "Option 3 uses the same emoji as option 1"),
        ("a | | b", "Option 2 is empty: write something between the `|` signs"),
        ("a | b |", "remove the extra `|`"),
        ("<:nope:999999999999999999> a | b", "pick one of this server's emoji or a standard one"),
        ("x" * 300 + " | b", "Option 1 is 300 characters long; shorten it to 100 or fewer."),
    ],
)
def test_option_refusals_say_how_to_fix(raw: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        logic.parse_options(raw, KNOWN)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("question", "says"),
    [
        ("   ", "The question is empty: type what you want to ask, e.g. `Best kiss scene?`"),
        ("q" * 300, "The question is 300 characters long; shorten it to 250 or fewer."),
    ],
)
def test_question_refusals_say_how_to_fix(question: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        logic.validate_question(question)
    assert says in str(caught.value)
