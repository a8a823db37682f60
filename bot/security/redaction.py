"""Masking of secrets (PINs, card numbers) in what is stored or logged.

Anything a caller typed or keyed may hold a PIN or a card number: every run of four or more
digits (spaces, dots and dashes between digits count as part of the run) is masked. Single menu
keys and short numbers stay readable. The form slots that take a card number, PIN or customer
number hold, once dealt with, only a marker with no digits (actions/verification_state.py); what
the conversation needs back (the card's keyed digest) lives in slots of its own.

Message metadata is stored masked too, and without the voice gateway's signatures: they are
checked once, when the message arrives, and a stored one would only help someone replay it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.security.trust import SIGNATURE_FIELDS

MASK = "•"
DIGIT_RUN = re.compile(r"\d(?:[\s.\-]*\d){3,}")
SECRET_SLOTS = frozenset({"card_number", "card_pin", "customer_number"})


def mask_digits(text: str) -> str:
    """Replace every digit of each run of four or more digits with a mask character."""
    return DIGIT_RUN.sub(lambda match: re.sub(r"\d", MASK, match.group()), text)


def _mask_any(value: Any) -> Any:
    if isinstance(value, str):
        return mask_digits(value)
    if isinstance(value, list):
        return [_mask_any(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _mask_any(item) for key, item in value.items()}
    return value


def redact_metadata(metadata: Any) -> Any:
    """Metadata as it may be stored: digit runs masked, signatures dropped (at any depth)."""
    if isinstance(metadata, Mapping):
        return {key: redact_metadata(value) for key, value in metadata.items()
                if key not in SIGNATURE_FIELDS}
    if isinstance(metadata, list):
        return [redact_metadata(item) for item in metadata]
    return _mask_any(metadata)


def redact_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a serialised Rasa event that is safe to store."""
    redacted = dict(event)
    kind = event.get("event")
    if "metadata" in redacted:
        redacted["metadata"] = redact_metadata(redacted["metadata"])
    if kind == "slot" and event.get("name") == "session_started_metadata":
        redacted["value"] = redact_metadata(event.get("value"))
    if kind == "user":
        for key in ("text", "parse_data"):  # parse_data holds a copy of the metadata
            if key in redacted:
                redacted[key] = redact_metadata(redacted[key])
    elif kind == "slot" and event.get("name") in SECRET_SLOTS:
        value = event.get("value")
        if isinstance(value, str):
            redacted["value"] = mask_digits(value)
    elif kind == "bot":
        # the assistant never repeats a secret, but a reply may quote what the caller typed
        redacted["text"] = _mask_any(event.get("text"))
    return redacted
