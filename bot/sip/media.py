"""One call's RTP: a socket from the configured port range, paced output, decoded input.

Output: every 20 ms (ptime) one G.711 packet goes out, scheduled on the monotonic clock as
start + n * 20 ms so that timing never drifts (one `Pacer` clocks every call of the gateway):
what is being played, else coded silence (a continuous stream keeps NATs and carrier media
timeouts happy). Prompts are coded once when queued, so each tick only slices bytes.

Input: audio packets go through the jitter buffer and come out as `CallerAudio` (int16 PCM);
telephone-events (RFC 4733) go to `on_key` (the call), each press once. Only the latched media
peer's packets are taken, and ours go only to it (`latch`): symmetric RTP reaches callers
behind NAT, but no third party can hear the call or key into it.

A call whose caller sends no RTP for `rtp_timeout` seconds is reported through `on_timeout`,
unless the caller put us on hold (then no RTP is expected).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from bot.sip.latch import RtpLatch
from bot.sip.rtp import SAMPLES_PER_FRAME, JitterBuffer, RtpError, RtpSender, parse_rtp
from bot.sip.sdp import NegotiatedAudio
from bot.sip.telephone_events import TelephoneEventReceiver
from bot.voice import g711
from bot.voice.call_io import CallerAudio, CallerEvent

log = logging.getLogger(__name__)
FRAME_S = SAMPLES_PER_FRAME / 8000
_CATCH_UP_FRAMES = 5  # behind by more than this: skip ahead instead of sending a burst
_FLUSH_AFTER_S = 0.1  # RTP paused this long: release what the jitter buffer holds


@dataclass
class MediaStats:
    """Send timing of one call: how late each packet left against its schedule (seconds)."""

    sent: int = 0
    skipped: int = 0
    received: int = 0
    lateness: list[float] = field(default_factory=list)

    def record(self, late: float) -> None:
        if len(self.lateness) < 200_000:
            self.lateness.append(late)


class RtpPorts:
    """The configured port range; each call binds a free even port chosen at random.

    Random, not the next in order: a caller who learns one call's port (a probe call) must not
    be able to predict the next caller's (issue 11, item 5).
    """

    def __init__(self, first: int, last: int) -> None:
        self.first, self.last = first + first % 2, last
        self.in_use: set[int] = set()
        self._random = secrets.SystemRandom()

    def candidates(self) -> list[int]:
        """The free even ports of the range, in a random order."""
        free = [port for port in range(self.first, self.last + 1, 2) if port not in self.in_use]
        self._random.shuffle(free)
        return free

    async def bind(self, host: str, protocol: asyncio.DatagramProtocol) -> int:
        loop = asyncio.get_running_loop()
        for port in self.candidates():
            try:
                await loop.create_datagram_endpoint(lambda: protocol, local_addr=(host, port))
            except OSError:
                continue
            self.in_use.add(port)
            return port
        raise OSError("no free RTP port in the configured range")

    def release(self, port: int) -> None:
        self.in_use.discard(port)


class Pacer:
    """One clock for the RTP output of every call: each 20 ms, one packet for each call.

    A single timer for all calls instead of one per call keeps the event loop's wake-ups at 50
    a second whatever the number of calls; every call keeps its place in the round, so its
    packets leave evenly spaced. Due times are start + n * 20 ms (no drift); after a stall of
    more than `_CATCH_UP_FRAMES` the round resumes on schedule instead of sending a burst.
    """

    def __init__(self) -> None:
        self._members: dict[CallMedia, None] = {}  # insertion-ordered set
        self._task: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._members)

    def add(self, media: CallMedia) -> None:
        self._members[media] = None
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def remove(self, media: CallMedia) -> None:
        self._members.pop(media, None)

    async def _run(self) -> None:
        start = time.monotonic()
        frame = 0
        while self._members:
            due = start + frame * FRAME_S
            now = time.monotonic()
            if due > now:
                await asyncio.sleep(due - now)
                now = time.monotonic()
            behind = int((now - due) / FRAME_S)
            if behind > _CATCH_UP_FRAMES:
                frame += behind
                for media in list(self._members):
                    media.skip(behind)
                continue
            for media in list(self._members):
                try:
                    media.tick(due)
                except Exception:
                    log.exception("RTP output of a call failed")
                    self.remove(media)
            frame += 1


class _Playback:
    def __init__(self, payload: bytes) -> None:
        self.payload = payload
        self.offset = 0
        self.done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def finish(self, heard: bool) -> None:
        if not self.done.done():
            self.done.set_result(heard)


class CallMedia(asyncio.DatagramProtocol):
    """The RTP session of one call; also the `play`/`interrupt` half of `CallOutput`."""

    sample_rate = 8000

    def __init__(
        self,
        events: asyncio.Queue[CallerEvent],
        rtp_timeout: float,
        on_timeout: Callable[[], object],
        pacer: Pacer | None = None,
        signalling_host: str | None = None,
        on_key: Callable[[str], object] | None = None,
    ) -> None:
        self.events = events
        self.on_key = on_key  # RFC 4733 keys go to the call (`Call.press`)
        self.signalling_host = signalling_host
        self.rtp_timeout = rtp_timeout
        self.on_timeout = on_timeout
        self.stats = MediaStats()
        self.port = 0
        self.audio: NegotiatedAudio | None = None
        self._transport: asyncio.DatagramTransport | None = None
        self.latch: RtpLatch | None = None  # whose RTP we take, and where ours goes
        self._sender: RtpSender | None = None
        self._jitter = JitterBuffer()
        self._keys = TelephoneEventReceiver()
        self._queue: deque[_Playback] = deque()
        self._pacer = pacer or Pacer()
        self._frames = 0
        self._may_send = False  # from `audio`, kept here: the 20 ms tick reads them
        self._silence = b""
        self._last_rx = time.monotonic()
        self._closed = False

    # --- setup ------------------------------------------------------------------------------

    async def open(self, host: str, ports: RtpPorts) -> int:
        self.port = await ports.bind(host, self)
        return self.port

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def use(self, audio: NegotiatedAudio) -> None:
        """The negotiated stream (again after a re-INVITE): codec, payload types, address."""
        if self._sender is None or self._sender.payload_type != audio.payload_type:
            self._sender = RtpSender(audio.payload_type)
        self.audio = audio
        offered = (audio.remote_address, audio.remote_port)
        if self.latch is None:
            self.latch = RtpLatch(offered, self.signalling_host)
        else:
            self.latch.offer(offered)
        self._may_send = audio.may_send
        self._silence = g711.silence_payload(SAMPLES_PER_FRAME, self._codec)

    def start(self) -> None:
        self._last_rx = time.monotonic()
        self._pacer.add(self)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.interrupt()
        self._pacer.remove(self)
        if self._transport is not None:
            self._transport.close()

    # --- output -----------------------------------------------------------------------------

    async def play(self, pcm: np.ndarray) -> bool:
        if self._closed or self.audio is None:
            return False
        playback = _Playback(g711.encode(pcm, self._codec))
        self._queue.append(playback)
        return await playback.done

    def interrupt(self) -> None:
        while self._queue:
            self._queue.popleft().finish(False)

    @property
    def _codec(self) -> g711.Codec:
        assert self.audio is not None
        return cast(g711.Codec, self.audio.codec)

    def _next_payload(self) -> bytes:
        while self._queue:
            current = self._queue[0]
            chunk = current.payload[current.offset : current.offset + SAMPLES_PER_FRAME]
            current.offset += SAMPLES_PER_FRAME
            if current.offset >= len(current.payload):
                self._queue.popleft()
                current.finish(True)
            if chunk:
                silence = g711.silence_payload(SAMPLES_PER_FRAME - len(chunk), self._codec)
                return chunk + silence if len(chunk) < SAMPLES_PER_FRAME else chunk
        return self._silence

    def tick(self, due: float) -> None:
        """One 20 ms frame, due at `due` (monotonic): send it, now and then look at the input."""
        now = time.monotonic()
        self.stats.record(now - due)
        self._send_frame()
        self._frames += 1
        if self._frames % 5 == 0:
            self._check_input(now)

    def skip(self, frames: int) -> None:
        """The clock jumped (the process stalled): let `frames` of time pass unsent."""
        self.stats.skipped += frames
        if self._sender is not None:
            self._sender.skip(frames * SAMPLES_PER_FRAME)

    def _send_frame(self) -> None:
        if self.audio is None or self._sender is None or self.latch is None:
            return
        payload = self._next_payload()
        if not self._may_send or self._transport is None:
            self._sender.skip()
            return
        self._transport.sendto(self._sender.packet(payload).to_bytes(), self.latch.destination)
        self.stats.sent += 1

    def _check_input(self, now: float) -> None:
        quiet = now - self._last_rx
        if quiet > _FLUSH_AFTER_S and len(self._jitter):
            self._deliver(self._jitter.flush())
        on_hold = self.audio is not None and self.audio.direction in ("sendonly", "inactive")
        if quiet > self.rtp_timeout and not on_hold:
            self._closed_by_timeout()

    def _closed_by_timeout(self) -> None:
        log.info("no RTP for %.0f s on port %s", self.rtp_timeout, self.port)
        self._last_rx = float("inf")  # report once
        self.on_timeout()

    # --- input ------------------------------------------------------------------------------

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        if self._closed or self.audio is None or self.latch is None:
            return
        if not self.latch.admit((str(addr[0]), int(addr[1]))):
            return  # not the call's media peer: neither its audio nor its keys are taken
        try:
            packet = parse_rtp(data)
        except RtpError:
            return
        self._last_rx = time.monotonic()
        self.stats.received += 1
        if packet.payload_type == self.audio.telephone_event_payload_type:
            key = self._keys.feed(packet, self._last_rx)
            if key is not None and self.on_key is not None:
                self.on_key(key)
        elif packet.payload_type == self.audio.payload_type:
            self._deliver(self._jitter.push(packet))

    def _deliver(self, packets: list) -> None:
        if not packets or self.audio is None:
            return
        payload = b"".join(packet.payload for packet in packets)
        self.events.put_nowait(CallerAudio(g711.decode(payload, self._codec)))

    def error_received(self, exc: Exception) -> None:
        log.debug("RTP socket error: %s", exc)
