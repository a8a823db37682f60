"""Recognition on the pool: does it run in parallel (Vosk's C calls release the GIL), and what
does a speaking call cost in CPU, with and without voice-activity detection?

    .venv/bin/python bench/voice_pool_bench.py [--streams 2] [--seconds 15] [--calls 4]

Decodes the same espeak-ng Korean speech (8 kHz, 20 ms chunks, as a call feeds it) through
`VoiceServices.recognize` (the recognition pool, one thread per core), first one stream after the
other, then all streams at once, each with its own warm recognizer of the Korean model. If the
GIL were held during decoding, the streams at once would take as long as one after the other;
released, they take 1/N as long on N free cores. The ratio is the figure; on a shared machine the
other load caps it (compare with the load average printed).

Cost per call: `--calls` voice sessions at once (a stub assistant that answers at once, answers
said as a short tone) hear what a caller of `bench/sip_load_bench.py --speech` says: 1.94 s of
espeak-ng Korean speech then 3 s of a quiet line (-60 dBFS hiss), for `--seconds`, fed 20 ms at a
time as fast as the sessions take it. The CPU time of the whole process (event loop and pool
threads) over the seconds of calls heard is the cost of one speaking call in cores, whatever
else the machine does: 2 cores / cost is the ceiling on speaking calls, before the call layer's
~0.004 core per call (RTP, G.711). Measured for this configuration, for the same without the
recognizer's utterance finished at the caller's pause (`VadConfig(pause_ms=None)`: the trailing
silence decoded too) and for the baseline before voice-activity detection (`BOT_VOICE_VAD=off`:
every frame decoded), alternately.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.voice.asr import Recognizer  # noqa: E402
from bot.voice.audio import read_wav  # noqa: E402
from bot.voice.models import named_model  # noqa: E402
from bot.voice.services import VoiceServices  # noqa: E402
from bot.voice.tts import Synthesizer  # noqa: E402

CHUNK = 160


def speech(seconds: float) -> np.ndarray:
    with tempfile.TemporaryDirectory() as folder:
        raw, phone = Path(folder) / "raw.wav", Path(folder) / "phone.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw),
                        "안녕하세요 감사합니다 이 삼 오 네 아니요"], check=True)
        subprocess.run(["sox", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(phone)],
                       check=True)
        pcm = read_wav(phone)[0]
    return np.resize(pcm, int(8000 * seconds))


async def stream(services: VoiceServices, recognizer: Recognizer, pcm: np.ndarray) -> None:
    for start in range(0, len(pcm), CHUNK):
        await services.recognize(recognizer.accept, pcm[start:start + CHUNK])
    await services.recognize(recognizer.finish)


async def bench(streams: int, seconds: float) -> None:
    services = VoiceServices(Synthesizer(workers=1), models={"sq": named_model("ko", "sq")})
    pool = services.pool("sq", 8000)
    assert pool is not None
    recognizers = [pool.acquire() for _ in range(streams)]
    pcm = speech(seconds)
    await asyncio.gather(*(stream(services, r, pcm[:8000 * 3]) for r in recognizers))  # warm
    started = time.perf_counter()
    for recognizer in recognizers:
        await stream(services, recognizer, pcm)
    serial = time.perf_counter() - started
    started = time.perf_counter()
    await asyncio.gather(*(stream(services, r, pcm) for r in recognizers))
    together = time.perf_counter() - started
    services.close()
    print(f"load average {os.getloadavg()[0]:.2f}; {streams} streams of {seconds:.0f} s, "
          f"{os.cpu_count()} cores, pool of {services._asr._max_workers} threads")
    print(f"one after the other {serial:.2f} s, at once {together:.2f} s: "
          f"{serial / together:.2f} times as fast (GIL released: ~{streams} on free cores)")


class StubAssistant:
    async def send(self, *_: object, **__: object) -> list[dict[str, str]]:
        return [{"text": "ok"}]


class ToneSynthesizer:
    def warm_up(self) -> None:
        pass

    async def render(self, *_: object, **__: object) -> np.ndarray:
        return (3000 * np.sin(np.arange(800) / 3)).astype(np.int16)

    def close(self) -> None:
        pass


async def one_call(services: VoiceServices, audio: np.ndarray) -> None:
    from bot.voice.call_io import CallerAudio, CallerHangup
    from bot.voice.recorded import RecordingOutput
    from bot.voice.session import VoiceSession

    session = VoiceSession(assistant=StubAssistant(),  # type: ignore[arg-type]
                           output=RecordingOutput(8000), caller_id=None, services=services)
    # one 20 ms chunk at a time, as a call delivers them: the next waits until the session has
    # taken this one (no busy-waiting here: its CPU would count as the call's)
    events: asyncio.Queue = asyncio.Queue(maxsize=1)
    running = asyncio.ensure_future(session.run(events))
    for start in range(0, len(audio), CHUNK):
        await events.put(CallerAudio(audio[start:start + CHUNK]))
    await events.put(CallerHangup())
    await running


async def call_cost(calls: int, seconds: float) -> None:
    from bot.voice.services import VoiceSettings
    from bot.voice.vad import VadConfig, silero_session

    said = speech(1.94)
    rng = np.random.default_rng(1)
    turn = np.concatenate([said, rng.normal(0, 30, 8000 * 3).astype(np.int16)])
    audio = np.resize(turn, int(8000 * seconds))
    korean = named_model("ko", "sq")
    configs = {"this (Silero VAD, utterance finished at the pause)": VadConfig(),
               "decode after the end (before)": VadConfig(pause_ms=None),
               "baseline (no VAD)": VadConfig(engine="off", closed_set_silence_ms=None)}
    found: dict[str, list[float]] = {name: [] for name in configs}
    services = {name: VoiceServices(ToneSynthesizer(),  # type: ignore[arg-type]
                                    VoiceSettings(min_confidence=0.0),
                                    models={"sq": korean, "en": None}, vad=vad)
                for name, vad in configs.items()}
    for voice in services.values():  # warm recognizers for every call, as a running line
        pool = voice.pool("sq", 8000)
        assert pool is not None
        taken = [pool.acquire() for _ in range(calls)]
        await asyncio.gather(*(stream(voice, r, said) for r in taken))
        for recognizer in taken:
            pool.release(recognizer)
    silero_session()  # the VAD model loaded before timing
    for _ in range(2):
        for name, voice in services.items():
            cpu = time.process_time()
            await asyncio.gather(*(one_call(voice, audio) for _ in range(calls)))
            found[name].append((time.process_time() - cpu) / (calls * seconds))
    print(f"load average {os.getloadavg()[0]:.2f}; {calls} calls at once, {seconds:.0f} s each, "
          f"speech 1.94 s in every 4.94 s")
    for name, costs in found.items():
        cost = min(costs)
        print(f"{name}: {cost:.3f} of a core per speaking call (runs: "
              f"{', '.join(f'{c:.3f}' for c in costs)}); 2 cores / cost = {2 / cost:.0f} calls")
    for voice in services.values():
        voice.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--calls", type=int, default=4, help="sessions at once for the cost")
    parser.add_argument("--call-seconds", type=float, default=40.0)
    args = parser.parse_args()
    asyncio.run(bench(args.streams, args.seconds))
    asyncio.run(call_cost(args.calls, args.call_seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
