"""Hand-offs to a person: agents (lost card, complaint, other questions) and POS support.

Each hand-off is recorded with the context an agent needs (language, who the caller proved to
be, where they were in the menus; never a secret), and announced to the channel with a custom
payload `{"handoff": {...}}`: the voice gateway transfers the call, the web chat says so.

Complaints and hand-offs are recorded once per request (`request_key`): when an answer was lost
and the customer asks again (bot.channels.kept_turns takes the turn back), the record made the
first time is found and read back, never made twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import backend
from actions.conversation import AnswerAction, is_voice, language, latest_intent
from actions.presentation import reference as said_reference
from bot.payloads import HandoffPayload, HandoffQueue
from bot.security.redaction import mask_digits

TRANSCRIPT_LINES = 40  # the latest lines of the conversation the agent desk shows

# intent -> (queue, what the caller hears first)
HANDOFFS = {
    "lost_card": (HandoffQueue.AGENT, "utter_lost_card"),
    "talk_to_agent": (HandoffQueue.AGENT, "utter_connecting_agent"),
    "other_information": (HandoffQueue.AGENT, "utter_connecting_agent"),
    "pos_support": (HandoffQueue.POS_SUPPORT, "utter_connecting_pos_support"),
    "complaint": (HandoffQueue.AGENT, None),
}


def _customer_id(tracker: Tracker) -> int | None:
    value = tracker.get_slot("verified_customer")
    return int(value) if value else None


def request_key(tracker: Tracker, record: str, done_slot: str) -> str:
    """The key of the `record` this turn asks for: the conversation's session and how many such
    records it has already been told about (`done_slot` set). A retry of a turn that was taken
    back has the same key; the next request in the conversation has a new one."""
    session = next((event.get("timestamp") for event in reversed(tracker.events)
                    if event.get("event") == "session_started"), None)
    done = sum(1 for event in tracker.applied_events()
               if event.get("event") == "slot" and event.get("name") == done_slot
               and event.get("value") is not None)
    name = f"{tracker.sender_id}|{session}|{record}|{done + 1}"
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def _context(tracker: Tracker, reason: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "reason": reason,
        "language": language(tracker),
        "menu": tracker.get_slot("menu"),
        "verified_method": tracker.get_slot("verified_method"),
        "card_last_four": tracker.get_slot("verified_card"),
        "recent_intents": [event["parse_data"]["intent"].get("name")
                           for event in tracker.events if event.get("event") == "user"][-8:],
        "transcript": _transcript(tracker),
        **extra,
    }


def _transcript(tracker: Tracker) -> list[dict[str, Any]]:
    """The conversation so far for the agent desk, masked as the tracker store masks it."""
    lines = []
    for event in tracker.events:
        text = event.get("text")
        if event.get("event") not in ("user", "bot") or not isinstance(text, str) or not text:
            continue
        if event["event"] == "user" and text.startswith("/"):
            continue  # a button's payload or the page's greeting, not something the user said
        lines.append({"who": "customer" if event["event"] == "user" else "assistant",
                      "text": mask_digits(text[:1000]), "at": event.get("timestamp")})
    return lines[-TRANSCRIPT_LINES:]


async def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, queue: HandoffQueue,
                   reason: str, extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Record the hand-off and tell the channel to transfer the caller; on the phone, a
    hand-off to an agent is preceded by the tariff notice (never in the web chat)."""
    handoff_id = await asyncio.to_thread(
        backend().repository.record_handoff,
        queue=queue,
        reason=reason,
        customer_id=_customer_id(tracker),
        caller_number=tracker.get_slot("caller_number"),
        channel="voice" if is_voice(tracker) else "web",
        context=_context(tracker, reason, extra or {}),
        conversation_id=tracker.sender_id,
        request_key=request_key(tracker, "handoff", "handoff_queue"),
    )
    payload = HandoffPayload(HandoffQueue(queue), handoff_id, reason)
    if is_voice(tracker) and payload.queue is HandoffQueue.AGENT:
        dispatcher.utter_message(response="utter_tariff_notice")
    dispatcher.utter_message(json_message=payload.to_dict())
    return [SlotSet("handoff_queue", payload.queue.value)]


class ActionHandoff(AnswerAction):
    def name(self) -> str:
        return "action_handoff"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> list[dict[str, Any]]:
        return await answer_handoff(latest_intent(tracker), dispatcher, tracker)


async def answer_handoff(intent: str | None, dispatcher: CollectingDispatcher,
                         tracker: Tracker) -> list[dict[str, Any]]:
    """Announce and record the hand-off the caller asked for (`intent`; an agent by default)."""
    intent = intent or "talk_to_agent"
    queue, announcement = HANDOFFS.get(intent, HANDOFFS["talk_to_agent"])
    events: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    if intent == "complaint":
        reference = await asyncio.to_thread(
            backend().repository.record_complaint,
            customer_id=_customer_id(tracker),
            caller_number=tracker.get_slot("caller_number"),
            channel="voice" if is_voice(tracker) else "web",
            summary="complaint reported through the assistant; details taken by the agent",
            request_key=request_key(tracker, "complaint", "complaint_reference"),
        )
        dispatcher.utter_message(
            response="utter_complaint_recorded",
            reference=said_reference(reference, language(tracker), is_voice(tracker)))
        events.append(SlotSet("complaint_reference", reference))
        extra["complaint_reference"] = reference
    else:
        dispatcher.utter_message(response=announcement)
    return events + await hand_off(dispatcher, tracker, queue, intent, extra)
