"""`bot talk`: a voice call with the assistant on this computer, live or from recorded audio.

Live: the microphone and speaker (sounddevice); the keyboard is the keypad (type digits, * or #,
then Enter; `q` hangs up). Without headphones the microphone would hear the replies, so it is
muted while the assistant speaks unless `--barge-in` is given.

Recorded: `--input call.wav` (the caller's speech; repeat for several utterances) and/or
`--keys "1,1,2,..."` (comma-separated groups, each given when the assistant asks for input; `@`
places the next `--input` among the keys, otherwise the speech comes first). No sound card is
needed: what the assistant said is written to `--output` and its words are printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from bot.menus import KEYS
from bot.voice.assistant import AssistantClient
from bot.voice.audio import read_wav, resample, samples_for, write_wav
from bot.voice.call_io import CallerAudio, CallerEvent, CallerHangup, CallerKey, TransferResult
from bot.voice.recorded import RecordingOutput
from bot.voice.script import Speech, Step, drive, parse_keys
from bot.voice.services import VoiceServices
from bot.voice.session import SessionOutcome, VoiceSession

PHONE_RATE = 8000  # recorded calls run at telephone rate, as through the SIP gateway
LIVE_RATE = 16000


def build_steps(speech: Sequence[np.ndarray], keys: str | None) -> list[Step]:
    """Speech and key steps in call order (see the module docstring for `@`)."""
    utterances = [Speech(pcm) for pcm in speech]
    groups = [group.strip() for group in (keys or "").split(",") if group.strip()]
    if "@" not in groups:
        return [*utterances, *parse_keys(keys or "")]
    steps: list[Step] = []
    for group in groups:
        if group == "@":
            if not utterances:
                raise ValueError("more @ in --keys than --input files")
            steps.append(utterances.pop(0))
        else:
            steps += parse_keys(group)
    return steps + utterances


def load_speech(path: Path, rate: int = PHONE_RATE) -> np.ndarray:
    pcm, file_rate = read_wav(path)
    return resample(pcm, file_rate, rate)


async def recorded_call(
    assistant: AssistantClient,
    services: VoiceServices,
    steps: Sequence[Step],
    *,
    caller_id: str | None,
    rate: int = PHONE_RATE,
    hang_up: bool = True,
) -> tuple[SessionOutcome, VoiceSession, RecordingOutput]:
    """Run one call from `steps`; the outcome, the session (transcript) and what was played.

    After the last step the caller hangs up, unless `hang_up` is False (the call then runs
    until the session ends it)."""
    output = RecordingOutput(rate)
    session = VoiceSession(assistant=assistant, output=output, caller_id=caller_id,
                           services=services)
    events: asyncio.Queue[CallerEvent] = asyncio.Queue()
    running = asyncio.ensure_future(session.run(events))
    try:
        await drive(session, events, steps, running=running, rate=rate, hang_up=hang_up)
        outcome = await running
    finally:
        running.cancel()
    return outcome, session, output


def print_transcript(session: VoiceSession) -> None:
    for line in session.transcript:
        who = "assistant" if line.who == "assistant" else f"caller ({line.via})"
        print(f"{who}: {line.text}", flush=True)


class SpeakerOutput:
    """The computer's speaker as the call's output; transfers are only announced."""

    def __init__(self, sample_rate: int = LIVE_RATE) -> None:
        self.sample_rate = sample_rate
        self.playing = False
        self._cut = threading.Event()

    async def play(self, pcm: np.ndarray) -> bool:
        self._cut.clear()
        self.playing = True
        try:
            return await asyncio.to_thread(self._play_blocking, pcm)
        finally:
            self.playing = False

    def _play_blocking(self, pcm: np.ndarray) -> bool:
        import sounddevice as sd

        block = samples_for(50, self.sample_rate)
        with sd.OutputStream(samplerate=self.sample_rate, channels=1, dtype="int16") as stream:
            for start in range(0, len(pcm), block):
                if self._cut.is_set():
                    return False
                stream.write(pcm[start : start + block].reshape(-1, 1))
        return not self._cut.is_set()

    def interrupt(self) -> None:
        self._cut.set()

    async def transfer(self, queue: str) -> TransferResult:
        print(f"[the call would now be transferred to the {queue} queue]", flush=True)
        return "transferred"

    async def hangup(self) -> None:
        self._cut.set()
        print("[the assistant hung up]", flush=True)


def _read_keyboard(loop: asyncio.AbstractEventLoop, events: asyncio.Queue[CallerEvent]) -> None:
    """Lines typed in the terminal: keypad keys, or `q` / end of input to hang up."""
    for line in sys.stdin:
        text = line.strip()
        if text.lower() == "q":
            break
        for key in text:
            if key in KEYS:
                loop.call_soon_threadsafe(events.put_nowait, CallerKey(key))
    loop.call_soon_threadsafe(events.put_nowait, CallerHangup())


async def live_call(assistant: AssistantClient, services: VoiceServices, *,
                    caller_id: str | None, barge_in: bool) -> SessionOutcome:
    import sounddevice as sd

    loop = asyncio.get_running_loop()
    output = SpeakerOutput()
    events: asyncio.Queue[CallerEvent] = asyncio.Queue()
    session = VoiceSession(assistant=assistant, output=output, caller_id=caller_id,
                           services=services)

    def heard(indata: np.ndarray, frames: int, time: object, status: object) -> None:
        if barge_in or not output.playing:
            loop.call_soon_threadsafe(events.put_nowait, CallerAudio(indata[:, 0].copy()))

    threading.Thread(target=_read_keyboard, args=(loop, events), daemon=True).start()
    with sd.InputStream(samplerate=output.sample_rate, channels=1, dtype="int16",
                        blocksize=samples_for(20, output.sample_rate), callback=heard):
        outcome = await session.run(events)
    print_transcript(session)
    return outcome


async def talk_to(rasa_url: str | None, args: argparse.Namespace) -> int:
    """One call with the assistant at `rasa_url`: live microphone, or `args.input` / `args.keys`."""
    services = VoiceServices.from_env()
    assistant = AssistantClient.from_env(rasa_url)
    try:
        inputs = [Path(p) for p in getattr(args, "input", None) or []]
        keys = getattr(args, "keys", None)
        caller = getattr(args, "caller", None)
        if not inputs and not keys:
            if services.model("sq") is None and services.model("en") is None:
                print("No speech model configured (BOT_VOSK_MODEL_SQ / _EN): use the keypad.")
            import sounddevice as sd

            print("Type keys (0-9 * #) then Enter; q hangs up.", flush=True)
            try:
                outcome = await live_call(assistant, services, caller_id=caller,
                                          barge_in=bool(getattr(args, "barge_in", False)))
            except sd.PortAudioError as error:
                print(f"bot talk: no usable sound card ({error}); use --input / --keys",
                      file=sys.stderr)
                return 1
        else:
            steps = build_steps([load_speech(p) for p in inputs], keys)
            outcome, session, output = await recorded_call(assistant, services, steps,
                                                           caller_id=caller)
            print_transcript(session)
            out_path = getattr(args, "output", None)
            if out_path:
                write_wav(out_path, output.audio(), output.sample_rate)
                print(f"assistant audio: {out_path}", flush=True)
        print(f"call ended by {outcome.ended_by}"
              + (f" (queue {outcome.queue})" if outcome.queue else "")
              + f" after {outcome.turns} turns", flush=True)
        return 0 if outcome.ended_by != "error" else 1
    finally:
        await assistant.close()
        services.close()
