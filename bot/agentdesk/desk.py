"""The desk's state: masked transcripts per web conversation, hand-offs waiting or held by an agent.

Pure state (the caller passes the time; no I/O). Every text is masked on the way in
(`bot.security.redaction.mask_digits`), so nothing an agent can see holds a PIN or card number.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from bot.security.redaction import mask_digits

MAX_LINES = 200  # per conversation
MAX_CONVERSATIONS = 5_000  # transcripts kept; the oldest are forgotten first
MAX_LINE_CHARS = 1_000


@dataclass(frozen=True)
class Line:
    who: str  # "customer", "assistant", "agent"
    text: str  # masked
    at: float
    agent: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"who": self.who, "text": self.text, "at": self.at, "agent": self.agent}


@dataclass
class Handoff:
    id: str  # the web conversation id
    queue: str
    reason: str
    language: str
    since: float
    reference: str | None = None
    agent: str | None = None  # None: waiting
    lines: deque[Line] = field(default_factory=lambda: deque(maxlen=MAX_LINES))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "queue": self.queue,
            "reason": self.reason,
            "language": self.language,
            "channel": "web",
            "since": self.since,
            "reference": self.reference,
            "agent": self.agent,
            "lines": [line.as_dict() for line in self.lines],
        }


class Desk:
    def __init__(self) -> None:
        self._transcripts: OrderedDict[str, deque[Line]] = OrderedDict()
        self._handoffs: dict[str, Handoff] = {}

    def note(self, conversation: str, who: str, text: str, at: float,
             agent: str | None = None) -> Line:
        """Add a line to a conversation's transcript (masked, bounded) and return it."""
        line = Line(who, mask_digits(text[:MAX_LINE_CHARS]), at, agent)
        lines = self._transcripts.get(conversation)
        if lines is None:
            lines = self._transcripts[conversation] = deque(maxlen=MAX_LINES)
            while len(self._transcripts) > MAX_CONVERSATIONS:
                self._transcripts.popitem(last=False)
        self._transcripts.move_to_end(conversation)
        lines.append(line)
        handoff = self._handoffs.get(conversation)
        if handoff is not None:
            handoff.lines.append(line)
        return line

    def hand_off(self, conversation: str, queue: str, reason: str, language: str, at: float,
                 reference: str | None = None) -> Handoff:
        """The assistant handed the conversation over: it waits for an agent."""
        held = self._handoffs.get(conversation)
        if held is not None:
            return held
        handoff = Handoff(conversation, queue, reason, language, at, reference)
        handoff.lines.extend(self._transcripts.get(conversation, ()))
        self._handoffs[conversation] = handoff
        return handoff

    def accept(self, conversation: str, agent: str) -> Handoff | None:
        """The agent takes a waiting hand-off; None if it is not waiting (gone or taken)."""
        handoff = self._handoffs.get(conversation)
        if handoff is None or handoff.agent is not None:
            return None
        handoff.agent = agent
        return handoff

    def holder(self, conversation: str) -> str | None:
        handoff = self._handoffs.get(conversation)
        return handoff.agent if handoff is not None else None

    def release(self, conversation: str, agent: str | None = None) -> Handoff | None:
        """The hand-off ends (by its agent, or the customer left when `agent` is None)."""
        handoff = self._handoffs.get(conversation)
        if handoff is None or (agent is not None and handoff.agent != agent):
            return None
        del self._handoffs[conversation]
        return handoff

    def forget(self, conversation: str) -> Handoff | None:
        """The customer ended the chat: transcript and hand-off go."""
        self._transcripts.pop(conversation, None)
        return self._handoffs.pop(conversation, None)

    def handoffs(self) -> list[Handoff]:
        return sorted(self._handoffs.values(), key=lambda handoff: (handoff.queue, handoff.since))
