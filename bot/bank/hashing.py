"""How secrets are kept: PINs as peppered, salted scrypt hashes, card numbers as a keyed hash +
last four.

A PIN is stored as `scrypt-keyed$n$r$p$salt$hash` (salt and hash in unpadded base64), so the cost
parameters can be raised later without breaking stored hashes. A PIN has only 10,000 values, so
a salted slow hash alone falls to trying them all (minutes on one core); scrypt is therefore fed
HMAC(pin key, PIN), the pin key derived from the card key, which is kept outside the database: the
database file alone yields no PIN. Hashes of the older unkeyed scheme (`scrypt$...`) still verify
and are rewritten in the keyed scheme on the next right PIN (`pin_needs_rehash`).

A card number is stored only as HMAC-SHA256 under the card key
(`bot.security.secret_keys.card_key()`): the bank can look a card up by the number the caller keys
in, but the database alone does not give the number back, and with only 10**15 Luhn-valid 16-digit
numbers an unkeyed hash could be reversed by brute force.

A customer number (9 digits, a billion values: an unkeyed hash falls in minutes) is stored only as
HMAC-SHA256 under a key derived from the card key for that use alone (`customer_number_digest`),
so lookups still work while the database file alone yields no customer number."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
_SCHEME = "scrypt-keyed"
_UNKEYED_SCHEME = "scrypt"  # before the pepper: verified, then rehashed
_PIN_KEY_LABEL = b"bank-assistant pin pepper v1"
_CUSTOMER_KEY_LABEL = b"bank-assistant customer number v1"
_SEPARATORS = " -"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(secret: bytes, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        secret, salt=salt, n=n, r=r, p=p, dklen=length, maxmem=256 * 1024 * 1024
    )


def _derived_key(key: bytes, label: bytes) -> bytes:
    """A key for one use (`label`) from the card key: no two uses share a key."""
    if not key:
        raise ValueError("the card key must not be empty")
    return hmac.new(key, label, hashlib.sha256).digest()


def _peppered(pin: str, key: bytes) -> bytes:
    pin_key = _derived_key(key, _PIN_KEY_LABEL)
    return hmac.new(pin_key, pin.encode("utf-8"), hashlib.sha256).digest()


def hash_pin(pin: str, key: bytes) -> str:
    """A peppered, salted slow hash of `pin`: `scrypt-keyed$n$r$p$salt$hash`.

    `key` is the card key (`bot.security.secret_keys.card_key()`), never stored with the hash."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(_peppered(pin, key), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return "$".join(
        (_SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest))
    )


def verify_pin(pin: str, stored: str, key: bytes) -> bool:
    """True if `pin` matches the `stored` hash; the hashes are compared in constant time.

    A malformed stored value is a mismatch (never an exception that could tell the caller
    something different). Both schemes cost one scrypt.
    """
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme == _SCHEME:
            secret = _peppered(pin, key)
        elif scheme == _UNKEYED_SCHEME:
            secret = pin.encode("utf-8")
        else:
            return False
        expected_bytes = _unb64(expected)
        candidate = _scrypt(secret, _unb64(salt), int(n), int(r), int(p), len(expected_bytes))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, expected_bytes)


def pin_needs_rehash(stored: str) -> bool:
    """Whether `stored` is of an older scheme (or cost) than `hash_pin` makes today."""
    prefix = "$".join((_SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P))) + "$"
    return not stored.startswith(prefix)


def _digits(card_number: str) -> str:
    return "".join(ch for ch in card_number if ch not in _SEPARATORS)


def card_digest(card_number: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the card number under the card key; spaces and dashes are ignored."""
    if not key:
        raise ValueError("the card key must not be empty")
    return hmac.new(key, _digits(card_number).encode("ascii"), hashlib.sha256).hexdigest()


def last_four(card_number: str) -> str:
    """The last four digits of a card number (the only part of it kept in clear)."""
    digits = _digits(card_number)
    if len(digits) < 4 or not digits.isdigit():
        raise ValueError("a card number has at least four digits")
    return digits[-4:]


def customer_number_digest(customer_number: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of a customer number under its own key derived from the card key;
    spaces and dashes are ignored."""
    number_key = _derived_key(key, _CUSTOMER_KEY_LABEL)
    digits = _digits(customer_number).encode("utf-8")
    return hmac.new(number_key, digits, hashlib.sha256).hexdigest()
