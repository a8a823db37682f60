"""End of free speech: how soon a trailing-silence rule ends a turn, against how often it cuts a
caller off at a pause inside the sentence.

    .venv/bin/python bench/voice_end_bench.py

The material is bench/voice_vad_bench.py's: 216 clips of espeak-ng speech (Albanian, English,
Korean; three voices; two levels; clean and under noise; through A-law), and from every sixth
clip, its speech said twice with an inner pause of 150, 250, 350 or 450 ms of the clip's own line
noise between (a caller who stops to think). Silero VAD judges every 32 ms frame once per clip;
each rule then segments those judgements the way `bot.voice.vad.SpeechDetector` does (speech
starts on 2 of 4 frames), ending the speech after N ms of frames that are "quiet": Silero's
probability below T (the rule in force: 300 ms below 0.5), or also quieter than -50 dBFS.

Reported per rule: the end lag (the last frame of speech -> the speech ended: what a caller
waits before the recognizer's final, p50 / p95), the share of plain clips cut in two or more
(their inner pauses are espeak-ng's: commas, word gaps), and per inserted pause the share of
clips cut there. A rule that ends sooner cuts shorter pauses: the question is where it starts
cutting.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from voice_vad_bench import RATE, clips  # noqa: E402

from bot.voice.audio import rms  # noqa: E402
from bot.voice.vad import SileroFrames, VadConfig  # noqa: E402

FRAME = 256  # 32 ms at 8 kHz: Silero's frame
GAPS_MS = (150, 250, 350, 450)
Quiet = Callable[[float, float], bool]  # (probability, rms) -> the frame counts as quiet


@dataclass
class Judged:
    truth: np.ndarray  # per 10 ms: speech
    frames: list[tuple[float, float]]  # per 32 ms frame: Silero's probability, rms
    gap: tuple[int, int] | None = None  # the inserted pause: first sample, samples


def judge(pcm: np.ndarray) -> list[tuple[float, float]]:
    silero = SileroFrames(RATE)
    found = []
    for at in range(0, len(pcm) - FRAME + 1, FRAME):
        frame = pcm[at:at + FRAME].astype(np.int16)
        found.append((silero.probability(frame), rms(frame)))
    return found


def material(folder: Path) -> tuple[list[Judged], dict[int, list[Judged]]]:
    made = clips(folder)
    plain = [Judged(c.speech, judge(c.pcm)) for c in made]
    paused: dict[int, list[Judged]] = {gap: [] for gap in GAPS_MS}
    for clip in made[::6]:
        speech = np.flatnonzero(clip.speech)
        lo, hi = speech[0] * 80, (speech[-1] + 1) * 80
        words, truth = clip.pcm[lo:hi], clip.speech[speech[0]:speech[-1] + 1]
        for gap in GAPS_MS:
            pause = np.resize(clip.pcm[:RATE // 2], RATE * gap // 1000)  # the lead's line noise
            pcm = np.concatenate([clip.pcm[:lo], words, pause, words, clip.pcm[hi:]])
            marks = np.concatenate([clip.speech[:speech[0]], truth,
                                    np.zeros(len(pause) // 80, bool), truth,
                                    clip.speech[speech[-1] + 1:]])
            paused[gap].append(Judged(marks, judge(pcm), (hi, len(pause))))
    return plain, paused


def segments(judged: Judged, quiet: Quiet, quiet_ms: int) -> list[tuple[int, int]]:
    """(first, end) samples of each speech segment under the rule."""
    config = VadConfig()
    start = max(1, round(config.start_ms / 32))
    window = max(start, round(config.start_window_ms / 32))
    needed = -(-quiet_ms // 32)
    found, recent, begun, count = [], [], None, 0
    for i, (probability, level) in enumerate(judged.frames):
        if begun is None:
            recent = [*recent, probability >= config.threshold][-window:]
            if sum(recent) >= start:
                begun, count, recent = i, 0, []
            continue
        count = count + 1 if quiet(probability, level) else 0
        if count >= needed:
            found.append((begun * FRAME, (i + 1) * FRAME))
            begun = None
    if begun is not None:
        found.append((begun * FRAME, len(judged.frames) * FRAME))
    return found


def measure(quiet: Quiet, quiet_ms: int, plain: list[Judged],
            paused: dict[int, list[Judged]]) -> dict[str, str]:
    lags, cut = [], 0
    for judged in plain:
        speech = np.flatnonzero(judged.truth)
        first, last = speech[0] * 80, (speech[-1] + 1) * 80
        inside = [(a, b) for a, b in segments(judged, quiet, quiet_ms)
                  if a <= last + 3200 and b >= first - 1600]
        cut += len(inside) > 1
        ends = [b for _, b in inside if b > last]
        if ends:
            lags.append((ends[0] - last) / RATE * 1000)
    found = {"lag": f"{np.percentile(lags, 50):.0f} / {np.percentile(lags, 95):.0f}",
             "cut": f"{100 * cut / len(plain):.1f}%"}
    for gap, items in paused.items():
        cuts = 0
        for judged in items:
            assert judged.gap is not None
            at, length = judged.gap
            cuts += any(at <= b <= at + length + 2 * FRAME
                        for _, b in segments(judged, quiet, quiet_ms))
        found[f"{gap}"] = f"{100 * cuts / len(items):.0f}%"
    return found


def rules() -> dict[str, tuple[Quiet, int]]:
    found: dict[str, tuple[Quiet, int]] = {
        "300 ms below 0.5 (in force)": (lambda p, _: p < 0.5, 300)}
    for ms in (224, 256, 288, 352):
        found[f"{ms} ms below 0.5"] = (lambda p, _: p < 0.5, ms)
    for threshold in (0.7, 0.85):
        for ms in (224, 288, 352):
            found[f"{ms} ms below {threshold}"] = (lambda p, _, t=threshold: p < t, ms)
    for ms in (224, 288):
        found[f"{ms} ms below 0.5 or -50 dBFS"] = (lambda p, r: p < 0.5 or r < 100, ms)
    return found


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as name:
        plain, paused = material(Path(name))
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{os.getloadavg()[0]:.2f}; {len(plain)} clips, {len(paused[GAPS_MS[0]])} per "
          f"inserted pause")
    print("\n| free speech ends after | end lag p50 / p95 (ms) | clips cut in two | "
          + " | ".join(f"cut at a {gap} ms pause" for gap in GAPS_MS) + " |")
    print("|---|---|---|" + "---|" * len(GAPS_MS))
    for label, (quiet, ms) in rules().items():
        r = measure(quiet, ms, plain, paused)
        print(f"| {label} | {r['lag']} | {r['cut']} | "
              + " | ".join(r[str(gap)] for gap in GAPS_MS) + " |")
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
