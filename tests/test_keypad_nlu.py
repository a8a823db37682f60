"""Keypad input is classified by rule, whatever the model would guess."""

from __future__ import annotations

import pytest

from bot.nlu.keypad import keypad_intent


@pytest.mark.parametrize(("text", "expected"), [
    ("1", ("press_key", "1")), (" * ", ("press_key", "*")), ("#", ("press_key", "#")),
    ("5412 7530 1184 2635", ("inform_digits", None)), ("7359", ("inform_digits", None)),
    ("401275318#", ("inform_digits", None)), ("4012-7531-8", ("inform_digits", None)),
])
def test_keypad_input(text: str, expected: tuple) -> None:
    assert keypad_intent(text) == expected


@pytest.mark.parametrize("text", ["12", "press 1", "one", "my pin is 1234", "", "1 2"])
def test_other_messages_are_left_to_the_model(text: str) -> None:
    assert keypad_intent(text) is None
