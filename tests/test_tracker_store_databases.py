"""The conversation store (RedactingSQLTrackerStore) on SQLite and on PostgreSQL: what is typed
is stored masked, conversations come back as saved, and a PostgreSQL server restarted under a
running store is used again at the next turn without an error."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import text

from bot.channels.tracker_store import RedactingSQLTrackerStore
from bot.config import PROJECT_ROOT
from tests.conftest import postgres_admin, postgres_database

PIN, CARD = "7359", "5412753011842635"
DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.db'}"
        return
    with postgres_database(request.getfixturevalue("postgres_url")) as url:
        yield url


def conversation(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_session_start"), SessionStarted(), SlotSet("language", "en"),
        ActionExecuted("action_listen"), UserUttered(f"my card is {CARD}"),
        ActionExecuted("action_listen"), UserUttered(PIN),
    ])


def test_typed_secrets_are_stored_masked_and_come_back_masked(store_url: str) -> None:
    store = RedactingSQLTrackerStore(DOMAIN, db=store_url)
    asyncio.run(store.save(conversation("c1")))
    with store.engine.connect() as connection:
        stored = " ".join(row[0] for row in connection.execute(text("SELECT data FROM events")))
    assert PIN not in stored and CARD not in stored and CARD[-4:] not in stored
    again = asyncio.run(store.retrieve("c1"))
    assert again.get_slot("language") == "en"
    assert [event.text for event in again.events if isinstance(event, UserUttered)] == [
        "my card is " + "•" * 16, "•" * 4]
    store.engine.dispose()


def test_a_postgresql_restart_costs_no_turn(postgres_url: str) -> None:
    """Every pooled connection dies (as when the server restarts); the next save and read
    work at once: connections are checked before use."""
    with postgres_database(postgres_url) as url:
        store = RedactingSQLTrackerStore(DOMAIN, db=url)
        asyncio.run(store.save(conversation("c2")))
        with postgres_admin(postgres_url) as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                           "WHERE datname = %s AND pid <> pg_backend_pid()",
                           (store.engine.url.database,))
        tracker = asyncio.run(store.retrieve("c2"))
        tracker.update(SlotSet("language", "sq"))
        asyncio.run(store.save(tracker))
        assert asyncio.run(store.retrieve("c2")).get_slot("language") == "sq"
        store.engine.dispose()
