"""Web chat sessions: which browser may continue which conversation, and for how long.

A conversation id is not a secret (it reaches logs and the tracker store), so a browser continues
a conversation only by presenting the secret the server gave it when the conversation began. The
browser keeps both in the tab's sessionStorage: a closed browser, or another tab, never has them.
The server keeps the id and a SHA-256 of the secret in the bank database
(bot/bank/contact_center.py), so a conversation survives a restart of the Rasa server and goes
on at another replica if its own stops.

After `idle_seconds` without a message the session ends: the next request for it is answered
`EXPIRED` (the channel restarts the Rasa conversation, so verification is gone, and tells the
user). Not while an agent holds the conversation: then the agent decides when it ends (the
customer may be waiting for them), and the agent's replies count as activity. `resumption` is
the rule, without I/O; `WebSessions` applies it to the stored sessions.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field

from bot.bank.contact_center import ContactCenter, WebSessionRecord
from bot.bank.models import HandoffStatus

SESSION_PREFIX = "web-"
SESSION_ID = re.compile(r"web-[0-9a-f]{32}")


class Resumption(enum.Enum):
    RESUMED = "resumed"  # the right secret, not idle too long: the same conversation
    EXPIRED = "expired"  # the right secret, but idle too long: verification is dropped
    REFUSED = "refused"  # unknown id or wrong secret: a new conversation, nothing said


@dataclass(frozen=True)
class NewSession:
    id: str
    secret: str = field(repr=False)  # goes to the browser that opened it, never stored


def secret_hash(secret: str) -> str:
    """The stored form of a session secret (32 random bytes: a plain hash is enough)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def resumption(record: WebSessionRecord | None, secret: object, now: float,
               idle_seconds: float, held: bool = False) -> Resumption:
    """May the browser presenting `secret` continue the session `record`? (`held`: an agent
    holds the conversation.)"""
    if record is None or not isinstance(secret, str):
        return Resumption.REFUSED
    if not hmac.compare_digest(record.secret_hash.encode(), secret_hash(secret).encode()):
        return Resumption.REFUSED
    if now - record.last_active > idle_seconds and not held:
        return Resumption.EXPIRED
    return Resumption.RESUMED


class WebSessions:
    """The web chat sessions in the bank database."""

    def __init__(self, center: ContactCenter, idle_seconds: float) -> None:
        self.center = center
        self.idle_seconds = idle_seconds

    def open(self, now: float, language: str = "sq") -> NewSession:
        session = NewSession(f"{SESSION_PREFIX}{secrets.token_hex(16)}", secrets.token_urlsafe(32))
        self.center.open_web_session(session.id, secret_hash(session.secret), language, now)
        return session

    def get(self, session_id: object) -> WebSessionRecord | None:
        if not isinstance(session_id, str) or not SESSION_ID.fullmatch(session_id):
            return None
        return self.center.web_session(session_id)

    def resume(self, session_id: object, secret: object, now: float) -> Resumption:
        record = self.get(session_id)
        held = record is not None and self.held(record)
        answer = resumption(record, secret, now, self.idle_seconds, held)
        if answer is Resumption.RESUMED:
            self.center.touch_web_session(str(session_id), now)
        return answer

    def held(self, record: WebSessionRecord) -> bool:
        """Does an agent hold this conversation?"""
        if record.handoff_id is None:
            return False
        state = self.center.state(record.handoff_id)
        return state is not None and state[0] == HandoffStatus.TAKEN.value

    def expired(self, record: WebSessionRecord, now: float) -> bool:
        """Idle too long, and no agent holds it."""
        return now - record.last_active > self.idle_seconds and not self.held(record)
