"""Just enough of a Dockerfile reader to run its commands outside Docker, in the tests.

Docker is not available where the tests run, so the wheel test replays the Dockerfile: the
build stage's COPY lines pick the files the wheel is built from, and its pip and dramabot
commands run as written, with the image's paths mapped to temporary folders.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

# Commands that set up the image's operating system; everything else the tests run.
OS_SETUP = {"useradd", "mkdir", "chown"}


@dataclass
class Stage:
    """One FROM ... section."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        """The arguments of every `keyword` instruction, in order."""
        return [rest for word, rest in self.instructions if word == keyword]


def parse(text: str) -> list[Stage]:
    """The stages of a Dockerfile: instructions with continuation lines joined."""
    stages: list[Stage] = []
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        word, _, rest = (logical + line).partition(" ")
        logical = ""
        word, rest = word.upper(), rest.strip()
        if word == "FROM":
            parts = rest.split()
            stages.append(Stage(parts[0], parts[2] if len(parts) == 3 else None))
        else:
            stages[-1].instructions.append((word, rest))
    return stages


def command(rest: str) -> list[str]:
    """A RUN/CMD/HEALTHCHECK CMD argument as an argv: exec form (JSON) or shell form."""
    rest = rest.strip()
    if rest.startswith("["):
        argv: list[str] = json.loads(rest)
        return argv
    return shlex.split(rest)


def healthcheck(rest: str) -> list[str]:
    """The command of a HEALTHCHECK instruction (its options dropped)."""
    _, found, cmd = rest.partition("CMD ")
    assert found, f"HEALTHCHECK without CMD: {rest}"
    return command(cmd)


def env_values(rest: str) -> dict[str, str]:
    """`ENV A=1 B=2` as a dict."""
    return dict(part.split("=", 1) for part in shlex.split(rest))


def mapped(value: str, paths: dict[str, Path]) -> str:
    """`value` with every image path in `paths` replaced by its local folder."""
    for image_path, local in sorted(paths.items(), key=lambda item: -len(item[0])):
        if value == image_path or value.startswith(image_path + "/"):
            return str(local) + value[len(image_path) :]
    return value
