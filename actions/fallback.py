"""Not understood: say so and repeat the menu; after repeated misses, offer the keypad."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import AnswerAction, is_voice
from actions.menus import current_menu, present

MISSES_BEFORE_KEYPAD = 2


class ActionFallback(AnswerAction):
    def name(self) -> str:
        return "action_fallback"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> list[dict[str, Any]]:
        misses = int(tracker.get_slot("no_match_count") or 0) + 1
        keypad = is_voice(tracker) and misses >= MISSES_BEFORE_KEYPAD
        dispatcher.utter_message(response="utter_use_keypad" if keypad else "utter_default")
        return [SlotSet("no_match_count", misses),
                *present(current_menu(tracker), dispatcher, tracker)]
