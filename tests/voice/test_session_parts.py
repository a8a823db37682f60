"""The voice session's small parts that need no assistant: reading replies, spoken keys, scripts
and settings, and a call whose assistant is unreachable. The session's dialogue is tested against
the real assistant in tests/e2e/test_voice_session.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from bot.voice.assistant import AssistantClient
from bot.voice.audio import rms_dbfs
from bot.voice.local import build_steps, recorded_call
from bot.voice.phrases import KeyWords, title_words
from bot.voice.prompt_cache import PromptCache
from bot.voice.recorded import RecordingOutput
from bot.voice.script import Keys, Speech, parse_keys
from bot.voice.services import VoiceServices, VoiceSettings
from bot.voice.session import SessionOutcome, VoiceSession
from bot.voice.tts import Synthesizer
from bot.voice.turns import read_turn
from tests.support import free_port

MENU_REPLY = [  # as the voice channel returns it: text and payload in one item
    {"recipient_id": "x", "text": "Menuja kryesore. Shtypni 0 për ...",
     "custom": {"menu": "main", "lang": "sq",
                "keys": {"0": "/lost_card", "1": "/individual_customer"},
                "default_key": None, "speech": "Menuja kryesore."}},
]


def test_a_menu_prompt_is_fixed_and_its_keys_are_kept() -> None:
    turn = read_turn(MENU_REPLY)
    assert [u.fixed for u in turn.utterances] == [True]
    assert turn.menu is not None and turn.menu.keys["0"] == "/lost_card"
    assert turn.lang == "sq" and turn.collect is None and turn.prompt == turn.utterances


def test_a_read_out_is_rendered_per_turn_and_the_menu_after_it_is_the_prompt() -> None:
    turn = read_turn([{"text": "Balanca është njëqind lekë."}, *MENU_REPLY])
    assert [u.fixed for u in turn.utterances] == [False, True]
    assert turn.prompt == turn.utterances[1:]


def test_collect_and_handoff_and_goodbye() -> None:
    collect = read_turn([{"text": "Tani vendosni PIN-in 4-shifror të kartës.",
                          "custom": {"collect": {"slot": "card_pin", "digits": 4,
                                                 "secret": True}}}])
    assert collect.collect is not None and collect.collect.digits == 4 and collect.collect.secret
    assert collect.utterances[0].fixed
    handoff = read_turn([{"text": "Po ju lidhim me një agjent."},
                         {"custom": {"handoff": {"queue": "agent", "id": 7}}}])
    assert handoff.handoff is not None and handoff.handoff.queue == "agent"
    goodbye = [{"text": "Thank you for calling BKT. Goodbye!", "custom": {"goodbye": True}}]
    assert read_turn(goodbye).goodbye
    assert not read_turn([{"text": "Thank you for calling BKT. Goodbye!"}]).goodbye


def test_a_reply_is_read_whole_never_joined_to_the_next_by_position() -> None:
    # a sentence with no payload stays a per-turn sentence even if a payload item follows it
    turn = read_turn([{"text": "Balanca është njëqind lekë."},
                      {"custom": {"collect": {"slot": "card_pin", "digits": 4, "secret": True}}}])
    assert [u.fixed for u in turn.utterances] == [False]
    assert turn.collect is not None


def test_spoken_keys_and_digits() -> None:
    words = KeyWords.default()
    assert words.key_of("Dy", ["sq"]) == "2"
    assert words.key_of("two", ["sq"]) is None
    assert words.digits_of("katër dy zero", ["sq"]) == "420"
    assert words.digits_of("katër dhe dy", ["sq"]) is None
    assert words.phrases(["1", "2"], ["sq", "en"]) == ["dy", "një", "one", "two"]
    assert title_words("language", ["sq", "en"]) == {"shqip": "1", "english": "2"}


def test_key_steps_and_recorded_speech_in_order() -> None:
    assert parse_keys("1, 2 ,4278 3015 6218 8473#,,") == [Keys("1"), Keys("2"),
                                                        Keys("4278301562188473#")]
    with pytest.raises(ValueError):
        parse_keys("1,x")
    pcm = np.zeros(8, dtype=np.int16)
    steps = build_steps([pcm], "1,@,2")
    assert [type(s) for s in steps] == [Keys, Speech, Keys]
    assert isinstance(build_steps([pcm], "1")[0], Speech)


def test_settings_from_env() -> None:
    settings = VoiceSettings.from_env({"BOT_VOICE_NO_INPUT_S": "2.5",
                                       "BOT_VOICE_MAX_FAILURES": "4"})
    assert settings.no_input_timeout == 2.5 and settings.max_failures == 4
    assert settings.first_digit_timeout == VoiceSettings().first_digit_timeout


def test_an_unreachable_assistant_ends_the_call_with_an_apology(tmp_path: Path) -> None:
    async def run() -> tuple[SessionOutcome, VoiceSession, RecordingOutput]:
        assistant = AssistantClient(f"http://127.0.0.1:{free_port()}", b"k" * 32, timeout=5)
        try:
            return await recorded_call(assistant, voice, [Keys("1")], caller_id=None)
        finally:
            await assistant.close()

    with Synthesizer(cache=PromptCache(tmp_path)) as synth:
        voice = VoiceServices(synth, models={"sq": None, "en": None})
        outcome, session, output = asyncio.run(run())
    assert outcome.ended_by == "error" and output.hung_up
    assert session.transcript[-1].text.startswith("Na vjen keq, shërbimi nuk është")
    assert rms_dbfs(output.played[-1].pcm) > -35
