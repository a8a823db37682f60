"""Caller ID that the assistant may believe: signed by the voice gateway with a shared key.

Only the voice gateway knows the caller's number. Every message of a call carries, as metadata,
the number and two HMACs under the trust key (`bot.security.secret_keys.trust_key`):

- `caller_id_sig` binds the number to the conversation id; the action server checks it when a
  session starts (it does not see the message text there);
- `message_sig` binds the number, the message text, a timestamp and a sequence number to the
  conversation id; the Rasa server's REST channel (`bot.channels.rest`) checks it on every
  message, before NLU, and refuses a stale one or one whose sequence number does not increase.

So a signature copied from one message is worth nothing for another text, and nothing after
`MAX_AGE` seconds or once a later message was seen. Metadata from any other source (the web
widget can send arbitrary metadata) carries no valid signature, so a web user can never claim a
phone number. Signatures are never stored (`bot.security.redaction` drops them)."""

from __future__ import annotations

import enum
import hashlib
import hmac
import itertools
import time
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

CALLER_KEY = "caller_id"
SIGNATURE_KEY = "caller_id_sig"
CHANNEL_KEY = "voice_channel"
TIME_KEY = "signed_at"
SEQUENCE_KEY = "sequence"
MESSAGE_SIG_KEY = "message_sig"
SIGNATURE_FIELDS = frozenset({SIGNATURE_KEY, MESSAGE_SIG_KEY})
TRUST_FIELDS = frozenset({CALLER_KEY, SIGNATURE_KEY, MESSAGE_SIG_KEY, TIME_KEY, SEQUENCE_KEY,
                          CHANNEL_KEY})
MAX_AGE = 30.0  # seconds a signed message stays valid (gateway and Rasa share a clock)
MAX_SKEW = 5.0  # seconds a timestamp may lie in the future


def _hmac(key: bytes, *parts: str) -> str:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def _mac(key: bytes, sender_id: str, caller_id: str) -> str:
    return _hmac(key, sender_id, caller_id)


_sequence = itertools.count()


def next_sequence() -> int:
    """A number larger than every earlier one of this process (and of earlier processes)."""
    return time.time_ns() + next(_sequence)


def signed_caller_metadata(key: bytes, sender_id: str, caller_id: str | None) -> dict[str, Any]:
    """The caller-ID part of the metadata: number and its binding to the conversation."""
    number = caller_id or "anonymous"
    return {CHANNEL_KEY: True, CALLER_KEY: number, SIGNATURE_KEY: _mac(key, sender_id, number)}


def signed_message_metadata(key: bytes, sender_id: str, caller_id: str | None, text: str, *,
                            sequence: int | None = None, now: float | None = None,
                            ) -> dict[str, Any]:
    """Metadata the voice gateway attaches to message `text` of a call."""
    metadata = signed_caller_metadata(key, sender_id, caller_id)
    signed_at = int(time.time() if now is None else now)
    sequence = next_sequence() if sequence is None else sequence
    metadata.update({TIME_KEY: signed_at, SEQUENCE_KEY: sequence,
                     MESSAGE_SIG_KEY: _hmac(key, sender_id, metadata[CALLER_KEY], text,
                                            str(signed_at), str(sequence))})
    return metadata


def trusted_caller(key: bytes, sender_id: str, metadata: Any) -> str | None:
    """The signed caller ID in `metadata`, "anonymous" for a signed withheld number, else None.

    `metadata` may be anything a client sent (a list, a string, None): only a mapping counts."""
    if not isinstance(metadata, Mapping):
        return None
    number, signature = metadata.get(CALLER_KEY), metadata.get(SIGNATURE_KEY)
    if not isinstance(number, str) or not isinstance(signature, str):
        return None
    if not hmac.compare_digest(_mac(key, sender_id, number), signature):
        return None
    return number


class Verdict(enum.Enum):
    """What the REST channel makes of one message's trust metadata."""

    UNSIGNED = "unsigned"  # no trust field at all: a text user
    VALID = "valid"  # signed, fresh, sequence increasing
    FORGED = "forged"  # a trust field without a matching signature
    STALE = "stale"  # a correct signature, too old (or from the future)
    REPLAYED = "replayed"  # a correct signature whose sequence number was already passed


def claims_voice(metadata: Any) -> bool:
    """True if `metadata` carries any trust field (then it must verify, or be refused)."""
    return isinstance(metadata, Mapping) and any(name in metadata for name in TRUST_FIELDS)


class MessageGuard:
    """Checks signed messages and remembers each conversation's last sequence number.

    Entries are forgotten `MAX_AGE` seconds after their last message: by then every signature
    seen for that conversation is stale anyway. `max_conversations` bounds the memory: beyond it,
    new conversations are refused until old entries expire (a flood, not a real load)."""

    def __init__(self, key: bytes, *, max_age: float = MAX_AGE,
                 max_conversations: int = 100_000) -> None:
        self._key = key
        self._max_age = max_age
        self._max = max_conversations
        self._last: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def check(self, sender_id: str, text: str, metadata: Any, now: float) -> Verdict:
        """The verdict on one message; a VALID one advances the conversation's sequence."""
        if not claims_voice(metadata):
            return Verdict.UNSIGNED
        if trusted_caller(self._key, sender_id, metadata) is None:
            return Verdict.FORGED
        number = metadata[CALLER_KEY]
        signed_at, sequence, signature = (metadata.get(TIME_KEY), metadata.get(SEQUENCE_KEY),
                                          metadata.get(MESSAGE_SIG_KEY))
        if (type(signed_at) is not int or type(sequence) is not int
                or not isinstance(signature, str)):
            return Verdict.FORGED
        expected = _hmac(self._key, sender_id, number, text, str(signed_at), str(sequence))
        if not hmac.compare_digest(expected, signature):
            return Verdict.FORGED
        if not now - self._max_age <= signed_at <= now + MAX_SKEW:
            return Verdict.STALE
        self._expire(now)
        last = self._last.get(sender_id)
        if last is not None and sequence <= last[0]:
            return Verdict.REPLAYED
        if last is None and len(self._last) >= self._max:
            return Verdict.STALE
        self._last[sender_id] = (sequence, now)
        self._last.move_to_end(sender_id)
        return Verdict.VALID

    def _expire(self, now: float) -> None:
        while self._last:
            sender, (_, seen) = next(iter(self._last.items()))
            if now - seen <= self._max_age + MAX_SKEW:
                break
            del self._last[sender]
