"""What the gateway tests share: a session that records what the caller did, a gateway on free
loopback ports with short SIP timers, and a plain UDP socket for hand-made SIP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from bot.sip.call import CallContext
from bot.sip.config import GatewayConfig
from bot.sip.gateway import SipGateway
from bot.sip.transaction import TimerSettings
from bot.voice.call_io import CallerAudio, CallerEvent, CallerHangup, CallerKey, CallOutput
from tests.support import free_port

TIMERS = TimerSettings(t1=0.1, t2=0.4, t4=0.5)


def tone(seconds: float, hz: float = 440.0, level: float = 8000.0) -> np.ndarray:
    t = np.arange(int(8000 * seconds)) / 8000
    return (level * np.sin(2 * np.pi * hz * t)).astype(np.int16)


@dataclass
class Outcome:
    ended_by: str
    queue: str | None = None
    turns: int = 0


@dataclass
class RecordingSession:
    """Plays `greeting`, then records keys and audio until the call ends; `script` may act on
    each key (e.g. transfer on "0")."""

    context: CallContext
    output: CallOutput
    greeting: np.ndarray | None = None
    on_key: Callable[[RecordingSession, str], object] | None = None
    keys: list[str] = field(default_factory=list)
    audio_samples: int = 0
    played: list[bool] = field(default_factory=list)
    transfers: list[str] = field(default_factory=list)
    ended_by: str = ""

    async def run(self, events: asyncio.Queue[CallerEvent]) -> Outcome:
        if self.greeting is not None:
            asyncio.ensure_future(self._greet())
        while True:
            event = await events.get()
            if isinstance(event, CallerHangup):
                self.ended_by = event.reason
                return Outcome(event.reason, turns=len(self.keys))
            if isinstance(event, CallerKey):
                self.keys.append(event.key)
                if self.on_key is not None:
                    result = self.on_key(self, event.key)
                    if asyncio.iscoroutine(result):
                        await result
            elif isinstance(event, CallerAudio):
                self.audio_samples += len(event.pcm)

    async def _greet(self) -> None:
        assert self.greeting is not None
        self.played.append(await self.output.play(self.greeting))


class Sessions:
    """A session factory that keeps every session it made."""

    def __init__(self, **options: object) -> None:
        self.options = options
        self.made: list[RecordingSession] = []

    def __call__(self, context: CallContext, output: CallOutput) -> RecordingSession:
        session = RecordingSession(context, output, **self.options)  # type: ignore[arg-type]
        self.made.append(session)
        return session


def gateway_config(**changes: object) -> GatewayConfig:
    first = free_port() & ~1
    config = GatewayConfig(port=0, rtp_ports=(max(first, 1024), max(first, 1024) + 200),
                           timers=TIMERS, rtp_timeout=5.0, transfer_timeout=3.0)
    return replace(config, **changes)  # type: ignore[arg-type]


async def start_gateway(sessions: Sessions, answer_delay: float = 0.05,
                        **changes: object) -> SipGateway:
    gateway = SipGateway(gateway_config(**changes), sessions, answer_delay=answer_delay)
    await gateway.start()
    return gateway


class RawPeer:
    """A UDP socket that sends hand-made SIP and reads what comes back."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, 0))
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]

    async def exchange(
        self, data: bytes, target: tuple[str, int], wait: float = 0.5
    ) -> list[bytes]:
        loop = asyncio.get_running_loop()
        if data:
            self.sock.sendto(data, target)
        received: list[bytes] = []
        try:
            while True:
                received.append(await asyncio.wait_for(loop.sock_recv(self.sock, 65535), wait))
        except TimeoutError:
            return received

    def close(self) -> None:
        self.sock.close()
