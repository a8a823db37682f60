"""What every voice session of a process shares: the synthesizer, warm recognizers, settings.

    services = VoiceServices.from_env()     # at service start
    ...                                     # one VoiceSession per call
    services.close()                        # at shutdown

Recognizers come from one `RecognizerPool` per (language, sample rate), made when a call first
needs it; a language with no configured Vosk model (`BOT_VOSK_MODEL_<LANG>`) gets none, and its
calls run keypad-first.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from bot.i18n import LANGUAGES
from bot.menus import menu_for
from bot.voice.asr import Recognizer
from bot.voice.asr_pool import RecognizerPool
from bot.voice.models import ModelInfo, model_for
from bot.voice.phrases import KeyWords
from bot.voice.tts import Synthesizer
from bot.voice.vad import SpeechDetector, VadConfig

T = TypeVar("T")


WARM_UP_SECONDS = 4  # of speech per recognizer: most of the first-use cost (bench/voice_bench.py)


def _warm(recognizer: Recognizer, speech: np.ndarray) -> None:
    for start in range(0, len(speech), 1600):
        recognizer.accept(speech[start:start + 1600])
    recognizer.finish()


def asr_workers(env: Mapping[str, str] | None = None) -> int:
    """Threads for recognition: `BOT_VOICE_ASR_WORKERS`, else one per core. Decoding is CPU
    work (Vosk releases the GIL), so more threads than cores only make every call late."""
    env = os.environ if env is None else env
    return max(1, int(env.get("BOT_VOICE_ASR_WORKERS") or (os.cpu_count() or 2)))


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    return float(env.get(name, str(default)))


@dataclass(frozen=True)
class VoiceSettings:
    """Timeouts and thresholds of the dialogue on the phone (seconds)."""

    no_input_timeout: float = 6.0  # after a prompt, silence this long is a no-input
    first_digit_timeout: float = 8.0  # digit strings: to the first key after the question
    inter_digit_timeout: float = 4.0  # ... and between keys
    max_failures: int = 3  # no-inputs / no-matches in a row before the caller goes to an agent
    min_confidence: float = 0.3  # recognized text below this is a no-match
    agent_message: str = "/talk_to_agent"  # what is sent to the assistant after max_failures

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> VoiceSettings:
        """`BOT_VOICE_NO_INPUT_S`, `BOT_VOICE_FIRST_DIGIT_S`, `BOT_VOICE_INTER_DIGIT_S`,
        `BOT_VOICE_MAX_FAILURES`, `BOT_VOICE_MIN_CONFIDENCE`."""
        env = os.environ if env is None else env
        return cls(
            no_input_timeout=_float(env, "BOT_VOICE_NO_INPUT_S", cls.no_input_timeout),
            first_digit_timeout=_float(env, "BOT_VOICE_FIRST_DIGIT_S", cls.first_digit_timeout),
            inter_digit_timeout=_float(env, "BOT_VOICE_INTER_DIGIT_S", cls.inter_digit_timeout),
            max_failures=int(env.get("BOT_VOICE_MAX_FAILURES", str(cls.max_failures))),
            min_confidence=_float(env, "BOT_VOICE_MIN_CONFIDENCE", cls.min_confidence),
        )


class VoiceServices:
    """Per-process voice resources, shared by all sessions (thread-safe)."""

    def __init__(
        self,
        synthesizer: Synthesizer,
        settings: VoiceSettings | None = None,
        *,
        key_words: KeyWords | None = None,
        models: Mapping[str, ModelInfo | None] | None = None,
        vad: VadConfig | None = None,
    ) -> None:
        self.synthesizer = synthesizer
        self.settings = settings or VoiceSettings()
        self.vad = vad or VadConfig()
        self.key_words = key_words or KeyWords.default()
        # language -> model; a language not in `models` is looked up in the environment
        self._models: dict[str, ModelInfo | None] = dict(models or {})
        self._pools: dict[tuple[str, int], RecognizerPool] = {}
        self._lock = threading.Lock()
        self._asr = ThreadPoolExecutor(asr_workers(), thread_name_prefix="asr")

    async def recognize(self, work: Callable[..., T], *args: object) -> T:
        """Run recognizer work (`accept`, `finish`, `set_phrases`...) on the recognition pool,
        off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._asr, work, *args)

    @classmethod
    def from_env(cls, **options: object) -> VoiceServices:
        """Synthesizer, settings, voice-activity detection and models from the environment; a
        misconfigured model fails here (ModelConfigError), not on the first call."""
        models = {lang: model_for(lang) for lang in LANGUAGES}
        return cls(Synthesizer.from_env(), VoiceSettings.from_env(), models=models,
                   vad=VadConfig.from_env(), **options)  # type: ignore[arg-type]

    def model(self, lang: str) -> ModelInfo | None:
        with self._lock:
            if lang not in self._models:
                self._models[lang] = model_for(lang)
            return self._models[lang]

    def pool(self, lang: str, sample_rate: int) -> RecognizerPool | None:
        """The pool for `lang` at `sample_rate`; None: no model, keypad-first."""
        info = self.model(lang)
        if info is None:
            return None
        with self._lock:
            key = (lang, sample_rate)
            if key not in self._pools:
                self._pools[key] = RecognizerPool(info, sample_rate)
            return self._pools[key]

    async def acquire_recognizer(self, lang: str, sample_rate: int) -> Recognizer | None:
        """A recognizer for one call in `lang` (the model loads on first use, off the loop)."""
        pool = self.pool(lang, sample_rate)
        return None if pool is None else await asyncio.to_thread(pool.acquire)

    def release_recognizer(self, lang: str, recognizer: Recognizer) -> None:
        pool = self.pool(lang, recognizer.sample_rate)
        if pool is not None:
            pool.release(recognizer)

    async def warm_up(self, sample_rate: int, recognizers: int = 1) -> None:
        """Start the synthesis workers, load the voice-activity model and the configured speech
        models, and leave `recognizers` warm recognizers per language in its pool.

        A new recognizer spends about as much CPU on its first seconds of speech as they last
        (it fills its share of the decoding graph): each is warmed here on the main menu as the
        synthesizer says it, off the event loop and in parallel on the recognition pool."""
        self.synthesizer.warm_up()
        SpeechDetector(sample_rate, self.vad)
        for lang in LANGUAGES:
            pool = self.pool(lang, sample_rate)
            if pool is None:
                continue
            taken = [await asyncio.to_thread(pool.acquire) for _ in range(max(1, recognizers))]
            speech = await self.synthesizer.render(menu_for("main").spoken(lang), lang,
                                                   sample_rate=sample_rate, fixed=True)
            speech = speech[:WARM_UP_SECONDS * sample_rate]
            await asyncio.gather(*(self.recognize(_warm, recognizer, speech)
                                   for recognizer in taken))
            for recognizer in taken:
                pool.release(recognizer)

    def close(self) -> None:
        self.synthesizer.close()
        self._asr.shutdown(wait=False, cancel_futures=True)
