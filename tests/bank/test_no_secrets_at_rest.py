"""No PIN, no full card number and no customer number is ever stored in clear.

`bot db init --demo` runs as a real subprocess; then a round of verifications (right PINs, wrong
PINs up to a lock, an unknown card, customer numbers), a complaint and a hand-off are run against
the same SQLite file. Then the database file and any -wal / -journal / -shm file beside it are
read back and searched:

- Full card numbers (16 digits, also in groups of four with spaces or dashes) are searched in the
  raw BYTES of every file: a 16-digit run cannot occur there by chance, so any hit is a leak
  (also in free pages, which SQLite does not wipe).
- Customer numbers (9 digits) are searched in the raw bytes too: they are stored only as a keyed
  hash, and no other demo value (account numbers included) is made from them.
- PINs are 4 digits. Four digits in a row occur by chance in the raw bytes (years in dates,
  amounts, row ids, microseconds of timestamps, hex digests), so a byte search would fail for no
  reason and prove nothing. Instead every value of every column of every table is read through
  SQLite and checked: no text value contains a demo PIN and no integer value equals one. The
  demo PINs are chosen so that none of them is part of any fixed demo value (checked below),
  which is what makes this check able to see a PIN stored in clear. Values whose digits are
  random or clock-made are checked by their exact shape instead, which leaves no room for
  anything else: `pin_hash` must be a keyed scrypt string (random base64 salt and hash),
  `number_digest` 64 hex digits, and a date or time an ISO date or time (a timestamp's
  microseconds would hold any 4-digit PIN now and then).

`test_the_scan_finds_secrets_when_they_are_there` plants both kinds of secret in a copy of the
file to show that the scan does find them.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.bank.access import CardKind, Channel, ServiceMenu
from bot.bank.db import session_factory
from bot.bank.demo import (
    DEMO_CUSTOMERS,
    DEMO_UNKNOWN_CARD,
    DEMO_UNREGISTERED_PHONE,
    demo_customer,
)
from bot.bank.models import CardStatus
from bot.bank.repository import BankRepository
from bot.bank.verification import NOT_VERIFIED, Verifier
from bot.security.secret_keys import CARD_KEY_ENV
from tests.bank.conftest import CARD_KEY
from tests.support import run_bot

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Columns whose values are checked by their shape instead of searched for PINs.
SHAPES = {
    "pin_hash": re.compile(r"scrypt-keyed\$16384\$8\$1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}"),
    "number_digest": re.compile(r"[0-9a-f]{64}"),
    "customer_number_digest": re.compile(r"[0-9a-f]{64}"),
}
WHEN = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{6})?)?")
CARDS = [card for customer in DEMO_CUSTOMERS for card in customer.cards]
CARD_NUMBERS = [card.number for card in CARDS] + [DEMO_UNKNOWN_CARD]
PINS = [card.pin for card in CARDS]
WRONG_PIN = "3517"  # also a secret: typed by a caller, it must not be kept either
CUSTOMER_NUMBERS = [customer.customer_number for customer in DEMO_CUSTOMERS]


def _spellings(number: str) -> list[bytes]:
    groups = [number[i : i + 4] for i in range(0, 16, 4)]
    return [number.encode(), " ".join(groups).encode(), "-".join(groups).encode()]


def find_secrets(database: Path, card_numbers: list[str], pins: list[str]) -> list[str]:
    """Where the secrets are found in `database` and its journal files (empty: nowhere)."""
    found = []
    files = [database] + [
        database.with_name(database.name + suffix)
        for suffix in ("-wal", "-journal", "-shm")
        if database.with_name(database.name + suffix).exists()
    ]
    for path in files:
        data = path.read_bytes()
        for number in card_numbers:
            if any(spelling in data for spelling in _spellings(number)):
                found.append(f"card number ending {number[-4:]} in the bytes of {path.name}")
        found += [f"customer number {number} in the bytes of {path.name}"
                  for number in CUSTOMER_NUMBERS if number.encode() in data]
    connection = sqlite3.connect(database)
    try:
        tables = [
            row[0]
            for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            cursor = connection.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (own table names)
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    where = f"{table}.{column}"
                    if column in SHAPES:
                        if not SHAPES[column].fullmatch(value):
                            found.append(f"{where} is not a hash")
                    elif isinstance(value, str) and WHEN.fullmatch(value):
                        continue
                    elif isinstance(value, str):
                        found += [f"a PIN in {where}" for pin in pins if pin in value]
                        found += [f"a card number in {where}" for n in card_numbers if n in value]
                    elif isinstance(value, int):
                        found += [
                            f"a PIN as a number in {where}" for pin in pins if value == int(pin)
                        ]
    finally:
        connection.close()
    return found


def _verification_round(url: str, card_key: bytes) -> None:
    """Right and wrong PINs for every demo card, a lock, an unknown card, customer numbers."""
    sessions = session_factory(url)
    try:
        verifier = Verifier(sessions, card_key)
        for customer in DEMO_CUSTOMERS:
            line = verifier.caller_line(Channel.VOICE, customer.phone or DEMO_UNREGISTERED_PHONE)
            for card in customer.cards:
                assert (
                    verifier.verify_card(line, card.number, WRONG_PIN, ServiceMenu.CARD)
                    == NOT_VERIFIED
                )
                right = verifier.verify_card(line, card.spaced, card.pin, ServiceMenu.ACCOUNTS)
                expected = customer.segment == "individual" and card.status is CardStatus.ACTIVE
                assert right.verified is expected
            verifier.verify_customer_number(line, customer.customer_number, ServiceMenu.ACCOUNTS)
        web = verifier.caller_line(Channel.WEB, None)
        assert (
            verifier.verify_card(web, DEMO_UNKNOWN_CARD, "6274", ServiceMenu.CARD)
            == NOT_VERIFIED
        )
        mirela = demo_customer("unregistered_credit").card(CardKind.CREDIT)
        for _ in range(3):
            verifier.verify_card(web, mirela.number, WRONG_PIN, ServiceMenu.CARD)
        assert (
            verifier.verify_card(web, mirela.number, mirela.pin, ServiceMenu.CARD)
            == NOT_VERIFIED
        )
        repository = BankRepository(sessions)
        repository.record_complaint(channel="web", summary="The assistant could not verify me")
        repository.record_handoff(
            "agent", "verification_failed", {"card_last_four": mirela.last_four}, channel="web"
        )
    finally:
        sessions.kw["bind"].dispose()


@pytest.fixture(scope="module")
def used_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The file after `bot db init --demo` (a real subprocess) and a round of verifications."""
    folder = tmp_path_factory.mktemp("at-rest")
    database = folder / "bank.db"
    env = {**os.environ, CARD_KEY_ENV: CARD_KEY.hex(), "BOT_VAR_DIR": str(folder / "var")}
    completed = run_bot("db", "init", "--demo", "--database-url", f"sqlite:///{database}",
                        env=env)
    assert completed.returncode == 0, completed.stderr
    assert f"{len(DEMO_CUSTOMERS)} customers" in completed.stdout
    _verification_round(f"sqlite:///{database}", CARD_KEY)
    return database


def test_demo_pins_are_not_part_of_any_other_demo_value() -> None:
    """Otherwise the column scan below would fail for no reason (or be weakened to pass)."""
    values = [
        value
        for customer in DEMO_CUSTOMERS
        for value in (customer.customer_number, customer.phone or "", customer.email or "")
    ] + [card.last_four for card in CARDS]
    for pin in [*PINS, WRONG_PIN]:
        assert not pin.startswith(("19", "20")), "looks like a year"
        assert not any(pin in value for value in values), pin


def test_no_pin_or_card_number_at_rest(used_database: Path) -> None:
    assert find_secrets(used_database, CARD_NUMBERS, [*PINS, WRONG_PIN]) == []


def test_the_scan_finds_secrets_when_they_are_there(used_database: Path, tmp_path: Path) -> None:
    leaked = tmp_path / "leaked.db"
    shutil.copyfile(used_database, leaked)
    card = CARDS[0]
    connection = sqlite3.connect(leaked)
    with connection:
        connection.execute(
            "UPDATE complaints SET summary = ?", (f"card {card.spaced}, pin {card.pin}",)
        )
        connection.execute("UPDATE handoffs SET context = ?", (f'{{"number": "{card.number}"}}',))
        connection.execute("UPDATE cards SET failed_pin_attempts = ? WHERE id = 1", (int(PINS[1]),))
    connection.close()
    found = find_secrets(leaked, CARD_NUMBERS, PINS)
    assert "a PIN in complaints.summary" in found
    assert "a card number in handoffs.context" in found
    assert "a PIN as a number in cards.failed_pin_attempts" in found
    assert any(item.startswith(f"card number ending {card.number[-4:]}") for item in found)
