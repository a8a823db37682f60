"""Recognizers kept warm between calls, one handed to each conversation.

A new free-recognition Vosk recognizer spends about as much CPU on its first 2 s of speech as
they last, and ~30 MB, while it fills its share of the decoding graph; a reused one runs at
~0.2 real time from the start. So a conversation takes a recognizer from the pool when it
starts and gives it back when it ends. Back in the pool, a recognizer has dropped the last
utterance and Vosk's copy of its text, starts the next caller's audio with a fresh feature
pipeline (no adaptation carried over), and runs free recognition again.
"""

from __future__ import annotations

import threading

from bot.voice.asr import Recognizer
from bot.voice.endpoint import EndpointConfig
from bot.voice.models import ModelInfo


class RecognizerPool:
    """Idle recognizers for one model and sample rate (thread-safe)."""

    def __init__(
        self,
        info: ModelInfo,
        sample_rate: int,
        *,
        keep: int = 32,  # a busy line's peak of speaking calls; ~30 MB each
        endpoint: EndpointConfig | None = None,
        partials: bool = False,  # the voice session acts on finals only
    ) -> None:
        self.info = info
        self.partials = partials
        self.sample_rate = sample_rate
        self.keep = keep
        self._endpoint = endpoint
        self._idle: list[Recognizer] = []
        self._lock = threading.Lock()

    @property
    def idle(self) -> int:
        return len(self._idle)

    def acquire(self) -> Recognizer:
        """A recognizer for one conversation: an idle one, or a new one (~0.1-0.2 s)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
        return Recognizer(self.info, self.sample_rate, endpoint=self._endpoint,
                          partials=self.partials)

    def release(self, recognizer: Recognizer) -> None:
        """Take back a conversation's recognizer (kept if fewer than `keep` are idle)."""
        theirs = (recognizer.info.path, recognizer.info.search, recognizer.sample_rate)
        if theirs != (self.info.path, self.info.search, self.sample_rate):
            raise ValueError("this recognizer belongs to another pool")
        recognizer.set_phrases(None)
        recognizer.reset()
        with self._lock:
            if len(self._idle) < self.keep and recognizer not in self._idle:
                self._idle.append(recognizer)
