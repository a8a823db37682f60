"""Fixtures for every test package: a throw-away PostgreSQL server (bank, tracker store)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url


def _postgres_bin() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on a Unix socket; skipped where PostgreSQL cannot run.

    PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
    """
    pytest.importorskip("psycopg2")
    binaries = _postgres_bin()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries are not installed")
    as_root = os.geteuid() == 0
    if as_root and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser")
    as_user = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = Path(tempfile.mkdtemp(prefix="bank-pg-"))
    data = folder / "data"
    try:
        if as_root:
            shutil.chown(folder, "postgres")
        subprocess.run(
            [*as_user, str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "bank"]
            + ["--no-sync", "-E", "UTF8"],
            check=True,
            capture_output=True,
        )
        options = f"-k {folder} -c listen_addresses='' -F"
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w"]
            + ["-l", str(folder / "log"), "start"],
            check=True,
            capture_output=True,
        )
    except (subprocess.CalledProcessError, KeyError, LookupError) as error:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"cannot start PostgreSQL here: {error}")
    try:
        yield f"postgresql+psycopg2://bank@/postgres?host={folder}"
    finally:
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_admin(server_url: str) -> Iterator[Any]:
    """A cursor on the server (autocommit), for CREATE / DROP DATABASE."""
    import psycopg2

    connection = psycopg2.connect(make_url(server_url).set(drivername="postgresql")
                                  .render_as_string(hide_password=False))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


@contextmanager
def postgres_database(server_url: str, template: str | None = None) -> Iterator[str]:
    """A database of its own on the server (a copy of `template`), dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    copy = f" TEMPLATE {template}" if template else ""
    with postgres_admin(server_url) as cursor:
        cursor.execute(f"CREATE DATABASE {name}{copy}")  # noqa: S608 (our names)
    try:
        yield str(make_url(server_url).set(database=name))
    finally:
        with postgres_admin(server_url) as cursor:
            cursor.execute(f"DROP DATABASE {name} WITH (FORCE)")  # noqa: S608
