"""Session start: who is calling, and through which channel.

Caller ID is believed only when the voice gateway signed it (bot.security.trust); everyone else
(the web chat, the REST channel, a terminal) is a text user with no caller ID, and the
unregistered-caller rules apply to them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend import backend
from bot.bank.validators import normalize_phone
from bot.security.trust import trusted_caller


class ActionSessionStart(Action):
    def name(self) -> str:
        return "action_session_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        metadata = tracker.get_slot("session_started_metadata")
        metadata = metadata if isinstance(metadata, dict) else {}  # a client may send anything
        caller = trusted_caller(backend().trust_key, tracker.sender_id, metadata)
        events: list[dict[str, Any]] = [SessionStarted()]
        if caller is not None:
            events += [SlotSet("output_mode", "voice"),
                       SlotSet("caller_number", normalize_phone(caller))]
        if metadata.get("language") in ("sq", "en"):
            events.append(SlotSet("language", metadata["language"]))
        return [*events, ActionExecuted("action_listen")]
