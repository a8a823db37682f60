"""A call's conversation cannot be continued or replayed over the REST channel (issue 11, 3a)."""

from __future__ import annotations

import sqlite3

from bot.bank.access import CardKind
from bot.bank.demo import demo_customer
from bot.bank.hashing import card_digest
from bot.ops.stack import Stack
from bot.security.trust import signed_message_metadata
from tests.e2e.conftest import CARD_KEY_HEX, TRUST_KEY
from tests.support import Conversation


def _registered_call_at_accounts_method(call_from) -> Conversation:
    arben = demo_customer("registered_credit")
    call = call_from(arben.phone)
    for key in ("/greet", "2", "1", "2"):
        call.say(key)
    assert call.custom("menu") == "accounts_method"  # offered customer-number verification
    return call


def test_unsigned_rest_message_to_a_call_is_refused(call_from, stack: Stack) -> None:
    call = _registered_call_at_accounts_method(call_from)
    intruder = Conversation(stack.config.rasa_url, sender=call.sender)
    intruder.say("2")
    assert intruder.status == 403
    assert "This conversation continues only on the phone line" in intruder.text()
    call.say("2")  # the caller's own next message still goes through
    assert call.status == 200 and call.custom("collect")["slot"] == "customer_number"


def test_replayed_or_rebound_signature_is_refused(call_from, stack: Stack) -> None:
    call = _registered_call_at_accounts_method(call_from)
    earlier = call.last_metadata
    call.say("2")
    assert call.custom("collect")["slot"] == "customer_number"
    replay = Conversation(stack.config.rasa_url, sender=call.sender)
    replay.say("2", metadata=earlier)  # same text, an old sequence number
    assert replay.status == 403
    replay.say(demo_customer("registered_credit").customer_number, metadata=earlier)
    assert replay.status == 403  # signature bound to another text
    stale = signed_message_metadata(TRUST_KEY, call.sender, call.caller_id, "2", now=0)
    replay.say("2", metadata=stale)
    assert replay.status == 403


def test_signed_call_to_a_new_sender_id_is_a_fresh_conversation(stack: Stack) -> None:
    """A fresh sender id with a copied signature: the caller-ID binding fails, refused."""
    call = Conversation(stack.config.rasa_url, trust_key=TRUST_KEY,
                        caller_id=demo_customer("registered_credit").phone)
    copied = call.metadata("/greet")
    other = Conversation(stack.config.rasa_url)
    other.say("/greet", metadata=copied)
    assert other.status == 403


def test_signatures_are_never_stored(call_from, stack: Stack) -> None:
    call = _registered_call_at_accounts_method(call_from)
    signatures = {call.last_metadata["caller_id_sig"], call.last_metadata["message_sig"]}
    with sqlite3.connect(stack.config.var_dir / "tracker.db") as db:
        stored = "\n".join(row[0] for row in db.execute(
            "SELECT data FROM events WHERE sender_id = ?", (call.sender,)))
    assert stored and '"sequence"' in stored
    assert not any(signature in stored for signature in signatures)
    assert "caller_id_sig" not in stored and "message_sig" not in stored


def test_oversize_message_gets_a_clear_answer_not_nlu(stack: Stack) -> None:
    user = Conversation(stack.config.rasa_url)
    user.say("a" * 40_000, metadata={"language": "en"})
    assert user.status == 413
    assert "Your message is too long" in user.text()
    for junk in ([1, 2], "x", 7):
        other = Conversation(stack.config.rasa_url)
        other.say("/greet", metadata=junk)
        assert other.status == 200 and other.custom("menu") == "language"


def test_oversize_voice_transcript_is_answered_in_the_calls_language_and_the_call_goes_on(
        call_from) -> None:
    call = call_from(demo_customer("registered_credit").phone)
    for key in ("/greet", "1"):  # an Albanian call
        call.say(key)
    call.say("po " * 600)  # a 1,800-character transcript, signed by the gateway
    assert call.status == 200  # the gateway plays the answer; the call is not dropped
    assert call.text() == "Më thatë shumë gjëra njëherësh. Ju lutemi, thuajeni më shkurt."
    call.say("1")
    assert call.status == 200 and call.custom("menu") == "individual"


def test_oversize_text_is_answered_in_the_conversations_stored_language(stack: Stack) -> None:
    user = Conversation(stack.config.rasa_url)
    for key in ("/greet", "2"):  # English
        user.say(key)
    user.say("a" * 1001)  # no language in the metadata: the conversation's own is used
    assert user.status == 413
    assert user.text() == "Your message is too long. Please write it more briefly."


def test_only_the_metadata_the_assistant_reads_is_kept(stack: Stack) -> None:
    user = Conversation(stack.config.rasa_url)
    junk = {"language": "en", "padding": "x" * 20_000, "nested": {"a": [1, 2, 3]},
            "caller_name": "Arben"}
    user.say("/greet", metadata=junk)
    assert user.status == 200 and user.custom("menu") == "language"
    with sqlite3.connect(stack.config.var_dir / "tracker.db") as db:
        stored = "\n".join(row[0] for row in db.execute(
            "SELECT data FROM events WHERE sender_id = ?", (user.sender,)))
    assert '"language": "en"' in stored
    assert "padding" not in stored and "nested" not in stored and "caller_name" not in stored


def test_typed_internal_markers_verify_nothing(stack: Stack) -> None:
    """What the assistant keeps between turns (a card as `dg:<digest>:<last four>`, the word
    `verified`) typed by a web user at the prompts: none of it verifies; the prompt comes back."""
    card = demo_customer("unregistered_credit").card(CardKind.CREDIT)
    token = f"dg:{card_digest(card.number, bytes.fromhex(CARD_KEY_HEX))}:{card.last_four}"
    user = Conversation(stack.config.rasa_url)
    for key in ("/greet", "2", "1", "1"):  # English, individual, card information
        user.say(key)
    if user.custom("collect") is None:
        user.say("1")  # card + PIN
    assert user.custom("collect")["slot"] == "card_number", user.replies
    user.say(token)
    assert "A card number has 16 digits" in user.text()
    user.say(card.number)
    assert user.custom("collect")["slot"] == "card_pin"
    for typed in ("verified", "failed"):
        user.say(typed)  # a wrong PIN format, or a word NLU takes for a question: never a PIN
        assert "you are verified" not in user.text()
        assert user.custom("collect")["slot"] in ("card_pin", "card_number"), user.replies
        assert user.custom("menu") is None
