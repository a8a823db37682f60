"""What the REST channel keeps of a client's metadata (bot/channels/rest.py)."""

from __future__ import annotations

from bot.channels.rest import rest_metadata
from bot.security.trust import signed_message_metadata


def test_only_language_and_the_gateways_signed_fields_are_kept() -> None:
    signed = signed_message_metadata(bytes(32), "call-1", "+355694102031", "1")
    sent = {**signed, "language": "en", "padding": "x" * 100, "nested": {"a": 1},
            "list": [1, 2]}
    assert rest_metadata(sent) == {**signed, "language": "en"}


def test_long_or_structured_values_and_non_objects_are_dropped() -> None:
    assert rest_metadata({"language": "x" * 257, "caller_id": ["+355694102031"]}) == {}
    for junk in (None, [1, 2], "text", 7):
        assert rest_metadata(junk) == {}
