"""Moving through the menu tree: welcome, language, keys, back, repeat, main menu."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.conversation import AnswerAction, latest_entity, latest_intent
from actions.handoff import answer_handoff
from actions.intent_routing import action_for_intent
from actions.menus import current_menu, offered_menu, present
from bot.i18n import LANGUAGES
from bot.menus import KEYS, MenuItem, menu_for

Events = list[dict[str, Any]]
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
                     domain: DomainDict) -> Events:
        return await navigate(latest_intent(tracker), dispatcher, tracker)


async def navigate(intent: str | None, dispatcher: CollectingDispatcher,
                   tracker: Tracker) -> Events:
    here = current_menu(tracker)
    if intent in TARGET_MENU:
        return present(TARGET_MENU[intent], dispatcher, tracker)
    if intent == "go_back":
        return present(menu_for(here).parent or here, dispatcher, tracker)
    if intent == "repeat":
        again = menu_for(here).item("1") if menu_for(here).readout else None
        if again is not None and again.intent != "go_back":
            return await as_if_said(again, dispatcher, tracker)  # reads the read-out again
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
                  domain: DomainDict) -> Events:
        lang = latest_entity(tracker, "language") or tracker.get_slot("language")
        return set_language(lang, dispatcher, tracker)


def set_language(lang: str | None, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
    lang = lang if lang in LANGUAGES else "sq"
    here = current_menu(tracker)
    target = "main" if here == "language" else here
    return [SlotSet("language", lang), SlotSet("language_chosen", True),
            *present(target, dispatcher, tracker, lang)]


class ActionMenuKey(Action):
    """A key pressed or typed: it means what the current menu says that key means."""

    def name(self) -> str:
        return "action_menu_key"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> Events:
        menu = offered_menu(current_menu(tracker), tracker)
        key = pressed_key(tracker)
        item = menu.item(key) if key else None
        if item is None:
            dispatcher.utter_message(response="utter_invalid_key")
            return present(menu.name, dispatcher, tracker)
        return await as_if_said(item, dispatcher, tracker)


def pressed_key(tracker: Tracker) -> str | None:
    key = latest_entity(tracker, "digit")
    if key in KEYS:
        return key
    text = (tracker.latest_message.get("text") or "").strip()
    return text if text in KEYS else None


# The actions after which the rules only listen (data/rules.yml), answered in this same call
# when a key stands for their intent: one round trip to the action server instead of two.
async def _key_language(item: MenuItem, dispatcher: CollectingDispatcher,
                        tracker: Tracker) -> Events:
    return set_language(item.entities.get("language"), dispatcher, tracker)


ANSWERED_HERE: dict[str, Callable[[MenuItem, CollectingDispatcher, Tracker],
                                  Awaitable[Events]]] = {
    "action_navigate": lambda item, dispatcher, tracker: navigate(item.intent, dispatcher,
                                                                  tracker),
    "action_set_language": _key_language,
    "action_handoff": lambda item, dispatcher, tracker: answer_handoff(item.intent, dispatcher,
                                                                       tracker),
}


async def as_if_said(item: MenuItem, dispatcher: CollectingDispatcher, tracker: Tracker) -> Events:
    """Answer the key as if the caller had said the item's intent.

    The intent is kept in the `key_intent` slot (read through `latest_intent`) and its entities
    in their slots. The action the rules give that intent answers: here, if it only shows a
    menu or hands off (`ANSWERED_HERE`), else as a follow-up action (the services, whose
    verification forms the rules start after them).
    """
    events = [SlotSet("key_intent", item.intent),
              *(SlotSet(name, value) for name, value in item.entities.items())]
    action = action_for_intent()[item.intent]
    answer = ANSWERED_HERE.get(action)
    if answer is None:
        return [*events, FollowupAction(action)]
    return [*events, *await answer(item, dispatcher, tracker)]
