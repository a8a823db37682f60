"""Local secret keys: the card-number pepper and the caller-ID trust key.

A bank sets them from its secret store through `BOT_CARD_KEY` / `BOT_TRUST_KEY` (hex). Where they
are not set, a random key is made once and kept in `var/` with owner-only permissions, so a
development checkout needs no set-up and no key is ever committed.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from bot.config import Settings

CARD_KEY_ENV = "BOT_CARD_KEY"
TRUST_KEY_ENV = "BOT_TRUST_KEY"


def _load_or_create(path: Path) -> bytes:
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.hex())
    return key


def _key(env_name: str, file_name: str, settings: Settings | None) -> bytes:
    from_env = os.environ.get(env_name)
    if from_env:
        return bytes.fromhex(from_env)
    settings = settings or Settings.from_env()
    return _load_or_create(settings.var_dir / file_name)


def card_key(settings: Settings | None = None) -> bytes:
    """Key of the keyed hash that stands for a card number in the database."""
    return _key(CARD_KEY_ENV, "card.key", settings)


def trust_key(settings: Settings | None = None) -> bytes:
    """Key shared by the voice gateway and the action server to sign caller IDs."""
    return _key(TRUST_KEY_ENV, "trust.key", settings)
