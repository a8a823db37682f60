"""A SQL tracker store that masks PINs and card numbers before any event is written.

It also does less per turn than Rasa's own: a turn loads the conversation's events as their JSON
column only (not as ORM rows) and turns each into its event class through a table built once
(Rasa looks the class up among all subclasses of `Event` for every event); the REST gate's
question "did this conversation begin on the phone?" is answered from the slot events alone
(`slot_values`), not by rebuilding the whole conversation a second time; SQLite connections
stay open between turns.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from functools import cache
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import (
    ActionReverted,
    AllSlotsReset,
    Event,
    Restarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from sqlalchemy import and_, create_engine, event, or_
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from bot.security.redaction import redact_event

# Events after which a slot's value is no longer that of its last SlotSet.
_SLOTS_CLEARED = frozenset({Restarted.type_name, AllSlotsReset.type_name})
_EVENTS_UNDONE = frozenset({UserUtteranceReverted.type_name, ActionReverted.type_name})


@cache
def _event_classes() -> Mapping[str, type[Event]]:
    """type name -> event class, first match first, as `Event.resolve_by_type` finds it."""
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def event_from_dict(data: dict[str, Any]) -> Event | None:
    """The event a stored dict stands for (as `Event.from_parameters`, without its search)."""
    cls = _event_classes().get(data.get("event"))  # type: ignore[arg-type]
    if cls is None:  # an event class imported after the table was built, or none at all
        return Event.from_parameters(data)
    return cls._from_parameters(data)


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, fed with redacted copies of the events.

    Configured in endpoints.yml with `db:` as an SQLAlchemy URL (SQLite by default, PostgreSQL
    in production), so one setting names the database the same way everywhere in the project.
    """

    def __init__(self, domain=None, host=None, db: str = "sqlite:///var/tracker.db",
                 event_broker=None, **kwargs: Any) -> None:
        url = make_url(db)
        super().__init__(
            domain=domain,
            dialect=url.drivername,
            host=url.host,
            port=url.port,
            db=url.database or "",
            username=url.username,
            password=url.password,
            event_broker=event_broker,
            query=dict(url.query) or None,
        )
        if self.engine.dialect.name == "sqlite":
            self._keep_sqlite_connections()

    def _keep_sqlite_connections(self) -> None:
        """SQLite connections kept in a pool, in write-ahead-log mode.

        SQLAlchemy 1.4 opens and closes a file database's connection for every session (three
        a turn); closing the last connection checkpoints the log into the database, with a
        disk sync, every turn. Kept open, the log is checkpointed every 1000 pages instead.
        (A pooled connection serves one session at a time, whichever thread it is in, as in
        SQLAlchemy 2.0's default for files.)"""
        url = self.engine.url
        self.engine.dispose()
        self.engine = create_engine(url, poolclass=QueuePool,
                                    connect_args={"check_same_thread": False})
        event.listen(self.engine, "connect", _sqlite_write_ahead)
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events not stored yet, each redacted (see bot.security.redaction)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = redact_event(event.as_dict())
                intent = data.get("parse_data", {}).get("intent", {}).get("name")
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            session.commit()

    async def _retrieve(self, sender_id: str,
                        fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        """The conversation (its latest session, or all of them), as Rasa's store rebuilds it,
        from the `data` column alone."""
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions)
            rows = query.with_entities(self.SQLEvent.data).all()
        if not self.domain or not rows:
            return None
        events = [event_from_dict(json.loads(data)) for (data,) in rows]
        return DialogueStateTracker.from_events(sender_id, [e for e in events if e],
                                                self.domain.slots)

    async def slot_values(self, sender_id: str, names: Collection[str]) -> dict[str, Any]:
        """The values that the slots `names` hold now in the conversation's latest session,
        read from its slot events only (their initial values for a conversation not stored).

        Where that session has an undo event (`/back`, a rewind), which makes the last SlotSet
        unreliable, the whole conversation is rebuilt instead, as `retrieve` would."""
        initial = {slot.name: slot.initial_value for slot in (self.domain.slots
                                                               if self.domain else ())}
        start = {name: initial.get(name) for name in names}
        stored = self.SQLEvent
        wanted = or_(and_(stored.type_name == SlotSet.type_name, stored.action_name.in_(start)),
                     stored.type_name.in_(_SLOTS_CLEARED | _EVENTS_UNDONE))
        with self.session_scope() as session:
            query = self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            rows = query.filter(wanted).with_entities(stored.type_name, stored.action_name,
                                                      stored.data).all()
        if any(kind in _EVENTS_UNDONE for kind, _, _ in rows):
            tracker = await self.retrieve(sender_id)
            return start if tracker is None else {name: tracker.get_slot(name) for name in names}
        values = dict(start)
        for kind, name, data in rows:
            if kind in _SLOTS_CLEARED:
                values = dict(start)
            elif kind == SlotSet.type_name:
                values[name] = json.loads(data).get("value")
        return values


def _sqlite_write_ahead(connection: Any, _record: Any) -> None:
    """Write-ahead log, synced at checkpoints: a turn's commit no longer waits for the disk
    twice (journal and database), and a crash of the process loses nothing committed; only a
    power cut can lose the last transactions, never corrupt the file (SQLite's WAL guarantee).
    PostgreSQL deployments are unaffected."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
