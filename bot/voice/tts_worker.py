"""The child side of speech synthesis: one pyttsx3 (espeak-ng) render per process, then exit.

    python -m bot.voice.tts_worker WORDS_PER_MINUTE    (started by `bot.voice.tts`)

pyttsx3 2.99's espeak driver, as measured here, needs three precautions:

- `runAndWait()` returns when synthesis has *started*: it queues `endLoop`, which runs in the
  driver's first pass, before the text is handed to espeak-ng. The file written by
  `save_to_file` appears when espeak-ng's thread finishes; under load it was missing or cut
  short in 5 of 40 renders. We wait for pyttsx3's `finished-utterance` notification, sent once
  the file is written (40 of 40 complete).
- That early `endLoop` also cancels espeak-ng's command queue if it is busy, which can drop a
  speaking-rate change queued just before: one render in two came out at pyttsx3's default 200
  words a minute. The rate is therefore set when the process starts, through pyttsx3's own
  espeak-ng binding, and applied (`Synchronize`) before any job; per job only the voice changes,
  which espeak-ng does synchronously. pyttsx3 still reads and selects the voices.
- A reused engine carries audio between renders: 15 of 16 renders differed from a fresh
  process's, by 4 to 870 samples. A fresh process gives exactly the espeak-ng command line's
  samples count. So each process renders once and exits; `bot.voice.tts` starts the next one
  ahead of need, so the ~80 ms start-up is not waited for.

Why not `multiprocessing`: its spawn and forkserver children re-import the parent's `__main__`
(the whole service: 2.5 s per child with scipy loaded), and forking a process that runs Vosk
threads is unsafe. A `python -m` child imports only the standard library and pyttsx3.

Protocol: the job is one JSON object on stdin (`{"job": "render", "text", "language"}` or
`{"job": "voices"}`); the answer on stdout is one JSON line (`status` "ok" or "error",
`message`, and for a render `sample_rate`, `voice_id`, `bytes`) followed by that many bytes of
16-bit little-endian mono PCM. The text is never logged or echoed.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import wave
from typing import Any, BinaryIO

PYTTSX3_DRIVER = "espeak"
RENDER_TIMEOUT_S = 30.0


def _voices(engine: Any) -> list[tuple[str, list[str]]]:
    return [(voice.id, list(voice.languages or [])) for voice in engine.getProperty("voices")]


def _voice_for(engine: Any, language: str) -> str:
    """The espeak-ng voice id (e.g. `ine/sq`) whose language is exactly `language` (`sq`)."""
    for voice_id, languages in _voices(engine):
        if language in languages:
            return voice_id
    raise LookupError(f"espeak-ng has no voice for language {language!r}")


def start_engine(words_per_minute: int) -> Any:
    """pyttsx3's espeak-ng engine, speaking rate applied (see the module docstring)."""
    import pyttsx3
    from pyttsx3.drivers import _espeak

    engine = pyttsx3.init(PYTTSX3_DRIVER)
    _espeak.SetParameter(_espeak.RATE, words_per_minute, 0)
    _espeak.Synchronize()  # wait until espeak-ng's queue has applied it
    return engine


def render(engine: Any, text: str, language: str) -> tuple[bytes, int, str]:
    """PCM bytes, sample rate and voice id of `text` spoken by the voice for `language`."""
    voice_id = _voice_for(engine, language)
    engine.setProperty("voice", voice_id)
    finished = threading.Event()
    token = engine.connect("finished-utterance", lambda **_: finished.set())
    with tempfile.TemporaryDirectory(prefix="tts-") as work:
        path = os.path.join(work, "out.wav")
        engine.save_to_file(text, path)
        engine.runAndWait()  # returns once synthesis has *started* (see the module docstring)
        if not finished.wait(RENDER_TIMEOUT_S):
            raise TimeoutError("espeak-ng did not finish the utterance")
        engine.disconnect(token)
        # pyttsx3 queues property changes and drops a failed one silently: check what was used
        used = engine.getProperty("voice")
        if used != voice_id:
            raise LookupError(f"pyttsx3 did not select voice {voice_id!r} (it used {used!r})")
        if not os.path.exists(path):
            raise RuntimeError("pyttsx3 wrote no audio file")
        with wave.open(path, "rb") as wav:
            return wav.readframes(wav.getnframes()), wav.getframerate(), voice_id


def _answer(out: BinaryIO, header: dict[str, Any], pcm: bytes = b"") -> None:
    out.write(json.dumps({**header, "bytes": len(pcm)}).encode("utf-8") + b"\n")
    out.write(pcm)
    out.close()


def main(argv: list[str] | None = None) -> int:
    # the answer goes to the real stdout; anything printed (pyttsx3 prints "Audio saved to
    # <file>") goes nowhere
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    args = sys.argv[1:] if argv is None else argv
    engine = startup_error = None
    try:
        engine = start_engine(int(args[0]))
    except Exception as error:  # reported as the answer to the job
        startup_error = f"pyttsx3 could not start: {type(error).__name__}: {error}"
    raw = sys.stdin.buffer.read()  # waits here, ready, until the job arrives
    if not raw.strip():
        return 0  # closed without a job: the synthesizer is shutting down
    try:
        job = json.loads(raw)
        if engine is None:
            raise RuntimeError(startup_error)
        if job["job"] == "voices":
            _answer(out, {"status": "ok", "voices": _voices(engine)})
        elif job["job"] == "render":
            pcm, rate, voice_id = render(engine, job["text"], job["language"])
            _answer(out, {"status": "ok", "sample_rate": rate, "voice_id": voice_id}, pcm)
        else:
            raise ValueError(f"unknown job {job['job']!r}")
    except Exception as error:  # any failure goes back as the answer (never the text)
        _answer(out, {"status": "error", "message": f"{type(error).__name__}: {error}"})
        return 1
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # skip the interpreter's teardown (50-100 ms of pyttsx3 and espeak-ng clean-up): the answer
    # is out, the temporary files are gone, and the parent waits for this exit
    os._exit(code)
