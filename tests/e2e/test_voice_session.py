"""Voice calls with the real assistant: what the caller hears, through a recording output.

The output stands in for the transport (the SIP gateway's media, or the sound card): it keeps
the audio played. The session, the synthesizer (espeak-ng), the recognizer (the Korean Vosk
model where a test configures one) and the assistant (Rasa + action server + demo bank) are real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from bot.bank.access import CardKind
from bot.bank.demo import demo_customer
from bot.i18n.money import say_amount
from bot.menus import menu_for
from bot.ops.stack import Stack
from bot.voice.assistant import AssistantClient
from bot.voice.audio import frames, rms_dbfs, silence
from bot.voice.call_io import CallerEvent, CallerHangup, CallerKey
from bot.voice.local import recorded_call
from bot.voice.models import named_model
from bot.voice.phrases import KeyWords, default_words
from bot.voice.prompt_cache import PromptCache
from bot.voice.recorded import RecordingOutput
from bot.voice.script import Keys, Speech, Step, cue, send_speech
from bot.voice.services import VoiceServices, VoiceSettings
from bot.voice.session import SessionOutcome, VoiceSession
from bot.voice.tts import Synthesizer
from bot.voice.vad import VadConfig
from tests.e2e.conftest import TRUST_KEY
from tests.voice.conftest import ESPEAK, SOX

ELIRA = demo_customer("registered_debit")
ELIRA_BALANCE = Decimal("64210.40")  # her debit-linked current account (bot/bank/demo.py)
# The Korean model stands in for an Albanian one: its Sino-Korean digits are the spoken keys.
KOREAN_KEYS = KeyWords({"sq": {"일": "1", "이": "2", "삼": "3", "사": "4", "오": "5"},
                        "en": default_words("en")})

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def synthesizer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesizer]:
    with Synthesizer(cache=PromptCache(tmp_path_factory.mktemp("prompts"))) as synth:
        yield synth


def services(synthesizer: Synthesizer, korean_for_sq: bool = False, vad: VadConfig | None = None,
             **settings: float) -> VoiceServices:
    models = {"sq": named_model("ko", "sq") if korean_for_sq else None, "en": None}
    return VoiceServices(synthesizer, VoiceSettings(**settings), models=models,
                         key_words=KOREAN_KEYS if korean_for_sq else None, vad=vad)


def call(stack: Stack, voice: VoiceServices, steps: Sequence[Step], caller: str | None,
         hang_up: bool = True) -> tuple[SessionOutcome, VoiceSession, RecordingOutput]:
    async def run() -> tuple[SessionOutcome, VoiceSession, RecordingOutput]:
        assistant = AssistantClient(stack.config.rasa_url, TRUST_KEY)
        try:
            return await recorded_call(assistant, voice, steps, caller_id=caller,
                                       hang_up=hang_up)
        finally:
            await assistant.close()

    return asyncio.run(asyncio.wait_for(run(), 60))


def said(session: VoiceSession) -> list[str]:
    return [line.text for line in session.transcript if line.who == "assistant"]


def audible(pcm: np.ndarray) -> bool:
    return len(pcm) > 8000 * 0.5 and rms_dbfs(pcm) > -35


def korean(text: str) -> np.ndarray:
    """espeak-ng Korean speech at 8 kHz, after half a second of silence."""
    import subprocess
    import tempfile

    from bot.voice.audio import read_wav

    if ESPEAK is None or SOX is None:
        pytest.skip("espeak-ng and sox are installed by scripts/setup.sh")
    with tempfile.TemporaryDirectory() as folder:
        raw, phone = Path(folder) / "raw.wav", Path(folder) / "phone.wav"
        subprocess.run([ESPEAK, "-v", "ko", "-w", str(raw), text], check=True, timeout=30)
        subprocess.run([SOX, "-D", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(phone)],
                       check=True, timeout=30)
        pcm, _ = read_wav(phone)
    return np.concatenate([silence(500, 8000), pcm])


def test_keypad_call_reaches_the_spoken_balance(stack: Stack, synthesizer: Synthesizer) -> None:
    card = ELIRA.card(CardKind.DEBIT)
    # Albanian, individual, current accounts, card + PIN, balance of the debit-linked account
    steps = [Keys("1"), Keys("1"), Keys("2"), Keys("1"), Keys(card.number), Keys(card.pin),
             Keys("1")]
    outcome, session, output = call(stack, services(synthesizer), steps, ELIRA.phone)
    assert outcome.ended_by == "caller" and outcome.turns == 8
    spoken = say_amount(ELIRA_BALANCE, "ALL", "sq")
    readout = next(text for text in said(session) if spoken in text)
    assert readout.startswith("Balanca në dispozicion")
    heard = [item for item in output.played if item.complete]
    assert len(heard) == len(said(session))  # every reply was played out, none cut off
    index = said(session).index(readout)
    assert audible(heard[index].pcm) and len(heard[index].pcm) > 8000 * 3  # a long sentence
    digits = [line.text for line in session.transcript if line.via == "digits"]
    assert digits == ["•" * 16, "•" * 4]  # the card number and PIN are never in the transcript


@pytest.mark.slow
def test_spoken_language_choice_then_keys_reach_the_balance(stack: Stack,
                                                            synthesizer: Synthesizer) -> None:
    # the language menu restricts the recognizer to the spoken keys; "이" (two) is English
    steps = [Speech(korean("이")), Keys("1"), Keys("2"), Keys("2"), Keys(ELIRA.customer_number),
             Keys("1")]
    outcome, session, output = call(stack, services(synthesizer, korean_for_sq=True), steps,
                                    ELIRA.phone)
    heard_speech = [line.text for line in session.transcript if line.via == "speech"]
    assert heard_speech == ["이"]
    assert menu_for("main").spoken("en") in said(session)  # the switch to English
    assert any(say_amount(ELIRA_BALANCE, "ALL", "en") in text for text in said(session))
    assert [line.text for line in session.transcript if line.via == "digits"] == [
        ELIRA.customer_number]  # a customer number is not secret
    assert outcome.ended_by == "caller" and all(audible(p.pcm) for p in output.played)


# "네" (yes), an answer the Albanian assistant does not know: the stand-in hears it as "네"
# every time. The sentence this test said before ("안녕하세요 감사합니다") was heard differently
# from call to call, the same audio included (Vosk's result depends on what the shared model
# decoded before), and 1 call in 3 as "... [5] ...": a key the main menu does not have, so
# the assistant rightly answered "Ky opsion nuk ekziston." (2 of 6 whole-suite runs failed).
@pytest.mark.slow
@pytest.mark.parametrize("min_confidence", [0.0, 1.1], ids=["sent", "rejected"])
def test_unrecognized_speech_is_asked_again(stack: Stack, synthesizer: Synthesizer,
                                            min_confidence: float) -> None:
    # free recognition in the main menu; a Korean word means nothing to the Albanian assistant
    voice = services(synthesizer, korean_for_sq=True, min_confidence=min_confidence)
    steps = [Keys("1"), Speech(korean("네"))]
    outcome, session, _ = call(stack, voice, steps, ELIRA.phone)
    caller_speech = [line for line in session.transcript if line.via == "speech"]
    assert len(caller_speech) == 1 and caller_speech[0].text
    # sent: the assistant's fallback says it; rejected (confidence too low): the session does
    # (the same words), and the assistant never saw the speech
    assert outcome.turns == (3 if min_confidence == 0.0 else 2)
    assert said(session)[-2:] == ["Më falni, nuk ju kuptova.",
                                  menu_for("main").spoken("sq")], session.transcript
    assert outcome.ended_by == "caller"


@pytest.mark.slow
def test_a_caller_who_pauses_inside_a_sentence_is_heard_whole(stack: Stack,
                                                              synthesizer: Synthesizer) -> None:
    # the recognizer finishes the words before the pause while the trailing silence is still
    # being counted; the caller goes on, and the words after the pause join them in one turn
    voice = services(synthesizer, korean_for_sq=True)
    two = korean("이")  # 2: alone, a key of the menu
    loud = [i for i, frame in enumerate(frames(two, 8000, 10)) if rms_dbfs(frame) > -45]
    sentence = np.concatenate([two[: (loud[-1] + 1) * 80], silence(300, 8000), two[4000:]])
    outcome, session, _ = call(stack, voice, [Keys("1"), Speech(sentence)], ELIRA.phone)
    heard = [line.text.split() for line in session.transcript if line.via == "speech"]
    assert len(heard) == 1 and len(heard[0]) == 2 and heard[0][0] == "이"  # one turn, 2 words
    assert said(session)[-2:] == ["Më falni, nuk ju kuptova.", menu_for("main").spoken("sq")]
    assert outcome.ended_by == "caller"


@pytest.mark.slow
def test_a_closed_set_answer_ends_without_waiting_for_the_trailing_silence(
        stack: Stack, synthesizer: Synthesizer) -> None:
    # free speech would have to be followed by five seconds of quiet; the caller gives one
    voice = services(synthesizer, korean_for_sq=True, vad=VadConfig(trailing_silence_ms=5000))

    async def run() -> tuple[VoiceSession, RecordingOutput, float]:
        output = RecordingOutput(8000)
        assistant = AssistantClient(stack.config.rasa_url, TRUST_KEY)
        session = VoiceSession(assistant=assistant, output=output, caller_id=ELIRA.phone,
                               services=voice)
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        running = asyncio.ensure_future(session.run(events))
        await cue(session, 0, running)
        ended = await send_speech(events, korean("이"), 8000, realtime=True)
        await until(lambda: session.awaiting == "menu:main", 10)
        events.put_nowait(CallerHangup())
        await running
        await assistant.close()
        return session, output, ended

    session, output, ended = asyncio.run(asyncio.wait_for(run(), 60))
    assert [line.text for line in session.transcript if line.via == "speech"] == ["이"]
    reply = min(item.started for item in output.played if item.started >= ended - 1.0)
    assert reply - ended < 2.0  # well before the 5 s rule: the complete answer ended it
    assert session.language == "en"


def test_silence_takes_albanian_then_reprompts_then_an_agent(stack: Stack,
                                                            synthesizer: Synthesizer) -> None:
    voice = services(synthesizer, no_input_timeout=0.3, max_failures=2)
    outcome, session, output = call(stack, voice, [], None, hang_up=False)  # never answers
    main = menu_for("main").spoken("sq")
    lines = said(session)
    assert lines[1] == main and lines[2] == main  # default language, then asked once more
    assert any("Po ju lidhim me një agjent" in text for text in lines)
    assert outcome.ended_by == "transfer" and outcome.queue == "agent"
    assert output.transfers == ["agent"]


def test_lost_card_key_zero_hands_off_and_a_failed_transfer_is_explained(
        stack: Stack, synthesizer: Synthesizer) -> None:
    async def run() -> tuple[SessionOutcome, VoiceSession, RecordingOutput]:
        output = RecordingOutput(8000, transfer_result="failed")
        assistant = AssistantClient(stack.config.rasa_url, TRUST_KEY)
        session = VoiceSession(assistant=assistant, output=output, caller_id=ELIRA.phone,
                               services=services(synthesizer))
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        running = asyncio.ensure_future(session.run(events))
        await cue(session, 0, running)
        events.put_nowait(CallerKey("1"))
        await cue(session, 1, running)
        events.put_nowait(CallerKey("0"))
        outcome = await running
        await assistant.close()
        return outcome, session, output

    outcome, session, output = asyncio.run(asyncio.wait_for(run(), 60))
    lines = said(session)
    assert "pa verifikim" in lines[2] and not any("PIN" in text for text in lines)
    assert lines[-1].startswith("Na vjen keq, lidhja nuk u realizua")
    assert output.transfers == ["agent"] and output.hung_up
    assert outcome.ended_by == "transfer_failed" and outcome.queue == "agent"
    assert audible(output.played[-1].pcm)


def test_a_key_cuts_the_prompt_off(stack: Stack, synthesizer: Synthesizer) -> None:
    async def run() -> tuple[SessionOutcome, VoiceSession, RecordingOutput]:
        output = RecordingOutput(8000, realtime=True)
        assistant = AssistantClient(stack.config.rasa_url, TRUST_KEY)
        session = VoiceSession(assistant=assistant, output=output, caller_id=ELIRA.phone,
                               services=services(synthesizer), language="en")
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        running = asyncio.ensure_future(session.run(events))
        await until(lambda: output.playing)
        await asyncio.sleep(0.5)  # half a second into the welcome
        events.put_nowait(CallerKey("2"))  # English, without waiting for the end
        await until(lambda: session.awaiting == "menu:main")
        events.put_nowait(CallerHangup())
        outcome = await running
        await assistant.close()
        return outcome, session, output

    outcome, session, output = asyncio.run(asyncio.wait_for(run(), 60))
    assert output.interrupts >= 1
    first = output.played[0]
    assert not first.complete and 0.3 < len(first.pcm) / 8000 < 1.5
    assert session.language == "en" and outcome.ended_by == "caller"


@pytest.mark.slow
def test_speech_cuts_the_prompt_off(stack: Stack, synthesizer: Synthesizer) -> None:
    async def run() -> tuple[SessionOutcome, VoiceSession, RecordingOutput]:
        output = RecordingOutput(8000, realtime=True)
        assistant = AssistantClient(stack.config.rasa_url, TRUST_KEY)
        session = VoiceSession(assistant=assistant, output=output, caller_id=ELIRA.phone,
                               services=services(synthesizer, korean_for_sq=True))
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        running = asyncio.ensure_future(session.run(events))
        await until(lambda: output.playing)
        await send_speech(events, korean("이"), 8000, realtime=True)  # "two" over the welcome
        await until(lambda: session.awaiting == "menu:main")
        events.put_nowait(CallerHangup())
        outcome = await running
        await assistant.close()
        return outcome, session, output

    outcome, session, output = asyncio.run(asyncio.wait_for(run(), 60))
    assert output.interrupts >= 1 and not output.played[0].complete
    assert [line.text for line in session.transcript if line.via == "speech"] == ["이"]
    assert session.language == "en" and outcome.ended_by == "caller"


async def until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)
