"""What the Rasa server says when a turn fails (bot/channels/kept_turns.py), without a server:
the apology in the customer's language, the question again, the turn taken back."""

from __future__ import annotations

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    FollowupAction,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.apology import APOLOGY, apology
from bot.channels.kept_turns import deliver, last_question, turn_taken_back
from bot.i18n.lang import LANGUAGES

MENU = {"menu": "individual", "lang": "en", "keys": {"3": "/complaint"}, "default_key": None,
        "speech": "Press 3 to report a complaint."}
PIN = {"collect": {"slot": "card_pin", "digits": 4, "secret": True}}


def conversation(*events) -> DialogueStateTracker:
    domain = Domain.from_dict({"slots": {"language": {
        "type": "text", "initial_value": "sq", "mappings": [{"type": "custom"}]}}})
    return DialogueStateTracker.from_events("c1", list(events), slots=domain.slots)


def test_apology_exists_in_every_language_and_in_all_when_unknown() -> None:
    assert set(APOLOGY) == set(LANGUAGES)
    assert apology("en") == APOLOGY["en"]
    assert all(text in apology(None) for text in APOLOGY.values())
    assert apology("de").startswith(APOLOGY["sq"])  # Albanian first: the line's default


def test_the_turn_is_taken_back_and_the_question_asked_again_in_the_language() -> None:
    tracker = conversation(
        SlotSet("language", "en"),
        ActionExecuted("action_listen"),
        UserUttered("1"),
        BotUttered("Individual customers: press 3 ...", {"custom": MENU}),
        ActionExecuted("action_listen"),
        UserUttered("3"),
        SlotSet("key_intent", "complaint"),
    )
    events = turn_taken_back(tracker)
    assert isinstance(events[0], UserUtteranceReverted)
    assert events[1] == BotUttered(APOLOGY["en"])
    assert events[2].text == "Individual customers: press 3 ..."
    assert events[2].data["custom"] == MENU
    assert events[-1] == FollowupAction("action_listen")
    for event in events:
        tracker.update(event)
    assert tracker.get_slot("key_intent") is None  # nothing of the failed turn remains
    assert tracker.latest_message.text == "1"


def test_the_question_is_the_last_prompt_before_the_message_not_after() -> None:
    tracker = conversation(
        BotUttered("Main menu", {"custom": MENU}),
        UserUttered("1"),
        BotUttered("Now enter the card's 4-digit PIN.", {"custom": PIN}),
        BotUttered("(no payload)"),
        UserUttered("1234"),
        BotUttered("half an answer", {"custom": MENU}),
    )
    assert last_question(list(tracker.applied_events())).data["custom"] == PIN


def test_without_a_question_yet_the_apology_alone_in_albanian() -> None:
    events = turn_taken_back(conversation(UserUttered("/greet")))
    assert [e for e in events if isinstance(e, BotUttered)] == [BotUttered(APOLOGY["sq"])]


def test_a_store_that_fails_gets_the_apology_and_no_half_answer() -> None:
    async def failing(message: UserMessage) -> None:
        await message.output_channel.send_text_message(message.sender_id, "your balance is")
        raise ConnectionError("tracker store down")

    output = CollectingOutputChannel()
    asyncio.run(deliver(failing, UserMessage("1", output, "c1"), "en"))
    assert [m["text"] for m in output.messages] == [APOLOGY["en"]]
