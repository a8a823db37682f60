"""A scripted phone on loopback: places a SIP call, streams RTP (silence or speech), keys by
RFC 4733 telephone-events, records what it hears, and plays the transferee's part of a REFER.

Tests and `bench/sip_load_bench.py` use it where baresip or sipp cannot be scripted finely
enough (a key when the assistant is listening, a REFER answered with a chosen result).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bot.sip.header_values import parse_name_addr
from bot.sip.message import (
    SipRequest,
    SipResponse,
    build_response,
    new_branch,
    new_tag,
    parse_message,
)
from bot.sip.rtp import SEQUENCE_MODULO, RtpPacket, RtpSender, parse_rtp
from bot.sip.sdp import parse_sdp
from bot.sip.telephone_events import TelephoneEvent, event_for_key
from bot.voice import g711

EVENT_PT = 101


class _Socket(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Any) -> None:
        self.on_datagram = on_datagram
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        self.on_datagram(data, (addr[0], addr[1]))


@dataclass
class Caller:
    """One call from `number` to the gateway at `target`."""

    target: tuple[str, int]
    number: str | None = "+355694109990"
    refer_result: str = "200 OK"  # the sipfrag final status when we are REFERred
    speech: np.ndarray | None = None  # streamed instead of silence while `speaking`
    heard: list[tuple[float, bytes]] = field(default_factory=list)  # (arrival, payload)
    requests: list[str] = field(default_factory=list)  # in-dialog requests from the gateway
    refer_to: list[str] = field(default_factory=list)
    host: str = "127.0.0.1"  # where the phone's SIP and RTP sockets are (any 127.0.0.0/8)
    ended = False

    async def call(self, timeout: float = 10.0) -> None:
        loop = asyncio.get_running_loop()
        _, self._sip = await loop.create_datagram_endpoint(
            lambda: _Socket(self._on_sip), local_addr=(self.host, 0))
        _, self._rtp = await loop.create_datagram_endpoint(
            lambda: _Socket(self._on_rtp), local_addr=(self.host, 0))
        assert self._sip.transport is not None and self._rtp.transport is not None
        self.sip_port = self._sip.transport.get_extra_info("sockname")[1]
        self.rtp_port = self._rtp.transport.get_extra_info("sockname")[1]
        self.call_id = f"{secrets.token_hex(8)}@{self.host}"
        self.tag = new_tag()
        self._cseq = 1
        self._answer: asyncio.Future[SipResponse] = loop.create_future()
        self._responses: dict[str, asyncio.Future[SipResponse]] = {}
        self.bye_received = asyncio.Event()
        self.speaking = False
        self._said: asyncio.Future[float] | None = None  # while `say` waits
        user = self.number or "anonymous"
        self._from = f"<sip:{user}@{self.host}>;tag={self.tag}"
        sdp = (f"v=0\r\no=- 1 1 IN IP4 {self.host}\r\ns=-\r\nc=IN IP4 {self.host}\r\nt=0 0\r\n"
               f"m=audio {self.rtp_port} RTP/AVP 0 {EVENT_PT}\r\na=rtpmap:0 PCMU/8000\r\n"
               f"a=rtpmap:{EVENT_PT} telephone-event/8000\r\na=fmtp:{EVENT_PT} 0-15\r\n"
               "a=sendrecv\r\n").encode()
        invite = self._request("INVITE", f"sip:bank@{self.target[0]}:{self.target[1]}",
                               f"<sip:bank@{self.target[0]}>", body=sdp,
                               content_type="application/sdp")
        self._invite_branch = invite.top_via.branch
        self._send_sip(invite.to_bytes())
        ok = await asyncio.wait_for(self._answer, timeout)
        self._to = ok.headers.get("To") or ""
        contact = ok.headers.values("Contact")
        self._remote_target = str(parse_name_addr(contact[0]).uri) if contact else invite.uri
        answer = parse_sdp(ok.body).media[0]
        self.payload_type = int(answer.formats[0])
        self.codec: g711.Codec = "PCMA" if self.payload_type == 8 else "PCMU"
        connection = answer.connection or parse_sdp(ok.body).connection
        assert connection is not None
        self._media_to = (connection.address, answer.port)
        ack = self._request("ACK", self._remote_target, self._to, cseq=self._cseq - 1)
        self._send_sip(ack.to_bytes())
        self._sender = RtpSender(self.payload_type)
        self._stream = loop.create_task(self._stream_rtp())

    # --- what the test does -----------------------------------------------------------------

    async def press(self, key: str) -> None:
        """One key press: RFC 4733 event packets for 100 ms, then the end packet three times."""
        event = event_for_key(key)
        timestamp = self._sender.timestamp
        for step in range(1, 6):
            end = step == 5
            payload = TelephoneEvent(event, end, 10, 160 * step).to_bytes()
            repeats = 3 if end else 1
            for _ in range(repeats):
                # One sequence space per SSRC: the event packets take the audio's next numbers.
                packet = RtpPacket(EVENT_PT, self._sender.sequence, timestamp, self._sender.ssrc,
                                   payload, marker=step == 1)
                self._sender.sequence = (self._sender.sequence + 1) % SEQUENCE_MODULO
                self._send_rtp(packet.to_bytes())
            await asyncio.sleep(0.02)

    async def say(self, speech: np.ndarray) -> float:
        """Stream `speech` (8 kHz) in place of silence; the time its last frame was sent."""
        self._said = asyncio.get_running_loop().create_future()
        self.speech, self.speaking = speech, True
        try:
            return await self._said
        finally:
            self.speaking, self._said = False, None

    async def press_all(self, keys: str, gap: float = 0.15) -> None:
        for key in keys:
            await self.press(key)
            await asyncio.sleep(gap)

    async def hangup(self) -> None:
        if self.ended:
            return
        bye = self._request("BYE", self._remote_target, self._to)
        waiter = self._expect(bye)
        self._send_sip(bye.to_bytes())
        await asyncio.wait_for(waiter, 5)
        self.close()

    def close(self) -> None:
        self.ended = True
        if hasattr(self, "_stream"):
            self._stream.cancel()
        for endpoint in (self._sip, self._rtp):
            if endpoint.transport is not None:
                endpoint.transport.close()

    def audio(self) -> np.ndarray:
        """Everything heard so far, decoded, in arrival order."""
        if not self.heard:
            return np.zeros(0, dtype=np.int16)
        return g711.decode(b"".join(payload for _, payload in self.heard), self.codec)

    # --- inside -----------------------------------------------------------------------------

    def _request(self, method: str, uri: str, to: str, *, cseq: int | None = None,
                 body: bytes = b"", content_type: str | None = None,
                 branch: str | None = None) -> SipRequest:
        from bot.sip.message import Headers

        if cseq is None:
            cseq, self._cseq = self._cseq, self._cseq + 1
        via = f"SIP/2.0/UDP {self.host}:{self.sip_port};branch={branch or new_branch()};rport"
        headers = Headers([
            ("Via", via),
            ("Max-Forwards", "70"), ("From", self._from), ("To", to),
            ("Call-ID", self.call_id), ("CSeq", f"{cseq} {method}"),
            ("Contact", f"<sip:caller@{self.host}:{self.sip_port}>"),
        ])
        if content_type:
            headers.add("Content-Type", content_type)
        return SipRequest(headers, body, method=method, uri=uri)

    def _expect(self, request: SipRequest) -> asyncio.Future[SipResponse]:
        future = asyncio.get_running_loop().create_future()
        self._responses[request.top_via.branch or ""] = future
        return future

    def _send_sip(self, data: bytes) -> None:
        if self._sip.transport is not None:
            self._sip.transport.sendto(data, self.target)

    def _send_rtp(self, data: bytes) -> None:
        if self._rtp.transport is not None:
            self._rtp.transport.sendto(data, self._media_to)

    def _on_sip(self, data: bytes, source: tuple[str, int]) -> None:
        message = parse_message(data)
        if isinstance(message, SipResponse):
            branch = message.top_via.branch or ""
            if branch == self._invite_branch and message.status >= 200:
                if not self._answer.done():
                    self._answer.set_result(message)
                elif message.status < 300:  # a 2xx retransmission: ACK again
                    pass
                return
            future = self._responses.pop(branch, None)
            if future is not None and message.status >= 200 and not future.done():
                future.set_result(message)
            return
        self._on_request(message)

    def _on_request(self, request: SipRequest) -> None:
        self.requests.append(request.method)
        if request.method == "BYE":
            self._send_sip(build_response(request, 200).to_bytes())
            self.bye_received.set()
            self.close()
        elif request.method == "REFER":
            self.refer_to.append(request.headers.get("Refer-To") or "")
            self._send_sip(build_response(request, 202).to_bytes())
            asyncio.get_running_loop().create_task(self._report_transfer())
        else:
            self._send_sip(build_response(request, 200).to_bytes())

    async def _report_transfer(self) -> None:
        for status, state in (("100 Trying", "active;expires=60"),
                              (self.refer_result, "terminated;reason=noresource")):
            await asyncio.sleep(0.1)
            notify = self._request("NOTIFY", self._remote_target, self._to,
                                   body=f"SIP/2.0 {status}\r\n".encode(),
                                   content_type="message/sipfrag")
            notify.headers.add("Event", "refer")
            notify.headers.add("Subscription-State", state)
            waiter = self._expect(notify)
            self._send_sip(notify.to_bytes())
            await asyncio.wait_for(waiter, 5)

    def _on_rtp(self, data: bytes, source: tuple[str, int]) -> None:
        packet = parse_rtp(data)
        if packet.payload_type == self.payload_type:
            self.heard.append((time.monotonic(), packet.payload))

    async def _stream_rtp(self) -> None:
        start, frame, offset = time.monotonic(), 0, 0
        quiet = g711.silence_payload(160, self.codec)
        while not self.ended:
            if self.speaking and self.speech is not None and offset < len(self.speech):
                payload = g711.encode(self.speech[offset:offset + 160], self.codec)
                offset += 160
            else:
                payload, offset = quiet, 0 if not self.speaking else offset
            self._send_rtp(self._sender.packet(payload.ljust(160, quiet[:1])).to_bytes())
            said, speech = self._said, self.speech
            if said and not said.done() and speech is not None and offset >= len(speech):
                said.set_result(time.monotonic())  # the last frame of `say` just left
            frame += 1
            await asyncio.sleep(max(0.0, start + frame * 0.02 - time.monotonic()))
