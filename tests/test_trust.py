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


def test_message_signature_is_bound_to_text_time_and_sequence() -> None:
    from bot.security.trust import MessageGuard, Verdict, signed_message_metadata

    guard = MessageGuard(KEY)
    first = signed_message_metadata(KEY, "c", "+3556941", "1", sequence=5, now=1000)
    assert guard.check("c", "1", first, 1001) is Verdict.VALID
    assert guard.check("c", "1", first, 1002) is Verdict.REPLAYED
    assert guard.check("c", "2", first, 1002) is Verdict.FORGED
    assert guard.check("d", "1", first, 1002) is Verdict.FORGED
    later = signed_message_metadata(KEY, "c", "+3556941", "2", sequence=6, now=1000)
    assert guard.check("c", "2", later, 1100) is Verdict.STALE
    assert guard.check("c", "2", later, 1010) is Verdict.VALID
    assert guard.check("c", "hi", {}, 1010) is Verdict.UNSIGNED
    for junk in ([1], "x", None, 7):
        assert guard.check("c", "hi", junk, 1010) is Verdict.UNSIGNED
    assert guard.check("c", "hi", {"caller_id": "+3556941"}, 1010) is Verdict.FORGED
    assert guard.check("c", "hi", {**later, "sequence": "7"}, 1010) is Verdict.FORGED
