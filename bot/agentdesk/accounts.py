"""Agent accounts: names and scrypt password hashes in the bank database (`desk_agents`), and
the sign-in lock: five wrong passwords in a row lock a name for five minutes.

`bot agents add NAME` writes an account; the Rasa server reads it at each sign-in, whichever
replica the agent reaches. A hash is `scrypt$n$r$p$salt$hash` (base64), compared in constant
time. Failures are counted per name in the database (shared by replicas), also for names that
are no account, so that a lock tells nothing of which names exist.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
import secrets

from bot.bank.contact_center import ContactCenter

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
HASH_BYTES = 32
NAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")
MIN_PASSWORD, MAX_PASSWORD = 10, 200
MAX_FAILURES, LOCK_SECONDS = 5, 300


class AccountError(ValueError):
    """A name or password that cannot be used (the message says why)."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=HASH_BYTES,
                          maxmem=128 * r * n * 2)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def password_matches(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        candidate = _scrypt(password, _unb64(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(candidate, _unb64(digest))


@functools.cache
def _unknown_name_hash() -> str:
    """What a name that is no account is checked against (made once, on first use)."""
    return hash_password(secrets.token_hex(16))


def add(center: ContactCenter, name: str, password: str) -> None:
    """Add an agent, or set a new password (which ends their sign-ins)."""
    if not NAME.fullmatch(name):
        raise AccountError("a name is 2-32 characters: a-z first, then a-z, 0-9, '.', '_', '-'")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    center.set_agent(name, hash_password(password))


def verify(center: ContactCenter, name: str, password: str) -> bool:
    """Right name and password? (An unknown name costs a hash too: no timing difference.)"""
    if len(name) > 64 or len(password) > MAX_PASSWORD:
        return False
    stored = center.password_hash(name) if NAME.fullmatch(name) else None
    if stored is None:
        password_matches(password, _unknown_name_hash())
        return False
    return password_matches(password, stored)


def locked(failures: tuple[int, float] | None, now: float) -> bool:
    """Is a name locked, given its (failed sign-ins in a row, since when)?"""
    if failures is None:
        return False
    count, since = failures
    return count >= MAX_FAILURES and now - since < LOCK_SECONDS


def after_failure(failures: tuple[int, float] | None, now: float) -> tuple[int, float]:
    """The count after one more failed sign-in: a lock that has run out starts afresh."""
    count, since = failures or (0, now)
    if now - since >= LOCK_SECONDS:
        count, since = 0, now
    return count + 1, since
