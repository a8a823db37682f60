"""Fixed answers (FAQ, goodbye), in the caller's language.

The rules route these intents here rather than straight to their responses, so that a caller who
has not chosen a language yet is answered in the language they wrote or spoke in (see
`language_to_answer_in`); Rasa then utters the response, worded for the conversation's language
and output mode (written for the chat, spoken for the phone).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import language_to_answer_in, latest_intent

RESPONSES = {"faq": "utter_faq", "goodbye": "utter_goodbye"}


class ActionReply(Action):
    def name(self) -> str:
        return "action_reply"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        lang = language_to_answer_in(tracker)
        events: list[dict[str, Any]] = [] if lang is None else [SlotSet("language", lang)]
        return [*events, FollowupAction(RESPONSES.get(latest_intent(tracker) or "", "utter_faq"))]
