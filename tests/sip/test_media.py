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
from bot.voice.call_io import CallerAudio, CallerEvent
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
    async def main() -> tuple[list[CallerEvent], list[str]]:
        phone = _phone()
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        keys: list[str] = []
        media = CallMedia(events, rtp_timeout=30, on_timeout=lambda: None, on_key=keys.append)
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
        return found, keys

    found, keys = asyncio.run(main())
    samples = sum(len(event.pcm) for event in found if isinstance(event, CallerAudio))
    assert keys == ["5"]
    assert samples == 1600  # all ten frames, through the jitter buffer


def test_a_third_socket_hears_nothing_and_keys_nothing() -> None:
    """RTP hijack (issue 11, item 5): an attacker who knows the call's port sends audio and a key
    from another address, as the first packets and mid-call: it receives 0 of the call's packets
    and injects 0 keys; the caller keeps receiving everything."""

    async def main() -> tuple[list, list, list[str]]:
        phone = _phone()
        attacker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        attacker.bind(("127.0.0.3", 0))
        attacker.setblocking(False)
        events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        keys: list[str] = []
        media = CallMedia(events, rtp_timeout=30, on_timeout=lambda: None,
                          signalling_host="127.0.0.1", on_key=keys.append)
        first = free_port() & ~1
        port = await media.open("127.0.0.1", RtpPorts(first, first + 50))
        media.use(NegotiatedAudio("127.0.0.1", phone.getsockname()[1], "PCMU", 0, 101,
                                  "sendrecv"))
        media.start()
        caller, thief = RtpSender(0), RtpSender(0)

        def key(sender: RtpSender, sock: socket.socket, digit: int) -> None:
            for repeat in range(3):
                event = TelephoneEvent(digit, repeat > 0, 10, 800).to_bytes()
                packet = RtpPacket(101, sender.sequence + repeat, sender.timestamp,
                                   sender.ssrc, event)
                sock.sendto(packet.to_bytes(), ("127.0.0.1", port))
            sender.sequence += 3
            sender.timestamp += 1600

        key(thief, attacker, 9)  # before the caller's first packet
        await asyncio.sleep(0.05)
        for _ in range(5):
            phone.sendto(caller.packet(g711.encode(tone(0.02), "PCMU")).to_bytes(),
                         ("127.0.0.1", port))
        key(caller, phone, 5)
        for _ in range(5):  # mid-call: audio and a key from the third socket
            attacker.sendto(thief.packet(g711.encode(tone(0.02), "PCMU")).to_bytes(),
                            ("127.0.0.1", port))
        key(thief, attacker, 1)
        stolen_and_heard = await asyncio.gather(_drain(attacker, 0.5), _drain(phone, 0.5))
        media.close()
        phone.close()
        attacker.close()
        return *stolen_and_heard, keys

    stolen, heard, keys = asyncio.run(main())
    assert stolen == []
    assert len(heard) > 15  # the caller hears the call
    assert keys == ["5"]


def test_rtp_ports_are_not_handed_out_in_order() -> None:
    """A probe call's port must not predict the next caller's (issue 11, item 5)."""

    async def main() -> list[int]:
        first = free_port() & ~1
        ports = RtpPorts(first, first + 400)
        bound = []
        for _ in range(12):
            media = CallMedia(asyncio.Queue(), rtp_timeout=30, on_timeout=lambda: None)
            bound.append(await media.open("127.0.0.1", ports))
            media.close()
            ports.release(media.port)  # each call over before the next: a free choice each time
        return bound

    bound = asyncio.run(main())
    steps = [b - a for a, b in zip(bound, bound[1:], strict=False)]
    assert all(port % 2 == 0 for port in bound)
    assert sum(step == 2 for step in steps) <= 3  # in order, every step would be +2
    assert len(set(bound)) >= 8  # and not the same port again and again
