"""`bot export-conversations` and `bot low-confidence` on a real tracker store database.

The database is written by Rasa's own SQLTrackerStore (one conversation stored without masking,
as an older or misconfigured store would) and by our RedactingSQLTrackerStore, from Rasa event
objects; the commands run as an operator runs them, and Rasa's readers load what they write.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.training_data.loading import load_data
from sqlalchemy.engine import make_url

from bot.channels.tracker_store import RedactingSQLTrackerStore
from bot.config import PROJECT_ROOT
from tests.conftest import postgres_database
from tests.support import run_bot

CARD = "5412 7530 1184 2635"
PIN = "7359"
SECRETS = (CARD, CARD.replace(" ", ""), PIN, "2635")
NOW = time.time()
OLD = NOW - 40 * 86400


def said(text: str, intent: str, confidence: float, when: float, **parse: Any) -> UserUttered:
    parse_data = {"intent": {"name": intent, "confidence": confidence}, "text": text, **parse}
    return UserUttered(
        text,
        parse_data["intent"],
        parse.get("entities", []),
        parse_data,
        timestamp=when,
        metadata={"caller_id": "+355691234567"},
    )


def did(action: str, when: float) -> list[Event]:
    return [ActionExecuted(action, timestamp=when), ActionExecuted("action_listen", timestamp=when)]


def start(when: float) -> list[Event]:
    return [
        ActionExecuted("action_session_start", timestamp=when),
        SessionStarted(when),
        ActionExecuted("action_listen", timestamp=when),
    ]


def english_credit_limit(t: float) -> list[Event]:
    """English caller: card number and PIN in the card form, a fallback, an unsure FAQ."""
    language = [{"entity": "language", "value": "en", "start": 0, "end": 7}]
    fallback = [
        {"name": "nlu_fallback", "confidence": 0.4},
        {"name": "faq", "confidence": 0.35},
        {"name": "complaint", "confidence": 0.2},
    ]
    logout = {"faq": {"response": {"intent_response_key": "faq/logout", "confidence": 0.5}}}
    return [
        *start(t),
        said("hello", "greet", 0.97, t + 1),
        *did("action_navigate", t + 1),
        said("english please", "choose_language", 0.95, t + 2, entities=language),
        ActionExecuted("action_set_language", timestamp=t + 2),
        SlotSet("language", "en", timestamp=t + 2),
        ActionExecuted("action_listen", timestamp=t + 2),
        said("whats my credit limit", "credit_limit", 0.91, t + 3),
        ActionExecuted("action_service", timestamp=t + 3),
        SlotSet("verification_needed", "card_pin", timestamp=t + 3),
        ActionExecuted("card_form", timestamp=t + 3),
        ActiveLoop("card_form", timestamp=t + 3),
        SlotSet("requested_slot", "card_number", timestamp=t + 3),
        ActionExecuted("action_listen", timestamp=t + 3),
        said(f"my card is {CARD}", "inform_digits", 1.0, t + 4),
        ActionExecuted("card_form", timestamp=t + 4),
        SlotSet("card_number", CARD.replace(" ", ""), timestamp=t + 4),
        SlotSet("requested_slot", "card_pin", timestamp=t + 4),
        ActionExecuted("action_listen", timestamp=t + 4),
        said(PIN, "inform_digits", 1.0, t + 5),
        ActionExecuted("card_form", timestamp=t + 5),
        SlotSet("card_pin", PIN, timestamp=t + 5),
        SlotSet("verified_card", "2635", timestamp=t + 5),
        ActiveLoop(None, timestamp=t + 5),
        SlotSet("requested_slot", None, timestamp=t + 5),
        *did("action_service", t + 5),
        said(
            "hmm the thing with the e banking pasword",
            "nlu_fallback",
            0.4,
            t + 6,
            intent_ranking=fallback,
        ),
        *did("action_fallback", t + 6),
        said("how do i get out of ebanking", "faq", 0.55, t + 7, response_selector=logout),
        *did("utter_faq", t + 7),
    ]


def albanian_lost_card(t: float) -> list[Event]:
    """Albanian caller: key 1 (the menu action runs the item's action as a follow-up)."""
    key = [{"entity": "digit", "value": "1", "start": 0, "end": 1}]
    return [
        *start(t),
        said("përshëndetje", "greet", 0.99, t + 1),
        *did("action_navigate", t + 1),
        said("1", "press_key", 1.0, t + 1.5, entities=key),
        ActionExecuted("action_menu_key", timestamp=t + 1.5),
        SlotSet("key_intent", "choose_language", timestamp=t + 1.5),
        FollowupAction("action_set_language", timestamp=t + 1.5),
        ActionExecuted("action_set_language", timestamp=t + 1.5),
        SlotSet("language", "sq", timestamp=t + 1.5),
        ActionExecuted("action_listen", timestamp=t + 1.5),
        said("më kanë vjedhur kartën", "lost_card", 0.93, t + 2),
        *did("action_handoff", t + 2),
    ]


def old_conversation(t: float) -> list[Event]:
    return [
        *start(t),
        said("an old forgotten question", "greet", 0.3, t + 1),
        *did("action_fallback", t + 1),
    ]


async def _store(store: SQLTrackerStore, sender: str, events: list[Event]) -> None:
    await store.save(DialogueStateTracker.from_events(sender, events))


def _fill(plain: SQLTrackerStore, url: str) -> None:
    redacting = RedactingSQLTrackerStore(db=url)
    asyncio.run(_store(plain, "web-en-1", english_credit_limit(NOW - 3600)))
    asyncio.run(_store(redacting, "call-355694102031", albanian_lost_card(NOW - 1800)))
    asyncio.run(_store(redacting, "web-old-3", old_conversation(OLD)))
    plain.engine.dispose()
    redacting.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def tracker_db(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The tracker store database, SQLite (the default) or PostgreSQL (production)."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("tracker") / "tracker.db"
        url = f"sqlite:///{path}"
        _fill(SQLTrackerStore(dialect="sqlite", db=str(path)), url)  # plain: secrets as they come
        yield url
        return
    with postgres_database(request.getfixturevalue("postgres_url")) as url:
        parsed = make_url(url)
        _fill(SQLTrackerStore(dialect="postgresql", db=parsed.database,
                              username=parsed.username, query=dict(parsed.query)), url)
        yield url


def bot(*args: str) -> str:
    result = run_bot(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
    assert "+355691234567" not in text and "355694102031" not in text  # caller id, sender id


def test_export_as_test_stories(tracker_db: str, tmp_path: Path) -> None:
    output = bot(
        "export-conversations", "--since", "7d", "--out", str(tmp_path), "--tracker-db", tracker_db
    )
    assert "2 conversation(s)" in output
    stories = tmp_path / "test_conversations.yml"
    text = stories.read_text(encoding="utf-8")
    assert_no_secret(text)
    for expected in (
        '[english]{"entity": "language", "value": "en"} please',
        "whats my credit limit",
        "më kanë vjedhur kartën",
        "intent: credit_limit",
        "intent: lost_card",
        "intent: faq/logout",
        "action: action_fallback",
        "active_loop: card_form",
    ):
        assert expected in text
    assert "old forgotten" not in text
    assert text.count("action: action_set_language") == 1  # the follow-up is folded in
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    assert YAMLStoryReader.is_test_stories_file(stories)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        steps = YAMLStoryReader(domain).read_from_file(stories)
    assert [
        str(warning.message) for warning in caught if issubclass(warning.category, UserWarning)
    ] == []
    assert len({step.block_name for step in steps}) == 2
    user_texts = {
        event.text for step in steps for event in step.events if isinstance(event, UserUttered)
    }
    assert {"hello", "përshëndetje", "how do i get out of ebanking"} <= user_texts


def test_export_as_nlu_per_language(tracker_db: str, tmp_path: Path) -> None:
    bot(
        "export-conversations",
        "--format",
        "nlu",
        "--out",
        str(tmp_path),
        "--tracker-db",
        tracker_db,
    )
    english = load_data(str(tmp_path / "nlu-en.yml"))
    albanian = load_data(str(tmp_path / "nlu-sq.yml"))
    examples = {
        (message.get("text"), message.get_full_intent()) for message in english.intent_examples
    }
    assert ("hello", "greet") in examples  # before the choice: the language chosen later
    assert ("whats my credit limit", "credit_limit") in examples
    assert ("how do i get out of ebanking", "faq/logout") in examples
    assert ("hmm the thing with the e banking pasword", "faq") in examples  # best guess
    assert {message.get("text") for message in albanian.intent_examples} == {
        "përshëndetje",
        "më kanë vjedhur kartën",
    }
    for path in tmp_path.glob("*.yml"):
        assert_no_secret(path.read_text(encoding="utf-8"))


def test_low_confidence_lists_fallbacks_and_unsure_messages(
    tracker_db: str, tmp_path: Path
) -> None:
    out = tmp_path / "low.yml"
    output = bot(
        "low-confidence", "--threshold", "0.6", "--out", str(out), "--tracker-db", tracker_db
    )
    assert_no_secret(output + out.read_text(encoding="utf-8"))
    assert "hmm the thing with the e banking pasword" in output
    assert "nlu_fallback (best guess faq)" in output
    assert "how do i get out of ebanking" in output
    assert "whats my credit limit" not in output and "old forgotten" not in output
    assert "2 message(s) below 0.6" in output
    texts = {message.get("text") for message in load_data(str(out)).intent_examples}
    assert texts == {"hmm the thing with the e banking pasword", "how do i get out of ebanking"}
