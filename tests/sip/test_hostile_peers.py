"""The gateway against hostile peers on loopback (issue 11): spoofed caller ID, floods, RTP
injection, unacknowledged answers. Sources other than 127.0.0.1 are other loopback addresses
(127.0.0.2, 127.0.0.3: Linux answers the whole 127.0.0.0/8), i.e. untrusted peers."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.sip.limits import SourceLimitSettings
from bot.sip.message import SipResponse, parse_message
from bot.sip.transaction import TimerSettings
from tests.sip.caller import Caller
from tests.sip.gateway_support import RawPeer, Sessions, start_gateway

DEMO_NUMBER = "+355691234567"


def test_a_spoofed_invite_from_an_untrusted_source_is_an_unregistered_caller(
        caplog: pytest.LogCaptureFixture) -> None:
    sessions = Sessions()

    async def main() -> tuple[list, str, str]:
        gateway = await start_gateway(sessions)
        spoofer = Caller(gateway.address, number=DEMO_NUMBER, host="127.0.0.2")
        trunk = Caller(gateway.address, number=DEMO_NUMBER)
        try:
            for caller in (spoofer, trunk):
                await caller.call()
                await asyncio.sleep(0.1)
                await caller.hangup()
            await asyncio.wait_for(gateway.idle.wait(), 5)
            return list(gateway.records), spoofer.call_id, trunk.call_id
        finally:
            spoofer.close()
            trunk.close()
            await gateway.stop()

    with caplog.at_level(logging.INFO, logger="bot.sip"):
        records, spoofed_call, trunk_call = asyncio.run(main())
    spoofed, trusted = sessions.made
    assert spoofed.context.caller_id is None  # the session sees an unregistered line
    assert trusted.context.caller_id == DEMO_NUMBER  # the trusted peer (loopback) is believed
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.sip.calls"]
    spoofed_line = next(line for line in lines if spoofed_call in line)
    assert "caller=withheld" in spoofed_line
    assert "caller_id_refused=untrusted_peer:127.0.0.2" in spoofed_line
    assert f"claimed={DEMO_NUMBER}" in spoofed_line
    trusted_line = next(line for line in lines if trunk_call in line)
    assert f"caller={DEMO_NUMBER}" in trusted_line and "refused" not in trusted_line
    assert {record.call_id for record in records} == {spoofed_call, trunk_call}


def _invite(peer: RawPeer, call_id: str, host: str = "127.0.0.2") -> bytes:
    sdp = (f"v=0\r\no=- 1 1 IN IP4 {host}\r\ns=-\r\nc=IN IP4 {host}\r\nt=0 0\r\n"
           "m=audio 4000 RTP/AVP 0\r\n").encode()
    return (f"INVITE sip:bank@127.0.0.1 SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {host}:{peer.port};branch=z9hG4bK{call_id};rport\r\n"
            f"From: <sip:+355691234567@{host}>;tag=t{call_id}\r\nTo: <sip:bank@127.0.0.1>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n"
            f"Contact: <sip:x@{host}:{peer.port}>\r\n"
            f"Content-Type: application/sdp\r\nContent-Length: {len(sdp)}\r\n\r\n").encode() + sdp


def _statuses(data: list[bytes]) -> list[int]:
    return [message.status for message in map(parse_message, data)
            if isinstance(message, SipResponse)]


def test_one_source_holding_unanswered_invites_cannot_take_every_line() -> None:
    """A source keeps INVITEs ringing (never ACKs): it gets at most its share (2 calls), and a
    caller from another address is still answered while the gateway has room."""
    sessions = Sessions()

    async def main() -> tuple[list[tuple[str, int]], list[str]]:
        gateway = await start_gateway(sessions, answer_delay=3.0, max_calls=6,
                                      source_limits=SourceLimitSettings(calls=2))
        flooder = RawPeer("127.0.0.2")
        caller = Caller(gateway.address, host="127.0.0.3")
        try:
            statuses: set[tuple[str, int]] = set()
            for number in range(10):
                for data in await flooder.exchange(_invite(flooder, f"flood{number}"),
                                                   gateway.address, wait=0.05):
                    message = parse_message(data)
                    if isinstance(message, SipResponse):
                        statuses.add((message.call_id, message.status))
            await caller.call(timeout=5)  # answered after the 3 s ring
            await caller.hangup()
            return sorted(statuses), [record.outcome for record in gateway.records]
        finally:
            flooder.close()
            caller.close()
            await gateway.stop()

    statuses, outcomes = asyncio.run(main())
    finals = [status for _, status in statuses if status != 100]
    assert finals.count(180) == 2
    assert finals.count(486) == 8
    assert outcomes.count("source_busy") == 8
    assert "caller_hangup" in outcomes  # the other source's call went through


def test_a_request_flood_from_one_source_is_dropped_unanswered() -> None:
    """500 OPTIONS at once from one untrusted source: the burst is answered, the rest dropped
    (no amplification); another source is served at the same moment."""

    def options(peer: RawPeer, number: int) -> bytes:
        return (f"OPTIONS sip:bank@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {peer.host}:{peer.port}"
                f";branch=z9hG4bKo{number};rport\r\nFrom: <sip:p@{peer.host}>;tag=p\r\n"
                f"To: <sip:bank@127.0.0.1>\r\nCall-ID: o{number}\r\nCSeq: 1 OPTIONS\r\n"
                "Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n").encode()

    async def main() -> tuple[list[int], list[int], int, float]:
        gateway = await start_gateway(Sessions(),
                                      source_limits=SourceLimitSettings(rate=10, burst=20))
        flooder, other = RawPeer("127.0.0.2"), RawPeer("127.0.0.3")
        try:
            started = time.monotonic()
            for number in range(500):
                flooder.sock.sendto(options(flooder, number), gateway.address)
                if number % 10 == 0:
                    await asyncio.sleep(0.001)  # let the gateway read: no kernel buffer overflow
            elapsed = time.monotonic() - started
            flooded = _statuses(await flooder.exchange(b"", gateway.address, wait=0.3))
            served = _statuses(await other.exchange(options(other, 9999), gateway.address))
            assert gateway.endpoint is not None
            return flooded, served, gateway.endpoint.limited, elapsed
        finally:
            flooder.close()
            other.close()
            await gateway.stop()

    flooded, served, limited, elapsed = asyncio.run(main())
    assert set(flooded) == {200}
    assert 20 <= len(flooded) <= 20 + 10 * elapsed + 1  # the burst, then the rate
    assert limited >= 500 - len(flooded) - 10  # (a few may be lost in the kernel's buffer)
    assert served == [200]


def test_no_bye_goes_to_a_peer_that_never_acked() -> None:
    """A forged INVITE that is never ACKed: our 200 is retransmitted as RFC 3261 says, then the
    call ends silently, no BYE (issue 11, item 5: no reflection beyond the retransmissions)."""
    sessions = Sessions()
    timers = TimerSettings(t1=0.02, t2=0.08, t4=0.1)  # 64*T1 = 1.28 s

    async def main() -> tuple[list[bytes], list[str]]:
        gateway = await start_gateway(sessions, timers=timers)
        peer = RawPeer("127.0.0.2")
        try:
            received = await peer.exchange(_invite(peer, "noack"), gateway.address, wait=0.6)
            await asyncio.wait_for(gateway.idle.wait(), 5)
            received += await peer.exchange(b"", gateway.address, wait=0.3)
            return received, [record.outcome for record in gateway.records]
        finally:
            peer.close()
            await gateway.stop()

    received, outcomes = asyncio.run(main())
    assert not any(data.startswith(b"BYE ") for data in received)
    assert _statuses(received).count(200) >= 5  # the 2xx was retransmitted until Timer L
    assert outcomes == ["no_ack"]
    assert sessions.made == []  # never confirmed, no session


def test_an_oversized_message_gets_513_and_the_gateway_serves_on() -> None:
    async def main() -> tuple[list[int], list[int]]:
        gateway = await start_gateway(Sessions())
        peer = RawPeer()
        try:
            big = _invite(peer, "big", "127.0.0.1").replace(
                b"Max-Forwards: 70\r\n", b"Max-Forwards: 70\r\nX-Pad: " + b"a" * 60_000 + b"\r\n")
            too_large = _statuses(await peer.exchange(big, gateway.address, wait=0.3))
            probe = _statuses(await peer.exchange(_invite(peer, "small", "127.0.0.1"),
                                                  gateway.address, wait=0.3))
            return too_large, probe
        finally:
            peer.close()
            await gateway.stop()

    too_large, probe = asyncio.run(main())
    assert too_large == [513]
    assert 180 in probe
