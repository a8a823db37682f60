"""A `CallOutput` with no sound card: keeps everything played, for recorded calls and tests.

It stands in for the transport: `play()` keeps the PCM (and when it started), `transfer()`
answers as told, `hangup()` is noted. With `realtime=True` a play lasts as long as its audio,
so barge-in can cut it off part-way (what was heard up to then is kept).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np

from bot.voice.audio import samples_for, silence
from bot.voice.call_io import TransferResult


@dataclass
class Played:
    started: float  # event-loop time
    pcm: np.ndarray
    complete: bool


@dataclass
class RecordingOutput:
    sample_rate: int = 8000
    realtime: bool = False
    transfer_result: TransferResult = "transferred"
    played: list[Played] = field(default_factory=list)
    transfers: list[str] = field(default_factory=list)
    hung_up: bool = False
    interrupts: int = 0
    playing: bool = False
    _cut: asyncio.Event | None = None

    async def play(self, pcm: np.ndarray) -> bool:
        started = asyncio.get_running_loop().time()
        if self.hung_up:
            return False
        if not self.realtime:
            self.played.append(Played(started, pcm, True))
            await asyncio.sleep(0)
            return True
        self._cut = asyncio.Event()
        seconds = len(pcm) / self.sample_rate
        self.playing = True
        try:
            await asyncio.wait_for(self._cut.wait(), seconds)
        except TimeoutError:
            self.played.append(Played(started, pcm, True))
            return True
        finally:
            self.playing = False
        heard = asyncio.get_running_loop().time() - started
        self.played.append(Played(started, pcm[: samples_for(heard * 1000, self.sample_rate)],
                                  False))
        return False

    def interrupt(self) -> None:
        self.interrupts += 1
        if self._cut is not None:
            self._cut.set()

    async def transfer(self, queue: str) -> TransferResult:
        self.transfers.append(queue)
        return self.transfer_result

    async def hangup(self) -> None:
        self.hung_up = True
        self.interrupt()

    def audio(self, gap_ms: int = 300) -> np.ndarray:
        """Everything played, in order, with a short pause between prompts."""
        parts: list[np.ndarray] = []
        for item in self.played:
            parts += [item.pcm, silence(gap_ms, self.sample_rate)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int16)
