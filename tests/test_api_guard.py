"""Which Rasa API requests are refused before their route runs (bot/channels/api_guard.py)."""

from __future__ import annotations

import json

from bot.channels.api_guard import OFFLINE, TEXT_TOO_LONG, refusal

LONG = "a" * 1001


def test_a_long_text_anywhere_in_an_api_body_is_refused() -> None:
    deep = json.loads('{"events": ' + "[" * 900 + json.dumps({"text": LONG}) + "]" * 900 + "}")
    for route, body in [
        ("model/parse", {"text": LONG}),
        ("model/parse", {"text": ["hi", LONG]}),
        ("conversations/<conversation_id:path>/messages", {"text": LONG, "sender": "user"}),
        ("conversations/<conversation_id:path>/tracker/events",
         [{"event": "user", "text": "hi", "parse_data": {"text": LONG}}]),
        ("model/predict", deep),  # as deep as the JSON parser allows: no recursion here
    ]:
        assert refusal(route, body) is TEXT_TOO_LONG, route


def test_texts_within_the_limit_and_the_assistants_own_words_pass() -> None:
    assert refusal("model/parse", {"text": "a" * 1000}) is None
    assert refusal("conversations/<conversation_id:path>/tracker/events",
                   [{"event": "bot", "text": "x" * 5000}]) is None
    assert refusal("model/parse", None) is None  # no JSON body: the route answers it
    assert refusal("conversations/<conversation_id:path>/tracker/events",
                   {"event": "slot", "name": "note", "value": LONG}) is None  # not a text


def test_channels_are_left_to_their_own_limits_and_training_is_refused() -> None:
    assert refusal("webhooks/rest/webhook", {"text": LONG}) is None
    assert refusal("socket.io/", {"text": LONG}) is None
    for route in ("model/train", "model/test/intents", "model/test/stories"):
        assert refusal(route, {}) is OFFLINE
