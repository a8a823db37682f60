"""End of an utterance from the signal's energy: enough speech, then enough trailing silence.

Vosk ends an utterance by itself when its decoder has seen silence phones for a while (the
model's `endpoint.rule*` settings); on a noisy line that can come late or not at all. This
endpointer is the backstop: frames louder than `threshold_dbfs` count as speech, and once at
least `min_speech_ms` of speech has been heard, `trailing_silence_ms` of quieter frames end the
utterance. The threshold is absolute: -40 dBFS sits well above a quiet telephone line's noise
(-55 to -65 dBFS) and well below speech (-30 to -10 dBFS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.voice.audio import Framer, as_pcm, rms_dbfs, samples_for


@dataclass(frozen=True)
class EndpointConfig:
    threshold_dbfs: float = -40.0
    min_speech_ms: int = 100
    trailing_silence_ms: int = 700
    frame_ms: int = 10


class EnergyEndpointer:
    """Finds where utterances end in a stream of PCM chunks."""

    def __init__(self, sample_rate: int, config: EndpointConfig | None = None) -> None:
        self.sample_rate = sample_rate
        self.config = config or EndpointConfig()
        self._frame = samples_for(self.config.frame_ms, sample_rate)
        self._framer = Framer(self._frame)
        self._speech_frames = 0
        self._silent_frames = 0

    @property
    def in_speech(self) -> bool:
        """True once enough speech has been heard in the current utterance."""
        return self._speech_frames * self.config.frame_ms >= self.config.min_speech_ms

    @property
    def heard_anything(self) -> bool:
        """True if any frame of the current utterance was above the threshold."""
        return self._speech_frames > 0

    def feed(self, chunk: np.ndarray) -> list[int]:
        """Offsets in `chunk` just after each frame that ended an utterance (usually none)."""
        chunk = as_pcm(chunk)
        ends = []
        offset = -self._framer.pending  # the first frame starts with the held-over tail
        for frame in self._framer.push(chunk):
            offset += len(frame)
            if rms_dbfs(frame) >= self.config.threshold_dbfs:
                self._speech_frames += 1
                self._silent_frames = 0
                continue
            self._silent_frames += 1
            silent_ms = self._silent_frames * self.config.frame_ms
            if self.in_speech and silent_ms >= self.config.trailing_silence_ms:
                ends.append(offset)
                self._speech_frames = self._silent_frames = 0
        return ends

    def reset(self) -> None:
        """Start a new utterance (after a final result, whoever found the end)."""
        self._speech_frames = self._silent_frames = 0
