"""Streaming recognition with the real Korean Vosk model on espeak-ng speech at 8 and 16 kHz.

espeak-ng's Korean is far from the speech the model learned from. Measured here, free
recognition gets some single words right ("네", and the Sino-Korean digits "이" = 2 and
"오" = 5 said one at a time) but not a run of native digits ("하나 둘 셋 넷" comes out as
other words, with or without a digit phrase list), and "아니요" alone comes out as "아 리오":
which is what a phrase list is for. Every utterance here follows half a second of silence, as
on a call, and ends with a second of it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from bot.voice.asr import AsrEvent, Recognizer, Word, joined
from bot.voice.audio import frames, rms_dbfs, silence, to_bytes
from bot.voice.endpoint import EndpointConfig
from bot.voice.models import ModelInfo

pytestmark = pytest.mark.slow

YES_NO = ["네", "아니요"]
Speak = Callable[..., np.ndarray]


def stream(recognizer: Recognizer, pcm: np.ndarray, chunk_ms: int = 20) -> list[AsrEvent]:
    """Feed `pcm` in telephone-sized chunks, as a call would."""
    size = recognizer.sample_rate * chunk_ms // 1000
    events: list[AsrEvent] = []
    for start in range(0, len(pcm), size):
        events += recognizer.accept(pcm[start : start + size])
    return events


def finals(events: list[AsrEvent]) -> list[str]:
    return [event.text for event in events if event.is_final]


def said(speak: Speak, words: list[str], rate: int, pause_ms: int = 1000) -> np.ndarray:
    """Half a second of silence, then each word followed by a pause."""
    parts = [silence(500, rate)]
    for word in words:
        parts += [speak(word, rate), silence(pause_ms, rate)]
    return np.concatenate(parts)


def without_trailing_silence(pcm: np.ndarray, rate: int) -> np.ndarray:
    """espeak-ng ends its audio with a pause; cut it so that tests set the silence exactly."""
    levels = [rms_dbfs(frame) for frame in frames(pcm, rate, 10)]
    last_loud = max(i for i, level in enumerate(levels) if level > -50)
    return pcm[: (last_loud + 1) * rate // 100]


def test_free_recognition_at_8_khz(ko_model: ModelInfo, speak: Speak) -> None:
    recognizer = Recognizer(ko_model, 8000)
    assert finals(stream(recognizer, said(speak, ["이", "네"], 8000))) == ["이", "네"]  # 2, yes


def test_free_recognition_of_a_digit_string_at_16_khz(ko_model: ModelInfo, speak: Speak) -> None:
    recognizer = Recognizer(ko_model, 16000)
    events = stream(recognizer, said(speak, ["이", "오", "이", "오"], 16000))
    assert finals(events) == ["이", "오", "이", "오"]  # 2 5 2 5, one utterance per digit


def test_final_has_words_and_a_confidence_and_partials_come_first(
    ko_model: ModelInfo, speak: Speak
) -> None:
    recognizer = Recognizer(ko_model, 8000)
    events = stream(recognizer, said(speak, ["네"], 8000))
    kinds = [event.kind for event in events]
    assert kinds.count("final") == 1
    assert "partial" in kinds[: kinds.index("final")]
    assert all(event.confidence is None for event in events if not event.is_final)
    [final] = [event for event in events if event.is_final]
    assert final.text == "네"
    assert final.confidence is not None and 0.0 < final.confidence <= 1.0
    assert [word.text for word in final.words] == ["네"]
    assert final.words[0].start < final.words[0].end


def test_phrase_list_picks_the_answer_free_recognition_misses(
    ko_model: ModelInfo, speak: Speak
) -> None:
    free = Recognizer(ko_model, 8000)
    assert finals(stream(free, said(speak, ["아니요"], 8000))) != ["아니요"]

    recognizer = Recognizer(ko_model, 8000, phrases=YES_NO)
    assert recognizer.phrases == ("네", "아니요")
    events = stream(recognizer, said(speak, ["아니요", "네", "아니요"], 8000))
    assert finals(events) == ["아니요", "네", "아니요"]
    confidences = [event.confidence for event in events if event.is_final]
    assert all(c is not None and 0.0 < c <= 1.0 for c in confidences)


def test_phrases_change_between_questions(ko_model: ModelInfo, speak: Speak) -> None:
    recognizer = Recognizer(ko_model, 8000)
    left_out = recognizer.set_phrases([*YES_NO, "없는말xyz"])
    assert left_out == ["없는말xyz"]  # a word the model does not know is not silently cut
    assert finals(stream(recognizer, said(speak, ["아니요"], 8000))) == ["아니요"]
    assert recognizer.set_phrases(None) == []
    assert recognizer.phrases is None
    assert finals(stream(recognizer, said(speak, ["아니요"], 8000))) != ["아니요"]  # free again


def test_utterance_ends_only_after_the_trailing_silence(ko_model: ModelInfo, speak: Speak) -> None:
    config = EndpointConfig(trailing_silence_ms=500)
    recognizer = Recognizer(ko_model, 8000, phrases=YES_NO, endpoint=config)
    word = without_trailing_silence(speak("아니요", 8000), 8000)
    events = stream(recognizer, np.concatenate([silence(500, 8000), word, silence(300, 8000)]))
    assert finals(events) == []  # 300 ms of silence: the caller may go on
    events = stream(recognizer, silence(300, 8000))
    [final] = [event for event in events if event.is_final]
    assert (final.text, final.end_reason) == ("아니요", "silence")


def test_vosk_ends_the_utterance_itself_when_the_energy_rule_is_slower(
    ko_model: ModelInfo, speak: Speak
) -> None:
    config = EndpointConfig(trailing_silence_ms=10_000)
    recognizer = Recognizer(ko_model, 8000, phrases=YES_NO, endpoint=config)
    events = stream(recognizer, said(speak, ["아니요"], 8000, pause_ms=3000))
    [final] = [event for event in events if event.is_final]
    assert (final.text, final.end_reason) == ("아니요", "vosk")


def test_silence_alone_gives_no_events(ko_model: ModelInfo) -> None:
    recognizer = Recognizer(ko_model, 8000, phrases=YES_NO)
    assert stream(recognizer, silence(6000, 8000)) == []
    assert recognizer.finish() == []


def test_finish_flushes_an_utterance_cut_short(ko_model: ModelInfo, speak: Speak) -> None:
    recognizer = Recognizer(ko_model, 8000, phrases=YES_NO)
    word = without_trailing_silence(speak("아니요", 8000), 8000)
    stream(recognizer, np.concatenate([silence(500, 8000), word]))  # then the caller hangs up
    [final] = recognizer.finish()
    assert (final.text, final.end_reason) == ("아니요", "flush")


def test_reset_drops_the_utterance_in_progress(ko_model: ModelInfo, speak: Speak) -> None:
    recognizer = Recognizer(ko_model, 8000, phrases=YES_NO)
    word = without_trailing_silence(speak("아니요", 8000), 8000)
    stream(recognizer, np.concatenate([silence(500, 8000), word]))
    recognizer.reset()  # e.g. the caller pressed a key instead
    assert finals(stream(recognizer, silence(1500, 8000))) == []
    assert recognizer.phrases == ("네", "아니요")  # kept across the reset
    assert finals(stream(recognizer, said(speak, ["네"], 8000))) == ["네"]


def test_phrase_list_at_16_khz(ko_model: ModelInfo, speak: Speak) -> None:
    recognizer = Recognizer(ko_model, 16000, phrases=YES_NO)
    assert finals(stream(recognizer, said(speak, ["아니요", "네"], 16000))) == ["아니요", "네"]


def test_accepts_bytes_as_sent_by_a_gateway(ko_model: ModelInfo, speak: Speak) -> None:
    recognizer = Recognizer(ko_model, 8000, phrases=YES_NO)
    pcm = said(speak, ["네"], 8000)
    events = []
    for start in range(0, len(pcm), 160):
        events += recognizer.accept(to_bytes(pcm[start : start + 160]))
    assert finals(events) == ["네"]


def test_language_without_a_model_runs_keypad_first(
    monkeypatch: pytest.MonkeyPatch, ko_model: ModelInfo
) -> None:
    monkeypatch.delenv("BOT_VOSK_MODEL_SQ", raising=False)
    assert Recognizer.for_lang("sq", 8000) is None
    monkeypatch.setenv("BOT_VOSK_MODEL_EN", "ko")
    recognizer = Recognizer.for_lang("en", 8000)
    assert recognizer is not None and recognizer.info.lang == "en"
    with pytest.raises(ValueError, match="sample rate"):
        Recognizer(ko_model, 11025)


def test_the_parts_of_a_paused_utterance_make_one_final() -> None:
    # the session finishes the recognizer's utterance at the caller's pause; if the caller goes
    # on, the words after it are joined, with a confidence over all the words
    first = AsrEvent("final", "dua bilancin", 0.9, (Word("dua", 0.1, 0.3, 1.0),
                                                    Word("bilancin", 0.3, 0.8, 0.8)), "flush")
    nothing = AsrEvent("final", "", 0.0, (), "flush")  # the pause's quiet: no words
    second = AsrEvent("final", "ju lutem", 0.5, (Word("ju", 0.1, 0.2, 0.5),
                                                 Word("lutem", 0.2, 0.5, 0.5)), "flush")
    both = joined([first, nothing, second])
    assert both is not None and both.text == "dua bilancin ju lutem"
    assert both.confidence == pytest.approx((1.0 + 0.8 + 0.5 + 0.5) / 4)
    assert joined([first]) == first and joined([nothing]) == nothing and joined([]) is None
