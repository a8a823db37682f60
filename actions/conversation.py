"""Reading the conversation: its language, its output mode and the caller's line."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.bank.access import CallerLine, Channel
from bot.bank.verification import Verifier
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Lang
from bot.nlu.language_id import language_of

KEY_DISPATCHERS = frozenset({"action_menu_key", "action_navigate"})


def language(tracker: Tracker) -> Lang:
    value = tracker.get_slot("language")
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def language_to_answer_in(tracker: Tracker) -> Lang | None:
    """The language to switch to before answering the caller's last message, if any.

    Until the caller chooses a language (a key, a button, "English please", the web chat's
    switch: slot `language_chosen`), each message written or spoken in words is answered in its
    own language, as the NLU found it (bot.nlu.language_id). Keys, digits, button payloads and
    text too short to tell have no language: the conversation keeps its own (Albanian unless
    chosen otherwise), and so does everything after a choice.
    """
    if tracker.get_slot("language_chosen"):
        return None
    message = tracker.latest_message or {}
    if str(message.get("text") or "").startswith("/"):
        return None
    found = language_of(message)
    return found if found is not None and found != language(tracker) else None


class AnswerAction(Action, ABC):
    """An action that answers the caller's message, in the caller's language.

    When the message is in another language than the conversation's and the caller has chosen
    none yet, the language is switched first and the action runs again: the responses an action
    utters are worded by Rasa from the conversation's slots as they were when it started.
    """

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        lang = language_to_answer_in(tracker)
        if lang is not None:
            return [SlotSet("language", lang), FollowupAction(self.name())]
        return await self.answer(dispatcher, tracker, domain)

    @abstractmethod
    async def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> list[dict[str, Any]]:
        """What the action says and does, in the conversation's language."""


def is_voice(tracker: Tracker) -> bool:
    return tracker.get_slot("output_mode") == "voice"


def latest_intent(tracker: Tracker) -> str | None:
    """What the caller last asked for.

    When the action just before was a key dispatch (a menu key, or "repeat" after a read-out),
    this is the intent of the menu item (`key_intent`), not the intent of the words typed.
    """
    if tracker.latest_action_name in KEY_DISPATCHERS and tracker.get_slot("key_intent"):
        return tracker.get_slot("key_intent")
    return (tracker.latest_message or {}).get("intent", {}).get("name")


def chosen_by_key(tracker: Tracker) -> bool:
    """Whether the caller's last message was a key or a button (a choice from a menu), not
    words that the NLU interpreted."""
    text = str((tracker.latest_message or {}).get("text") or "")
    return tracker.latest_action_name in KEY_DISPATCHERS or text.startswith("/")


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    return next(tracker.get_latest_entity_values(entity), None)


async def caller_line(tracker: Tracker, verifier: Verifier) -> CallerLine:
    """The caller's line: a voice call with its (signed) number, or a web user with none.
    (A database query, so in the action server's thread pool, as every bank call.)"""
    channel = Channel.VOICE if is_voice(tracker) else Channel.WEB
    return await asyncio.to_thread(verifier.caller_line, channel,
                                   tracker.get_slot("caller_number"))


def attempts(tracker: Tracker) -> int:
    return int(tracker.get_slot("verification_attempts") or 0)
