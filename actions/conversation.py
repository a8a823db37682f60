"""Reading the conversation: its language, its output mode and the caller's line."""

from __future__ import annotations

import asyncio

from rasa_sdk import Tracker

from bot.bank.access import CallerLine, Channel
from bot.bank.verification import Verifier
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES, Lang

KEY_DISPATCHERS = frozenset({"action_menu_key", "action_navigate"})


def language(tracker: Tracker) -> Lang:
    value = tracker.get_slot("language")
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


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
