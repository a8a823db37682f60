"""How secrets are kept: PINs as salted scrypt hashes, card numbers as a keyed hash + last four.

A PIN is stored as `scrypt$n$r$p$salt$hash` (salt and hash in unpadded base64), so the cost
parameters can be raised later without breaking stored hashes. A card number is stored only as
HMAC-SHA256 under the card key (`bot.security.secret_keys.card_key()`): the bank can look a card
up by the number the caller keys in, but the database alone does not give the number back, and
with only 10**15 Luhn-valid 16-digit numbers an unkeyed hash could be reversed by brute force."""

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
_SCHEME = "scrypt"
_SEPARATORS = " -"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length, maxmem=256 * 1024 * 1024
    )


def hash_pin(pin: str) -> str:
    """A salted slow hash of `pin`, self-describing: `scrypt$n$r$p$salt$hash`."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, HASH_BYTES)
    return "$".join(
        (_SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(digest))
    )


def verify_pin(pin: str, stored: str) -> bool:
    """True if `pin` matches the `stored` hash; the hashes are compared in constant time.

    A malformed stored value is a mismatch (never an exception that could tell the caller
    something different).
    """
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != _SCHEME:
            return False
        expected_bytes = _unb64(expected)
        candidate = _scrypt(pin, _unb64(salt), int(n), int(r), int(p), len(expected_bytes))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, expected_bytes)


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
