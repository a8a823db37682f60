"""Web chat sessions: which browser may continue which conversation, and for how long.

A conversation id is not a secret (it reaches logs and the agent desk), so a browser continues a
conversation only by presenting the secret the server gave it when the conversation began. Both
live in the tab's sessionStorage: a closed browser, or another tab, never has them.

After `idle_seconds` without a message the session ends: the next request for it is answered
`EXPIRED` (the channel restarts the Rasa conversation, so verification is gone, and tells the
user). Pure state: the caller passes the time; no I/O.
"""

from __future__ import annotations

import enum
import hmac
import re
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field

SESSION_PREFIX = "web-"
SESSION_ID = re.compile(r"web-[0-9a-f]{32}")
MAX_SESSIONS = 20_000  # the oldest idle sessions are forgotten beyond this (bounded memory)


class Resumption(enum.Enum):
    RESUMED = "resumed"  # the right secret, not idle too long: the same conversation
    EXPIRED = "expired"  # the right secret, but idle too long: verification is dropped
    REFUSED = "refused"  # unknown id or wrong secret: a new conversation, nothing said


@dataclass
class WebSession:
    id: str
    secret: str = field(repr=False)
    last_active: float
    language: str = "sq"
    agent: str | None = None  # the agent holding the conversation, if any


class WebSessions:
    """Sessions by id, bounded; the least recently active ones are dropped first."""

    def __init__(self, idle_seconds: float, max_sessions: int = MAX_SESSIONS) -> None:
        self.idle_seconds = idle_seconds
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, WebSession] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: str) -> WebSession | None:
        return self._sessions.get(session_id)

    def open(self, now: float, language: str = "sq") -> WebSession:
        session = WebSession(
            id=f"{SESSION_PREFIX}{secrets.token_hex(16)}",
            secret=secrets.token_urlsafe(32),
            last_active=now,
            language=language,
        )
        self._sessions[session.id] = session
        while len(self._sessions) > self.max_sessions:
            self._sessions.popitem(last=False)
        return session

    def resume(self, session_id: object, secret: object, now: float) -> Resumption:
        """May the browser presenting `secret` continue `session_id`?"""
        session = self._owned(session_id, secret)
        if session is None:
            return Resumption.REFUSED
        if self.idle(session, now):
            self.end(session.id)
            return Resumption.EXPIRED
        self.touch(session.id, now)
        return Resumption.RESUMED

    def idle(self, session: WebSession, now: float) -> bool:
        return now - session.last_active > self.idle_seconds

    def touch(self, session_id: str, now: float) -> None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.last_active = now
            self._sessions.move_to_end(session_id)

    def end(self, session_id: str) -> WebSession | None:
        return self._sessions.pop(session_id, None)

    def _owned(self, session_id: object, secret: object) -> WebSession | None:
        if not isinstance(session_id, str) or not isinstance(secret, str):
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if not hmac.compare_digest(session.secret.encode(), secret.encode()):
            return None
        return session
