"""Reading conversations back for review: time windows, masking again, turns and fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.designer.conversations import for_review, low_confidence, parse_since, user_turns
from tests.support import run_bot


def test_since_is_relative_or_an_iso_date() -> None:
    assert parse_since("7d", now=1_000_000.0) == 1_000_000.0 - 7 * 86400
    assert parse_since("24h", now=100_000.0) == 100_000.0 - 86400
    assert parse_since("2026-11-01") == parse_since("2026-11-01T00:00:00+00:00")
    with pytest.raises(ValueError, match="expected 7d"):
        parse_since("last week")


def test_events_are_masked_again_and_lose_their_metadata() -> None:
    user = for_review(
        {
            "event": "user",
            "text": "pin 7359",
            "metadata": {"caller": "+35569123"},
            "parse_data": {"text": "pin 7359", "intent": {"name": "inform_digits"}},
        }
    )
    assert "7359" not in str(user) and "metadata" not in user
    digest = for_review(
        {"event": "slot", "name": "card_number", "value": "dg:" + "1" * 64 + ":2635"}
    )
    assert "2635" not in str(digest)
    done = for_review({"event": "slot", "name": "card_pin", "value": "done"})
    assert done["value"] == "done"
    last_four = for_review({"event": "slot", "name": "verified_card", "value": "2635"})
    assert last_four["value"] == "••••"
    assert for_review({"event": "slot", "name": "menu", "value": "card"})["value"] == "card"


def user(text: str, intent: str, confidence: float, **parse: object) -> dict:
    return {
        "event": "user",
        "text": text,
        "timestamp": 1.0,
        "parse_data": {"intent": {"name": intent, "confidence": confidence}, **parse},
    }


def action(name: str) -> dict:
    return {"event": "action", "name": name}


SECURITY_TIPS = {
    "faq": {"response": {"confidence": 0.22, "intent_response_key": "faq/security_tips"}}
}


def test_turns_carry_language_best_guess_and_the_answering_action() -> None:
    events = [
        user("hello", "greet", 0.9),
        action("action_navigate"),
        action("action_listen"),
        user("2", "press_key", 1.0),
        action("action_menu_key"),
        {"event": "slot", "name": "language", "value": "en"},
        action("action_listen"),
        user(
            "umm",
            "nlu_fallback",
            0.4,
            intent_ranking=[{"name": "nlu_fallback"}, {"name": "repeat"}],
        ),
        action("action_fallback"),
        action("action_listen"),
        user("/card_info", "card_info", 1.0),
        action("action_navigate"),
        user("something odd", "complaint", 0.95),
        action("action_fallback"),
        user("the thingy with ebanking", "faq", 1.0, response_selector=SECURITY_TIPS),
        action("utter_faq"),
    ]
    turns = user_turns("s1", events)
    assert [turn.language for turn in turns] == ["en"] * 6  # before the choice: the one chosen
    assert [turn.next_action for turn in turns] == [
        "action_navigate",
        "action_menu_key",
        "action_fallback",
        "action_navigate",
        "action_fallback",
        "utter_faq",
    ]
    assert turns[2].best_guess == "repeat"
    assert turns[5].best_guess == "faq/security_tips" and turns[5].confidence == 0.22
    assert [turn.text for turn in low_confidence(turns, 0.6)] == [
        "umm",
        "something odd",
        "the thingy with ebanking",
    ]


def test_an_absent_tracker_store_is_reported_plainly(tmp_path: Path) -> None:
    result = run_bot("low-confidence", "--tracker-db", f"sqlite:///{tmp_path / 'none.db'}")
    assert result.returncode == 1
    assert "no tracker store at" in result.stderr and "Traceback" not in result.stderr
