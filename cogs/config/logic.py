"""Rendering the moderator's view of the configuration (pure)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.guild_settings import ChannelFeature, GuildConfig
from bot.problems import Problem


def render_config(
    config: GuildConfig,
    switches: list[ChannelFeature],
    problems: list[Problem],
    extra_lines: list[str],
    *,
    defaults: Mapping[str, bool],
    message_content: bool,
) -> str:
    """The text of `/config show`."""
    lines = ["**dramabot configuration**"]
    lines.append(f"Moderator role: {_role(config.mod_role_id)} (Manage Server always counts)")
    lines.append(f"Default announcement channel: {_channel(config.announce_channel_id)}")
    described = ", ".join(f"{name} {'on' if on else 'off'}" for name, on in defaults.items())
    lines.append(f"Channel switches (defaults: {described}):")
    if switches:
        lines += [
            f"• <#{item.channel_id}>: {item.feature} {'on' if item.enabled else 'off'}"
            for item in switches
        ]
    else:
        lines.append("• none (every channel uses the defaults)")
    if not message_content:
        lines.append(
            "⚠️ The Message Content intent is off, so I cannot read messages: typed trivia "
            "answers and automatic previews are off. Whoever runs me can enable it in the "
            "Developer Portal (Bot > Privileged Gateway Intents). `/preview`, the "
            "*Preview article* menu and button trivia still work."
        )
    lines += extra_lines
    if problems:
        lines.append("**Needs attention:**")
        lines += [f"⚠️ [{problem.feature}] {problem.message}" for problem in problems]
    else:
        lines.append("No problems reported.")
    return "\n".join(lines)


def _role(role_id: int | None) -> str:
    return "not set" if role_id is None else f"<@&{role_id}>"


def _channel(channel_id: int | None) -> str:
    return "not set" if channel_id is None else f"<#{channel_id}>"
