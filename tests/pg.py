"""A throwaway PostgreSQL cluster for the tests, started from the machine's own binaries.

The cluster lives in a temporary folder, listens on 127.0.0.1 on a free port, trusts local
connections and runs without fsync (nothing in it needs to survive). Each test gets a fresh
database cloned from a migrated template, so it costs milliseconds, not a migration run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import count
from pathlib import Path

PG_BIN_ENV = "PG_BIN"


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def find_pg_bin() -> Path:
    """The folder holding `initdb` and `pg_ctl` (PG_BIN, PATH, or /usr/lib/postgresql/N/bin)."""
    candidates: list[Path] = []
    if os.environ.get(PG_BIN_ENV):
        candidates.append(Path(os.environ[PG_BIN_ENV]))
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += versions
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    raise PostgresMissing(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql "
        "package (scripts/test.sh does) or set PG_BIN"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres_user() -> list[str]:
    # initdb refuses to run as root; CI machines run as root, so hand the work to `postgres`.
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", "postgres", "--"]


@dataclass
class PostgresCluster:
    """A running throwaway cluster."""

    folder: Path
    port: int
    bin: Path
    _names: Iterator[int]

    @property
    def admin_url(self) -> str:
        """URL of the maintenance database."""
        return self.url("postgres")

    def url(self, database: str) -> str:
        """URL of one database in the cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with the cluster's psql; return its output."""
        result = subprocess.run(  # noqa: S603 - fixed binary, our own SQL
            [
                str(self.bin / "psql"),
                "-X",
                "-q",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-c",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def new_database(self, template: str | None = None) -> str:
        """Create an empty (or template-cloned) database; return its URL."""
        name = f"t{next(self._names)}_{os.getpid()}"
        clause = f" TEMPLATE {template} STRATEGY FILE_COPY" if template else ""
        self.psql(f"CREATE DATABASE {name}{clause}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by `new_database` (its connections are cut first)."""
        name = url.rsplit("/", 1)[1]
        self.psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def start_cluster() -> PostgresCluster:
    """initdb + pg_ctl start in a new temporary folder."""
    pg_bin = find_pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="dramabot-pg-"))
    runas = _as_postgres_user()
    if runas:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    subprocess.run(  # noqa: S603 - fixed binaries
        [
            *runas,
            str(pg_bin / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        ],
        check=True,
        capture_output=True,
    )
    port = _free_port()
    options = (
        f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(  # noqa: S603 - fixed binaries
        [
            *runas,
            str(pg_bin / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "server.log"),
            "-w",
            "-t",
            "30",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    return PostgresCluster(folder, port, pg_bin, count(1))


def stop_cluster(cluster: PostgresCluster) -> None:
    """Stop the server at once and delete its folder."""
    with contextlib.suppress(subprocess.CalledProcessError):
        subprocess.run(  # noqa: S603 - fixed binaries
            [
                *_as_postgres_user(),
                str(cluster.bin / "pg_ctl"),
                "-D",
                str(cluster.folder / "data"),
                "-m",
                "immediate",
                "-w",
                "stop",
            ],
            check=True,
            capture_output=True,
        )
    shutil.rmtree(cluster.folder, ignore_errors=True)
