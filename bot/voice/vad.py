"""Where the caller speaks: a frame classifier (Silero VAD) under a segmenter with hysteresis.

    detector = SpeechDetector(8000)
    for event in detector.feed(pcm_chunk):   # SpeechStart (with pre-roll), SpeechAudio, SpeechEnd
        ...

Only speech goes to the recognizer (decoding every frame of silence cost ~0.22 of a core per
call), and speech start, not a recognizer partial, is what cuts a prompt off, so barge-in works on
a line with no speech model too. One frame judged speech is not enough (a click, a cough of line
noise): speech starts when `start_ms` of the last `start_window_ms` were speech, and the audio
handed on then begins `preroll_ms` earlier, so that the recognizer hears the first syllable. It
ends after `trailing_silence_ms` judged not speech. Pure computation, no clock: time is the audio.

The first `pause_ms` judged not speech send a `SpeechPause`: the speech is probably over, so the
session finishes the recognizer's utterance then, and when the trailing silence ends the speech
the final is already decoded (it was ~45 ms of the end of a free sentence: bench/RESULTS.md);
the quiet after the pause is not decoded. If speech comes back first (`SpeechResume`), the audio
since the pause goes to the recognizer as a new utterance and its words are joined to the first
part's: the caller is not cut off, and the rule that ends speech is the same as without pauses.

The classifier is Silero VAD (its ONNX model, shipped in PyPI `silero-vad`, run by onnxruntime
on 32 ms frames at 8 or 16 kHz), chosen over WebRTC's VAD by measurement on 8 kHz telephone
audio (bench/voice_vad_bench.py, bench/RESULTS.md): on the same segmenter it found every
utterance and never split one, and started no speech on hiss, hum, clicks, call-progress or
keypad tones, where WebRTC's started speech up to 100 times a minute on tones and split 12 % of
utterances at inner pauses; it costs ~5 ms of CPU per second of audio against WebRTC's ~0.7 ms
(0.5 % of a core per call). One model session serves every call (onnxruntime runs it
thread-safely); each call keeps its own recurrent state.

Silero hears speech on for ~170 ms after the last sound. Free speech waits that out (cutting it
by loudness split 5 % of answers at a quiet inner pause), but a closed-set answer that is already
complete ends after `closed_set_silence_ms` of frames that are either not speech or quieter
than `min_rms` (-50 dBFS; telephone speech is -15..-35 dBFS): `trailing_quiet_ms`.

WebRTC's VAD (`BOT_VOICE_VAD=webrtc`) stays selectable; it has no idea of loudness, and before it
has learnt a line's noise floor (its first ~100 ms) it calls faint hiss speech (a baresip
caller's -60 dBFS room noise cut the greeting off), so it runs behind the same floor.
`BOT_VOICE_VAD=off` judges every frame speech: all audio is decoded and only the recognizer's
own end-of-utterance rules end an utterance, as before this stage existed (kept as the
benchmarks' baseline).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from bot.voice.audio import Framer, as_pcm, rms, samples_for, to_bytes

FRAME_MS = 20
RATES = (8000, 16000, 32000, 48000)
SILERO_RATES = (8000, 16000)
Engine = Literal["silero", "webrtc", "off"]


@dataclass(frozen=True)
class VadConfig:
    """The detector's settings (milliseconds of audio)."""

    engine: Engine = "silero"  # "off": every frame is speech (the baseline before this stage)
    threshold: float = 0.5  # silero: a frame whose speech probability reaches this is speech
    mode: int = 3  # webrtc
    start_ms: int = 80  # of the last `start_window_ms`, this much speech: speech starts
    start_window_ms: int = 120
    preroll_ms: int = 200
    # free speech ends after this much non-speech: longer than the pauses inside one answer
    # (bench/voice_vad_bench.py), short enough that the caller is not kept waiting
    trailing_silence_ms: int = 300
    # a closed-set answer (digits, a spoken key) that is already complete ends after this much
    # (None: it waits for `trailing_silence_ms` like free speech)
    closed_set_silence_ms: int | None = 100
    # after this much non-speech the speech is probably over: `SpeechPause`, on which the
    # session finishes the recognizer's utterance while the trailing silence is still being
    # counted (None: no pause events, the whole end of turn waits for the final decode)
    pause_ms: int | None = 96
    min_rms: float = 100.0  # int16 units, about -50 dBFS: quieter frames are never speech
    # the longest one speech: a caller (or a line's noise judged speech) who never stops is
    # ended here, answered, and heard again, so that no utterance, its decode or its held audio
    # grows without bound (None: no limit; `engine="off"` never ends speech itself)
    max_speech_ms: int | None = 20_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> VadConfig:
        """`BOT_VOICE_VAD` (silero, webrtc or off), `BOT_VOICE_END_SILENCE_MS` (free speech),
        `BOT_VOICE_CLOSED_SET_SILENCE_MS`, `BOT_VOICE_PAUSE_MS` and `BOT_VOICE_MAX_SPEECH_MS`
        (a number, or off)."""
        env = os.environ if env is None else env
        closed = env.get("BOT_VOICE_CLOSED_SET_SILENCE_MS", "").strip().lower()
        pause = env.get("BOT_VOICE_PAUSE_MS", "").strip().lower()
        longest = env.get("BOT_VOICE_MAX_SPEECH_MS", "").strip().lower()
        engine = env.get("BOT_VOICE_VAD", "").strip().lower() or cls.engine
        if engine not in ("silero", "webrtc", "off"):
            raise ValueError(f"BOT_VOICE_VAD={engine!r}: use silero, webrtc or off")
        return cls(
            engine=engine,  # type: ignore[arg-type]
            trailing_silence_ms=int(env.get("BOT_VOICE_END_SILENCE_MS")
                                    or cls.trailing_silence_ms),
            closed_set_silence_ms=(None if closed in ("off", "none") else
                                   int(closed) if closed else cls.closed_set_silence_ms),
            pause_ms=None if pause in ("off", "none") else int(pause) if pause else cls.pause_ms,
            max_speech_ms=(None if longest in ("off", "none") else
                           int(longest) if longest else cls.max_speech_ms),
        )


class FrameClassifier(Protocol):
    """Judges fixed-length frames of audio: speech or not."""

    frame_ms: int

    def is_speech(self, frame: np.ndarray) -> bool: ...


class WebRtcFrames:
    """WebRTC's VAD on 20 ms frames, behind a loudness floor."""

    frame_ms = FRAME_MS

    def __init__(self, sample_rate: int, mode: int = 3, min_rms: float = 100.0) -> None:
        import webrtcvad

        if sample_rate not in RATES:
            raise ValueError(f"sample rate {sample_rate}: use one of {RATES}")
        self.sample_rate = sample_rate
        self.min_rms = min_rms
        self._vad = webrtcvad.Vad(mode)

    def is_speech(self, frame: np.ndarray) -> bool:
        if rms(frame) < self.min_rms:
            return False
        return bool(self._vad.is_speech(to_bytes(frame), self.sample_rate))


def silero_model_path() -> Path:
    """The ONNX model inside PyPI `silero-vad` (its Python part, which needs torch, is never
    imported)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("silero-vad is not installed (requirements/lock.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"


_silero: Any = None
_silero_lock = threading.Lock()


def silero_session() -> Any:
    """The process's one onnxruntime session of the model (loaded once, ~10 ms)."""
    global _silero
    with _silero_lock:
        if _silero is None:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = options.inter_op_num_threads = 1
            _silero = onnxruntime.InferenceSession(str(silero_model_path()), options,
                                                   providers=["CPUExecutionProvider"])
        return _silero


class SileroFrames:
    """Silero VAD on 32 ms frames; the model carries state from frame to frame (one per call)."""

    frame_ms = 32

    def __init__(self, sample_rate: int, threshold: float = 0.5, min_rms: float = 0.0) -> None:
        if sample_rate not in SILERO_RATES:
            raise ValueError(f"sample rate {sample_rate}: use one of {SILERO_RATES}")
        self.threshold = threshold
        self.min_rms = min_rms
        self._session = silero_session()
        self._rate = np.array(sample_rate, dtype=np.int64)
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        # the model takes each frame with the end of the one before (32 samples at 8 kHz)
        self._context = np.zeros((1, sample_rate // 250), dtype=np.float32)

    def probability(self, frame: np.ndarray) -> float:
        x = np.concatenate([self._context, frame.astype(np.float32)[None, :] / 32768.0], axis=1)
        out, self._state = self._session.run(None, {"input": x, "state": self._state,
                                                    "sr": self._rate})
        self._context = x[:, -self._context.shape[1]:]
        return float(out[0, 0])

    def is_speech(self, frame: np.ndarray) -> bool:
        """Speech by the model (and louder than `min_rms`, if one is set)."""
        likely = self.probability(frame) >= self.threshold  # always run: the state goes on
        return likely and (not self.min_rms or rms(frame) >= self.min_rms)


class EveryFrame:
    """Every frame is speech: no detection (the baseline)."""

    frame_ms = FRAME_MS

    def is_speech(self, frame: np.ndarray) -> bool:
        return True


@dataclass(frozen=True)
class SpeechStart:
    """Speech began; `pcm`: the audio from `preroll_ms` before it up to now."""

    pcm: np.ndarray


@dataclass(frozen=True)
class SpeechAudio:
    """More audio of the speech in progress (its trailing silence included)."""

    pcm: np.ndarray


@dataclass(frozen=True)
class SpeechPause:
    """`pause_ms` of non-speech inside speech: it may be the end (more audio follows, then
    `SpeechEnd` or `SpeechResume`)."""


@dataclass(frozen=True)
class SpeechResume:
    """Speech again after a `SpeechPause`, before the trailing silence ended it (the audio
    just before this event holds the frame that was speech again)."""


@dataclass(frozen=True)
class SpeechEnd:
    """`trailing_silence_ms` of non-speech after speech, or `max_speech_ms` of speech."""


VadEvent = SpeechStart | SpeechAudio | SpeechPause | SpeechResume | SpeechEnd


def classifier_for(sample_rate: int, config: VadConfig) -> FrameClassifier:
    if config.engine == "off":
        return EveryFrame()
    if config.engine == "webrtc" or sample_rate not in SILERO_RATES:
        return WebRtcFrames(sample_rate, config.mode, config.min_rms)
    return SileroFrames(sample_rate, config.threshold)


class SpeechDetector:
    """Speech segments in one call's audio; see the module docstring."""

    def __init__(self, sample_rate: int, config: VadConfig | None = None,
                 classifier: FrameClassifier | None = None) -> None:
        self.sample_rate = sample_rate
        self.config = config or VadConfig()
        self.classifier = classifier or classifier_for(sample_rate, self.config)
        frame_ms = self.classifier.frame_ms
        self._framer = Framer(samples_for(frame_ms, sample_rate))
        self._start_frames = max(1, round(self.config.start_ms / frame_ms))
        self._recent: deque[bool] = deque(
            maxlen=max(self._start_frames, round(self.config.start_window_ms / frame_ms)))
        self._preroll: deque[np.ndarray] = deque(
            maxlen=max(1, round(self.config.preroll_ms / frame_ms)))
        self._frame_ms = frame_ms
        self._in_speech = False
        self._paused = False  # a SpeechPause was sent and no speech since
        self._silent_frames = 0
        self._quiet_frames = 0
        self._speech_frames = 0  # of the speech in progress
        longest = self.config.max_speech_ms
        self._max_frames = (None if longest is None or isinstance(self.classifier, EveryFrame)
                            else max(1, round(longest / frame_ms)))

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    @property
    def trailing_silence_ms(self) -> int:
        """How long the speech in progress has been judged not speech (0 outside speech)."""
        return self._silent_frames * self._frame_ms if self._in_speech else 0

    @property
    def trailing_quiet_ms(self) -> int:
        """How long the speech in progress has been not speech or quieter than `min_rms`."""
        return self._quiet_frames * self._frame_ms if self._in_speech else 0

    def feed(self, pcm: np.ndarray) -> list[VadEvent]:
        """Take a chunk of audio (any length); the events it completes, in order."""
        events: list[VadEvent] = []
        speech: list[np.ndarray] = []
        for frame in self._framer.push(as_pcm(pcm)):
            voiced = self.classifier.is_speech(frame)
            if not self._in_speech:
                self._recent.append(voiced)
                self._preroll.append(frame)
                if sum(self._recent) >= self._start_frames:
                    self._in_speech, self._silent_frames, self._quiet_frames = True, 0, 0
                    self._speech_frames = 0
                    events.append(SpeechStart(np.concatenate(list(self._preroll))))
                    self._preroll.clear()
                    self._recent.clear()
                continue
            speech.append(frame)
            self._speech_frames += 1
            self._silent_frames = 0 if voiced else self._silent_frames + 1
            loud = voiced and rms(frame) >= self.config.min_rms
            self._quiet_frames = 0 if loud else self._quiet_frames + 1
            silent_ms = self._silent_frames * self._frame_ms
            pause = self.config.pause_ms
            too_long = self._max_frames is not None and self._speech_frames >= self._max_frames
            if silent_ms >= self.config.trailing_silence_ms or too_long:
                events += [SpeechAudio(np.concatenate(speech)), SpeechEnd()]
                speech = []
                self._in_speech, self._paused, self._silent_frames = False, False, 0
            elif voiced and self._paused:
                events += [SpeechAudio(np.concatenate(speech)), SpeechResume()]
                speech, self._paused = [], False
            elif pause is not None and not self._paused and silent_ms >= pause:
                events += [SpeechAudio(np.concatenate(speech)), SpeechPause()]
                speech, self._paused = [], True
        if speech:
            events.append(SpeechAudio(np.concatenate(speech)))
        return events

    def reset(self) -> None:
        """Forget the speech in progress (the utterance was ended or dropped)."""
        self._in_speech, self._silent_frames, self._quiet_frames = False, 0, 0
        self._paused = False
        self._recent.clear()
        self._preroll.clear()
