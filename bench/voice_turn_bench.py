"""Turn latency of a voice call: from the end of the caller's input to the first reply audio.

    .venv/bin/python bench/voice_turn_bench.py [--rasa-url URL] [--calls 5] [--no-baseline]

Starts the assistant like the end-to-end tests do (Rasa server, action server, SMTP sink, a
fresh demo bank in a temporary folder) unless `--rasa-url` names a running one (which must
share this process's trust key: `BOT_TRUST_KEY`). Then, through `VoiceSession` with a recording
output (no sound card; plays return at once, so the figure is the session's and the
assistant's time, not the length of the prompts):

- keys: whole keypad calls to a balance read-out; each key or digit string is timed from the
  moment it is pressed (the last key of a string) to the start of the first reply audio;
- speech: espeak-ng Korean speech sent at real-time pace through the Korean Vosk model
  (standing in for both languages' models, with the Korean digit words as spoken keys), timed
  from the end of the speech; this includes the silence waited for before the utterance ends.
  Each call answers the language menu with "이" (two: English; a closed set), says a free
  sentence in the main menu (the assistant's fallback answers it), keys its way to the PIN and
  says a PIN of four digit words one by one, 0.6 s apart (a closed set; "이 이 이 이", the wrong
  PIN, so the bank says so; the Korean model hears few of espeak-ng's digits reliably). These
  calls come from a withheld number with another customer's card, whose wrong PINs lock it.

Speech calls run in three configurations, alternating in the same run so that the machine's
other load hits all alike: this one (voice-activity detection; a closed set ended by 100 ms of
quiet, free speech by 300 ms judged not speech, the recognizer's utterance finished at the first
96 ms of it so that the final is decoded while the rest is counted), the same without that
early finish (`VadConfig(pause_ms=None)`: the final decode after the end of speech) and the
baseline before voice-activity detection (`VadConfig(engine="off", closed_set_silence_ms=None)`:
every frame decoded, every utterance ended by the recognizer's own rules, Vosk's or 700 ms of
quiet; `--no-baseline` skips it).
Each speech turn is also split: end of speech -> message sent to the assistant (what the
voice layer decides: end of turn, recognition) and the assistant's own answer time (Rasa, the
action server, the bank: the same for keys; on a shared machine it is the noisiest part).
The first keys call renders the fixed prompts into an empty cache and is reported apart; one
untimed speech call per configuration first warms its recognizers (a recognizer's first free
speech costs about as much CPU as it lasts; the gateway keeps them warm between calls).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.bank.access import CardKind  # noqa: E402
from bot.bank.demo import demo_customer  # noqa: E402
from bot.ops.stack import init_demo_bank, latest_model, running, scratch_config  # noqa: E402
from bot.security.secret_keys import trust_key  # noqa: E402
from bot.voice.assistant import AssistantClient  # noqa: E402
from bot.voice.audio import frames, read_wav, rms_dbfs, silence  # noqa: E402
from bot.voice.call_io import CallerEvent  # noqa: E402
from bot.voice.models import named_model  # noqa: E402
from bot.voice.phrases import KeyWords  # noqa: E402
from bot.voice.prompt_cache import PromptCache  # noqa: E402
from bot.voice.recorded import RecordingOutput  # noqa: E402
from bot.voice.script import Keys, Speech, Step, drive  # noqa: E402
from bot.voice.services import VoiceServices, VoiceSettings  # noqa: E402
from bot.voice.session import VoiceSession  # noqa: E402
from bot.voice.tts import Synthesizer  # noqa: E402
from bot.voice.vad import VadConfig  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def assistant_stack(folder: Path, rasa_url: str | None = None) -> Iterator[tuple[str, bytes]]:
    """The assistant to call and the key its voice messages are signed with: the running one at
    `rasa_url` (this checkout's key), else one started in `folder` with a fresh key."""
    if rasa_url:
        yield rasa_url, trust_key()
        return
    model = latest_model()
    if model is None:
        raise SystemExit("no trained model in models/: run `bot train` first")
    key = secrets.token_bytes(32)
    os.environ["BOT_TRUST_KEY"] = key.hex()
    config = scratch_config(folder, model, trust_key_hex=key.hex())
    init_demo_bank(config)
    with running(config, timeout=900) as stack:  # a busy shared machine starts Rasa slowly
        yield stack.config.rasa_url, key


def korean_speech(text: str, folder: Path) -> np.ndarray:
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak is None or sox is None:
        raise SystemExit("espeak-ng and sox are needed for the speech figures")
    raw, phone = folder / "raw.wav", folder / "phone.wav"
    subprocess.run([espeak, "-v", "ko", "-w", str(raw), text], check=True)
    subprocess.run([sox, str(raw), "-r", "8000", "-c", "1", "-b", "16", str(phone)], check=True)
    pcm, _ = read_wav(phone)
    levels = [rms_dbfs(frame) for frame in frames(pcm, 8000, 10)]
    last_loud = max(i for i, level in enumerate(levels) if level > -50)
    # espeak-ng ends with a pause: cut it, so that the timing starts at the last sound
    return np.concatenate([silence(300, 8000), pcm[: (last_loud + 1) * 80]])


def said_one_by_one(digits: str, folder: Path) -> np.ndarray:
    """Korean digit words with a short pause after each but the last, as callers say a PIN."""
    word = {digit: text for text, digit in KOREAN_DIGITS.items()}
    parts = [korean_speech(word[digit], folder) for digit in digits]
    gap = silence(600, 8000)
    return np.concatenate([part for each in parts[:-1] for part in (each, gap)] + parts[-1:])


def latencies(output: RecordingOutput, steps: list[Step], ended: list[float]) -> list[float]:
    """For each input end, seconds to the first audio played after the input began (a closed
    set may be answered before the caller's last sound has died away: then it is negative)."""
    found = []
    for step, end in zip(steps, ended, strict=False):
        began = end - (len(step.pcm) / 8000 if isinstance(step, Speech) else 0.0)
        starts = [item.started for item in output.played if item.started >= began]
        if starts:
            found.append(min(starts) - end)
    return found


def describe(name: str, values: list[float]) -> str:
    if not values:
        return f"| {name} | 0 | – | – | – |"
    ms = np.array(values) * 1000
    return (f"| {name} | {len(values)} | {np.percentile(ms, 50):.0f} ms | "
            f"{np.percentile(ms, 95):.0f} ms | {ms.max():.0f} ms |")


class TimedAssistant:
    """The assistant client, noting when each message left and when its answer came."""

    def __init__(self, assistant: AssistantClient) -> None:
        self.assistant = assistant
        self.sends: list[tuple[float, float]] = []

    async def send(self, *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        started = loop.time()
        replies = await self.assistant.send(*args, **kwargs)
        self.sends.append((started, loop.time()))
        return replies


def to_send(assistant: TimedAssistant, steps: list[Step], ended: list[float]
            ) -> list[tuple[float, float]]:
    """For each input: (input end -> message sent, the assistant's answer time), seconds."""
    found = []
    for step, end in zip(steps, ended, strict=False):
        began = end - (len(step.pcm) / 8000 if isinstance(step, Speech) else 0.0)
        after = [(start, done) for start, done in assistant.sends if start >= began]
        if after:
            found.append((after[0][0] - end, after[0][1] - after[0][0]))
    return found


async def one_call(assistant: AssistantClient, voice: VoiceServices, steps: list[Step],
                   caller: str | None, realtime: bool,
                   parts: list[list[tuple[float, float]]] | None = None) -> list[float]:
    """One call; for each step, the latency to the first reply audio (and, into `parts`, the
    time to the message sent and the assistant's own time)."""
    output = RecordingOutput(8000)
    timed = TimedAssistant(assistant)
    session = VoiceSession(assistant=timed, output=output, caller_id=caller,  # type: ignore[arg-type]
                           services=voice)
    events: asyncio.Queue[CallerEvent] = asyncio.Queue()
    run = asyncio.ensure_future(session.run(events))
    ended = await drive(session, events, steps, running=run, rate=8000, realtime=realtime)
    outcome = await run
    if outcome.ended_by != "caller":
        raise RuntimeError(f"call ended by {outcome.ended_by}")
    if parts is not None:
        parts.append(to_send(timed, steps, ended))
    return latencies(output, steps, ended)


KOREAN_DIGITS = {"공": "0", "영": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5",
                 "육": "6", "칠": "7", "팔": "8", "구": "9"}
SPEECH_TURNS = ("language menu: '이' (closed set)", "main menu: free sentence",
                "PIN: four digit words (closed set)")
BASELINE = VadConfig(engine="off", closed_set_silence_ms=None)
# the same detection, but the final decode starts only once the trailing silence has ended the
# speech (no SpeechPause): the rule before the recognizer finished an utterance at the pause
NO_PAUSE = VadConfig(pause_ms=None)


async def bench(rasa_url: str, key: bytes, calls: int, folder: Path, baseline: bool
                ) -> list[str]:
    elira = demo_customer("registered_debit")
    card = elira.card(CardKind.DEBIT)
    key_steps: list[Step] = [Keys("1"), Keys("1"), Keys("2"), Keys("1"), Keys(card.number),
                             Keys(card.pin), Keys("1")]
    synth = Synthesizer(cache=PromptCache(folder / "prompts"))
    assistant = AssistantClient(rasa_url, key)
    keypad = VoiceServices(synth, VoiceSettings(), models={"sq": None, "en": None})
    korean = named_model("ko")
    words = KeyWords({"sq": KOREAN_DIGITS, "en": KOREAN_DIGITS})
    configs = {"this": VadConfig(), "decode after the end (before)": NO_PAUSE,
               **({"baseline": BASELINE} if baseline else {})}
    speech = {name: VoiceServices(synth, VoiceSettings(min_confidence=0.0),
                                  models={"sq": korean, "en": korean}, key_words=words, vad=vad)
              for name, vad in configs.items()}
    for services in speech.values():
        await services.warm_up(8000)
    # a withheld number and another customer's card: the wrong PINs said lock that card, not
    # Elira's, which the keypad calls use
    other = demo_customer("unregistered_debit").card(CardKind.DEBIT)
    speech_steps: list[Step] = [
        Speech(korean_speech("이", folder)), Speech(korean_speech("안녕하세요 감사합니다", folder)),
        Keys("1"), Keys("2"), Keys("1"), Keys(other.number),
        Speech(said_one_by_one("2222", folder))]
    spoken_at = [0, 1, 6]
    rows = []
    try:
        first = await one_call(assistant, keypad, key_steps, elira.phone, realtime=False)
        rows.append(describe("keys, first call (cold prompt cache)", first))
        warm: list[float] = []
        readout: list[float] = []
        key_parts: list[list[tuple[float, float]]] = []
        for _ in range(calls):
            found = await one_call(assistant, keypad, key_steps, elira.phone, realtime=False,
                                   parts=key_parts)
            warm += found
            readout.append(found[-1])  # the balance read-out: per-turn synthesis
        rows.append(describe("keys, warm (all key turns)", warm))
        rows.append(describe("  of which the assistant's answer",
                             [answer for call in key_parts for _, answer in call]))
        rows.append(describe("keys, balance read-out turn only", readout))
        spoken: dict[str, list[list[float]]] = {name: [[] for _ in SPEECH_TURNS]
                                                for name in speech}
        sent: dict[str, list[list[float]]] = {name: [[] for _ in SPEECH_TURNS] for name in speech}
        answer: dict[str, list[list[float]]] = {name: [[] for _ in SPEECH_TURNS]
                                                for name in speech}
        for services in speech.values():  # untimed: the recognizers' first free speech
            await one_call(assistant, services, speech_steps, None, realtime=True)
        for _ in range(calls):
            for name, services in speech.items():  # alternating: the same load for both
                parts: list[list[tuple[float, float]]] = []
                found = await one_call(assistant, services, speech_steps, None,
                                       realtime=True, parts=parts)
                for turn, step in enumerate(spoken_at):
                    if step < len(found):
                        spoken[name][turn].append(found[step])
                    if step < len(parts[0]):
                        sent[name][turn].append(parts[0][step][0])
                        answer[name][turn].append(parts[0][step][1])
        for name in speech:
            every: list[float] = []
            for turn, label in enumerate(SPEECH_TURNS):
                rows.append(describe(f"speech ({name}), {label}", spoken[name][turn]))
                rows.append(describe("  of which end of speech -> message sent",
                                     sent[name][turn]))
                rows.append(describe("  of which the assistant's answer", answer[name][turn]))
                every += spoken[name][turn]
            rows.append(describe(f"speech ({name}), all spoken turns", every))
    finally:
        await assistant.close()
        synth.close()
        for services in speech.values():
            services.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rasa-url", help="a running assistant (default: start one)")
    parser.add_argument("--calls", type=int, default=5, help="calls per scenario (default 5)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the baseline configuration's speech calls")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        with assistant_stack(folder / "var", args.rasa_url) as (url, key):
            rows = asyncio.run(bench(url, key, args.calls, folder, not args.no_baseline))
    print("| scenario | turns | p50 | p95 | max |\n|---|---|---|---|---|")
    print("\n".join(rows))
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
