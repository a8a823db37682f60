"""Caller ID that the assistant may believe: signed by the voice gateway with a shared key.

Only the voice gateway knows the caller's number. It sends it as message metadata together with
an HMAC over the conversation id and the number; the action server checks the HMAC with the same
key (`bot.security.secret_keys.trust_key`). Metadata from any other source (the web widget can
send arbitrary metadata) carries no valid signature, so a web user can never claim a phone
number."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

CALLER_KEY = "caller_id"
SIGNATURE_KEY = "caller_id_sig"
CHANNEL_KEY = "voice_channel"


def _mac(key: bytes, sender_id: str, caller_id: str) -> str:
    message = f"{sender_id}\x1f{caller_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_caller_metadata(key: bytes, sender_id: str, caller_id: str | None) -> dict[str, Any]:
    """Metadata the voice gateway attaches to each message of a call."""
    number = caller_id or "anonymous"
    return {CHANNEL_KEY: True, CALLER_KEY: number, SIGNATURE_KEY: _mac(key, sender_id, number)}


def trusted_caller(key: bytes, sender_id: str, metadata: Mapping[str, Any] | None) -> str | None:
    """The signed caller ID in `metadata`, "anonymous" for a signed withheld number, else None."""
    if not metadata:
        return None
    number, signature = metadata.get(CALLER_KEY), metadata.get(SIGNATURE_KEY)
    if not isinstance(number, str) or not isinstance(signature, str):
        return None
    if not hmac.compare_digest(_mac(key, sender_id, number), signature):
        return None
    return number
