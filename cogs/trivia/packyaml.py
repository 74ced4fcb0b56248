"""Reading a pack file safely: size cap, UTF-8, a restricted YAML loader, an alias cap.

Pure code (PyYAML only). `read_yaml` returns the plain data for `packs.validate_pack`, or
raises `UnreadableFileError` with one problem a moderator can act on.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_FILE_BYTES = 256 * 1024
MAX_ALIASES = 200  # uses of YAML anchors (*name, <<: *name) in one file


class UnreadableFileError(Exception):
    """The file is no readable YAML; `problem` says why and where."""

    def __init__(self, problem: str) -> None:
        """Keep the problem text."""
        super().__init__(problem)
        self.problem = problem


class _PackLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml when built) that only knows plain integers and null.

    YAML 1.1 would read `21:30` as the number 1290, `yes` as true and `3.10` as 3.1;
    in a quiz every such scalar is an answer's text, so anything else stays a string.
    """

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}  # noqa: RUF012

    def __init__(self, stream: str) -> None:
        """Start counting alias uses for this document."""
        super().__init__(stream)
        self.alias_uses = 0

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """Count every reuse of an anchored node (an alias or a merge) and cap them.

        PyYAML shares aliased objects, so memory stays small, but each reuse is validated
        again: a 250 KiB file of nested aliases would otherwise cost a minute of CPU.
        """
        if node in self.constructed_objects:
            self.alias_uses += 1
            if self.alias_uses > MAX_ALIASES:
                raise _TooManyAliasesError(node.start_mark.line + 1)
        return super().construct_object(node, deep)


class _TooManyAliasesError(Exception):
    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


_PackLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]{0,17})$"), list("-+0123456789")
)
_PackLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)


def read_yaml(source: str | bytes) -> Any:
    """The data in a pack file; `UnreadableFileError` when it is too big or no safe YAML."""
    if len(source) > MAX_FILE_BYTES:
        raise UnreadableFileError(
            f"file: {len(source) // 1024} KiB, at most {MAX_FILE_BYTES // 1024} KiB"
        )
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise UnreadableFileError(f"file: not UTF-8 text (byte {error.start})") from None
    try:
        return yaml.load(source, Loader=_PackLoader)  # noqa: S506 - a safe loader, C if built
    except _TooManyAliasesError as error:
        raise UnreadableFileError(
            f"file: more than {MAX_ALIASES} aliases (*name) by line {error.line}; "
            "write the repeated parts out"
        ) from None
    except yaml.YAMLError as error:
        raise UnreadableFileError(_yaml_problem(error)) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as error:
        # Explicit tags (`!!int 09`, `!!timestamp x`) fail inside PyYAML's constructors.
        raise UnreadableFileError(
            f"file: a value could not be read ({type(error).__name__})"
        ) from None


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "unreadable"
    if mark is None:
        return f"file: not valid YAML ({problem})"
    where = f"line {mark.line + 1}, column {mark.column + 1}"
    context = getattr(error, "context_mark", None)
    if context is not None and context.line != mark.line:
        where += f" (in the part starting at line {context.line + 1})"
    return f"file: not valid YAML at {where}: {problem}"
