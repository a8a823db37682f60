"""PCM helpers: resampling keeps a tone's pitch and level, frames, level in dBFS, WAV files."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from bot.voice.audio import (
    SILENCE_DBFS,
    Framer,
    as_pcm,
    clip_to_int16,
    frames,
    read_wav,
    resample,
    rms_dbfs,
    silence,
    to_bytes,
    write_wav,
)


def sine(frequency: float, seconds: float, rate: int, peak: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return clip_to_int16(32767 * peak * np.sin(2 * np.pi * frequency * t))


def dominant_frequency(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    return float(np.fft.rfftfreq(len(pcm), 1 / rate)[np.argmax(spectrum)])


@pytest.mark.parametrize(
    ("source", "target"),
    [(8000, 16000), (16000, 8000), (22050, 8000), (22050, 16000), (8000, 22050)],
)
def test_resample_keeps_pitch_level_and_duration(source: int, target: int) -> None:
    tone = sine(440.0, 1.0, source)
    out = resample(tone, source, target)
    assert out.dtype == np.int16
    assert len(out) == target  # one second stays one second
    assert abs(dominant_frequency(out, target) - 440.0) < 2.0
    assert abs(rms_dbfs(out[100:-100]) - rms_dbfs(tone[100:-100])) < 0.2


def test_resample_removes_what_the_lower_rate_cannot_carry() -> None:
    # 5 kHz fits in 16 kHz audio but not in 8 kHz (limit 4 kHz): it must be filtered, not folded
    high = sine(5000.0, 1.0, 16000)
    assert rms_dbfs(resample(high, 16000, 8000)) < rms_dbfs(high) - 40


def test_resample_round_trip_8k_16k_8k_is_close() -> None:
    tone = sine(1000.0, 0.5, 8000)
    back = resample(resample(tone, 8000, 16000), 16000, 8000)
    error = back[200:-200].astype(float) - tone[200:-200]
    assert np.sqrt(np.mean(error**2)) < 0.01 * 32767 * 0.5


def test_frames_and_framer_cut_the_same_frames() -> None:
    pcm = np.arange(8000, dtype=np.int16)
    whole = list(frames(pcm, 8000, 20))
    assert len(whole) == 50 and all(len(f) == 160 for f in whole)
    framer = Framer(160)
    streamed = []
    for start in range(0, len(pcm), 37):  # chunks that do not line up with frames
        streamed += framer.push(pcm[start : start + 37])
    assert framer.pending == 0
    assert all(np.array_equal(a, b) for a, b in zip(whole, streamed, strict=True))


def test_frames_drop_a_short_tail() -> None:
    assert len(list(frames(np.zeros(250, dtype=np.int16), 8000, 20))) == 1


def test_levels_in_dbfs() -> None:
    assert rms_dbfs(sine(1000.0, 1.0, 8000, peak=1.0)) == pytest.approx(-3.01, abs=0.05)
    assert rms_dbfs(sine(1000.0, 1.0, 8000, peak=0.1)) == pytest.approx(-23.01, abs=0.05)
    assert rms_dbfs(silence(100, 8000)) == SILENCE_DBFS
    assert rms_dbfs(np.zeros(0, dtype=np.int16)) == SILENCE_DBFS


def test_wav_round_trip(tmp_path: Path) -> None:
    tone = sine(300.0, 0.25, 8000)
    write_wav(tmp_path / "tone.wav", tone, 8000)
    pcm, rate = read_wav(tmp_path / "tone.wav")
    assert rate == 8000 and np.array_equal(pcm, tone)
    with wave.open(str(tmp_path / "tone.wav")) as wav:  # a plain WAV any player reads
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 8000)


def test_stereo_wav_is_mixed_to_mono(tmp_path: Path) -> None:
    left, right = np.full(100, 1000, dtype=np.int16), np.full(100, 3000, dtype=np.int16)
    with wave.open(str(tmp_path / "stereo.wav"), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(np.column_stack([left, right]).astype("<i2").tobytes())
    pcm, rate = read_wav(tmp_path / "stereo.wav")
    assert rate == 8000 and np.all(pcm == 2000)


def test_pcm_from_bytes_and_back() -> None:
    pcm = np.array([0, 1, -1, 32767, -32768], dtype=np.int16)
    assert np.array_equal(as_pcm(to_bytes(pcm)), pcm)
    with pytest.raises(ValueError):
        as_pcm(b"\x00\x01\x02")
    with pytest.raises(TypeError):
        as_pcm(np.zeros(4, dtype=np.float32))
