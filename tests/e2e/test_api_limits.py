"""The token-only HTTP API holds texts to the channels' 1,000 characters (channels/api_guard.py).

Before, a token holder's 38 KB text to /model/parse cost the Rasa server 5.5 GB (issue 11, 4).
"""

from __future__ import annotations

import uuid
from typing import Any

from bot.ops.stack import Stack
from tests.support import post_json


def api(stack: Stack, method: str, path: str, body: Any) -> tuple[int, Any]:
    return post_json(f"{stack.config.rasa_url}{path}?token={stack.config.api_token}", body,
                     method)


def user_event(text: str, parse_text: str | None = None) -> dict[str, Any]:
    return {"event": "user", "text": text,
            "parse_data": {"text": parse_text or text, "intent": {"name": "greet"},
                           "entities": []}}


def test_api_texts_over_the_limit_never_reach_nlu_or_a_record(stack: Stack) -> None:
    sender = f"api-{uuid.uuid4().hex}"
    long = "a " * 500 + "b"  # 1,001 characters
    refused = [
        ("POST", "/model/parse", {"text": long}),
        ("POST", "/model/parse", {"text": [long]}),  # Rasa's emulators take a list
        ("POST", f"/conversations/{sender}/messages", {"text": long, "sender": "user"}),
        ("POST", f"/conversations/{sender}/messages",
         {"text": "hi", "sender": "user", "parse_data": {"text": long, "intent": {}}}),
        ("POST", f"/conversations/{sender}/tracker/events", user_event(long)),
        ("POST", f"/conversations/{sender}/tracker/events",
         [user_event("hi"), user_event("ok", parse_text=long)]),
        ("PUT", f"/conversations/{sender}/tracker/events", [user_event(long)]),
        ("POST", "/model/predict", {"events": [user_event(long)]}),
    ]
    for method, path, body in refused:
        status, answer = api(stack, method, path, body)
        assert (status, answer["reason"]) == (413, "TextTooLong"), (method, path)
        assert "at most 1000 characters" in answer["message"]

    status, tracker = api(stack, "GET", f"/conversations/{sender}/tracker", None)
    assert status == 200 and not [e for e in tracker["events"] if e["event"] == "user"]

    # Within the limit the API works as before; what the assistant said is not a message.
    status, parsed = api(stack, "POST", "/model/parse", {"text": "a" * 1000})
    assert status == 200 and parsed["text"] == "a" * 1000
    status, tracker = api(stack, "POST", f"/conversations/{sender}/tracker/events",
                          [user_event("hello"), {"event": "bot", "text": "x" * 2000}])
    assert status == 200
    assert [e["text"] for e in tracker["events"] if e["event"] in ("user", "bot")] == [
        "hello", "x" * 2000]


def test_training_and_evaluation_are_not_served_by_the_assistant(stack: Stack) -> None:
    for path in ("/model/train", "/model/test/intents", "/model/test/stories"):
        status, answer = api(stack, "POST", path, {"nlu": "- intent: greet"})
        assert (status, answer["reason"]) == (403, "NotOnThisServer"), path
