"""A scripted caller: recorded speech and keys, each given when the session asks for input.

    steps = [Speech(pcm), *parse_keys("1,1,2,4278301562188473,3958")]
    ended = await drive(session, events, steps, running=run_task, rate=8000)

Each step waits for its cue: the session has spoken again since the previous step (a reply or
a re-prompt) and now listens. Speech is sent in 20 ms chunks followed by a second of silence
(so the end of the utterance is heard), as fast as the session takes it or, with
`realtime=True`, at the pace of a call; on a keypad-first line (no speech model) speech is
sent but not waited on. After the last step and its answer, the caller hangs up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.menus import KEYS
from bot.voice.audio import samples_for, silence
from bot.voice.call_io import CallerAudio, CallerEvent, CallerHangup, CallerKey
from bot.voice.session import VoiceSession

log = logging.getLogger(__name__)



@dataclass(frozen=True)
class Keys:
    keys: str


@dataclass(frozen=True)
class Speech:
    pcm: np.ndarray  # at the session's sample rate


Step = Keys | Speech


def parse_keys(spec: str) -> list[Keys]:
    """"1,1,2,4278 3015 6218 8473#" -> one step per comma-separated group (spaces ignored)."""
    steps = []
    for group in spec.split(","):
        keys = "".join(group.split())
        if not keys:
            continue
        if not set(keys) <= KEYS:
            raise ValueError(f"not keypad keys: {group!r} (use 0-9, * and #)")
        steps.append(Keys(keys))
    return steps


async def cue(session: VoiceSession, after: int, running: asyncio.Future,
              timeout: float = 120.0) -> bool:
    """Wait until the session has spoken more than `after` times and listens; False if the call
    ended first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (session.listening.is_set() and session.prompt_count > after):
        if running.done():
            return False
        if loop.time() > deadline:
            raise TimeoutError("the session did not ask for input")
        await asyncio.sleep(0.01)
    return True


async def send_speech(events: asyncio.Queue[CallerEvent], pcm: np.ndarray, rate: int, *,
                      realtime: bool, chunk_ms: int = 20, trailing_ms: int = 1000) -> float:
    """Send `pcm` then `trailing_ms` of silence; the loop time when the speech itself ended."""
    loop = asyncio.get_running_loop()
    size = samples_for(chunk_ms, rate)
    audio = np.concatenate([pcm, silence(trailing_ms, rate)])
    start = loop.time()
    speech_end = start + len(pcm) / rate if realtime else start
    for offset in range(0, len(audio), size):
        if realtime:
            await asyncio.sleep(max(0.0, start + offset / rate - loop.time()))
        events.put_nowait(CallerAudio(audio[offset : offset + size]))
        if not realtime and offset + size >= len(pcm) and speech_end == start:
            speech_end = loop.time()
    return speech_end


async def drive(session: VoiceSession, events: asyncio.Queue[CallerEvent], steps: Sequence[Step],
                *, running: asyncio.Future, rate: int, realtime: bool = False,
                hang_up: bool = True) -> list[float]:
    """Play the steps on cue; for each, the loop time its input ended (last key, end of speech)."""
    ended: list[float] = []
    loop = asyncio.get_running_loop()
    if not await cue(session, 0, running):  # the greeting has been heard
        return ended
    for step in steps:
        seen = session.prompt_count
        if isinstance(step, Keys):
            for key in step.keys:
                events.put_nowait(CallerKey(key))
            ended.append(loop.time())
        else:
            ended.append(await send_speech(events, step.pcm, rate, realtime=realtime))
            if not session.hears_speech:
                log.warning("no speech model for %r: the recorded speech goes unheard",
                            session.language)
                continue
        if not await cue(session, seen, running):
            return ended
    if hang_up and not running.done():
        events.put_nowait(CallerHangup())
    return ended
