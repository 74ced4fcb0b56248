"""Building the /help text from the command tree (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.text import shorten

MODERATORS = "Moderators only:"  # the one way /help marks moderator commands
FIELD_LIMIT = 1024
DESCRIPTION_LIMIT = 4096


@dataclass(frozen=True)
class Topic:
    """One help topic: its heading, the top-level commands it covers, a closing note."""

    title: str
    roots: tuple[str, ...]
    note: str = ""


Topics = dict[str, Topic]


@dataclass(frozen=True)
class CommandLine:
    """One command as /help shows it."""

    root: str
    name: str
    description: str
    moderator: bool = False


def topic_of(topics: Topics, root: str) -> str:
    """The help topic a top-level command belongs to ("other" if none)."""
    for name, topic in topics.items():
        if root in topic.roots:
            return name
    return "other"


def _label(command: CommandLine) -> str:
    # Context-menu commands have spaces and no slash.
    return command.name if " " in command.root else f"/{command.name}"


def _split(
    topics: Topics, commands: list[CommandLine], topic: str
) -> tuple[list[CommandLine], list[CommandLine]]:
    """A topic's commands for everyone, then those for moderators only."""
    mine = [c for c in commands if topic_of(topics, c.root) == topic]
    return [c for c in mine if not c.moderator], [c for c in mine if c.moderator]


def overview_fields(topics: Topics, commands: list[CommandLine]) -> list[tuple[str, str]]:
    """One (heading, command names) field per topic, for `/help` without a topic."""
    fields: list[tuple[str, str]] = []
    for topic, spec in topics.items():
        heading = spec.title
        everyone, moderators = _split(topics, commands, topic)
        lines = []
        if everyone:
            lines.append(" ".join(f"`{_label(c)}`" for c in everyone))
        if moderators:
            lines.append(f"{MODERATORS} " + " ".join(f"`{_label(c)}`" for c in moderators))
        if lines:
            lines.append(f"→ `/help topic:{topic}`")
            fields.append((heading, shorten("\n".join(lines), FIELD_LIMIT)))
    return fields


def topic_text(topics: Topics, topic: str, commands: list[CommandLine]) -> str:
    """Every command of a topic with its description, then the topic's note."""
    everyone, moderators = _split(topics, commands, topic)
    lines = [f"`{_label(c)}` — {c.description}" for c in everyone]
    if moderators:
        lines += [*([""] if lines else []), f"**{MODERATORS}**"]
        lines += [f"`{_label(c)}` — {c.description}" for c in moderators]
    if topics[topic].note:
        lines += ["", topics[topic].note]
    return shorten("\n".join(lines) or "No commands in this topic.", DESCRIPTION_LIMIT)
