"""Where the caller speaks: WebRTC's voice-activity detector over 20 ms frames, with hysteresis.

    detector = SpeechDetector(8000)
    for event in detector.feed(pcm_chunk):   # SpeechStart (with pre-roll), SpeechAudio, SpeechEnd
        ...

Only speech goes to the recognizer (decoding every frame of silence cost ~0.22 of a core per
call), and speech start, not a recognizer partial, is what cuts a prompt off, so barge-in works on
a line with no speech model too. One frame judged speech is not enough (a click, a cough of line
noise): speech starts when `start_frames` of the last `start_window` frames are speech, and the
audio handed on then begins `preroll_ms` earlier, so that the recognizer hears the first syllable.
It ends after `trailing_silence_ms` of frames judged not speech. Pure computation, no clock: time
is the audio itself.

webrtcvad (PyPI `webrtcvad-wheels`) takes 10/20/30 ms frames at 8, 16, 32 or 48 kHz; its mode 0-3
trades missed speech for false alarms (3: fewest false alarms, which suits a telephone line).
It has no idea of loudness, and before it has learnt a line's noise floor (its first ~100 ms) it
calls faint hiss speech: a baresip caller's -60 dBFS room noise cut the greeting off. So a frame
is speech only if it is also louder than `min_rms` (-50 dBFS; telephone speech is -15..-35 dBFS).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from bot.voice.audio import Framer, as_pcm, rms, samples_for, to_bytes

FRAME_MS = 20
RATES = (8000, 16000, 32000, 48000)


@dataclass(frozen=True)
class VadConfig:
    mode: int = 3
    start_frames: int = 4  # of the last `start_window` frames, this many speech: speech starts
    start_window: int = 6
    preroll_ms: int = 200
    trailing_silence_ms: int = 400  # free speech: this much non-speech ends it
    min_rms: float = 100.0  # int16 units, about -50 dBFS: quieter frames are never speech


@dataclass(frozen=True)
class SpeechStart:
    """Speech began; `pcm`: the audio from `preroll_ms` before it up to now."""

    pcm: np.ndarray


@dataclass(frozen=True)
class SpeechAudio:
    """More audio of the speech in progress (its trailing silence included)."""

    pcm: np.ndarray


@dataclass(frozen=True)
class SpeechEnd:
    """`trailing_silence_ms` of non-speech after speech."""


VadEvent = SpeechStart | SpeechAudio | SpeechEnd


class SpeechDetector:
    """Speech segments in one call's audio; see the module docstring."""

    def __init__(self, sample_rate: int, config: VadConfig | None = None) -> None:
        import webrtcvad

        if sample_rate not in RATES:
            raise ValueError(f"sample rate {sample_rate}: use one of {RATES}")
        self.sample_rate = sample_rate
        self.config = config or VadConfig()
        self._vad = webrtcvad.Vad(self.config.mode)
        self._framer = Framer(samples_for(FRAME_MS, sample_rate))
        self._recent: deque[bool] = deque(maxlen=self.config.start_window)
        self._preroll: deque[np.ndarray] = deque(
            maxlen=max(1, self.config.preroll_ms // FRAME_MS))
        self._in_speech = False
        self._silent_frames = 0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def trailing_silence_ms(self) -> int:
        """How long the speech in progress has been quiet (0 outside speech)."""
        return self._silent_frames * FRAME_MS if self._in_speech else 0

    def is_speech(self, frame: np.ndarray) -> bool:
        """One 20 ms frame: loud enough, and speech by WebRTC's judgement."""
        if rms(frame) < self.config.min_rms:
            return False
        return bool(self._vad.is_speech(to_bytes(frame), self.sample_rate))

    def feed(self, pcm: np.ndarray) -> list[VadEvent]:
        """Take a chunk of audio (any length); the events it completes, in order."""
        events: list[VadEvent] = []
        speech: list[np.ndarray] = []
        for frame in self._framer.push(as_pcm(pcm)):
            voiced = self.is_speech(frame)
            if not self._in_speech:
                self._recent.append(voiced)
                self._preroll.append(frame)
                if sum(self._recent) >= self.config.start_frames:
                    self._in_speech, self._silent_frames = True, 0
                    events.append(SpeechStart(np.concatenate(list(self._preroll))))
                    self._preroll.clear()
                    self._recent.clear()
                continue
            speech.append(frame)
            self._silent_frames = 0 if voiced else self._silent_frames + 1
            if self._silent_frames * FRAME_MS >= self.config.trailing_silence_ms:
                events.append(SpeechAudio(np.concatenate(speech)))
                speech = []
                events.append(SpeechEnd())
                self._in_speech, self._silent_frames = False, 0
        if speech:
            events.append(SpeechAudio(np.concatenate(speech)))
        return events

    def reset(self) -> None:
        """Forget the speech in progress (the utterance was ended or dropped)."""
        self._in_speech, self._silent_frames = False, 0
        self._recent.clear()
        self._preroll.clear()
