"""Fixtures: a fresh database with the demo bank, under a fixed card key and day.

Every test that uses `bank_url` (and so `sessions`, `repository`, `verifier`) runs twice: on a
SQLite file and on PostgreSQL (the production database; skipped where PostgreSQL cannot run).
The demo bank is built once per test session and database kind (hashing its PINs with scrypt
takes about a second) and copied for each test: the file into the test's own `tmp_path`, the
PostgreSQL database as `CREATE DATABASE ... TEMPLATE`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.bank.access import CallerLine, Channel
from bot.bank.db import init_database, session_factory
from bot.bank.demo import demo_customer
from bot.bank.repository import BankRepository
from bot.bank.verification import Verifier
from bot.security.secret_keys import CARD_KEY_ENV
from tests.conftest import postgres_admin, postgres_database

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


@pytest.fixture(scope="session")
def postgres_demo_template(postgres_url: str) -> str:
    """The name of a PostgreSQL database holding the demo bank, to copy for each test."""
    url = make_url(postgres_url).set(database="demo_template")
    with postgres_admin(postgres_url) as cursor:
        cursor.execute("CREATE DATABASE demo_template")
    init_database(str(url), demo=True, reset=False, card_key=CARD_KEY, today=TODAY)
    return "demo_template"


@pytest.fixture(params=["sqlite", "postgresql"])
def bank_url(request: pytest.FixtureRequest, tmp_path: Path, demo_template: Path,
             card_key: bytes) -> Iterator[str]:
    """URL of a fresh database holding the demo bank: a SQLite file in tmp_path, or a
    PostgreSQL database of its own."""
    if request.param == "sqlite":
        path = tmp_path / "bank.db"
        shutil.copyfile(demo_template, path)
        yield f"sqlite:///{path}"
        return
    server = request.getfixturevalue("postgres_url")
    template = request.getfixturevalue("postgres_demo_template")
    with postgres_database(server, template) as url:
        yield url


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
