"""The contact centre's records: hand-offs as the agent desk shows them, agent accounts and
sign-ins, and web chat sessions.

They live in the bank database, so that a restart of the Rasa server loses none of them and
every Rasa replica sees the same ones (the desk and the web chat run inside the Rasa server).
Changes that two replicas could race on (an agent accepting a hand-off) are one conditional
UPDATE. Every text is masked like the tracker store (`bot.security.redaction.mask_digits`) on
its way in, so nothing an agent can see holds a PIN or a card number. Times are Unix seconds
in and out (the callers' clocks); no Rasa, channel or web here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.bank.models import (
    DESK_TABLES,
    Base,
    Customer,
    DeskAgent,
    DeskSignIn,
    DeskSignInFailure,
    DeskSpeaker,
    HandoffDesk,
    HandoffLine,
    HandoffRecord,
    HandoffStatus,
    WebChatSession,
)
from bot.security.redaction import mask_digits

SessionFactory = Callable[[], Session]
MAX_LINE_CHARS = 1_000
MAX_LINES = 200  # the latest lines of a hand-off shown on the desk
MAX_DESK = 200  # hand-offs on the desk at once (the oldest first)
DESK_HOURS = 12  # open hand-offs older than this are no longer shown (a shift and a half)
WEB_SESSION_DAYS = 1  # web chat session rows older than this are deleted

LAST_FOUR = re.compile(r"\d{4}")  # a card's last four digits: all the desk ever shows of it
REFERENCE = re.compile(r"[A-Z]{2,5}-\d{1,12}")  # a complaint reference (ANK-000123)


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _seconds(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


def ensure_desk_schema(engine: Engine) -> None:
    """Create the desk's tables where a bank database made before them lacks them."""
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[name] for name in DESK_TABLES])


@dataclass(frozen=True)
class DeskLine:
    who: str  # DeskSpeaker
    text: str  # masked
    at: float
    agent: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"who": self.who, "text": self.text, "at": self.at, "agent": self.agent}


@dataclass(frozen=True)
class DeskHandoff:
    """A hand-off with the context an agent sees: nothing here holds a secret."""

    id: int
    queue: str
    reason: str
    channel: str  # "web" or "voice"
    status: str  # HandoffStatus
    agent: str | None
    created_at: float
    conversation_id: str  # stays on the server: the page gets `reference`
    reference: str
    language: str | None
    customer_name: str | None  # only when the customer proved who they are
    verified_method: str | None
    card_last_four: str | None
    complaint_reference: str | None
    lines: tuple[DeskLine, ...]

    def as_dict(self) -> dict[str, Any]:
        """What the desk page receives."""
        return {
            "id": self.id, "queue": self.queue, "reason": self.reason,
            "channel": "phone" if self.channel == "voice" else self.channel,
            "status": self.status, "agent": self.agent, "since": self.created_at,
            "reference": self.reference, "language": self.language,
            "verified": self.verified_method is not None, "customer": self.customer_name,
            "verified_method": self.verified_method, "card_last_four": self.card_last_four,
            "complaint_reference": self.complaint_reference,
            "lines": [line.as_dict() for line in self.lines],
        }


@dataclass(frozen=True)
class WebSessionRecord:
    id: str
    secret_hash: str
    language: str
    last_active: float
    handoff_id: int | None


def _context(raw: str) -> dict[str, Any]:
    try:
        context = json.loads(raw or "{}")
    except ValueError:
        return {}
    return context if isinstance(context, dict) else {}


def _text(value: Any, limit: int = 64) -> str | None:
    return mask_digits(value[:limit]) if isinstance(value, str) and value else None


def _matching(pattern: re.Pattern[str], value: Any) -> str | None:
    """A value shown unmasked only because it has exactly the expected form."""
    return value if isinstance(value, str) and pattern.fullmatch(value) else None


def _earlier_lines(context: dict[str, Any], created: float) -> list[DeskLine]:
    """The transcript the assistant recorded with the hand-off (already masked)."""
    lines = []
    for line in context.get("transcript") or []:
        if not isinstance(line, dict) or line.get("who") not in set(DeskSpeaker):
            continue
        at = line.get("at")
        lines.append(DeskLine(line["who"], mask_digits(str(line.get("text", ""))[:MAX_LINE_CHARS]),
                              float(at) if isinstance(at, int | float) else created))
    return lines


class ContactCenter:
    """Queries and changes on the desk's records; each opens its own short session."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    # ---- hand-offs ---------------------------------------------------------------------------

    def desk(self, now: float) -> list[DeskHandoff]:
        """Hand-offs waiting or held, oldest first (at most MAX_DESK, none older than
        DESK_HOURS)."""
        with self._sessions() as session:
            rows = session.execute(
                self._query()
                .where(HandoffRecord.status.in_((HandoffStatus.OPEN.value,
                                                 HandoffStatus.TAKEN.value)))
                .where(HandoffRecord.created_at >= _at(now - DESK_HOURS * 3600))
                .order_by(HandoffRecord.created_at, HandoffRecord.id)
                .limit(MAX_DESK)
            ).all()
            return self._records(session, rows)

    def handoff(self, handoff_id: int) -> DeskHandoff | None:
        with self._sessions() as session:
            rows = session.execute(self._query().where(HandoffRecord.id == handoff_id)).all()
            found = self._records(session, rows)
            return found[0] if found else None

    def by_reference(self, reference: str) -> DeskHandoff | None:
        """The latest hand-off whose transfer carried `reference` (a "screen pop")."""
        with self._sessions() as session:
            rows = session.execute(
                self._query().where(HandoffDesk.reference == reference)
                .order_by(HandoffRecord.id.desc()).limit(1)
            ).all()
            found = self._records(session, rows)
            return found[0] if found else None

    def state(self, handoff_id: int) -> tuple[str, str | None] | None:
        """(status, agent) of a hand-off; None if there is none."""
        with self._sessions() as session:
            row = session.execute(
                select(HandoffRecord.status, HandoffDesk.agent)
                .join(HandoffDesk, HandoffDesk.handoff_id == HandoffRecord.id, isouter=True)
                .where(HandoffRecord.id == handoff_id)
            ).first()
            return (row[0], row[1]) if row else None

    def accept(self, handoff_id: int, agent: str, now: float) -> bool:
        """The agent takes a waiting hand-off; False if it is not waiting (gone or taken, by
        an agent on any replica: one conditional UPDATE decides)."""
        with self._sessions() as session, session.begin():
            taken = session.execute(
                update(HandoffRecord)
                .where(HandoffRecord.id == handoff_id,
                       HandoffRecord.status == HandoffStatus.OPEN.value)
                .values(status=HandoffStatus.TAKEN.value)
            ).rowcount
            if taken != 1:
                return False
            session.execute(update(HandoffDesk).where(HandoffDesk.handoff_id == handoff_id)
                            .values(agent=agent, taken_at=_at(now)))
            return True

    def close(self, handoff_id: int, now: float, agent: str | None = None) -> bool:
        """The hand-off ends: by the agent holding it, or (`agent` None) because the customer
        left. False if it was not open or not held by `agent`."""
        with self._sessions() as session, session.begin():
            query = update(HandoffRecord).where(HandoffRecord.id == handoff_id)
            if agent is None:
                query = query.where(HandoffRecord.status != HandoffStatus.CLOSED.value)
            else:
                held = select(HandoffDesk.handoff_id).where(
                    HandoffDesk.handoff_id == handoff_id, HandoffDesk.agent == agent)
                query = query.where(HandoffRecord.status == HandoffStatus.TAKEN.value,
                                    HandoffRecord.id.in_(held))
            closed = session.execute(query.values(status=HandoffStatus.CLOSED.value)
                                     .execution_options(synchronize_session=False)).rowcount
            if closed == 1:
                session.execute(update(HandoffDesk).where(HandoffDesk.handoff_id == handoff_id)
                                .values(closed_at=_at(now)))
            return closed == 1

    def add_line(self, handoff_id: int, who: DeskSpeaker | str, text: str, now: float,
                 agent: str | None = None) -> DeskLine:
        """Add a line to a hand-off's transcript, masked; returns it as stored."""
        line = DeskLine(DeskSpeaker(who).value, mask_digits(text[:MAX_LINE_CHARS]), now, agent)
        with self._sessions() as session, session.begin():
            session.add(HandoffLine(handoff_id=handoff_id, who=line.who, agent=agent,
                                    text=line.text, at=_at(now)))
        return line

    @staticmethod
    def _query() -> Any:
        return (select(HandoffRecord, HandoffDesk, Customer.full_name)
                .join(HandoffDesk, HandoffDesk.handoff_id == HandoffRecord.id)
                .join(Customer, Customer.id == HandoffRecord.customer_id, isouter=True))

    @staticmethod
    def _records(session: Session, rows: Iterable[Any]) -> list[DeskHandoff]:
        rows = list(rows)
        lines: dict[int, list[DeskLine]] = {}
        if rows:
            ids = [row[0].id for row in rows]
            for stored in session.scalars(select(HandoffLine).where(
                    HandoffLine.handoff_id.in_(ids)).order_by(HandoffLine.id)):
                lines.setdefault(stored.handoff_id, []).append(
                    DeskLine(stored.who, stored.text, stored.at.timestamp(), stored.agent))
        records = []
        for handoff, desk, name in rows:
            context = _context(handoff.context)
            created = handoff.created_at.timestamp()
            method = _text(context.get("verified_method"), 32)
            every = _earlier_lines(context, created) + lines.get(handoff.id, [])
            records.append(DeskHandoff(
                id=handoff.id, queue=handoff.queue, reason=handoff.reason,
                channel=handoff.channel, status=handoff.status, agent=desk.agent,
                created_at=created, conversation_id=desk.conversation_id,
                reference=desk.reference, language=_text(context.get("language"), 2),
                customer_name=name if method else None, verified_method=method,
                card_last_four=_matching(LAST_FOUR, context.get("card_last_four")),
                complaint_reference=_matching(REFERENCE, context.get("complaint_reference")),
                lines=tuple(every[-MAX_LINES:]),
            ))
        return records

    # ---- agents ------------------------------------------------------------------------------

    def set_agent(self, name: str, password_hash: str) -> None:
        """Add an agent, or give an existing one a new password (their sign-ins end)."""
        with self._sessions() as session, session.begin():
            agent = session.scalar(select(DeskAgent).where(DeskAgent.name == name))
            if agent is None:
                session.add(DeskAgent(name=name, password_hash=password_hash))
                return
            agent.password_hash = password_hash
            session.execute(delete(DeskSignIn).where(DeskSignIn.agent_id == agent.id))

    def password_hash(self, name: str) -> str | None:
        with self._sessions() as session:
            return session.scalar(select(DeskAgent.password_hash).where(DeskAgent.name == name))

    def failures(self, name: str) -> tuple[int, float] | None:
        """(failed sign-ins in a row, since when) for a name; None if none."""
        with self._sessions() as session:
            row = session.get(DeskSignInFailure, name)
            return (row.count, row.since.timestamp()) if row else None

    def set_failures(self, name: str, count: int, since: float, forget_before: float) -> None:
        """Store a name's failure count (0: forget it); rows older than `forget_before` go."""
        with self._sessions() as session, session.begin():
            session.execute(delete(DeskSignInFailure).where(
                (DeskSignInFailure.name == name) | (DeskSignInFailure.since < _at(forget_before))))
            if count:
                session.add(DeskSignInFailure(name=name, count=count, since=_at(since)))

    def sign_in(self, name: str, token_hash: str, expires: float, now: float) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(DeskSignIn).where(DeskSignIn.expires_at < _at(now)))
            agent_id = session.scalar(select(DeskAgent.id).where(DeskAgent.name == name))
            if agent_id is not None:
                session.add(DeskSignIn(token_hash=token_hash, agent_id=agent_id,
                                       expires_at=_at(expires)))

    def signed_in(self, token_hash: str, now: float) -> str | None:
        """The agent a sign-in belongs to, while it has not expired nor been signed out."""
        with self._sessions() as session:
            return session.scalar(
                select(DeskAgent.name).join(DeskSignIn, DeskSignIn.agent_id == DeskAgent.id)
                .where(DeskSignIn.token_hash == token_hash, DeskSignIn.expires_at > _at(now)))

    def sign_out(self, token_hash: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(DeskSignIn).where(DeskSignIn.token_hash == token_hash))

    # ---- web chat sessions ---------------------------------------------------------------------

    def open_web_session(self, session_id: str, secret_hash: str, language: str,
                         now: float) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(WebChatSession).where(
                WebChatSession.last_active < _at(now - WEB_SESSION_DAYS * 86400)))
            session.add(WebChatSession(id=session_id, secret_hash=secret_hash,
                                       language=language, last_active=_at(now)))

    def web_session(self, session_id: str) -> WebSessionRecord | None:
        with self._sessions() as session:
            row = session.get(WebChatSession, session_id)
            if row is None:
                return None
            return WebSessionRecord(row.id, row.secret_hash, row.language,
                                    row.last_active.timestamp(), row.handoff_id)

    def touch_web_session(self, session_id: str, now: float, language: str | None = None,
                          handoff_id: int | None | bool = False) -> None:
        """Mark activity; optionally set the language and the hand-off (None clears it)."""
        values: dict[str, Any] = {"last_active": _at(now)}
        if language is not None:
            values["language"] = language
        if handoff_id is not False:
            values["handoff_id"] = handoff_id
        with self._sessions() as session, session.begin():
            session.execute(update(WebChatSession).where(WebChatSession.id == session_id)
                            .values(**values))

    def end_web_session(self, session_id: str) -> int | None:
        """Forget a web session; returns the hand-off it was in, if any."""
        with self._sessions() as session, session.begin():
            row = session.get(WebChatSession, session_id)
            if row is None:
                return None
            handoff_id = row.handoff_id
            session.delete(row)
            return handoff_id

    def web_session_count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(WebChatSession)) or 0
