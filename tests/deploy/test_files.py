"""The deployment files say what the tests run: Dockerfile, compose.yaml, the systemd unit."""

from __future__ import annotations

import re
import shlex
from pathlib import Path, PurePosixPath

import yaml

from tests.deploy import dockerfile
from tests.deploy.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _stages() -> list[dockerfile.Stage]:
    return dockerfile.parse((ROOT / "Dockerfile").read_text(encoding="utf-8"))


def _block(language: str, containing: str) -> str:
    for block in re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL):
        if containing in block:
            return str(block)
    raise AssertionError(f"README has no {language} block with {containing!r}")


def test_image_is_slim_non_root_with_data_on_a_volume_and_a_healthcheck() -> None:
    build, final = _stages()
    assert build.base == final.base
    assert final.base.startswith("python:3.11-slim")
    users = final.all("USER")
    assert users
    assert users[-1] not in {"root", "0"}
    volumes = [PurePosixPath(v) for v in final.all("VOLUME")]
    env: dict[str, str] = {}
    for rest in final.all("ENV"):
        env.update(dockerfile.env_values(rest))
    assert PurePosixPath(env["DATABASE_PATH"]).parent in volumes
    assert dockerfile.healthcheck(final.all("HEALTHCHECK")[-1]) == ["dramabot", "health"]
    assert dockerfile.command(final.all("CMD")[-1]) == ["dramabot", "run"]


def test_every_dockerfile_command_is_one_the_wheel_test_runs() -> None:
    allowed = {"pip", "dramabot", *dockerfile.OS_SETUP}
    for stage in _stages():
        for rest in stage.all("RUN"):
            argv = dockerfile.command(rest)
            assert argv[0] in allowed, rest


def test_the_build_copies_everything_a_wheel_needs() -> None:
    build, _ = _stages()
    copied = {source for rest in build.all("COPY") for source in rest.split()[:-1]}
    assert {"pyproject.toml", "setup.py", "bot", "cogs", "migrations"} <= copied


def test_compose_runs_the_image_with_dotenv_and_the_volume() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    (service,) = compose["services"].values()
    _, final = _stages()
    assert service["build"] == "."
    assert service["env_file"] == ".env"
    assert "command" not in service  # the image's CMD: `dramabot run`
    assert "healthcheck" not in service  # the image's HEALTHCHECK: `dramabot health`
    (volume,) = service["volumes"]
    name, target = volume.split(":")
    assert name in compose["volumes"]
    assert [target] == final.all("VOLUME")
    for key in ("DATABASE_PATH", "HEALTH_FILE"):
        assert PurePosixPath(service["environment"][key]).parent == PurePosixPath(target)


def test_the_systemd_unit_runs_the_installed_console_script() -> None:
    unit = _block("ini", "ExecStart=")
    commands = dict(re.findall(r"^(Exec\w+)=(.+)$", unit, flags=re.MULTILINE))
    assert list(commands) == ["ExecStart"]
    argv = shlex.split(commands["ExecStart"])
    assert Path(argv[0]).name == "dramabot"
    assert argv[1:] == ["run"]  # what the wheel test starts, and what the image's CMD says
    assert "RestartPreventExitStatus=2" in unit
    assert re.search(r"^User=(?!root$)\w+$", unit, flags=re.MULTILINE)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line and not line.startswith(("#", "set "))]
    documented = _block("bash", "scripts/test.sh").strip()
    assert documented == "bash scripts/test.sh"
    assert commands[-1] == f"exec {documented}"


def test_the_shard_compose_file_splits_the_shards_over_one_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.shards.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    shards = {name: spec for name, spec in services.items() if name.startswith("shard-")}
    urls = {spec["environment"]["DATABASE_URL"] for spec in shards.values()}
    (url,) = urls  # one database for every process
    assert url.startswith("postgresql://")
    assert "@db:" in url
    assert "db" in services
    counts = {int(spec["environment"]["SHARD_COUNT"]) for spec in shards.values()}
    (count,) = counts
    owned = sorted(int(spec["environment"]["SHARD_IDS"]) for spec in shards.values())
    assert owned == list(range(count))  # every shard run once, by exactly one process
    for spec in shards.values():
        assert spec["env_file"] == ".env"
        assert "command" not in spec  # the image's CMD: `dramabot run`, which migrates first
        assert spec["environment"]["HEALTH_FILE"].startswith("/data/")  # one per process
        assert spec["depends_on"]["db"]["condition"] == "service_healthy"
    volumes = [spec["volumes"][0].split(":")[0] for spec in shards.values()]
    assert len(set(volumes)) == len(volumes)
