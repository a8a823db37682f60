"""Written for the chat, spoken for the phone: responses with figures have both forms.

The voice form is what the synthesizer reads: figures in words, the Call Center number digit by
digit (espeak-ng reads "(0)4 22 66 288" as "twenty-two, sixty-six, two hundred and eighty-eight"
and "21:00" as "twenty-one zero zero"); the chat gets the figures as written. Which variation
each (language, channel) gets is Rasa's choice, simulated by `chosen_variations`.
"""

from __future__ import annotations

import re

import pytest

from actions.presentation import figure, masked_email, reference
from bot.i18n import LANGUAGES
from tests.support import all_responses, response_text

# what the synthesizer misreads: digits (times, counts, phone numbers), the signs of addresses
UNSPEAKABLE = re.compile(r"[0-9@•()]")
PHONE = "(0)4 22 66 288"
SPOKEN_PHONE = {"sq": "zero katër, dy dy, gjashtë gjashtë, dy tetë tetë",
                "en": "zero four, two two, six six, two eight eight"}


RESPONSES = all_responses()


def said(name: str, lang: str, mode: str) -> str:
    return response_text(name, lang, mode)


def _without_slots(text: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "", text)  # filled per turn, in the form the channel needs


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_phone_hears_no_figure_written_for_the_eye(lang: str) -> None:
    unspeakable = {name: said(name, lang, "voice") for name in RESPONSES
                   if UNSPEAKABLE.search(_without_slots(said(name, lang, "voice")))}
    assert unspeakable == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_chat_reads_the_call_center_number_as_written(lang: str) -> None:
    with_phone = [name for name in RESPONSES if PHONE in said(name, lang, "text")]
    assert len(with_phone) == 6
    for name in with_phone:
        assert SPOKEN_PHONE[lang] not in said(name, lang, "text")
        assert SPOKEN_PHONE[lang] in said(name, lang, "voice")


def test_figures_a_response_fills_in_are_said_in_words() -> None:
    assert figure(2, "sq", True) == "dy" and figure(2, "en", False) == "2"
    assert reference("ANK-000123", "en", True) == "A N K, zero zero zero one two three"
    assert reference("ANK-000123", "sq", False) == "ANK-000123"
    assert masked_email("arben.hoxha@example.al", "en", True) == "a, at example dot al"
    assert masked_email("arben.hoxha@example.al", "sq", True) == "a, et example pikë al"
    assert masked_email("arben.hoxha@example.al", "en", False) == "a•••@example.al"
