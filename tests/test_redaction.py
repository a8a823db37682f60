"""What is stored of a conversation never holds a PIN or a card number."""

from __future__ import annotations

from bot.security.redaction import mask_digits, redact_event


def test_digit_runs_of_four_or_more_are_masked() -> None:
    assert mask_digits("my card is 5412 7530 1184 2635") == "my card is •••• •••• •••• ••••"
    assert mask_digits("pin 7359") == "pin ••••"
    assert mask_digits("1") == "1"
    assert mask_digits("press 9 or 0") == "press 9 or 0"


def test_user_event_text_and_parse_data_are_masked() -> None:
    event = {"event": "user", "text": "5412753011842635",
             "parse_data": {"text": "5412753011842635", "intent": {"name": "inform_digits"},
                            "entities": [{"entity": "x", "value": "7359"}]}}
    stored = str(redact_event(event))
    assert "5412753011842635" not in stored and "7359" not in stored
    assert "inform_digits" in stored


def test_secret_slots_keep_no_digit_run() -> None:
    stored = redact_event({"event": "slot", "name": "card_number", "value": "5412753011842635"})
    assert stored["value"] == "•" * 16
    assert redact_event({"event": "slot", "name": "card_pin", "value": "7359"})["value"] == "••••"
    assert redact_event({"event": "slot", "name": "card_pin", "value": "done"})["value"] == "done"
    assert redact_event({"event": "slot", "name": "menu", "value": "card"})["value"] == "card"


def test_metadata_is_stored_masked_and_without_signatures() -> None:
    from bot.security.trust import signed_message_metadata

    metadata = {**signed_message_metadata(b"k" * 32, "s", "+355694102031", "7359"),
                "note": "card 5412 7530 1184 2635"}
    for event in ({"event": "user", "text": "x", "metadata": metadata,
                   "parse_data": {"metadata": metadata}},
                  {"event": "slot", "name": "session_started_metadata", "value": metadata},
                  {"event": "session_started", "metadata": metadata}):
        stored = str(redact_event(event))
        assert metadata["caller_id_sig"] not in stored and metadata["message_sig"] not in stored
        assert "5412" not in stored and "694102031" not in stored
    assert redact_event({"event": "user", "text": "x", "metadata": [1, "12345"]})["metadata"] == [
        1, "•••••"]
