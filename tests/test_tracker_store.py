"""The redacting tracker store reads conversations back as Rasa's own store does, only cheaper:
the same tracker from the JSON column, and the REST gate's slots from the slot events alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    AllSlotsReset,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.tracker_store import RedactingSQLTrackerStore, event_from_dict
from bot.config import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
SLOTS = ("output_mode", "language")


def call(t: float) -> list[Event]:
    """A phone call's session: signed caller, English, a key."""
    return [
        ActionExecuted("action_session_start", timestamp=t),
        SessionStarted(t),
        SlotSet("output_mode", "voice", timestamp=t),
        SlotSet("caller_number", "+355694102031", timestamp=t),
        ActionExecuted("action_listen", timestamp=t),
        UserUttered("2", {"name": "press_key", "confidence": 1.0}, timestamp=t + 1),
        ActionExecuted("action_menu_key", timestamp=t + 1),
        SlotSet("language", "en", timestamp=t + 1),
        ActionExecuted("action_listen", timestamp=t + 1),
    ]


def later(t: float, *events: Event) -> list[Event]:
    return [UserUttered("hi", {"name": "greet", "confidence": 0.9}, timestamp=t), *events,
            ActionExecuted("action_listen", timestamp=t)]


CONVERSATIONS = {
    "call": call(10.0),
    "restarted": [*call(10.0), *later(20.0, Restarted(timestamp=20.0))],
    "slots reset": [*call(10.0), *later(20.0, AllSlotsReset(timestamp=20.0))],
    "rewound": [*call(10.0), *later(20.0, UserUtteranceReverted(timestamp=20.0))],
    "new session on the web": [*call(10.0), ActionExecuted("action_session_start", timestamp=30.0),
                               SessionStarted(30.0), *later(31.0)],
}


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[RedactingSQLTrackerStore,
                                                               SQLTrackerStore]:
    path: Path = tmp_path_factory.mktemp("tracker") / "tracker.db"
    ours = RedactingSQLTrackerStore(domain=DOMAIN, db=f"sqlite:///{path}")
    for sender, events in CONVERSATIONS.items():
        asyncio.run(ours.save(DialogueStateTracker.from_events(sender, events, DOMAIN.slots)))
    return ours, SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(path))


@pytest.mark.parametrize("sender", [*CONVERSATIONS, "never stored"])
def test_slots_for_the_gate_are_those_of_the_rebuilt_conversation(stores, sender: str) -> None:
    ours, rasas = stores
    rebuilt = asyncio.run(rasas.retrieve(sender))
    if rebuilt is None:  # the domain's initial values
        expected = {"output_mode": "text", "language": "sq"}
    else:
        expected = {name: rebuilt.get_slot(name) for name in SLOTS}
    assert asyncio.run(ours.slot_values(sender, SLOTS)) == expected


def test_the_gate_sees_a_call_as_a_call_until_its_slots_are_cleared(stores) -> None:
    ours, _ = stores
    modes = {sender: asyncio.run(ours.slot_values(sender, SLOTS))["output_mode"]
             for sender in CONVERSATIONS}
    assert modes == {"call": "voice", "restarted": "text", "slots reset": "text",
                     "rewound": "voice", "new session on the web": "text"}


@pytest.mark.parametrize("sender", list(CONVERSATIONS))
def test_conversation_read_back_as_rasas_store_reads_it(stores, sender: str) -> None:
    ours, rasas = stores
    mine, theirs = asyncio.run(ours.retrieve(sender)), asyncio.run(rasas.retrieve(sender))
    assert list(mine.events) == list(theirs.events)
    assert mine.current_slot_values() == theirs.current_slot_values()
    full_mine = asyncio.run(ours.retrieve_full_tracker(sender))
    assert list(full_mine.events) == list(asyncio.run(rasas.retrieve_full_tracker(sender)).events)


def test_events_are_made_as_rasa_makes_them() -> None:
    for events in CONVERSATIONS.values():
        for event in events:
            assert event_from_dict(event.as_dict()) == Event.from_parameters(event.as_dict())
    for read in (event_from_dict, Event.from_parameters):
        with pytest.raises(ValueError, match="Unknown event name"):
            read({"event": "no such event"})


def test_sqlite_connection_stays_open_between_turns(stores) -> None:
    """No reconnect (and so no checkpoint with a disk sync) for every read and write."""
    ours, _ = stores
    for _ in range(3):
        asyncio.run(ours.slot_values("call", SLOTS))
        asyncio.run(ours.retrieve("call"))
    assert ours.engine.pool.checkedin() == 1  # one connection, used again and again
    with ours.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
