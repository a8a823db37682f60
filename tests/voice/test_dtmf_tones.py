"""Keys sent as tones inside the audio: found once per press, through noise and G.711, and not
in speech."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from bot.voice import g711
from bot.voice.audio import clip_to_int16, read_wav, resample, silence
from bot.voice.dtmf_tones import DtmfDetector, tone

ALL_KEYS = "1234567890*#ABCD"


def keyed(
    keys: str, rate: int = 8000, on_ms: int = 70, off_ms: int = 70, level_dbfs: float = -10.0
) -> np.ndarray:
    parts = [silence(100, rate)]
    for key in keys:
        parts += [tone(key, on_ms, rate, level_dbfs), silence(off_ms, rate)]
    return np.concatenate(parts)


def detect(pcm: np.ndarray, rate: int = 8000, chunk: int | None = None) -> str:
    detector = DtmfDetector(rate)
    if chunk is None:
        return "".join(detector.feed(pcm))
    return "".join(k for s in range(0, len(pcm), chunk) for k in detector.feed(pcm[s : s + chunk]))


def test_every_key_in_order() -> None:
    assert detect(keyed(ALL_KEYS)) == ALL_KEYS


def test_chunks_of_any_size() -> None:
    pcm = keyed(ALL_KEYS)
    assert detect(pcm, chunk=160) == ALL_KEYS  # 20 ms packets
    assert detect(pcm, chunk=57) == ALL_KEYS


def test_through_line_noise() -> None:
    rng = np.random.default_rng(7)
    pcm = keyed(ALL_KEYS, level_dbfs=-25).astype(np.float64)
    noisy = clip_to_int16(pcm + rng.normal(0, 32768 * 10 ** (-45 / 20), len(pcm)))  # 20 dB SNR
    assert detect(noisy) == ALL_KEYS


@pytest.mark.parametrize("codec", ["PCMU", "PCMA"])
def test_through_g711(codec: g711.Codec) -> None:
    pcm = keyed(ALL_KEYS)
    assert detect(g711.decode(g711.encode(pcm, codec), codec)) == ALL_KEYS


def test_at_16_khz() -> None:
    assert detect(keyed(ALL_KEYS, rate=16000), rate=16000) == ALL_KEYS


def test_a_long_press_is_one_key_and_a_repeat_is_two() -> None:
    assert detect(keyed("5", on_ms=1500)) == "5"
    assert detect(keyed("55")) == "55"


def test_too_short_a_tone_is_not_a_key() -> None:
    assert detect(keyed("5", on_ms=20)) == ""


def test_a_single_sine_is_not_a_key() -> None:
    t = np.arange(8000) / 8000
    assert detect(clip_to_int16(10000 * np.sin(2 * np.pi * 697 * t))) == ""


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is installed by setup")
@pytest.mark.parametrize(
    ("voice", "text"),
    [
        (
            "sq",
            "Mirë se vini në bankë. Për të vazhduar në shqip, shtypni një. Bilanci juaj është "
            "një mijë e dyqind e tridhjetë e katër lekë.",
        ),
        (
            "en-gb",
            "Welcome to the bank. To continue in English, press two. Your balance is one "
            "thousand two hundred and thirty four euros and fifty six cents.",
        ),
    ],
)
def test_speech_is_not_taken_for_keys(voice: str, text: str, tmp_path: Path) -> None:
    wav = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), text], check=True, timeout=30)
    pcm, rate = read_wav(wav)
    assert detect(resample(pcm, rate, 8000)) == ""
