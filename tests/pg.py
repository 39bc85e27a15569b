"""A throwaway PostgreSQL cluster for the tests: initdb into a temporary directory, start
on a free loopback port (unix socket in the same directory), one fresh database per test.

The server binaries come from Debian's `postgresql` package (/usr/lib/postgresql/*/bin);
`make test` installs it when missing (CI runs as root). Without it the PostgreSQL tests
skip with the reason — except on CI (`CI=true`), where a missing database is a failure.
As root, the cluster runs as the `postgres` user (PostgreSQL refuses to run as root).

`tests/conftest.py` imports the fixtures, so any test can ask for `pg_url`.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

DEBIAN_PACKAGES = ["postgresql"]


def pg_bindir() -> Path | None:
    """The newest installed PostgreSQL server's bin directory, if any."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    which = shutil.which("pg_ctl")
    return Path(which).resolve().parent if which else None


def unavailable(reason: str) -> None:
    """Skip with `reason`, or fail on CI, where PostgreSQL tests must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required on CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """A private PostgreSQL server; `url(db)` gives SQLAlchemy URLs to its databases."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="taskmaster-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.run_as: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")  # created by the Debian package
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self.dir.chmod(0o755)
            self.run_as = ["runuser", "-u", "postgres", "--"]

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.run_as, str(self.bindir / tool), *args],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        self._pg(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-o",
            opts,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        try:
            self._pg("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; returns its SQLAlchemy URL."""
        import psycopg

        name = "t_" + secrets.token_hex(5)
        with psycopg.connect(self.url().replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """One PostgreSQL server for the whole test session."""
    bindir = pg_bindir()
    if bindir is None:
        unavailable(
            "PostgreSQL server not installed (Debian: apt-get install "
            + " ".join(DEBIAN_PACKAGES)
            + ")"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed")
    assert bindir is not None
    cluster = PgCluster(bindir)
    try:
        cluster.start()
    except (subprocess.CalledProcessError, KeyError, OSError) as exc:
        log = cluster.dir / "log"
        detail = log.read_text()[-2000:] if log.exists() else getattr(exc, "stderr", b"")
        shutil.rmtree(cluster.dir, ignore_errors=True)
        unavailable(f"could not start PostgreSQL: {exc}: {detail!r}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> str:
    """A fresh, empty PostgreSQL database for this test."""
    return pg_cluster.create_database()
