"""Agent accounts: names and scrypt password hashes in one file (`var/agents.json`, mode 0600).

`bot agents add NAME` writes it; the Rasa server reads it at each sign-in. A hash is
`scrypt$n$r$p$salt$hash` (base64), compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from pathlib import Path

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
HASH_BYTES = 32
NAME = re.compile(r"[a-z][a-z0-9._-]{1,31}")
MIN_PASSWORD, MAX_PASSWORD = 10, 200


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


def agents_file(var_dir: Path) -> Path:
    return var_dir / "agents.json"


def load(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    agents = data.get("agents") if isinstance(data, dict) else None
    if not isinstance(agents, dict):
        return {}
    return {name: stored for name, stored in agents.items() if isinstance(stored, str)}


def add(path: Path, name: str, password: str) -> None:
    """Add or replace an agent (the file is written whole, owner-only)."""
    if not NAME.fullmatch(name):
        raise AccountError("a name is 2-32 characters: a-z first, then a-z, 0-9, '.', '_', '-'")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise AccountError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    agents = load(path)
    agents[name] = hash_password(password)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        json.dump({"agents": agents}, out, indent=1)
    os.replace(temporary, path)


def verify(path: Path, name: str, password: str) -> bool:
    """Right name and password? (An unknown name costs a hash too: no timing difference.)"""
    if len(name) > 64 or len(password) > MAX_PASSWORD:
        return False
    stored = load(path).get(name)
    if stored is None:
        password_matches(password, hash_password("not an account"))
        return False
    return password_matches(password, stored)
