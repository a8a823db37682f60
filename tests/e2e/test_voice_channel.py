"""The voice gateway's channel (bot/channels/voice.py) on the real Rasa server: each reply whole,
signed messages only, and one memory of signatures shared with the REST channel."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bot.ops.stack import Stack
from bot.security.trust import signed_message_metadata
from tests.e2e.conftest import TRUST_KEY
from tests.support import post_json

pytestmark = pytest.mark.rasa


def post(stack: Stack, channel: str, sender: str, text: str,
         metadata: dict[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    return post_json(f"{stack.config.rasa_url}/webhooks/{channel}/webhook",
                     {"sender": sender, "message": text, "metadata": metadata})


def test_each_reply_comes_whole_text_and_payload_together(stack: Stack) -> None:
    sender = f"voice-{uuid.uuid4().hex}"
    metadata = signed_message_metadata(TRUST_KEY, sender, "+355694102047", "/greet")
    status, replies = post(stack, "voice", sender, "/greet", metadata)
    assert status == 200
    menus = [reply for reply in replies if "menu" in reply.get("custom", {})]
    assert len(menus) == 1
    (menu,) = menus
    assert menu["custom"]["menu"] == "language" and menu["text"]  # the prompt in the same item
    assert menu["custom"]["speech"] == menu["text"]
    # the same turn over REST: the text and the payload are separate items
    rest_sender = f"voice-{uuid.uuid4().hex}"
    metadata = signed_message_metadata(TRUST_KEY, rest_sender, "+355694102047", "/greet")
    status, rest = post(stack, "rest", rest_sender, "/greet", metadata)
    assert status == 200
    assert not any(reply.get("text") and reply.get("custom") for reply in rest)


def test_unsigned_and_forged_messages_are_refused(stack: Stack) -> None:
    sender = f"voice-{uuid.uuid4().hex}"
    status, replies = post(stack, "voice", sender, "/greet", {})
    assert status == 403 and "telefon" in replies[0]["text"]  # in Albanian, the default
    forged = signed_message_metadata(b"x" * 32, sender, "+355694102047", "/greet")
    assert post(stack, "voice", sender, "/greet", forged)[0] == 403
    signed = signed_message_metadata(TRUST_KEY, sender, "+355694102047", "/greet")
    assert post(stack, "voice", sender, "1", signed)[0] == 403  # signed for another text


def test_a_message_taken_on_the_voice_channel_cannot_be_replayed_over_rest(stack: Stack) -> None:
    sender = f"voice-{uuid.uuid4().hex}"
    metadata = signed_message_metadata(TRUST_KEY, sender, "+355694102047", "/greet")
    assert post(stack, "voice", sender, "/greet", metadata)[0] == 200
    assert post(stack, "rest", sender, "/greet", metadata)[0] == 403
    assert post(stack, "voice", sender, "/greet", metadata)[0] == 403
    # and a text user cannot continue the call's conversation on either channel
    assert post(stack, "rest", sender, "1", {})[0] == 403
