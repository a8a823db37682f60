"""Keys sent as audio tones (in-band DTMF): a Goertzel detector and a tone generator.

Most phones send keys as RTP events (RFC 4733), but some send them as tones inside the audio;
this finds them there. Audio is cut into blocks of 25.6 ms (205 samples at 8 kHz, the classic
block length: every DTMF frequency lies within a few Hz of a frequency bin). For each block the
Goertzel recursion gives the energy at the eight DTMF frequencies. A block holds a key when one
row and one column frequency stand out: each at least `min_level_dbfs`, each 8 dB above the
others of its group, the two within 8 dB of each other (twist), and together at least 70 % of the
block's energy (speech spreads its energy; a key's two tones hold nearly all of it). A key is
reported once, when two blocks in a row hold it (at least ~40 ms of tone, as ITU-T Q.24 asks),
and again only after a block without it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import lfilter

from bot.voice.audio import Framer, as_pcm, clip_to_int16, samples_for

ROW_HZ = (697.0, 770.0, 852.0, 941.0)
COLUMN_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
KEYPAD = ("123A", "456B", "789C", "*0#D")
BLOCK_MS = 25.6
KEY_POSITIONS = {key: (r, c) for r, row in enumerate(KEYPAD) for c, key in enumerate(row)}


def tone(key: str, ms: float, sample_rate: int = 8000, level_dbfs: float = -10.0) -> np.ndarray:
    """The DTMF tone of `key` for `ms` milliseconds; each of its two sines peaks at `level_dbfs`."""
    row, column = KEY_POSITIONS[key]
    t = np.arange(samples_for(ms, sample_rate)) / sample_rate
    amplitude = 32767 * 10 ** (level_dbfs / 20)
    wave = np.sin(2 * np.pi * ROW_HZ[row] * t) + np.sin(2 * np.pi * COLUMN_HZ[column] * t)
    return clip_to_int16(amplitude * wave)


def goertzel_energy(block: np.ndarray, frequencies: np.ndarray, sample_rate: int) -> np.ndarray:
    """Energy of `block` at each frequency (Goertzel): 2|X(f)|²/N, int16 units squared.

    For a sine at f this is about the sine's share of the block's energy (sum of squares). The
    recursion s[n] = x[n] + 2cos(w)s[n-1] - s[n-2] is run as an IIR filter, one per frequency.
    """
    samples = block.astype(np.float64)
    size = len(samples)
    energies = np.empty(len(frequencies))
    for i, frequency in enumerate(frequencies):
        coefficient = 2.0 * math.cos(2.0 * math.pi * frequency / sample_rate)
        state = lfilter([1.0], [1.0, -coefficient, 1.0], samples)
        s1, s2 = state[-1], state[-2] if size > 1 else 0.0
        energies[i] = 2.0 * (s1 * s1 + s2 * s2 - coefficient * s1 * s2) / size
    return energies


class DtmfDetector:
    """Finds keys in a stream of PCM chunks (8 or 16 kHz)."""

    def __init__(
        self,
        sample_rate: int = 8000,
        *,
        min_level_dbfs: float = -36.0,
        min_tone_share: float = 0.7,
        group_margin_db: float = 8.0,
        max_twist_db: float = 8.0,
    ) -> None:
        self.sample_rate = sample_rate
        self._block = samples_for(BLOCK_MS, sample_rate)
        self._framer = Framer(self._block)
        self._frequencies = np.array(ROW_HZ + COLUMN_HZ)
        # energy of a sine peaking at min_level_dbfs over one block
        self._min_energy = self._block * (32767 * 10 ** (min_level_dbfs / 20)) ** 2 / 2
        self._min_share = min_tone_share
        self._group_margin = 10 ** (group_margin_db / 10)
        self._max_twist = 10 ** (max_twist_db / 10)
        self._previous: str | None = None  # key held by the previous block
        self._reported: str | None = None  # key reported and not yet released

    def block_key(self, block: np.ndarray) -> str | None:
        """The key one block holds, if any."""
        energy = goertzel_energy(block, self._frequencies, self.sample_rate)
        rows, columns = energy[:4], energy[4:]
        row, column = int(np.argmax(rows)), int(np.argmax(columns))
        row_energy, column_energy = rows[row], columns[column]
        if min(row_energy, column_energy) < self._min_energy:
            return None
        if np.any(np.delete(rows, row) * self._group_margin > row_energy):
            return None
        if np.any(np.delete(columns, column) * self._group_margin > column_energy):
            return None
        twist = row_energy / column_energy
        if not 1 / self._max_twist <= twist <= self._max_twist:
            return None
        total = float(np.sum(block.astype(np.float64) ** 2))
        if row_energy + column_energy < self._min_share * total:
            return None
        return KEYPAD[row][column]

    def feed(self, pcm: np.ndarray) -> list[str]:
        """The keys whose press was recognised in this chunk, in order."""
        keys = []
        for block in self._framer.push(as_pcm(pcm)):
            key = self.block_key(block)
            if key != self._reported:
                self._reported = None  # released (or another key): the next press counts
            if key is not None and key == self._previous and self._reported is None:
                keys.append(key)
                self._reported = key
            self._previous = key
        return keys

    def reset(self) -> None:
        self._framer.reset()
        self._previous = self._reported = None
