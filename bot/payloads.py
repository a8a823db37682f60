"""The custom payloads the assistant sends with its replies: the one contract between the
actions (which build them) and the clients (voice, web chat, SIP config), which read them.

A reply carries at most one of:

- `MenuPayload`  `{"menu", "lang", "keys", "default_key", "speech"}`: the caller is in a menu;
  pressing a key sends `keys[key]`;
- `CollectPayload` `{"collect": {"slot", "digits", "secret"}}`: a digit string is asked for;
- `HandoffPayload` `{"handoff": {"queue", "id", "reason"}}`: the caller goes to a person;
- `GoodbyePayload` `{"goodbye": true}`: the conversation ends (voice hangs up).

`conversation_reference` is the one-way reference to a conversation that a phone transfer carries
to the agent's phone (RFC 7433 User-to-User on the REFER) and the agent desk looks up.

`from_dict` reads what arrives over the network: anything malformed gives None (never an
exception), so a client can ignore a payload it does not understand. No Rasa, bank or SIP
import here: every layer may use this module.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Union

# The keypad: every key a caller can press (menus.yml keys, DTMF, web keypad).
KEYS = frozenset("0123456789*#")
MAX_COLLECT_DIGITS = 32  # no answer we ask for is longer (a card number is 16)
MAX_TEXT = 2000  # a menu's speech or a payload string, far above any we write


def conversation_reference(conversation_id: str) -> str:
    """A one-way reference to a conversation (32 hex digits): it names the conversation to
    whoever holds its id, and gives no way back to the id."""
    return hashlib.sha256(b"handoff-ref:" + conversation_id.encode()).hexdigest()[:32]


class HandoffQueue(StrEnum):
    """Where a hand-off goes (the bank's queues; the SIP gateway maps each to a URI)."""

    AGENT = "agent"
    POS_SUPPORT = "pos_support"


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    return value if isinstance(value, str) and len(value) <= limit else None


@dataclass(frozen=True)
class MenuPayload:
    name: str
    lang: str | None
    keys: Mapping[str, str] = field(default_factory=dict)  # key -> the message it sends
    default_key: str | None = None
    speech: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"menu": self.name, "lang": self.lang, "keys": dict(self.keys),
                "default_key": self.default_key, "speech": self.speech}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> MenuPayload | None:
        name, keys = _text(raw.get("menu"), 64), raw.get("keys") or {}
        if name is None or not isinstance(keys, Mapping):
            return None
        checked = {k: v for k, v in keys.items()
                   if k in KEYS and isinstance(v, str) and len(v) <= MAX_TEXT}
        if len(checked) != len(keys):
            return None
        lang, default = raw.get("lang"), raw.get("default_key")
        return cls(name, _text(lang, 8), checked, default if default in KEYS else None,
                   _text(raw.get("speech")) or "")


@dataclass(frozen=True)
class CollectPayload:
    slot: str
    digits: int | None  # None: ended by "#" or a pause
    secret: bool

    def to_dict(self) -> dict[str, Any]:
        return {"collect": {"slot": self.slot, "digits": self.digits, "secret": self.secret}}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> CollectPayload | None:
        body = raw.get("collect")
        if not isinstance(body, Mapping) or _text(body.get("slot"), 64) is None:
            return None
        digits = body.get("digits")
        if digits is not None and not (isinstance(digits, int) and not isinstance(digits, bool)
                                       and 0 < digits <= MAX_COLLECT_DIGITS):
            return None
        return cls(body["slot"], digits, bool(body.get("secret")))


@dataclass(frozen=True)
class HandoffPayload:
    queue: HandoffQueue
    id: int | None = None
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"handoff": {"queue": self.queue.value, "id": self.id, "reason": self.reason}}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> HandoffPayload | None:
        body = raw.get("handoff")
        if not isinstance(body, Mapping) or body.get("queue") not in set(HandoffQueue):
            return None
        handoff_id = body.get("id")
        if not isinstance(handoff_id, int) or isinstance(handoff_id, bool):
            handoff_id = None
        return cls(HandoffQueue(body["queue"]), handoff_id, _text(body.get("reason"), 64) or "")


@dataclass(frozen=True)
class GoodbyePayload:
    def to_dict(self) -> dict[str, Any]:
        return {"goodbye": True}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> GoodbyePayload | None:
        return cls() if raw.get("goodbye") is True else None


Payload = Union[MenuPayload, CollectPayload, HandoffPayload, GoodbyePayload]  # noqa: UP007
_KINDS: tuple[tuple[str, type], ...] = (
    ("menu", MenuPayload),
    ("collect", CollectPayload),
    ("handoff", HandoffPayload),
    ("goodbye", GoodbyePayload),
)


def read_payload(raw: Any) -> Payload | None:
    """The payload a reply's `custom` item holds, or None if it holds none we know."""
    if not isinstance(raw, Mapping):
        return None
    for marker, kind in _KINDS:
        if marker in raw:
            return kind.from_dict(raw)
    return None
