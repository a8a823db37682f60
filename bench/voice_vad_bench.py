"""Voice-activity detectors compared on 8 kHz telephone audio: WebRTC's VAD against Silero's (ONNX).

    .venv/bin/python bench/voice_vad_bench.py

Every classifier runs under the same segmenter (bot.voice.vad.SpeechDetector with `VadConfig()`:
speech starts when 80 of the last 120 ms are speech, a 200 ms pre-roll, the trailing silence
ends it), so only the frame judgement differs. The audio is what a call delivers: espeak-ng
speech (Albanian, English, Korean; three speeds, two pitches) band-limited to 300-3400 Hz by
sox, at a normal and a quiet level, clean and under white noise at 20 and 10 dB SNR, through
G.711 A-law; and noise alone: hiss at -60 and -45 dBFS, mains hum, clicks, the network's
call-progress tones (baresip's ringback, busy and call-waiting recordings) and keypad tones.
Ground truth: the 10 ms frames of the clean speech
within 25 dB of its level.

Reported per detector: clips whose speech start was found (a start from 200 ms before the
speech on; an earlier false start that runs into the speech does not count), the start delay
(first speech frame -> SpeechStart; the pre-roll hands the recognizer 200 ms before it), the
share of speech frames inside a detected segment (what the recognizer hears), segments per clip
(more than one: the utterance was cut at an inner pause), the end lag (last speech frame ->
SpeechEnd, less the trailing rule's own silence: the classifier's hangover, which every turn
waits for), false starts per minute of noise alone, CPU per second of
audio, and the longest inner pause the classifier hears inside one utterance (what the trailing
silence must exceed, so that free speech is not cut off).
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.voice import g711  # noqa: E402
from bot.voice.audio import frames, read_wav, rms_dbfs  # noqa: E402
from bot.voice.dtmf_tones import tone  # noqa: E402
from bot.voice.vad import (  # noqa: E402
    FrameClassifier,
    SileroFrames,
    SpeechDetector,
    SpeechStart,
    VadConfig,
    WebRtcFrames,
    silero_model_path,
)

RATE = 8000
SENTENCES = {
    "sq": ["Dua të di bilancin e llogarisë sime", "Kam humbur kartën, më ndihmoni ju lutem",
           "katër dy shtatë tetë", "Po, faleminderit"],
    "en-us": ["I would like to know the balance of my account", "I lost my card, please help",
              "four two seven eight", "yes, thank you"],
    "ko": ["안녕하세요 감사합니다", "이 삼 이 삼", "네", "아니요"],
}
VARIANTS = [("-s", "175", "-p", "50"), ("-s", "140", "-p", "35"), ("-s", "210", "-p", "70")]
BARESIP_TONES = ("ringback.wav", "busy.wav", "callwaiting.wav")


# --- the material ----------------------------------------------------------------------------

def telephone(pcm: np.ndarray) -> np.ndarray:
    """Through G.711 A-law, as a caller's phone sends it."""
    return g711.decode(g711.encode(pcm.astype(np.int16), "PCMA"), "PCMA")


def espeak(text: str, voice: str, variant: tuple[str, ...], folder: Path) -> np.ndarray:
    raw, band = folder / "raw.wav", folder / "band.wav"
    subprocess.run(["espeak-ng", "-v", voice, *variant, "-w", str(raw), text], check=True)
    subprocess.run(["sox", str(raw), "-r", str(RATE), "-c", "1", "-b", "16", str(band),
                    "sinc", "300-3400"], check=True, capture_output=True)
    return read_wav(band)[0]


def at_level(pcm: np.ndarray, dbfs: float) -> np.ndarray:
    """`pcm` scaled so that its loud frames average `dbfs`."""
    loud = [f for f in frames(pcm, RATE, 10) if rms_dbfs(f) > -45]
    level = rms_dbfs(np.concatenate(loud)) if loud else -90.0
    return np.clip(pcm.astype(np.float64) * 10 ** ((dbfs - level) / 20), -32768, 32767)


def hiss(seconds: float, dbfs: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 32768 * 10 ** (dbfs / 20), int(RATE * seconds))


def hum(seconds: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return sum(300 / k * np.sin(2 * np.pi * 50 * k * t) for k in (1, 3, 5, 7))  # ~ -40 dBFS


def clicks(seconds: float, seed: int) -> np.ndarray:
    pcm = hiss(seconds, -60, seed)
    rng = np.random.default_rng(seed)
    for at in rng.integers(0, len(pcm) - 40, int(seconds * 2)):  # two clicks a second
        pcm[at:at + 40] += 8000 * np.exp(-np.arange(40) / 6)
    return pcm


def noises(seconds: float, folder: Path) -> dict[str, np.ndarray]:
    found = {"hiss -60 dBFS": hiss(seconds, -60, 1), "hiss -45 dBFS": hiss(seconds, -45, 2),
             "mains hum": hum(seconds) + hiss(seconds, -65, 3), "clicks": clicks(seconds, 4)}
    for name in BARESIP_TONES:
        path = Path("/usr/share/baresip") / name
        if path.is_file():  # G.711 WAV files: to 16-bit PCM first
            converted = folder / name
            subprocess.run(["sox", str(path), "-r", str(RATE), "-c", "1", "-b", "16",
                            "-e", "signed-integer", str(converted)], check=True)
            pcm = read_wav(converted)[0]
            found[name.removesuffix(".wav")] = np.resize(pcm, int(RATE * seconds)).astype(float)
    keys = np.concatenate([np.concatenate([tone(k, 120), np.zeros(int(RATE * 0.4))])
                           for k in "1234567890*#"])
    found["keypad tones"] = np.resize(keys, int(RATE * seconds)).astype(float)
    return found


@dataclass
class Clip:
    name: str
    pcm: np.ndarray  # telephone audio: noise, speech, noise
    speech: np.ndarray  # per 10 ms frame of `pcm`: speech (ground truth)


def clips(folder: Path) -> list[Clip]:
    made = []
    seed = 10
    for voice, texts in SENTENCES.items():
        for text in texts:
            for variant in VARIANTS:
                clean = espeak(text, voice, variant, folder)
                for level in (-20.0, -35.0):
                    for snr in (None, 20.0, 10.0):
                        seed += 1
                        speech = at_level(clean, level)
                        lead, tail = np.zeros(RATE), np.zeros(int(RATE * 1.5))
                        body = np.concatenate([lead, speech, tail])
                        truth = np.array([rms_dbfs(f.astype(np.int16)) > level - 25
                                          for f in frames(np.clip(body, -32768, 32767)
                                                          .astype(np.int16), RATE, 10)])
                        floor = level - (snr or 45.0)  # clean: a quiet line's hiss
                        noise = np.resize(hiss(len(body) / RATE + 1, floor, seed), len(body))
                        pcm = telephone(np.clip(body + noise, -32768, 32767))
                        made.append(Clip(f"{voice} {level:.0f} dBFS snr {snr}", pcm, truth))
    return made


# --- the detectors ---------------------------------------------------------------------------

def silero_available() -> bool:
    try:
        import onnxruntime  # noqa: F401

        return silero_model_path().is_file()
    except (ImportError, RuntimeError):
        return False


Make = Callable[[], FrameClassifier]


def detectors() -> dict[str, Make]:
    found: dict[str, Make] = {
        f"webrtcvad mode {m} + floor": (lambda m=m: WebRtcFrames(RATE, m)) for m in (3, 2, 0)}
    found["webrtcvad mode 3, no floor"] = lambda: WebRtcFrames(RATE, 3, min_rms=0.0)
    if silero_available():
        found["silero (ONNX) 0.5"] = lambda: SileroFrames(RATE, 0.5)
        found["silero (ONNX) 0.5 + floor"] = lambda: SileroFrames(RATE, 0.5, min_rms=100.0)
    return found


# --- the measures ----------------------------------------------------------------------------

@dataclass
class Found:
    starts: list[int]  # sample offsets of SpeechStart (the moment speech was declared)
    spans: list[tuple[int, int]]  # audio handed to the recognizer (pre-roll included)
    voiced: list[bool]  # the classifier's judgement per frame
    frame: int
    cpu: float


def run(make: Make, pcm: np.ndarray) -> Found:
    classifier = make()
    judged: list[bool] = []

    class Recording:
        frame_ms = classifier.frame_ms

        def is_speech(self, frame: np.ndarray) -> bool:
            voiced = classifier.is_speech(frame)
            judged.append(voiced)
            return voiced

    detector = SpeechDetector(RATE, VadConfig(), Recording())
    frame = RATE * classifier.frame_ms // 1000
    starts, spans = [], []
    offset, span_start = 0, None
    begun = time.process_time()
    for at in range(0, len(pcm), 160):
        chunk = pcm[at:at + 160]
        for event in detector.feed(chunk):
            end = at + len(chunk)
            if isinstance(event, SpeechStart):
                starts.append(end)
                span_start = end - len(event.pcm)
            elif type(event).__name__ == "SpeechEnd" and span_start is not None:
                spans.append((span_start, end))
                span_start = None
        offset = at + len(chunk)
    cpu = time.process_time() - begun
    if span_start is not None:
        spans.append((span_start, offset))
    return Found(starts, spans, judged, frame, cpu)


def longest_inner_pause(found: Found, truth: np.ndarray) -> float | None:
    """ms of the longest non-speech run the classifier heard between the first and the last
    speech frame of the truth (None: no speech frame judged)."""
    speech = np.flatnonzero(truth)
    first, last = speech[0] * 80, (speech[-1] + 1) * 80
    lo, hi = first // found.frame, last // found.frame
    window = found.voiced[lo:hi + 1]
    if not any(window):
        return None
    longest = run_ = 0
    inside = False
    for voiced in window:
        if voiced:
            inside, run_ = True, 0
        elif inside:
            run_ += 1
            longest = max(longest, run_)
    # a run that reaches the end of the speech is its tail, not an inner pause
    tail = 0
    for voiced in reversed(window):
        if voiced:
            break
        tail += 1
    if tail and longest == tail:
        longest = max([0] + [n for n in _runs(window) if n != tail])
    return longest * found.frame / RATE * 1000


def _runs(window: list[bool]) -> list[int]:
    runs, current, started = [], 0, False
    for voiced in window:
        if voiced:
            if started and current:
                runs.append(current)
            started, current = True, 0
        elif started:
            current += 1
    return runs


def measure(name: str, make: Make, speech: list[Clip], noise: dict[str, np.ndarray]) -> dict:
    found_clips = 0
    delay_list, kept, segments, pauses, lags = [], [], [], [], []
    cpu = audio = 0.0
    for clip in speech:
        found = run(make, clip.pcm)
        cpu, audio = cpu + found.cpu, audio + len(clip.pcm) / RATE
        first = int(np.flatnonzero(clip.speech)[0]) * 80
        last = (int(np.flatnonzero(clip.speech)[-1]) + 1) * 80
        inside = [s for s in found.starts if first - 1600 <= s <= last + 3200]
        if inside:
            found_clips += 1
            delay_list.append((inside[0] - first) / RATE * 1000)
        segments.append(len(inside))
        ends = [b for a, b in found.spans if b > last]
        if inside and ends:  # beyond the trailing silence itself: the classifier's hangover
            lags.append((ends[0] - last) / RATE * 1000 - VadConfig().trailing_silence_ms)
        frames_in = [i * 80 for i in np.flatnonzero(clip.speech)]
        covered = sum(any(a <= f < b for a, b in found.spans) for f in frames_in)
        kept.append(covered / len(frames_in))
        pause = longest_inner_pause(found, clip.speech)
        if pause is not None:
            pauses.append(pause)
    delays = np.array(delay_list) if delay_list else np.array([np.nan])
    false_starts = {}
    for label, pcm in noise.items():
        found = run(make, telephone(np.clip(pcm, -32768, 32767)))
        cpu, audio = cpu + found.cpu, audio + len(pcm) / RATE
        false_starts[label] = len(found.starts) / (len(pcm) / RATE / 60)
    return {"name": name, "found": f"{found_clips} / {len(speech)}",
            "delay": f"{np.percentile(delays, 50):.0f} / {np.percentile(delays, 95):.0f}",
            "kept": f"{100 * np.mean(kept):.1f}%",
            "lag": f"{np.percentile(lags, 50):.0f} / {np.percentile(lags, 95):.0f}",
            "segments": f"{np.mean(segments):.2f}",
            "pause": f"{np.percentile(pauses, 50):.0f} / {np.percentile(pauses, 95):.0f} / "
                     f"{max(pauses):.0f}",
            "false": false_starts, "cpu_ms": 1000 * cpu / audio}


def main() -> int:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        raise SystemExit("espeak-ng and sox are needed (scripts/setup.sh)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as name:
        speech = clips(Path(name))
        noise = noises(60.0, Path(name))
    print(f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, load average "
          f"{os.getloadavg()[0]:.2f}; {len(speech)} speech clips "
          f"({sum(len(c.pcm) for c in speech) / RATE / 60:.1f} min), {len(noise)} noises x 60 s"
          + ("" if silero_available() else "; Silero not installed (requirements/lock.txt)"))
    results = [measure(label, make, speech, noise) for label, make in detectors().items()]
    print("\n| detector | speech start found | start delay p50 / p95 (ms) | speech frames kept "
          "| segments per clip | end lag p50 / p95 (ms) | inner pause p50 / p95 / max (ms) "
          "| CPU per s of audio |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['name']} | {r['found']} | {r['delay']} | {r['kept']} | {r['segments']} | "
              f"{r['lag']} | {r['pause']} | {r['cpu_ms']:.2f} ms |")
    labels = list(noise)
    print("\nFalse starts per minute of noise alone:\n")
    print("| detector | " + " | ".join(labels) + " |")
    print("|---|" + "---|" * len(labels))
    for r in results:
        print(f"| {r['name']} | " + " | ".join(f"{r['false'][k]:.1f}" for k in labels) + " |")
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
