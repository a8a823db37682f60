"""One turn of the assistant's replies, read for the phone: what to say and what comes next.

The voice channel (bot/channels/voice.py) returns each reply whole: its text and its custom
payload in one item (`{"text": ..., "custom": {...}}`). A custom payload says what the caller is
asked for next: a menu (`{"menu", "lang", "keys", "default_key", "speech"}`), a digit string
(`{"collect": {"slot", "digits", "secret"}}`), a hand-off (`{"handoff": {"queue", "id"}}`) or
the end of the call (`{"goodbye": true}`); `bot/payloads.py` defines and reads them.
Menu prompts and collection questions never change, so they are rendered once and cached
(`fixed`); every other sentence may hold the caller's figures and is rendered for the turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.payloads import (
    CollectPayload,
    GoodbyePayload,
    HandoffPayload,
    MenuPayload,
    read_payload,
)


@dataclass(frozen=True)
class Utterance:
    text: str
    fixed: bool = False


@dataclass(frozen=True)
class Turn:
    """What the caller hears in one turn, and what the assistant waits for after it."""

    utterances: tuple[Utterance, ...] = ()
    menu: MenuPayload | None = None
    collect: CollectPayload | None = None
    handoff: HandoffPayload | None = None
    goodbye: bool = False
    prompt: tuple[Utterance, ...] = field(default=())  # the question to repeat on a re-prompt

    @property
    def lang(self) -> str | None:
        return self.menu.lang if self.menu else None


def _custom(reply: Mapping[str, Any]) -> Mapping[str, Any]:
    custom = reply.get("custom")
    return custom if isinstance(custom, Mapping) else {}


def read_turn(replies: Sequence[Mapping[str, Any]]) -> Turn:
    """The turn the replies make up (the last menu / collection / hand-off payload wins)."""
    utterances: list[Utterance] = []
    menu: MenuPayload | None = None
    collect: CollectPayload | None = None
    handoff: HandoffPayload | None = None
    goodbye = False
    prompt: tuple[Utterance, ...] = ()
    for reply in replies:
        payload = read_payload(_custom(reply))
        if isinstance(payload, MenuPayload):
            menu, collect = payload, None
        elif isinstance(payload, CollectPayload):
            collect, menu = payload, None
        elif isinstance(payload, HandoffPayload):
            handoff = payload
        elif isinstance(payload, GoodbyePayload):
            goodbye = True
        text = str(reply.get("text") or "").strip()
        if not text:
            continue
        asks = isinstance(payload, MenuPayload | CollectPayload)  # a question: its text is fixed
        utterances.append(Utterance(text, fixed=asks))
        if asks:
            prompt = (utterances[-1],)
    said = tuple(utterances)
    return Turn(said, menu, collect, handoff, goodbye, prompt or said[-1:])
