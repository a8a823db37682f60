"""The boundary between a voice session and whatever carries the call's audio and keys.

A transport (the SIP gateway's RTP media, the local microphone and speaker, a WAV file in tests)
feeds the session what the caller does as `CallerEvent`s and plays what the session says through
a `CallOutput`. The session never sees packets or sound cards; the transport never sees the
dialogue. Audio is int16 mono PCM at the transport's `sample_rate` (8000 for telephone calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from bot.payloads import KEYS

KEYPAD_KEYS = KEYS  # the keys of a telephone keypad, defined once in bot.payloads


@dataclass(frozen=True)
class CallerAudio:
    """A chunk of the caller's audio (any length; a transport usually sends 20 ms)."""

    pcm: np.ndarray




@dataclass(frozen=True)
class CallerKey:
    """A key the caller pressed: one of `KEYPAD_KEYS`."""

    key: str


@dataclass(frozen=True)
class CallerHangup:
    """The caller hung up or the line went dead (no media): the session ends."""

    reason: str = "caller"


CallerEvent = CallerAudio | CallerKey | CallerHangup

TransferResult = Literal["transferred", "failed"]


class CallOutput(Protocol):
    """What the session can do to the call."""

    sample_rate: int

    async def play(self, pcm: np.ndarray) -> bool:
        """Play `pcm` to the caller; return when it has been heard out (True) or was cut off by
        `interrupt()` or the end of the call (False)."""

    def interrupt(self) -> None:
        """Stop what is playing now (barge-in): the pending `play` returns False."""

    async def transfer(self, queue: str) -> TransferResult:
        """Hand the caller to the agent or POS-support queue named `queue`."""

    async def hangup(self) -> None:
        """End the call from our side."""
