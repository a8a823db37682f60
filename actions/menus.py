"""Saying or showing a menu from the menu tree, in the conversation's language and mode."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import is_voice, language
from actions.requests import service_of
from bot.i18n import Lang
from bot.menus import Menu, menu_for
from bot.payloads import MenuPayload

NEXT_STEP = {"sq": "Çfarë dëshironi të bëni më tej?", "en": "What would you like to do next?"}


def offered_menu(menu_name: str, tracker: Tracker,
                 allowed: Collection[str] | None = None) -> Menu:
    """The menu as this caller is offered it: without the services the access rules do not
    allow them (R2: no linked-account balance for a customer with no card).

    `allowed` is the decision's services (default: the `allowed_services` slot); before
    verification (nothing allowed yet) every item is offered, since none is served unverified.
    """
    menu = menu_for(menu_name)
    allowed = set(allowed if allowed is not None else tracker.get_slot("allowed_services") or ())
    if not allowed:
        return menu
    return menu.without({item.intent for item in menu.items
                         if (service := service_of(item.intent)) is not None
                         and service not in allowed})


def present(menu_name: str, dispatcher: CollectingDispatcher, tracker: Tracker,
            lang: Lang | None = None,
            allowed: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Say (voice) or show with buttons (text) the menu, and remember that the caller is in it."""
    menu = offered_menu(menu_name, tracker, allowed)
    lang = lang or language(tracker)
    text = menu.spoken(lang) if is_voice(tracker) else (menu.prompt.get(lang) or NEXT_STEP[lang])
    dispatcher.utter_message(text=text, buttons=menu.buttons(lang),
                             json_message=menu_payload(menu, lang).to_dict())
    return [SlotSet("menu", menu_name)]


def menu_payload(menu: Menu, lang: Lang) -> MenuPayload:
    """What a voice or web client needs to drive the menu: its keys and their payloads."""
    return MenuPayload(menu.name, lang, {item.key: item.payload for item in menu.items},
                       menu.default_key, menu.spoken(lang))


def current_menu(tracker: Tracker) -> str:
    return tracker.get_slot("menu") or "language"
