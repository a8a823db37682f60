"""A call's RTP on loopback: paced output without drift, play/interrupt, decoded input, keys."""

from __future__ import annotations

import asyncio
import socket
import time

import numpy as np

from bot.sip.media import CallMedia, RtpPorts
from bot.sip.rtp import RtpPacket, RtpSender, parse_rtp
from bot.sip.sdp import NegotiatedAudio
from bot.sip.telephone_events import TelephoneEvent
from bot.voice import g711
from bot.voice.call_io import CallerAudio, CallerEvent, CallerKey
from tests.sip.gateway_support import tone
from tests.support import free_port


def _phone() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    return sock


async def _drain(sock: socket.socket, seconds: float) -> list[tuple[float, bytes]]:
    loop = asyncio.get_running_loop()
    received: list[tuple[float, bytes]] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            data = await asyncio.wait_for(loop.sock_recv(sock, 2048), left)
        except TimeoutError:
            break
        received.append((time.monotonic(), data))
    return received


def test_output_is_paced_and_plays_then_interrupts() -> None:
    async def main() -> tuple[list[tuple[float, bytes]], bool, bool]:
        phone = _phone()
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        media = CallMedia(events, rtp_timeout=30, on_timeout=lambda: None)
        first = free_port() & ~1
        await media.open("127.0.0.1", RtpPorts(first, first + 50))
        media.use(NegotiatedAudio("127.0.0.1", phone.getsockname()[1], "PCMU", 0, 101,
                                  "sendrecv"))
        media.start()
        played = asyncio.ensure_future(media.play(tone(0.4)))
        received = await _drain(phone, 1.0)
        cut = asyncio.ensure_future(media.play(tone(2.0)))
        await asyncio.sleep(0.1)
        media.interrupt()
        result = await cut
        media.close()
        phone.close()
        return received, played.result(), result

    received, heard_out, cut_off = asyncio.run(main())
    assert heard_out is True and cut_off is False
    packets = [parse_rtp(data) for _, data in received]
    assert 47 <= len(packets) <= 51  # 50 a second
    pairs = list(zip(packets, packets[1:], strict=False))
    assert all((b.sequence - a.sequence) % 65536 == 1 for a, b in pairs)
    assert all((b.timestamp - a.timestamp) % 2**32 == 160 for a, b in pairs)
    span = received[-1][0] - received[0][0]
    assert abs(span - 0.02 * (len(packets) - 1)) < 0.03  # no drift
    audio = g711.decode(b"".join(p.payload for p in packets), "PCMU")
    loud = np.abs(audio.astype(np.int32)) > 1000
    assert 0.3 < loud.mean() < 0.5  # the 0.4 s tone, then silence


def test_input_audio_and_keys_become_events() -> None:
    async def main() -> list[CallerEvent]:
        phone = _phone()
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        media = CallMedia(events, rtp_timeout=30, on_timeout=lambda: None)
        first = free_port() & ~1
        port = await media.open("127.0.0.1", RtpPorts(first, first + 50))
        media.use(NegotiatedAudio("127.0.0.1", phone.getsockname()[1], "PCMA", 8, 101,
                                  "sendrecv"))
        media.start()
        sender = RtpSender(8)
        for _ in range(10):
            payload = g711.encode(tone(0.02), "PCMA")
            phone.sendto(sender.packet(payload).to_bytes(), ("127.0.0.1", port))
        for repeat in range(3):  # key 5: start, then the end packet sent three times
            end = repeat > 0
            event = TelephoneEvent(5, end, 10, 800).to_bytes()
            packet = RtpPacket(101, sender.sequence + repeat, sender.timestamp, sender.ssrc, event)
            phone.sendto(packet.to_bytes(), ("127.0.0.1", port))
        await asyncio.sleep(0.3)
        media.close()
        phone.close()
        found = []
        while not events.empty():
            found.append(events.get_nowait())
        return found

    found = asyncio.run(main())
    keys = [event.key for event in found if isinstance(event, CallerKey)]
    samples = sum(len(event.pcm) for event in found if isinstance(event, CallerAudio))
    assert keys == ["5"]
    assert samples == 1600  # all ten frames, through the jitter buffer
