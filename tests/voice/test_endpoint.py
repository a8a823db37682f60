"""End of utterance from energy: enough speech, then enough trailing silence."""

from __future__ import annotations

import numpy as np

from bot.voice.audio import clip_to_int16, silence
from bot.voice.endpoint import EndpointConfig, EnergyEndpointer

RATE = 8000


def voiced(ms: int, level: float = 0.1) -> np.ndarray:
    """A vowel-like buzz (harmonics of 150 Hz) at roughly speech level."""
    t = np.arange(RATE * ms // 1000) / RATE
    wave = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8))
    return clip_to_int16(32767 * level * wave / 2)


def noise(ms: int, dbfs: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return clip_to_int16(rng.normal(0, 32768 * 10 ** (dbfs / 20), RATE * ms // 1000))


def test_utterance_ends_after_the_trailing_silence() -> None:
    endpointer = EnergyEndpointer(RATE, EndpointConfig(trailing_silence_ms=700))
    stream = np.concatenate([silence(300, RATE), voiced(400), silence(1500, RATE)])
    [end] = endpointer.feed(stream)
    assert end == RATE * (300 + 400 + 700) // 1000  # exactly 700 ms after the speech


def test_short_pause_inside_an_utterance_does_not_end_it() -> None:
    endpointer = EnergyEndpointer(RATE, EndpointConfig(trailing_silence_ms=700))
    ends = endpointer.feed(np.concatenate([voiced(300), silence(400, RATE), voiced(300)]))
    assert ends == []
    assert endpointer.feed(silence(700, RATE)) == [RATE * 700 // 1000]


def test_a_click_is_not_speech_and_line_noise_is_silence() -> None:
    endpointer = EnergyEndpointer(RATE, EndpointConfig(min_speech_ms=100))
    assert endpointer.feed(np.concatenate([voiced(40), noise(3000, -60)])) == []
    assert not endpointer.in_speech


def test_chunks_find_the_same_ends_as_one_stream() -> None:
    stream = np.concatenate([voiced(300), silence(900, RATE), voiced(250), silence(900, RATE)])
    whole = EnergyEndpointer(RATE).feed(stream)
    chunked, endpointer = [], EnergyEndpointer(RATE)
    for start in range(0, len(stream), 173):
        chunked += [start + end for end in endpointer.feed(stream[start : start + 173])]
    assert len(whole) == 2
    assert chunked == whole


def test_works_at_16_khz() -> None:
    endpointer = EnergyEndpointer(16000, EndpointConfig(trailing_silence_ms=500))
    buzz = np.repeat(voiced(300), 2)  # 300 ms at 16 kHz
    assert endpointer.feed(np.concatenate([buzz, silence(600, 16000)])) == [16000 * 800 // 1000]
