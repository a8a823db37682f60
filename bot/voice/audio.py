"""PCM helpers on numpy int16 arrays: resampling, fixed-length frames, level, WAV files.

All audio in `bot.voice` is mono, signed 16-bit, as a 1-D `np.int16` array plus its sample rate
(telephone audio is 8 kHz; Vosk also takes 16 kHz; espeak-ng renders at 22.05 kHz).
"""

from __future__ import annotations

import math
import wave
from collections.abc import Iterator
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

INT16_MAX = 32767
INT16_MIN = -32768
FULL_SCALE = 32768.0
SILENCE_DBFS = -120.0  # level reported for digital silence (instead of minus infinity)


def as_pcm(data: bytes | bytearray | memoryview | np.ndarray) -> np.ndarray:
    """`data` as a 1-D int16 array: little-endian bytes are viewed, arrays must already be int16."""
    if isinstance(data, bytes | bytearray | memoryview):
        if len(data) % 2:
            raise ValueError("16-bit PCM needs an even number of bytes")
        return np.frombuffer(data, dtype="<i2").astype(np.int16, copy=False)
    array = np.asarray(data)
    if array.dtype != np.int16:
        raise TypeError(f"expected int16 PCM, got {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"expected mono 1-D PCM, got shape {array.shape}")
    return array


def to_bytes(pcm: np.ndarray) -> bytes:
    """Little-endian 16-bit bytes of `pcm` (what Vosk, WAV files and sound cards take)."""
    return as_pcm(pcm).astype("<i2", copy=False).tobytes()


def clip_to_int16(samples: np.ndarray) -> np.ndarray:
    """Round and clip floating-point samples (int16 scale) to int16."""
    return np.clip(np.rint(samples), INT16_MIN, INT16_MAX).astype(np.int16)


def resample(pcm: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """`pcm` at `to_rate` (polyphase filter; e.g. 8000 <-> 16000 <-> 22050 Hz)."""
    pcm = as_pcm(pcm)
    if from_rate <= 0 or to_rate <= 0:
        raise ValueError("sample rates must be positive")
    if from_rate == to_rate or pcm.size == 0:
        return pcm.copy()
    common = gcd(from_rate, to_rate)
    up, down = to_rate // common, from_rate // common
    return clip_to_int16(resample_poly(pcm.astype(np.float64), up, down))


def samples_for(ms: float, sample_rate: int) -> int:
    """How many samples `ms` milliseconds take at `sample_rate`."""
    return round(sample_rate * ms / 1000)


def duration_s(pcm: np.ndarray, sample_rate: int) -> float:
    return len(pcm) / sample_rate


def silence(ms: float, sample_rate: int) -> np.ndarray:
    return np.zeros(samples_for(ms, sample_rate), dtype=np.int16)


def frames(pcm: np.ndarray, sample_rate: int, ms: float) -> Iterator[np.ndarray]:
    """Consecutive whole frames of `ms` milliseconds; a shorter tail is dropped."""
    size = samples_for(ms, sample_rate)
    if size <= 0:
        raise ValueError("frame length must be at least one sample")
    pcm = as_pcm(pcm)
    for start in range(0, len(pcm) - size + 1, size):
        yield pcm[start : start + size]


class Framer:
    """Cuts a stream of arbitrary chunks into whole frames, keeping the tail for the next chunk."""

    def __init__(self, frame_size: int) -> None:
        if frame_size <= 0:
            raise ValueError("frame size must be positive")
        self.frame_size = frame_size
        self._tail = np.zeros(0, dtype=np.int16)

    def push(self, chunk: np.ndarray) -> list[np.ndarray]:
        """The whole frames completed by `chunk`, in order."""
        data = np.concatenate([self._tail, as_pcm(chunk)])
        whole = len(data) - len(data) % self.frame_size
        self._tail = data[whole:]
        return [data[i : i + self.frame_size] for i in range(0, whole, self.frame_size)]

    @property
    def pending(self) -> int:
        """Samples waiting for the next chunk to complete a frame."""
        return len(self._tail)

    def reset(self) -> None:
        self._tail = np.zeros(0, dtype=np.int16)


def rms(pcm: np.ndarray) -> float:
    """Root mean square of the samples (int16 scale); 0.0 for an empty array."""
    pcm = as_pcm(pcm)
    if pcm.size == 0:
        return 0.0
    samples = pcm.astype(np.float64)
    return math.sqrt(float(np.mean(samples * samples)))


def rms_dbfs(pcm: np.ndarray) -> float:
    """Level in dB relative to full scale (32768): a full-scale sine reads -3.01 dBFS.

    Digital silence reads `SILENCE_DBFS` rather than minus infinity.
    """
    value = rms(pcm)
    if value <= 0.0:
        return SILENCE_DBFS
    return max(SILENCE_DBFS, 20.0 * math.log10(value / FULL_SCALE))


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Samples and sample rate of a 16-bit PCM WAV file; several channels are averaged to mono."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit samples, got {8 * wav.getsampwidth()}-bit")
        channels = wav.getnchannels()
        rate = wav.getframerate()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)
    if channels > 1:
        data = clip_to_int16(data.reshape(-1, channels).astype(np.float64).mean(axis=1))
    return data, rate


def write_wav(path: str | Path, pcm: np.ndarray, sample_rate: int) -> None:
    """Write mono 16-bit PCM as a WAV file."""
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(to_bytes(pcm))
