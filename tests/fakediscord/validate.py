"""What real Discord refuses: form-body checks for messages, interactions and commands.

Each ``check_*`` function returns a list of :class:`Problem` (empty when the payload is one
Discord accepts). The REST side turns them into a Discord-style ``400 Invalid Form Body``
(code 50035, nested ``errors``) and records them in ``FakeDiscord.violations``, so a test
cannot pass against a bot that real Discord would answer with a 400.

Limits are Discord's documented ones (API v10): message content, embeds, components,
allowed mentions, polls, autocomplete choices, modals and application commands.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_LIMITS = {"title": 256, "description": 4096}
FIELDS_MAX = 25
EMBED_CONTENT_KEYS = ("title", "description", "fields", "author", "footer", "image", "thumbnail")
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
ATTACHMENTS_MAX = 10
ROWS_MAX = 5
ROW_ITEMS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_TEXT_MAX = 100
PLACEHOLDER_MAX = 150
CHOICES_MAX = 25
CHOICE_TEXT_MAX = 100
MODAL_TITLE_MAX = 45
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000
POLL_QUESTION_MAX = 300
POLL_ANSWERS_MAX = 10
POLL_ANSWER_MAX = 55
POLL_HOURS_MAX = 768
MENTION_IDS_MAX = 100
COMMAND_NAME_MAX = 32
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_TOTAL_MAX = 4000
COMMANDS_MAX = 100

ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
SELECTS = (3, 5, 6, 7, 8)
LINK, PREMIUM = 5, 6
COMPONENTS_V2 = 1 << 15
PARSE_TYPES = ("users", "roles", "everyone")
SUB_COMMAND, SUB_COMMAND_GROUP, STRING = 1, 2, 3


@dataclass(frozen=True)
class Problem:
    """One refused field: where (``embeds.0.title``), Discord's error code and message."""

    path: tuple[str | int, ...]
    code: str
    message: str

    def __str__(self) -> str:
        where = ".".join(str(p) for p in self.path) or "<body>"
        return f"{where}: {self.message}"


def error_tree(problems: Iterable[Problem]) -> dict[str, Any]:
    """Nest problems the way Discord does: ``{"embeds": {"0": {"title": {"_errors": [...]}}}}``."""
    tree: dict[str, Any] = {}
    for problem in problems:
        node = tree
        for part in problem.path:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": problem.code, "message": problem.message})
    return tree


def _too_long(path: tuple[str | int, ...], value: Any, limit: int) -> Iterator[Problem]:
    if isinstance(value, str) and len(value) > limit:
        yield Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _length(path: tuple[str | int, ...], value: Any, low: int, high: int) -> Iterator[Problem]:
    if value is None:
        if low > 0:
            yield Problem(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if not isinstance(value, str):
        yield Problem(path, "BASE_TYPE_STRING", "Must be a string.")
    elif not low <= len(value) <= high:
        msg = f"Must be between {low} and {high} in length."
        yield Problem(path, "BASE_TYPE_BAD_LENGTH", msg)


def _too_many(path: tuple[str | int, ...], items: Any, limit: int) -> Iterator[Problem]:
    if isinstance(items, list) and len(items) > limit:
        yield Problem(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _url(path: tuple[str | int, ...], value: Any, *, attachment: bool) -> Iterator[Problem]:
    if value is None:
        return
    schemes = ("http://", "https://", "attachment://") if attachment else ("http://", "https://")
    if not isinstance(value, str) or not value.lower().startswith(schemes):
        allowed = "http, https or attachment" if attachment else "http or https"
        yield Problem(path, "URL_TYPE_INVALID_URL", f"Scheme must be one of {allowed}.")


# --- embeds -------------------------------------------------------------------------------
def _embed_text(embed: dict[str, Any]) -> int:
    """Characters Discord counts toward the 6000 total of a message's embeds."""
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    for item in embed.get("fields") or []:
        total += len(item.get("name") or "") + len(item.get("value") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    return total


def _check_fields(path: tuple[str | int, ...], fields: Any) -> Iterator[Problem]:
    yield from _too_many(path, fields, FIELDS_MAX)
    for i, item in enumerate(fields or []):
        yield from _length((*path, i, "name"), item.get("name"), 1, FIELD_NAME_MAX)
        yield from _length((*path, i, "value"), item.get("value"), 1, FIELD_VALUE_MAX)


def check_embed(path: tuple[str | int, ...], embed: Any) -> Iterator[Problem]:
    """One embed: text limits, field count, and the schemes of its URLs."""
    if not isinstance(embed, dict):
        yield Problem(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    for key, limit in EMBED_LIMITS.items():
        yield from _too_long((*path, key), embed.get(key), limit)
    yield from _check_fields((*path, "fields"), embed.get("fields"))
    footer = embed.get("footer") or {}
    author = embed.get("author") or {}
    if embed.get("footer") is not None:
        yield from _length((*path, "footer", "text"), footer.get("text"), 1, FOOTER_MAX)
    if embed.get("author") is not None:
        yield from _length((*path, "author", "name"), author.get("name"), 1, AUTHOR_MAX)
    yield from _url((*path, "url"), embed.get("url"), attachment=False)
    yield from _url((*path, "author", "url"), author.get("url"), attachment=False)
    for key in ("image", "thumbnail"):
        sub = embed.get(key)
        if sub is not None:
            yield from _url((*path, key, "url"), (sub or {}).get("url"), attachment=True)
    yield from _url((*path, "author", "icon_url"), author.get("icon_url"), attachment=True)
    yield from _url((*path, "footer", "icon_url"), footer.get("icon_url"), attachment=True)
    if not any(embed.get(key) for key in EMBED_CONTENT_KEYS):
        msg = "An embed needs a title, description, fields, author, footer or an image"
        yield Problem((*path, "description"), "BASE_TYPE_REQUIRED", msg)
    color = embed.get("color")
    if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
        yield Problem((*path, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215.")


def check_embeds(embeds: Any) -> Iterator[Problem]:
    """At most 10 embeds, each valid, 6000 characters across all of them."""
    if not isinstance(embeds, list):
        return
    yield from _too_many(("embeds",), embeds, EMBEDS_MAX)
    for i, embed in enumerate(embeds):
        yield from check_embed(("embeds", i), embed)
    total = sum(_embed_text(e) for e in embeds if isinstance(e, dict))
    if total > EMBED_TOTAL_MAX:
        msg = f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX} (got {total})"
        yield Problem(("embeds",), "MAX_EMBED_SIZE_EXCEEDED", msg)


# --- components ---------------------------------------------------------------------------
def _check_button(path: tuple[str | int, ...], comp: dict[str, Any]) -> Iterator[Problem]:
    style = comp.get("style")
    yield from _too_long((*path, "label"), comp.get("label"), BUTTON_LABEL_MAX)
    if style == LINK:
        yield from _url((*path, "url"), comp.get("url") or "", attachment=False)
        if comp.get("custom_id") is not None:
            yield Problem((*path, "custom_id"), "COMPONENT_LINK_BUTTON", "A link has no custom_id")
    elif style != PREMIUM and not comp.get("custom_id"):
        yield Problem((*path, "custom_id"), "BASE_TYPE_REQUIRED", "This field is required")
    if style != PREMIUM and not comp.get("label") and not comp.get("emoji"):
        msg = "A button needs a label or an emoji"
        yield Problem((*path, "label"), "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", msg)


def _check_select(path: tuple[str | int, ...], comp: dict[str, Any]) -> Iterator[Problem]:
    yield from _too_long((*path, "placeholder"), comp.get("placeholder"), PLACEHOLDER_MAX)
    low, high = comp.get("min_values", 1), comp.get("max_values", 1)
    for key, value, floor in (("min_values", low, 0), ("max_values", high, 1)):
        if isinstance(value, int) and not floor <= value <= SELECT_OPTIONS_MAX:
            msg = f"Must be between {floor} and {SELECT_OPTIONS_MAX}."
            yield Problem((*path, key), "NUMBER_TYPE_OUT_OF_RANGE", msg)
    if comp.get("type") != STRING_SELECT:
        return
    options = comp.get("options") or []
    if not 1 <= len(options) <= SELECT_OPTIONS_MAX:
        msg = f"Must be between 1 and {SELECT_OPTIONS_MAX} in length."
        yield Problem((*path, "options"), "BASE_TYPE_BAD_LENGTH", msg)
    for i, opt in enumerate(options):
        yield from _length((*path, "options", i, "label"), opt.get("label"), 1, SELECT_TEXT_MAX)
        yield from _length((*path, "options", i, "value"), opt.get("value"), 1, SELECT_TEXT_MAX)
        yield from _too_long(
            (*path, "options", i, "description"), opt.get("description"), SELECT_TEXT_MAX
        )
    values = [opt.get("value") for opt in options]
    if len(set(values)) != len(values):
        msg = "Select option values must be unique"
        yield Problem((*path, "options"), "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", msg)
    if isinstance(high, int) and options and high > len(options):
        msg = "max_values cannot exceed the number of options"
        yield Problem((*path, "max_values"), "NUMBER_TYPE_MAX", msg)


def _check_row(path: tuple[str | int, ...], row: Any) -> Iterator[Problem]:
    if not isinstance(row, dict) or row.get("type") != ACTION_ROW:
        msg = "Top-level components must be action rows"
        yield Problem(path, "UNION_TYPE_CHOICES", msg)
        return
    items = row.get("components") or []
    if not items:
        yield Problem((*path, "components"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5.")
    yield from _too_many((*path, "components"), items, ROW_ITEMS_MAX)
    kinds = {c.get("type") for c in items if isinstance(c, dict)}
    if kinds & set(SELECTS) and len(items) > 1:
        msg = "A select menu must be alone in its action row"
        yield Problem((*path, "components"), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", msg)
    for i, comp in enumerate(items):
        sub = (*path, "components", i)
        if comp.get("type") == BUTTON:
            yield from _check_button(sub, comp)
        elif comp.get("type") in SELECTS:
            yield from _check_select(sub, comp)
        else:
            msg = f"Component type {comp.get('type')} is not allowed in a message action row"
            yield Problem((*sub, "type"), "UNION_TYPE_CHOICES", msg)


def _custom_ids(components: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    for comp in components:
        if not isinstance(comp, dict):
            continue
        if comp.get("custom_id") is not None:
            yield "custom_id", comp["custom_id"]
        yield from _custom_ids(comp.get("components") or [])


def check_components(components: Any, *, v2: bool = False) -> Iterator[Problem]:
    """Action rows of buttons and selects, unique custom ids of at most 100 characters."""
    if not isinstance(components, list):
        return
    if not v2:
        yield from _too_many(("components",), components, ROWS_MAX)
        for i, row in enumerate(components):
            yield from _check_row(("components", i), row)
    seen: set[str] = set()
    for _, cid in _custom_ids(components):
        if isinstance(cid, str) and len(cid) > CUSTOM_ID_MAX:
            msg = f"custom_id {cid[:40]!r}… must be {CUSTOM_ID_MAX} or fewer in length."
            yield Problem(("components",), "BASE_TYPE_MAX_LENGTH", msg)
        if cid in seen:
            msg = f"Component custom id {cid!r} cannot be duplicated"
            yield Problem(("components",), "COMPONENT_CUSTOM_ID_DUPLICATED", msg)
        seen.add(cid)


# --- allowed mentions and polls -----------------------------------------------------------
def check_allowed_mentions(allowed: Any) -> Iterator[Problem]:
    """``parse`` only users/roles/everyone, never together with an explicit list of that type."""
    if allowed is None:
        return
    path: tuple[str | int, ...] = ("allowed_mentions",)
    if not isinstance(allowed, dict):
        yield Problem(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    parse = allowed.get("parse") or []
    for i, kind in enumerate(parse):
        if kind not in PARSE_TYPES:
            msg = f"Value must be one of {PARSE_TYPES}."
            yield Problem((*path, "parse", i), "BASE_TYPE_CHOICES", msg)
    for kind in ("users", "roles"):
        ids = allowed.get(kind) or []
        yield from _too_many((*path, kind), ids, MENTION_IDS_MAX)
        if ids and kind in parse:
            msg = f'parse:["{kind}"] and {kind}: [ids] are mutually exclusive.'
            yield Problem((*path, "parse"), "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", msg)


def check_poll(poll: Any) -> Iterator[Problem]:
    """A native poll: question ≤ 300, 1-10 answers of ≤ 55 characters, ≤ 768 hours."""
    if poll is None:
        return
    path: tuple[str | int, ...] = ("poll",)
    if not isinstance(poll, dict):
        yield Problem(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return
    question = (poll.get("question") or {}).get("text")
    yield from _length((*path, "question", "text"), question, 1, POLL_QUESTION_MAX)
    answers = poll.get("answers") or []
    if not 1 <= len(answers) <= POLL_ANSWERS_MAX:
        msg = f"Must be between 1 and {POLL_ANSWERS_MAX} in length."
        yield Problem((*path, "answers"), "BASE_TYPE_BAD_LENGTH", msg)
    for i, answer in enumerate(answers):
        text = ((answer or {}).get("poll_media") or {}).get("text")
        yield from _length((*path, "answers", i, "poll_media", "text"), text, 1, POLL_ANSWER_MAX)
    hours = poll.get("duration", 24)
    if isinstance(hours, int) and not 1 <= hours <= POLL_HOURS_MAX:
        msg = f"Must be between 1 and {POLL_HOURS_MAX}."
        yield Problem((*path, "duration"), "NUMBER_TYPE_OUT_OF_RANGE", msg)


# --- whole messages -----------------------------------------------------------------------
def _has_body(payload: dict[str, Any], files: int) -> bool:
    """Discord trims content: whitespace alone is an empty message."""
    keys = ("embeds", "components", "sticker_ids", "poll", "attachments")
    content = payload.get("content")
    has_text = isinstance(content, str) and bool(content.strip())
    return files > 0 or has_text or any(payload.get(k) for k in keys)


def check_message(
    payload: Any, *, files: int = 0, edit: bool = False, current: dict[str, Any] | None = None
) -> list[Problem]:
    """A message create (or, with ``edit``, a partial edit of ``current``)."""
    if not isinstance(payload, dict):
        if edit and payload is None:
            return []
        return [Problem((), "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")]
    v2 = bool(int(payload.get("flags") or (current or {}).get("flags") or 0) & COMPONENTS_V2)
    problems: list[Problem] = []
    problems += _too_long(("content",), payload.get("content"), CONTENT_MAX)
    problems += check_embeds(payload.get("embeds"))
    problems += check_components(payload.get("components"), v2=v2)
    problems += check_allowed_mentions(payload.get("allowed_mentions"))
    problems += check_poll(payload.get("poll"))
    problems += _too_many(("attachments",), payload.get("attachments"), ATTACHMENTS_MAX)
    if files > ATTACHMENTS_MAX:
        problems.append(Problem(("files",), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer."))
    if v2 and (payload.get("content") or payload.get("embeds")):
        msg = "content and embeds cannot be used with the IS_COMPONENTS_V2 flag"
        problems.append(Problem(("content",), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_V2", msg))
    merged = dict(current or {})
    merged.update(payload)
    if not _has_body(merged, files):
        problems.append(Problem((), "50006", "Cannot send an empty message"))
    return problems


def check_autocomplete(data: Any) -> list[Problem]:
    """Callback type 8: at most 25 choices, each name 1-100 and a value of ≤ 100 characters."""
    choices = (data or {}).get("choices") or []
    problems = list(_too_many(("data", "choices"), choices, CHOICES_MAX))
    for i, choice in enumerate(choices):
        path: tuple[str | int, ...] = ("data", "choices", i)
        problems += _length((*path, "name"), choice.get("name"), 1, CHOICE_TEXT_MAX)
        problems += _too_long((*path, "value"), choice.get("value"), CHOICE_TEXT_MAX)
    return problems


def _modal_inputs(components: list[Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    for i, top in enumerate(components):
        if not isinstance(top, dict):
            continue
        for comp in top.get("components") or []:
            yield i, comp
        if isinstance(top.get("component"), dict):
            yield i, top["component"]


def check_modal(data: Any) -> list[Problem]:
    """Callback type 9: title ≤ 45, custom id ≤ 100, 1-5 rows, text input labels ≤ 45."""
    data = data if isinstance(data, dict) else {}
    problems = list(_length(("data", "title"), data.get("title"), 1, MODAL_TITLE_MAX))
    problems += _length(("data", "custom_id"), data.get("custom_id"), 1, CUSTOM_ID_MAX)
    components = data.get("components") or []
    if not 1 <= len(components) <= ROWS_MAX:
        msg = f"Must be between 1 and {ROWS_MAX} in length."
        problems.append(Problem(("data", "components"), "BASE_TYPE_BAD_LENGTH", msg))
    for i, comp in _modal_inputs(components):
        path: tuple[str | int, ...] = ("data", "components", i)
        problems += _too_long((*path, "custom_id"), comp.get("custom_id"), CUSTOM_ID_MAX)
        if comp.get("type") == TEXT_INPUT:
            if comp.get("label") is not None:
                problems += _length((*path, "label"), comp["label"], 1, TEXT_INPUT_LABEL_MAX)
            problems += _too_long((*path, "value"), comp.get("value"), TEXT_INPUT_VALUE_MAX)
            problems += _too_long((*path, "placeholder"), comp.get("placeholder"), 100)
    return problems


# --- application commands -----------------------------------------------------------------
def _valid_name(name: str, *, chat_input: bool) -> bool:
    if not 1 <= len(name) <= COMMAND_NAME_MAX:
        return False
    if not chat_input:
        return True
    return name == name.lower() and all(
        c in "-_" or unicodedata.category(c)[0] in "LN" for c in name
    )


def _check_choices(path: tuple[str | int, ...], choices: Any) -> Iterator[Problem]:
    yield from _too_many(path, choices, CHOICES_MAX)
    for i, choice in enumerate(choices or []):
        yield from _length((*path, i, "name"), choice.get("name"), 1, CHOICE_TEXT_MAX)
        yield from _too_long((*path, i, "value"), choice.get("value"), CHOICE_TEXT_MAX)


def _check_options(path: tuple[str | int, ...], options: Any) -> Iterator[Problem]:
    options = options or []
    yield from _too_many(path, options, COMMAND_OPTIONS_MAX)
    optional_seen = False
    names: set[str] = set()
    for i, opt in enumerate(options):
        sub = (*path, i)
        yield from _check_named(sub, opt, chat_input=True)
        if opt.get("name") in names:
            yield Problem((*sub, "name"), "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Dup")
        names.add(opt.get("name"))
        if opt.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
            yield from _check_options((*sub, "options"), opt.get("options"))
            continue
        if opt.get("required"):
            if optional_seen:
                msg = "Required options must be placed before non-required options"
                yield Problem((*sub, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_ORDER", msg)
        else:
            optional_seen = True
        yield from _check_choices((*sub, "choices"), opt.get("choices"))
        if opt.get("choices") and opt.get("autocomplete"):
            msg = "Autocomplete cannot be set with choices"
            yield Problem((*sub, "autocomplete"), "AUTOCOMPLETE_WITH_CHOICES", msg)


def _check_named(
    path: tuple[str | int, ...], item: dict[str, Any], *, chat_input: bool
) -> Iterator[Problem]:
    name = item.get("name")
    if not isinstance(name, str) or not _valid_name(name, chat_input=chat_input):
        msg = f"Invalid name {name!r}: 1-32 lowercase letters, digits, - or _"
        yield Problem((*path, "name"), "APPLICATION_COMMAND_INVALID_NAME", msg)
    description = item.get("description")
    if chat_input:
        yield from _length((*path, "description"), description, 1, COMMAND_DESCRIPTION_MAX)
    elif description:
        msg = "Context menu commands cannot have a description"
        yield Problem((*path, "description"), "APPLICATION_COMMAND_INVALID_DESCRIPTION", msg)


def _command_chars(item: dict[str, Any]) -> int:
    total = len(item.get("name") or "") + len(item.get("description") or "")
    for opt in item.get("options") or []:
        total += _command_chars(opt)
        for choice in opt.get("choices") or []:
            total += len(choice.get("name") or "") + len(str(choice.get("value") or ""))
    return total


def check_commands(commands: Any) -> list[Problem]:
    """A bulk overwrite of application commands (PUT .../commands)."""
    if not isinstance(commands, list):
        return [Problem((), "BASE_TYPE_ARRAY", "Must be an array.")]
    problems = list(_too_many((), commands, COMMANDS_MAX))
    seen: set[tuple[Any, Any]] = set()
    for i, cmd in enumerate(commands):
        chat_input = int(cmd.get("type", 1)) == 1
        problems += _check_named((i,), cmd, chat_input=chat_input)
        if chat_input:
            problems += _check_options((i, "options"), cmd.get("options"))
            if _command_chars(cmd) > COMMAND_TOTAL_MAX:
                msg = f"Command exceeds maximum size ({COMMAND_TOTAL_MAX})"
                problems.append(Problem((i,), "APPLICATION_COMMAND_TOO_LARGE", msg))
        key = (cmd.get("name"), int(cmd.get("type", 1)))
        if key in seen:
            msg = "Application command names must be unique"
            problems.append(Problem((i, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", msg))
        seen.add(key)
    return problems


def prefixed(head: str, problems: Iterable[Problem]) -> list[Problem]:
    """Problems of a nested body (an interaction callback's ``data``) with their full path."""
    return [Problem((head, *p.path), p.code, p.message) for p in problems]
