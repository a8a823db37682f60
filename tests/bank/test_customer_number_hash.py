"""Customer numbers are kept only as a keyed hash (issue 11, 6): the database alone yields none.

A customer number has 9 digits: an unkeyed hash of it falls to trying a billion values. It is
stored as HMAC-SHA256 under a key derived from the card key (never in the database), so the
bank still finds a customer by the number a caller keys in. A database made before that, with
the numbers in clear, is upgraded by `bot db init` (and by the action server on first use): the
numbers are hashed and the file no longer holds them, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from sqlalchemy import text

from bot.bank.access import ServiceMenu
from bot.bank.db import init_database, make_engine, session_factory, upgrade_schema
from bot.bank.demo import DEMO_CUSTOMERS, demo_customer
from bot.bank.hashing import card_digest, customer_number_digest
from bot.bank.verification import NOT_VERIFIED, Verifier
from bot.security.secret_keys import CARD_KEY_ENV
from tests.bank.conftest import CARD_KEY, TODAY
from tests.support import run_bot

CUSTOMER_NUMBERS = [customer.customer_number for customer in DEMO_CUSTOMERS]


def _clear_numbers_in(data: bytes) -> list[str]:
    return [number for number in CUSTOMER_NUMBERS if number.encode() in data]


def _make_it_old(url: str) -> None:
    """Turn a demo bank into what `bot db init` made before: customer numbers in clear."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE customers RENAME COLUMN customer_number_digest"
                                    " TO customer_number"))
            for number in CUSTOMER_NUMBERS:
                connection.execute(
                    text("UPDATE customers SET customer_number = :clear WHERE customer_number"
                         " = :digest"),
                    {"clear": number, "digest": customer_number_digest(number, CARD_KEY)})
            if engine.dialect.name == "postgresql":
                connection.execute(text(
                    "ALTER TABLE customers ALTER COLUMN customer_number TYPE VARCHAR(9)"))
            stored = connection.execute(text("SELECT customer_number FROM customers")).scalars()
            assert sorted(stored) == sorted(CUSTOMER_NUMBERS)
    finally:
        engine.dispose()


def _verifies_by_customer_number(url: str) -> None:
    sessions = session_factory(url)
    try:
        verifier = Verifier(sessions, CARD_KEY, today=lambda: TODAY)
        gentian = demo_customer("registered_no_card")
        line = verifier.caller_line("voice", gentian.phone)
        assert verifier.verify_customer_number(line, gentian.customer_number,
                                               ServiceMenu.ACCOUNTS).verified
        refused = verifier.verify_customer_number(line, "999999999", ServiceMenu.ACCOUNTS)
        assert refused == NOT_VERIFIED
    finally:
        sessions.kw["bind"].dispose()


def test_the_digest_is_keyed_and_apart_from_the_card_digest() -> None:
    number = CUSTOMER_NUMBERS[0]
    digest = customer_number_digest(number, CARD_KEY)
    assert len(digest) == 64 and number not in digest
    assert digest == customer_number_digest(f"{number[:3]} {number[3:6]}-{number[6:]}", CARD_KEY)
    assert digest != customer_number_digest(number, bytes(32))
    assert digest != card_digest(number, CARD_KEY)  # a key of its own (domain separation)


def test_the_demo_bank_file_holds_no_customer_number(demo_template: Path) -> None:
    assert _clear_numbers_in(demo_template.read_bytes()) == []


def test_db_init_hashes_the_numbers_of_an_older_sqlite_database(
        demo_template: Path, tmp_path: Path) -> None:
    database = tmp_path / "bank.db"
    shutil.copyfile(demo_template, database)
    url = f"sqlite:///{database}"
    _make_it_old(url)
    assert _clear_numbers_in(database.read_bytes()) == CUSTOMER_NUMBERS
    env = {**os.environ, CARD_KEY_ENV: CARD_KEY.hex(), "BOT_VAR_DIR": str(tmp_path / "var")}
    completed = run_bot("db", "init", "--database-url", url, env=env)
    assert completed.returncode == 0, completed.stderr
    assert f"{len(DEMO_CUSTOMERS)} customers" in completed.stdout
    leftovers = [path for path in tmp_path.glob("bank.db*") if _clear_numbers_in(path.read_bytes())]
    assert leftovers == []  # not in the table, not in a freed page, not in a journal
    _verifies_by_customer_number(url)
    engine = make_engine(url)
    try:
        assert upgrade_schema(engine, CARD_KEY) == 0  # done once
    finally:
        engine.dispose()


def test_the_upgrade_works_on_postgresql(postgres_url: str) -> None:
    init_database(postgres_url, demo=True, reset=True, card_key=CARD_KEY, today=TODAY)
    try:
        _make_it_old(postgres_url)
        engine = make_engine(postgres_url)
        try:
            assert upgrade_schema(engine, CARD_KEY) == len(DEMO_CUSTOMERS)
            with engine.connect() as connection:
                stored = connection.execute(
                    text("SELECT customer_number_digest FROM customers")).scalars().all()
        finally:
            engine.dispose()
        assert sorted(stored) == sorted(customer_number_digest(number, CARD_KEY)
                                        for number in CUSTOMER_NUMBERS)
        _verifies_by_customer_number(postgres_url)
    finally:
        init_database(postgres_url, demo=False, reset=True, card_key=CARD_KEY, today=TODAY)
