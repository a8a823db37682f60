"""Moving through the menu tree: welcome, language, keys, back, repeat, main menu."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import AnswerAction, latest_entity, latest_intent
from actions.intent_routing import action_for_intent
from actions.menus import current_menu, offered_menu, present
from bot.i18n import LANGUAGES
from bot.menus import KEYS, MenuItem, menu_for

TARGET_MENU = {
    "individual_customer": "individual",
    "business_customer": "business",
    "main_menu": "main",
}


class ActionNavigate(AnswerAction):
    """Show the menu the caller asked for: a named menu, the previous one, or the same again."""

    def name(self) -> str:
        return "action_navigate"

    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> list[dict[str, Any]]:
        intent = latest_intent(tracker)
        here = current_menu(tracker)
        if intent in TARGET_MENU:
            return present(TARGET_MENU[intent], dispatcher, tracker)
        if intent == "go_back":
            return present(menu_for(here).parent or here, dispatcher, tracker)
        if intent == "repeat":
            again = menu_for(here).item("1") if menu_for(here).readout else None
            if again is not None and again.intent != "go_back":
                return as_if_said(again)  # "repeat" after a read-out reads it again
            return present(here, dispatcher, tracker)
        if intent == "inform_digits":
            dispatcher.utter_message(response="utter_invalid_key")
        return present(here, dispatcher, tracker)


class ActionSetLanguage(Action):
    """Switch the conversation's language, then show the menu the caller is in, in it.

    From the language menu (the start) that is the main menu; from anywhere else (the web chat's
    header switch) the caller keeps their place.
    """

    def name(self) -> str:
        return "action_set_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        lang = latest_entity(tracker, "language") or tracker.get_slot("language")
        if lang not in LANGUAGES:
            lang = "sq"
        here = current_menu(tracker)
        target = "main" if here == "language" else here
        return [SlotSet("language", lang), SlotSet("language_chosen", True),
                *present(target, dispatcher, tracker, lang)]


class ActionMenuKey(Action):
    """A key pressed or typed: it means what the current menu says that key means."""

    def name(self) -> str:
        return "action_menu_key"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        menu = offered_menu(current_menu(tracker), tracker)
        key = pressed_key(tracker)
        item = menu.item(key) if key else None
        if item is None:
            dispatcher.utter_message(response="utter_invalid_key")
            return present(menu.name, dispatcher, tracker)
        return as_if_said(item)


def pressed_key(tracker: Tracker) -> str | None:
    key = latest_entity(tracker, "digit")
    if key in KEYS:
        return key
    text = (tracker.latest_message.get("text") or "").strip()
    return text if text in KEYS else None


def as_if_said(item: MenuItem) -> list[dict[str, Any]]:
    """Answer the key as if the caller had said the item's intent.

    The intent is kept in the `key_intent` slot (read through `latest_intent`) and its entities
    in their slots; the action the rules give that intent runs next.
    """
    slots = [SlotSet(name, value) for name, value in item.entities.items()]
    return [SlotSet("key_intent", item.intent), *slots,
            FollowupAction(action_for_intent()[item.intent])]
