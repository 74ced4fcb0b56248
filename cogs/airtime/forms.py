"""Pure: turn `/drama add`, `/drama edit` and `/drama skip` options into validated changes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import Any

from bot.errors import InvalidInput
from cogs.airtime import catalog
from cogs.airtime.records import AddSpecial, Drama, Edit, Move, ScheduleChange, Skip
from cogs.airtime.schedule import KST, Episode, Slot, shifted_by_skip
from cogs.airtime.validate import (
    DELAY_MAX,
    NAME_MAX,
    RUNTIME_MAX,
    RUNTIME_MIN,
    check_episodes,
    check_premiere,
    check_range,
    check_text,
    check_title,
    make_slots,
    parse_aliases,
    parse_date,
    parse_days,
    parse_kst_datetime,
    parse_time,
)

REQUIRED = ("title", "network", "days", "time", "premiere", "episodes")


@dataclass(frozen=True)
class DramaForm:
    """The options a moderator typed (None = not given)."""

    title: str | None = None
    network: str | None = None
    days: str | None = None
    time: str | None = None
    premiere: str | None = None
    episodes: int | None = None
    runtime: int | None = None
    streaming: str | None = None
    streaming_delay: int | None = None
    aliases: str | None = None


def _base(form: DramaForm, catalog_name: str | None, guild_id: int) -> Drama | None:
    if not catalog_name:
        missing = [field for field in REQUIRED if getattr(form, field) is None]
        if missing:
            raise InvalidInput(
                "To add a drama by hand give " + ", ".join(f"`{m}`" for m in missing)
                + "; or pick one with the `catalog` option."
            )  # fmt: skip
        return None
    entry = catalog.find(catalog_name)
    if entry is None:
        raise InvalidInput(
            f"The catalog has no drama called {catalog_name[:60]!r}; pick one from the list, "
            "or fill in the fields yourself."
        )
    return Drama(
        drama_id=0,
        guild_id=guild_id,
        title=entry.title,
        aliases=entry.aliases,
        network=entry.network,
        slots=entry.slots,
        premiere=entry.premiere,
        episodes=entry.episodes,
        runtime_min=entry.runtime_min,
        streaming=entry.streaming,
        streaming_delay_min=entry.streaming_delay_min,
        catalog_key=entry.key,
    )


def new_drama(form: DramaForm, catalog_name: str | None, guild_id: int, now: datetime) -> Drama:
    """A validated drama from the add options (catalog values, overridden by typed ones)."""
    base = _base(form, catalog_name, guild_id)
    if base is None:
        base = Drama(0, guild_id, "", (), "", (), date(2000, 1, 1), 1, 60)
    return replace(base, **changes_for(base, form, now))


def _slots(drama: Drama, form: DramaForm) -> tuple[Slot, ...] | None:
    if form.days is None and form.time is None:
        return None
    days = (
        parse_days(form.days) if form.days is not None else sorted({s.weekday for s in drama.slots})
    )
    if form.time is not None:
        at: time = parse_time(form.time)
    else:
        times = {slot.at for slot in drama.slots}
        if len(times) != 1:
            raise InvalidInput("This drama airs at different times; give `time` as well.")
        at = next(iter(times))
    return make_slots(days, at)


def changes_for(drama: Drama, form: DramaForm, now: datetime) -> dict[str, Any]:
    """Validated column changes for the given options (empty dict when none given).

    The premiere window (1990 to two years ahead) applies to typed premieres only.
    """
    changes: dict[str, Any] = {}
    if form.title is not None:
        changes["title"] = check_title(form.title)
    if form.aliases is not None:
        changes["aliases"] = parse_aliases(form.aliases)
    if form.network is not None:
        changes["network"] = check_text(form.network, "network", NAME_MAX)
    slots = _slots(drama, form)
    if slots is not None:
        changes["slots"] = slots
    if form.premiere is not None:
        changes["premiere"] = check_premiere(parse_date(form.premiere), now)
    if form.episodes is not None:
        changes["episodes"] = check_episodes(form.episodes)
    if form.runtime is not None:
        changes["runtime_min"] = check_range(form.runtime, RUNTIME_MIN, RUNTIME_MAX, "Runtime")
    changes.update(_streaming(drama, form))
    return changes


def _streaming(drama: Drama, form: DramaForm) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if form.streaming is not None:
        off = form.streaming.strip().lower() in {"", "none", "off"}
        changes["streaming"] = None if off else check_text(form.streaming, "platform", NAME_MAX)
        if off:
            changes["streaming_delay_min"] = None
    if form.streaming_delay is not None:
        delay = check_range(form.streaming_delay, 0, DELAY_MAX, "The streaming delay (minutes)")
        if changes.get("streaming", drama.streaming) is None:
            raise InvalidInput("Say where it streams (`streaming`, e.g. `Viki`) with the delay.")
        changes["streaming_delay_min"] = delay
    elif changes.get("streaming") and drama.streaming_delay_min is None:
        changes["streaming_delay_min"] = 0
    return changes


@dataclass(frozen=True)
class ScheduleForm:
    """The `/drama edit` options that change single broadcasts (None = not given)."""

    move_episode: int | None = None
    move_to: str | None = None
    special_at: str | None = None
    special_title: str | None = None


def edit_changes(
    drama: Drama, form: DramaForm, extra: ScheduleForm, now: datetime
) -> list[ScheduleChange]:
    """Every change `/drama edit` asks for; `InvalidInput` when it asks for none."""
    columns = changes_for(drama, form, now)
    result: list[ScheduleChange] = [Edit(columns)] if columns else []
    move = _move(drama, columns, extra, now)
    if move is not None:
        result.append(move)
    special = _special(extra, now)
    if special is not None:
        result.append(special)
    if not result:
        raise InvalidInput("Nothing to change: give at least one option.")
    return result


def _move(drama: Drama, columns: dict[str, Any], extra: ScheduleForm, now: datetime) -> Move | None:
    episode, to = extra.move_episode, extra.move_to
    if episode is None and to is None:
        return None
    if episode is None or to is None:
        raise InvalidInput("To move an episode give both `move_episode` and `move_to`.")
    count = int(str(columns.get("episodes", drama.episodes)))
    check_range(episode, 1, count, "The episode to move")
    return Move(episode, parse_kst_datetime(to, now))


def _special(extra: ScheduleForm, now: datetime) -> AddSpecial | None:
    if extra.special_at is None:
        if extra.special_title is not None:
            raise InvalidInput("Give `special_at` (KST `YYYY-MM-DD HH:MM`) for the special.")
        return None
    title = extra.special_title
    name = check_text(title, "special's title", 100) if title else "Special"
    return AddSpecial(parse_kst_datetime(extra.special_at, now), name)


def skip_change(drama: Drama, day_text: str, reason: str | None, now: datetime) -> Skip:
    """A validated pre-emption of an upcoming broadcast date."""
    day = parse_date(day_text)
    why = check_text(reason, "reason", 200) if reason else ""
    if day < now.astimezone(KST).date():
        raise InvalidInput("That date is in the past; aired episodes cannot be pre-empted.")
    shifted = shifted_by_skip(drama.spec, day)
    if shifted is None or shifted.at <= now:
        raise InvalidInput(
            f"No upcoming episode airs on {day:%a %Y-%m-%d} (KST). To cancel a special or "
            "a moved episode, use `/drama undo`."
        )
    return Skip(day, why)


def shifted_episode(before: Drama, after: Drama, day: date) -> Episode | None:
    """Where the episode that aired on a now pre-empted `day` airs instead."""
    shifted = shifted_by_skip(before.spec, day)
    number = shifted.number if shifted is not None else None
    return next((ep for ep in after.episode_list() if ep.number == number), None)
