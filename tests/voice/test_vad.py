"""The voice-activity stage on telephone audio: espeak-ng speech, silence and faint line noise."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from bot.voice import g711
from bot.voice.vad import SpeechAudio, SpeechDetector, SpeechEnd, SpeechStart, VadConfig


def line(pcm: np.ndarray) -> np.ndarray:
    """`pcm` as a caller's phone delivers it (through A-law)."""
    return g711.decode(g711.encode(pcm.astype(np.int16), "PCMA"), "PCMA")


def hiss(seconds: float, level: float = 30.0, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, level, int(8000 * seconds)).astype(np.int16)


def kinds(events: list) -> list[str]:
    return [type(event).__name__ for event in events]


def test_faint_line_noise_at_the_start_of_a_call_is_not_speech() -> None:
    # webrtcvad alone judges the first frames of -60 dBFS hiss speech (it has not yet learnt the
    # noise floor): without the loudness floor this call would barge in on its own greeting.
    detector = SpeechDetector(8000)
    assert detector.feed(line(hiss(8.0))) == []
    assert not detector.in_speech


def test_a_spoken_answer_starts_with_its_pre_roll_and_ends_after_trailing_silence(
        speak: Callable[..., np.ndarray]) -> None:
    words = line(speak("un jam klient", 8000, "sq"))
    config = VadConfig()
    detector = SpeechDetector(8000, config)
    events = detector.feed(np.concatenate([line(hiss(1.0)), words, line(hiss(1.0, seed=2))]))
    assert kinds(events)[0] == "SpeechStart" and kinds(events)[-1] == "SpeechEnd"
    assert kinds(events).count("SpeechStart") == kinds(events).count("SpeechEnd") >= 1
    start = events[0]
    assert isinstance(start, SpeechStart)
    assert len(start.pcm) == 8000 * config.preroll_ms // 1000  # the first syllable is kept
    heard = sum(len(event.pcm) for event in events if isinstance(event, (SpeechStart, SpeechAudio)))
    assert len(words) * 0.6 < heard < len(words) + 8000  # the speech, not the second of hiss
    assert isinstance(events[-1], SpeechEnd) and not detector.in_speech


def test_speech_through_noise_still_starts() -> None:
    # a loud vowel-like tone mixed with the hiss: the loudness floor does not hide real speech
    t = np.arange(8000) / 8000
    voiced = (3000 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 4 * t))).astype(np.int16)
    detector = SpeechDetector(8000)
    events = detector.feed(np.concatenate([line(hiss(0.5)), line(voiced + hiss(1.0))]))
    assert "SpeechStart" in kinds(events)
