"""Does recognition run in parallel on the recognition pool? Vosk's C calls should release the GIL.

    .venv/bin/python bench/voice_pool_bench.py [--streams 2] [--seconds 15]

Decodes the same espeak-ng Korean speech (8 kHz, 20 ms chunks, as a call feeds it) through
`VoiceServices.recognize` (the recognition pool, one thread per core), first one stream after the
other, then all streams at once, each with its own warm recognizer of the Korean model. If the
GIL were held during decoding, the streams at once would take as long as one after the other;
released, they take 1/N as long on N free cores. The ratio is the figure; on a shared machine the
other load caps it (compare with the load average printed).
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    asyncio.run(bench(args.streams, args.seconds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
