"""Texts the trivia cog sends. Pure: strings in, strings out; user text always cleaned."""

from __future__ import annotations

from bot.replies import clean, timestamp
from bot.text import plural
from cogs.trivia.api import Click
from cogs.trivia.game import Answer, Game, Mode, PlayerScore, Started
from cogs.trivia.library import PackEntry
from cogs.trivia.periods import PERIODS
from cogs.trivia.score_store import PlayerStats, Standing

LETTERS = "ABCDE"
RESTART_NOTICE = "I restarted, so this game was closed. Points earned so far are kept."
FAILED_NOTICE = (
    "⚠️ Something went wrong on my side, so this trivia game was stopped. "
    "Points earned so far are kept."
)
FIRST_QUESTION_FAILED = (
    "⚠️ Something went wrong on my side before the first question, so the game was called "
    "off. Please try `/trivia start` again in a moment."
)
TYPED_NEEDS_INTENT = (
    "Typed answers need the Message Content intent, which I don't have, so this game uses "
    "buttons instead. Whoever runs me can turn on 'Message Content Intent' in the Discord "
    "Developer Portal (Bot > Privileged Gateway Intents)."
)


def intro_text(user_id: int, started: Started) -> str:
    """The public reply to /trivia start: pack, settings, and what could not be asked."""
    count = started.questions
    lines = [TYPED_NEEDS_INTENT] if started.downgraded else []
    lines.append(
        f"🎬 <@{user_id}> started **{clean(started.pack_name)}** trivia: "
        f"{plural(count, 'question')}, "
        f"{started.seconds} s each, {started.mode.value} mode."
    )
    if count < started.wanted:
        lines.append(f"Only {plural(count, 'question')} can be asked here right now.")
    if started.hidden:
        held = plural(
            started.hidden,
            "question about an episode that has not aired yet is",
            "questions about episodes that have not aired yet are",
        )
        lines.append(f"{held} held back.")
    return "\n".join(lines)


def nothing_to_ask(pack_name: str, question_count: int, hidden: int) -> str:
    """Why a game with this pack cannot start: no questions, none aired, none for the mode."""
    name = clean(pack_name)
    if question_count == 0:
        return f"The pack **{name}** has no questions."
    reason = " yet: its scenes have not aired here" if hidden else " in this mode"
    return f"The pack **{name}** has no question that can be asked{reason}."


def locked_in(click: Click) -> str:
    """The clicker's private confirmation: what they picked and when the answer is revealed."""
    return (
        f"Locked in: **{LETTERS[click.answer.choice or 0]}. {clean(click.label)}**. "
        f"The answer is revealed {timestamp(click.deadline, 'R')}."
    )


def packs_text(entries: list[PackEntry]) -> str:
    """/trivia packs: every pack the server can see, built-in first."""
    lines = ["**Trivia packs**"]
    for entry in entries:
        origin = "built-in" if entry.shipped else "uploaded"
        state = " — *disabled*" if entry.disabled else ""
        drama = f" · {clean(entry.drama)}" if entry.drama else ""
        lines.append(
            f"• **{clean(entry.name)}** ({plural(entry.question_count, 'question')}, "
            f"{origin}{drama}){state}"
            f"\n  {clean(entry.description, limit=150)}"
        )
    return "\n".join(lines)


def question_text(game: Game) -> str:
    """The body of a question message (choices lettered in buttons mode)."""
    planned = game.current
    lines = [f"**{clean(planned.question.text)}**"]
    if planned.choices:
        lines.append("")
        lines += [f"**{LETTERS[i]}.** {clean(choice)}" for i, choice in enumerate(planned.choices)]
    how = (
        "Click your answer; your first click counts."
        if game.mode is Mode.BUTTONS
        else (
            "Type your answer in this channel (for a number, your first 3 numbers count); "
            "who got it is shown when time is up."
        )
    )
    lines += ["", f"{how} Closes {timestamp(game.deadline, 'R')}."]
    return "\n".join(lines)


def question_title(game: Game) -> str:
    """The title of a question message: question number and pack."""
    return f"Question {game.index + 1}/{len(game.questions)} · {clean(game.pack_name, limit=80)}"


def reveal_text(game: Game, right: list[Answer]) -> str:
    """The reveal: answer, explanation, who got it and how fast."""
    planned = game.current
    letter = f"{LETTERS[planned.correct]}. " if planned.correct is not None else ""
    lines = [f"✅ The answer: **{letter}{clean(planned.answer)}**"]
    if planned.question.explanation:
        lines.append(clean(planned.question.explanation))
    if right:
        shown = ", ".join(f"<@{a.user_id}> {a.elapsed:.1f} s (+{a.points})" for a in right[:15])
        more = f" and {len(right) - 15} more" if len(right) > 15 else ""
        lines.append(f"Got it: {shown}{more}")
    else:
        lines.append("Nobody got it this time.")
    wrong = sum(1 for a in game.answers.values() if not a.correct)
    if wrong:
        lines.append(f"Wrong answers: {wrong}")
    return "\n".join(lines)


def ranks(points: list[int]) -> list[int]:
    """Competition ranks for scores sorted best first: equal points share a place (1, 1, 3)."""
    out: list[int] = []
    for position, value in enumerate(points, start=1):
        out.append(out[-1] if out and points[position - 2] == value else position)
    return out


def standings_text(title: str, rows: list[tuple[int, PlayerScore]], total: int) -> str:
    """Final standings of a game (top 10); tied players share a place and its medal."""
    if not rows:
        return f"🏁 **{title}**\nNobody scored this game."
    medals = ["🥇", "🥈", "🥉"]
    lines = [f"🏁 **{title}**"]
    shown = rows[:10]
    places = ranks([player.points for _, player in shown])
    for rank, (user_id, player) in zip(places, shown, strict=True):
        mark = medals[rank - 1] if rank <= len(medals) else f"{rank}."
        lines.append(
            f"{mark} <@{user_id}> — {plural(player.points, 'point')} "
            f"({player.correct}/{total} right, "
            f"best streak {player.best_streak})"
        )
    return "\n".join(lines)


def leaderboard_text(period: str, rows: list[Standing]) -> str:
    """The guild leaderboard for a period."""
    label = PERIODS[period]
    if not rows:
        return f"No trivia points {label} yet. Start a game with `/trivia start`."
    lines = [f"🏆 **Trivia leaderboard — {label}**"]
    for rank, row in zip(ranks([row.points for row in rows]), rows, strict=True):
        accuracy = round(100 * row.correct / row.answers) if row.answers else 0
        points = plural(row.points, "point")
        lines.append(f"{rank}. <@{row.user_id}> — {points} ({accuracy}% right)")
    return "\n".join(lines)


def interrupted_text(rows: list[Standing]) -> str:
    """The notice for a game a restart closed, with the points its players keep (top 10)."""
    lines = [RESTART_NOTICE]
    scored = [row for row in rows if row.points > 0][:10]
    for rank, row in zip(ranks([row.points for row in scored]), scored, strict=True):
        points = plural(row.points, "point")
        lines.append(f"{rank}. <@{row.user_id}> — {points} ({row.correct} right)")
    return "\n".join(lines)


def stats_text(user_id: int, stats: PlayerStats) -> str:
    """A member's trivia numbers."""
    if stats.answers == 0:
        return f"<@{user_id}> has not answered any trivia question here yet."
    accuracy = 100 * stats.correct / stats.answers
    return (
        f"📊 **Trivia stats for <@{user_id}>**\n"
        f"Games: {stats.games}\nAnswers: {stats.answers} ({stats.correct} right, "
        f"{accuracy:.0f}% accuracy)\nPoints: {stats.points}\nBest streak: {stats.best_streak}"
    )
