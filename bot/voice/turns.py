"""One turn of the assistant's replies, read for the phone: what to say and what comes next.

Rasa's REST channel returns a reply's text and its custom payload as separate items, text
first (`{"text": ...}`, then `{"custom": {...}}`). A custom payload says what the caller is asked
for next: a menu (`{"menu", "lang", "keys", "default_key", "speech"}`), a digit string
(`{"collect": {"slot", "digits", "secret"}}`), a hand-off (`{"handoff": {"queue", "id"}}`) or
the end of the call (`{"goodbye": true}`).
Menu prompts and collection questions never change, so they are rendered once and cached
(`fixed`); every other sentence may hold the caller's figures and is rendered for the turn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Utterance:
    text: str
    fixed: bool = False


@dataclass(frozen=True)
class MenuPrompt:
    name: str
    lang: str | None
    keys: Mapping[str, str]  # key -> the message that pressing it sends
    default_key: str | None = None


@dataclass(frozen=True)
class Collect:
    slot: str
    digits: int | None
    secret: bool


@dataclass(frozen=True)
class Handoff:
    queue: str


@dataclass(frozen=True)
class Turn:
    """What the caller hears in one turn, and what the assistant waits for after it."""

    utterances: tuple[Utterance, ...] = ()
    menu: MenuPrompt | None = None
    collect: Collect | None = None
    handoff: Handoff | None = None
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
    menu = collect = handoff = None
    goodbye = False
    prompt: tuple[Utterance, ...] = ()
    for index, reply in enumerate(replies):
        custom = _custom(reply)
        if "menu" in custom:
            menu = MenuPrompt(str(custom["menu"]), custom.get("lang"),
                              {str(k): str(v) for k, v in (custom.get("keys") or {}).items()},
                              custom.get("default_key"))
            collect = None
        if "collect" in custom:
            raw = custom["collect"]
            collect = Collect(str(raw["slot"]), raw.get("digits"), bool(raw.get("secret")))
            menu = None
        if "handoff" in custom:
            handoff = Handoff(str(custom["handoff"]["queue"]))
        goodbye = goodbye or bool(custom.get("goodbye"))
        text = str(reply.get("text") or "").strip()
        if not text:
            continue
        following = _custom(replies[index + 1]) if index + 1 < len(replies) else {}
        asks = ("menu" in custom or "collect" in custom
                or (not reply.get("custom") and ("menu" in following or "collect" in following)))
        utterances.append(Utterance(text, fixed=asks))
        if asks:
            prompt = (utterances[-1],)
    said = tuple(utterances)
    return Turn(said, menu, collect, handoff, goodbye, prompt or said[-1:])
