"""The installed bot: the wheel built and installed exactly as the Dockerfile does, once."""

from __future__ import annotations

import glob
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.deploy import dockerfile

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Installed:
    """A fresh virtualenv holding only the wheel and its dependencies, like the image."""

    root: Path
    venv: Path
    wheel: Path
    env: dict[str, str]  # the image's ENV, paths mapped
    workdir: Path  # the image's WORKDIR
    paths: dict[str, Path]  # image path -> local folder
    cmd: list[str]  # the image's CMD, ready to run
    healthcheck: list[str]  # the image's HEALTHCHECK command, ready to run
    ran: list[list[str]] = field(default_factory=list)  # every RUN replayed, as written

    @property
    def dramabot(self) -> Path:
        """The installed console script."""
        return self.venv / "bin" / "dramabot"

    def program(self, argv: list[str], python: Path) -> list[str]:
        """An image command as a local one: `pip` of `python`, `dramabot` of the venv."""
        head, *rest = argv
        if head == "pip":
            return [str(python), "-m", "pip", *rest]
        if head == "dramabot":
            return [str(self.dramabot), *rest]
        raise AssertionError(f"the tests cannot run {head!r} from the Dockerfile")


def _run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    expanded: list[str] = []
    for arg in argv:  # the shell's glob, as `RUN pip install /wheels/*.whl` relies on
        expanded += sorted(glob.glob(arg)) or [arg] if "*" in arg else [arg]
    result = subprocess.run(  # noqa: S603 - commands from our own Dockerfile
        expanded, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{expanded} failed:\n{result.stdout}\n{result.stderr}"


def _replay_build(stage: dockerfile.Stage, installed: Installed) -> None:
    """COPY from the checkout, then RUN (`pip wheel`) with this test run's Python."""
    workdir = dockerfile.mapped(stage.all("WORKDIR")[-1], installed.paths)
    for rest in stage.all("COPY"):
        *sources, target = rest.split()
        destination = Path(workdir) / target
        for source in sources:
            origin = ROOT / source
            if origin.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
                shutil.copytree(origin, destination, ignore=ignore)
            else:
                destination.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, destination / origin.name)
    for rest in stage.all("RUN"):
        argv = [dockerfile.mapped(arg, installed.paths) for arg in dockerfile.command(rest)]
        _run(installed.program(argv, Path(sys.executable)), Path(workdir))
        installed.ran.append(dockerfile.command(rest))


def _replay_final(stage: dockerfile.Stage, installed: Installed) -> None:
    """RUN (`pip install`, `dramabot check`) in the fresh venv with the image's ENV."""
    python = installed.venv / "bin" / "python"
    env = {"PATH": f"{installed.venv / 'bin'}:/usr/bin:/bin", "HOME": str(installed.workdir)}
    env.update(installed.env)
    for word, rest in stage.instructions:
        if word != "RUN":
            continue
        argv = dockerfile.command(rest)
        if argv[0] in dockerfile.OS_SETUP:
            continue
        local = [dockerfile.mapped(arg, installed.paths) for arg in argv]
        _run(installed.program(local, python), installed.workdir, env)
        installed.ran.append(argv)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the wheel, install it into a fresh venv and run the image's commands; once."""
    root = tmp_path_factory.mktemp("image")
    build, final = dockerfile.parse((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    paths = {
        "/src": root / "src",
        "/wheels": root / "wheels",
        "/data": root / "data",
        "/home/dramabot": root / "home",
    }
    for folder in paths.values():
        folder.mkdir()
    env: dict[str, str] = {}
    for rest in final.all("ENV"):
        env.update({k: dockerfile.mapped(v, paths) for k, v in dockerfile.env_values(rest).items()})
    # The image's Python: a fresh venv from the interpreter running the tests.
    venv.EnvBuilder(with_pip=True).create(root / "venv")
    installed = Installed(
        root=root,
        venv=root / "venv",
        wheel=root / "wheels",
        env=env,
        workdir=Path(dockerfile.mapped(final.all("WORKDIR")[-1], paths)),
        paths=paths,
        cmd=[],
        healthcheck=[],
    )
    _replay_build(build, installed)
    (wheel,) = (root / "wheels").glob("dramabot-*.whl")
    installed.wheel = wheel
    _replay_final(final, installed)
    installed.cmd = installed.program(dockerfile.command(final.all("CMD")[-1]), Path("python"))
    check = dockerfile.healthcheck(final.all("HEALTHCHECK")[-1])
    installed.healthcheck = installed.program(check, Path("python"))
    return installed
