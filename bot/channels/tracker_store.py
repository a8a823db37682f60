"""A SQL tracker store that masks PINs and card numbers before any event is written."""

from __future__ import annotations

import json
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from bot.security.redaction import redact_event


class RedactingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, fed with redacted copies of the events.

    Configured in endpoints.yml with `db:` as an SQLAlchemy URL (SQLite by default, PostgreSQL
    in production), so one setting names the database the same way everywhere in the project.
    A store that cannot be reached raises; the channel answers that turn with an apology
    (bot.channels.kept_turns.deliver).
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
            event.listen(self.engine, "connect", _sqlite_write_ahead)
        elif self.engine.dialect.name == "postgresql":
            self._bound_waits()

    def _bound_waits(self) -> None:
        """PostgreSQL: pooled connections checked before use (after a server restart the first
        turn already works), and every wait bounded, as for the bank (bot.bank.db): a server
        that is down or stuck costs a turn seconds (answered with an apology), not minutes."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = create_engine(
            url, **create_engine_kwargs(url), pool_pre_ping=True, pool_timeout=5,
            connect_args={"connect_timeout": 3,
                          "options": "-c lock_timeout=2000 -c statement_timeout=5000"})
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


def _sqlite_write_ahead(connection: Any, _record: Any) -> None:
    """Write-ahead log, synced at checkpoints: a turn's commit no longer waits for the disk
    twice (journal and database), and a crash of the process loses nothing committed; only a
    power cut can lose the last transactions, never corrupt the file (SQLite's WAL guarantee).
    PostgreSQL deployments are unaffected."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
