"""Fixtures: a fresh SQLite file database with the demo bank, under a fixed card key and day.

The demo bank is built once per test session (hashing its PINs with scrypt takes about a second)
and copied into each test's own `tmp_path`, so every test gets a fresh file of its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.bank.access import CallerLine, Channel
from bot.bank.db import init_database, session_factory
from bot.bank.demo import demo_customer
from bot.bank.repository import BankRepository
from bot.bank.verification import Verifier
from bot.security.secret_keys import CARD_KEY_ENV

CARD_KEY = bytes.fromhex("3c1f7a9e5d2b8064c9e1f3a7b5d9028e6a4c1b3d5f7092e4c6a8b0d2f4e6a8c0")
# The reference day the demo bank is loaded with and the verifier's "today".
TODAY = date(2026, 3, 16)


@pytest.fixture()
def card_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> bytes:
    """The fixed card key, also as BOT_CARD_KEY (and BOT_VAR_DIR in tmp_path) for the CLI."""
    monkeypatch.setenv(CARD_KEY_ENV, CARD_KEY.hex())
    monkeypatch.setenv("BOT_VAR_DIR", str(tmp_path / "var"))
    return CARD_KEY


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "bank.db"
    init_database(f"sqlite:///{path}", demo=True, reset=False, card_key=CARD_KEY, today=TODAY)
    return path


@pytest.fixture()
def bank_url(tmp_path: Path, demo_template: Path, card_key: bytes) -> str:
    """URL of a fresh SQLite file in tmp_path holding the demo bank."""
    path = tmp_path / "bank.db"
    shutil.copyfile(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture()
def sessions(bank_url: str) -> Iterator:
    factory = session_factory(bank_url)
    yield factory
    factory.kw["bind"].dispose()


@pytest.fixture()
def repository(sessions) -> BankRepository:
    return BankRepository(sessions, today=lambda: TODAY)


@pytest.fixture()
def verifier(sessions, card_key: bytes) -> Verifier:
    return Verifier(sessions, card_key, today=lambda: TODAY)


def voice_line(verifier: Verifier, number: str | None) -> CallerLine:
    return verifier.caller_line(Channel.VOICE, number)


def customer_id_of(repository: BankRepository, key: str) -> int:
    """A demo customer's database id, found by their customer number."""
    found = repository.customer_id(demo_customer(key).customer_number, CARD_KEY)
    assert found is not None
    return found


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
