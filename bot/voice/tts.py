"""Text to int16 PCM with pyttsx3's espeak-ng driver, rendered in worker processes.

    synth = Synthesizer.from_env()
    pcm = await synth.render("Mirë se vini", "sq", fixed=True)   # 8 kHz, cached on disk
    pcm = await synth.render(sentence_with_amount, "sq")          # rendered for this turn

Each render runs in a fresh `python -m bot.voice.tts_worker` process that exits afterwards (see
`tts_worker` for why and for the pyttsx3 2.99 problems it works around). `workers` processes
are started ahead of need with their engine ready, so a render waits for the synthesis and the
hand-over (~20-60 ms for a short prompt), not the start-up (~80 ms of CPU, 20 MB, spent between
renders). A `multiprocessing` pool was measured and rejected: its spawn and forkserver children
re-import this service's `__main__` (2.5 s each with scipy loaded), and a worker that renders
many times carries audio from one render into the next.

Voices are the espeak-ng voices for Albanian (`sq`) and British English (`en-gb`), looked up by
language in pyttsx3's own voice list and selected through pyttsx3; after each render the worker
checks that pyttsx3 really used that voice. pyttsx3 selects both, so there is no fall-back to the
espeak-ng command line. The driver always renders at 22,050 Hz; the PCM is resampled to the
rate asked for. Texts are never logged (a dynamic sentence may hold a balance).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import Any

import numpy as np

from bot.config import PROJECT_ROOT
from bot.voice.audio import as_pcm, resample
from bot.voice.prompt_cache import PromptCache, prompt_key

VOICES: dict[str, str] = {"sq": "sq", "en": "en-gb"}  # our language -> espeak-ng language
DEFAULT_WORDS_PER_MINUTE = 175  # espeak-ng's own default pace
DEFAULT_SAMPLE_RATE = 8000


class TtsError(RuntimeError):
    """A render failed (worker error, timeout, no such voice)."""


class _WarmProcess:
    """A started `python -m bot.voice.tts_worker`, engine ready, waiting for its one job."""

    def __init__(self, words_per_minute: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.voice.tts_worker", str(words_per_minute)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=PROJECT_ROOT,
        )

    def run(self, job: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        """The worker's answer header and PCM bytes; TtsError on failure."""
        try:
            output, _ = self.process.communicate(json.dumps(job).encode("utf-8"), timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise TtsError(f"speech synthesis took longer than {timeout:.0f} s") from None
        line, _, pcm = output.partition(b"\n")
        try:
            header = json.loads(line)
        except ValueError:
            code = self.process.returncode
            raise TtsError(f"speech worker gave no answer (exit code {code})") from None
        if header.get("status") != "ok":
            raise TtsError(str(header.get("message", "speech worker failed")))
        if len(pcm) != header.get("bytes"):
            raise TtsError("speech worker answer was cut short")
        return header, pcm

    def stop(self) -> None:
        """End an idle worker (it exits when its input closes) or a stuck one."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()  # type: ignore[union-attr]
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        with contextlib.suppress(OSError):
            self.process.stdout.close()  # type: ignore[union-attr]


class _WarmPool:
    """At most `size` jobs at once, each in its own process; a fresh one is readied after each."""

    def __init__(self, size: int, words_per_minute: int) -> None:
        self._words_per_minute = words_per_minute
        self._idle: queue.SimpleQueue[_WarmProcess] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._size = size
        self._lock = threading.Lock()
        self._closed = False

    def warm_up(self) -> None:
        """Start the idle processes now rather than on the first job."""
        with self._lock:
            while not self._closed and self._idle.qsize() < self._size:
                self._idle.put(_WarmProcess(self._words_per_minute))

    def run(self, job: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        with self._slots:
            if self._closed:
                raise TtsError("the synthesizer is closed")
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:  # all taken by a burst: start one and wait for it
                worker = _WarmProcess(self._words_per_minute)
            try:
                return worker.run(job, timeout)
            finally:  # ready the next one after the render, not competing with it for a core
                threading.Thread(target=self._refill, name="tts-refill", daemon=True).start()

    def _refill(self) -> None:
        if self._closed or self._idle.qsize() >= self._size:
            return
        worker = _WarmProcess(self._words_per_minute)  # outside the lock: takes a few ms
        with self._lock:
            if not self._closed:
                self._idle.put(worker)
                return
        worker.stop()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            while True:
                try:
                    self._idle.get_nowait().stop()
                except queue.Empty:
                    break


class Synthesizer:
    """Renders text in `lang` to PCM; fixed prompts through a `PromptCache`. Thread-safe."""

    def __init__(
        self,
        *,
        cache: PromptCache | None = None,
        voices: Mapping[str, str] | None = None,
        words_per_minute: int = DEFAULT_WORDS_PER_MINUTE,
        workers: int = 2,
        timeout: float = 20.0,
    ) -> None:
        self.cache = cache if cache is not None else PromptCache()
        self.voices = dict(VOICES if voices is None else voices)
        self.words_per_minute = words_per_minute
        self.timeout = timeout
        self._pool = _WarmPool(workers, words_per_minute)
        self._renders = 0
        self._count_lock = threading.Lock()

    @classmethod
    def from_env(cls, **options: Any) -> Synthesizer:
        """Voices from `BOT_TTS_VOICE_SQ` / `_EN` (espeak-ng languages), pace from `BOT_TTS_RATE`
        (words per minute); other options as given."""
        voices = {
            lang: os.environ.get(f"BOT_TTS_VOICE_{lang.upper()}", voice)
            for lang, voice in VOICES.items()
        }
        rate = int(os.environ.get("BOT_TTS_RATE", str(DEFAULT_WORDS_PER_MINUTE)))
        return cls(voices=voices, words_per_minute=rate, **options)

    @property
    def renders(self) -> int:
        """How many texts were synthesized (cache hits not counted)."""
        return self._renders

    def warm_up(self) -> None:
        """Start the worker processes now (at service start) instead of on the first render."""
        self._pool.warm_up()

    def voice(self, lang: str) -> str:
        """The espeak-ng language of the voice for `lang`."""
        try:
            return self.voices[lang]
        except KeyError:
            raise TtsError(f"no voice configured for language {lang!r}") from None

    def available_voices(self) -> list[tuple[str, list[str]]]:
        """pyttsx3's espeak-ng voices: (voice id, languages)."""
        header, _ = self._pool.run({"job": "voices"}, self.timeout)
        return [(voice_id, list(languages)) for voice_id, languages in header["voices"]]

    def render_blocking(
        self, text: str, lang: str, *, sample_rate: int = DEFAULT_SAMPLE_RATE, fixed: bool = False
    ) -> np.ndarray:
        """`text` spoken in `lang` as int16 PCM at `sample_rate`; blocks (use `render` in asyncio).

        `fixed`: a prompt whose text never changes, rendered once and then read from the cache.
        Sentences with per-call content must not be `fixed` (they would be kept on disk).
        """
        text = text.strip()
        if not text:
            raise ValueError("nothing to say")
        voice = self.voice(lang)
        key = prompt_key(text, voice, self.words_per_minute, sample_rate) if fixed else None
        if key is not None and (hit := self.cache.get(key)) is not None:
            return hit[0]
        job = {"job": "render", "text": text, "language": voice}
        header, raw = self._pool.run(job, self.timeout)
        with self._count_lock:
            self._renders += 1
        pcm = resample(as_pcm(raw), int(header["sample_rate"]), sample_rate)
        if key is not None:
            return self.cache.put(key, pcm, sample_rate)[0]
        return pcm

    async def render(
        self, text: str, lang: str, *, sample_rate: int = DEFAULT_SAMPLE_RATE, fixed: bool = False
    ) -> np.ndarray:
        """`render_blocking` off the event loop."""
        return await asyncio.to_thread(
            self.render_blocking, text, lang, sample_rate=sample_rate, fixed=fixed
        )

    def close(self) -> None:
        """Stop the idle worker processes."""
        self._pool.close()

    def __enter__(self) -> Synthesizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
