"""Caller ID is believed only with the voice gateway's signature."""

from __future__ import annotations

from bot.security.trust import signed_caller_metadata, trusted_caller

KEY = b"k" * 32


def test_signed_caller_id_is_trusted_for_its_conversation_only() -> None:
    metadata = signed_caller_metadata(KEY, "call-1", "+355694102031")
    assert trusted_caller(KEY, "call-1", metadata) == "+355694102031"
    assert trusted_caller(KEY, "call-2", metadata) is None


def test_forged_or_unsigned_caller_id_is_ignored() -> None:
    forged = {**signed_caller_metadata(KEY, "s", "+355694102031"), "caller_id": "+355694102047"}
    assert trusted_caller(KEY, "s", forged) is None
    assert trusted_caller(KEY, "s", {"caller_id": "+355694102031"}) is None
    assert trusted_caller(b"x" * 32, "s", signed_caller_metadata(KEY, "s", "+3556")) is None
    assert trusted_caller(KEY, "s", None) is None


def test_withheld_number_is_signed_as_anonymous() -> None:
    assert trusted_caller(KEY, "s", signed_caller_metadata(KEY, "s", None)) == "anonymous"
