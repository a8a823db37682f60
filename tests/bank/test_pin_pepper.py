"""PIN hashes are peppered with the card key (issue 11, 6): the database file alone gives no PIN.

A 4-digit PIN under a salted slow hash alone falls to trying all 10,000 values; with the pepper the
scrypt input is a keyed HMAC of the PIN, so trying PINs without the key never matches. Hashes of
the older unkeyed scheme still verify and are rewritten on the next right PIN.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
from sqlalchemy import update

from bot.bank.access import CardKind, Channel, ServiceMenu
from bot.bank.demo import demo_customer
from bot.bank.hashing import SCRYPT_N, SCRYPT_P, SCRYPT_R, hash_pin, pin_needs_rehash, verify_pin
from bot.bank.models import Card
from bot.bank.verification import Verifier
from tests.bank.test_verification import stored_card

KEY = bytes(range(32))


def _unkeyed_hash(pin: str, salt: bytes = b"0123456789abcdef") -> str:
    """The scheme before the pepper: scrypt of the PIN itself (what an attacker can recompute)."""
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    b64 = [base64.b64encode(part).decode().rstrip("=") for part in (salt, digest)]
    return "$".join(("scrypt", str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), *b64))


def test_the_stored_hash_is_not_a_hash_of_the_pin_alone() -> None:
    stored = hash_pin("6274", KEY)
    assert stored.startswith("scrypt-keyed$")
    assert verify_pin("6274", stored, KEY)
    assert not verify_pin("6274", stored, b"a key that is not the bank's one")
    # What an attacker with the database alone computes: scrypt(PIN, the row's salt).
    _, n, r, p, salt, expected = stored.split("$")
    salt_bytes = base64.b64decode(salt + "=" * (-len(salt) % 4))
    guess = hashlib.scrypt(b"6274", salt=salt_bytes, n=int(n), r=int(r), p=int(p), dklen=32)
    assert base64.b64encode(guess).decode().rstrip("=") != expected


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError):
        hash_pin("6274", b"")


def test_an_unkeyed_hash_verifies_and_needs_rehash() -> None:
    old = _unkeyed_hash("6274")
    assert verify_pin("6274", old, KEY) and not verify_pin("6275", old, KEY)
    assert pin_needs_rehash(old)
    assert not pin_needs_rehash(hash_pin("6274", KEY))


def test_a_right_pin_rewrites_an_unkeyed_hash(verifier: Verifier, sessions, card_key) -> None:
    customer = demo_customer("registered_debit")
    debit = customer.card(CardKind.DEBIT)
    with sessions() as session, session.begin():
        session.execute(update(Card).where(Card.last_four == debit.last_four)
                        .values(pin_hash=_unkeyed_hash(debit.pin)))
    line = verifier.caller_line(Channel.VOICE, customer.phone)
    assert verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS).verified
    rewritten = stored_card(sessions, debit, card_key).pin_hash
    assert rewritten.startswith("scrypt-keyed$") and not pin_needs_rehash(rewritten)
    assert verify_pin(debit.pin, rewritten, card_key)
    assert verifier.verify_card(line, debit.number, debit.pin, ServiceMenu.ACCOUNTS).verified
