"""Saying or showing a menu from the menu tree, in the conversation's language and mode."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import is_voice, language
from bot.i18n import Lang
from bot.menus import Menu, menu_for

NEXT_STEP = {"sq": "Çfarë dëshironi të bëni më tej?", "en": "What would you like to do next?"}


def present(menu_name: str, dispatcher: CollectingDispatcher, tracker: Tracker,
            lang: Lang | None = None) -> list[dict[str, Any]]:
    """Say (voice) or show with buttons (text) the menu, and remember that the caller is in it."""
    menu = menu_for(menu_name)
    lang = lang or language(tracker)
    text = menu.spoken(lang) if is_voice(tracker) else (menu.prompt.get(lang) or NEXT_STEP[lang])
    dispatcher.utter_message(text=text, buttons=menu.buttons(lang),
                             json_message=_menu_payload(menu, lang))
    return [SlotSet("menu", menu_name)]


def _menu_payload(menu: Menu, lang: Lang) -> dict[str, Any]:
    """What a voice or web client needs to drive the menu: its keys and their payloads."""
    return {
        "menu": menu.name,
        "lang": lang,
        "keys": {item.key: item.payload for item in menu.items},
        "default_key": menu.default_key,
        "speech": menu.spoken(lang),
    }


def current_menu(tracker: Tracker) -> str:
    return tracker.get_slot("menu") or "language"
