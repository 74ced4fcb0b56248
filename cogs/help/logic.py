"""Building the /help text from the command tree (pure)."""

from __future__ import annotations

from dataclasses import dataclass

FEATURES = {
    "airtime": "📺 Airtimes in KST, shown in your own time zone",
    "drama": "🛠️ Moderators: manage the server's dramas and announcements",
    "trivia": "🎬 Scene trivia quizzes",
    "poll": "📊 Reaction polls",
    "preview": "📰 Article link previews",
    "previews": "📰 Moderators: link preview settings",
    "config": "⚙️ Moderators: server configuration",
}


@dataclass(frozen=True)
class CommandLine:
    """One slash command as /help shows it."""

    group: str
    name: str
    description: str


def render_help(commands: list[CommandLine], notes: dict[str, str], limit: int = 4000) -> str:
    """Group commands by top-level name, in a stable order, with feature notes appended."""
    order = list(FEATURES)
    groups: dict[str, list[CommandLine]] = {}
    for command in commands:
        groups.setdefault(command.group, []).append(command)
    lines: list[str] = []
    for group in sorted(groups, key=lambda g: (order.index(g) if g in order else len(order), g)):
        lines.append(f"**{FEATURES.get(group, group)}**")
        lines += [f"`/{item.name}` — {item.description}" for item in groups[group]]
        if group in notes:
            lines.append(notes[group])
        lines.append("")
    text = "\n".join(lines).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
