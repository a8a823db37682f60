"""The UDP endpoint with real sockets on 127.0.0.1: garbage, malformed requests, OPTIONS."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import cast

import pytest

from bot.sip.header_values import SipParseError
from bot.sip.message import Headers, SipRequest, SipResponse, parse_message
from bot.sip.options import options_response
from bot.sip.transaction import ServerTransactions, TimerSettings
from bot.sip.transport import Address, SipEndpoint, open_endpoint
from tests.sip.mutations import mutate

DATA = Path(__file__).parent / "data"
TIMERS = TimerSettings(t1=0.05, t2=0.2, t4=0.25)


class Gateway:
    """The endpoint and the transaction layer, answering OPTIONS as the gateway will."""

    def __init__(self) -> None:
        self.endpoint: SipEndpoint | None = None
        self.transactions: ServerTransactions | None = None
        self.seen: list[SipRequest] = []

    async def start(self) -> Address:
        self.endpoint = await open_endpoint("127.0.0.1", 0, self.on_request)
        self.transactions = ServerTransactions(
            self.endpoint.send, asyncio.get_running_loop(), TIMERS
        )
        return self.endpoint.local_address

    def on_request(self, request: SipRequest, source: Address) -> None:
        assert self.transactions is not None
        incoming = self.transactions.receive(request, source)
        if incoming is None or incoming.transaction is None:
            return
        self.seen.append(request)
        if request.method == "NOTIFY":
            raise RuntimeError("a bug in the transaction user")
        if request.method == "OPTIONS":
            incoming.transaction.respond(options_response(request))


class Phone(asyncio.DatagramProtocol):
    """A UDP socket on 127.0.0.1 that collects what comes back."""

    def __init__(self) -> None:
        self.received: asyncio.Queue[bytes] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received.put_nowait(data)

    @property
    def port(self) -> int:
        assert self.transport is not None
        return self.transport.get_extra_info("sockname")[1]

    def send(self, data: bytes, address: Address) -> None:
        assert self.transport is not None
        self.transport.sendto(data, address)

    async def reply(self, timeout: float = 2.0) -> SipResponse:
        return read_reply(await asyncio.wait_for(self.received.get(), timeout))

    async def reply_to(self, call_id: str, timeout: float = 2.0) -> SipResponse:
        """The first reply for `call_id`; every reply on the way must be a proper response."""
        while True:
            response = await self.reply(timeout)
            if response.headers.get("Call-ID") == call_id:
                return response


def read_reply(data: bytes) -> SipResponse:
    """A response from the gateway: well-formed, or an error answer to a malformed request.

    An error answer copies the request's Via, From, To, Call-ID and CSeq as they came, so it
    has the same defects as its request, but it always has a status line, a readable Via and a
    reason that says what was wrong.
    """
    try:
        response = parse_message(data)
    except SipParseError:
        head, _, _ = data.partition(b"\r\n\r\n")
        status_line, *lines = head.decode().split("\r\n")
        assert status_line.startswith(("SIP/2.0 400 Bad Request (", "SIP/2.0 505 ", "SIP/2.0 416 "))
        headers = Headers(tuple(line.split(": ", 1)) for line in lines)  # type: ignore[misc]
        response = SipResponse(headers, b"", status=int(status_line[8:11]), reason=status_line[12:])
        assert response.top_via.host  # the caller can match it by its Via
    assert isinstance(response, SipResponse)
    return response


def options(
    port: int,
    call_id: str = "opt-1",
    *,
    branch: str = "z9hG4bKopt1",
    rport: bool = False,
    without: str = "",
    version: str = "SIP/2.0",
    method: str = "OPTIONS",
    sent_by_port: int | None = None,
) -> bytes:
    lines = [
        f"{method} sip:bank@127.0.0.1 {version}",
        f"Via: SIP/2.0/UDP 127.0.0.1:{sent_by_port or port};branch={branch}"
        + (";rport" if rport else ""),
        "Max-Forwards: 70",
        f"From: <sip:+355691234567@127.0.0.1:{port}>;tag=ph1",
        "To: <sip:bank@127.0.0.1>",
        f"Call-ID: {call_id}",
        f"CSeq: 1 {method}",
        "Accept: application/sdp",
    ]
    return (
        "\r\n".join(line for line in lines if not line.startswith(without or "\x00")) + "\r\n\r\n"
    ).encode()


def run(scenario: Callable[[Gateway, Phone, Address], Awaitable[None]]) -> None:
    async def main() -> None:
        gateway = Gateway()
        address = await gateway.start()
        _, phone = await asyncio.get_running_loop().create_datagram_endpoint(
            Phone, local_addr=("127.0.0.1", 0)
        )
        try:
            await scenario(gateway, phone, address)
        finally:
            assert phone.transport is not None and gateway.endpoint is not None
            phone.transport.close()
            gateway.endpoint.close()

    asyncio.run(main())


def test_options_is_answered_with_allow_and_accept() -> None:
    async def scenario(gateway: Gateway, phone: Phone, address: Address) -> None:
        phone.send(options(phone.port), address)
        response = await phone.reply()
        assert (response.status, response.reason) == (200, "OK")
        assert "INVITE" in response.headers.values("Allow")
        assert "REFER" in response.headers.values("Allow")
        assert "application/sdp" in response.headers.values("Accept")
        assert "application/dtmf-relay" in response.headers.values("Accept")
        assert response.to_address.tag  # out of dialog: the UAS adds a To tag
        assert response.call_id == "opt-1" and response.cseq.method == "OPTIONS"
        assert response.top_via.branch == "z9hG4bKopt1"

    run(scenario)


def test_garbage_is_dropped_and_the_endpoint_keeps_serving() -> None:
    async def scenario(gateway: Gateway, phone: Phone, address: Address) -> None:
        for garbage in [
            b"\x00\xff\x10garbage",
            b"hello",
            b"GET / HTTP/1.1\r\n\r\n",
            b"\r\n\r\n",
            b"SIP/2.0 200 OK\r\n\r\n",
            b"INVITE sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n",
        ]:
            phone.send(garbage, address)
        phone.send(options(phone.port, "after-garbage"), address)
        response = await phone.reply()  # the first datagram back: nothing answered the garbage
        assert response.status == 200 and response.call_id == "after-garbage"
        assert gateway.endpoint is not None and gateway.endpoint.dropped == 5

    run(scenario)


def test_malformed_request_with_readable_via_gets_400() -> None:
    async def scenario(gateway: Gateway, phone: Phone, address: Address) -> None:
        phone.send(options(phone.port, "no-call-id", without="Call-ID"), address)
        response = await phone.reply()
        assert response.status == 400 and response.reason == "Bad Request (missing Call-ID)"
        assert response.top_via.branch == "z9hG4bKopt1"
        assert response.headers.get("Call-ID") is None
        assert response.headers.get("CSeq") == "1 OPTIONS"

        phone.send(options(phone.port, "bad-cseq").replace(b"CSeq: 1 OPTIONS", b"CSeq: x"), address)
        response = await phone.reply()
        assert response.status == 400 and response.call_id == "bad-cseq"

        phone.send(options(phone.port, "v3", version="SIP/3.0"), address)
        response = await phone.reply()
        assert response.status == 505 and response.call_id == "v3"
        assert gateway.seen == []

    run(scenario)


def test_malformed_ack_is_never_answered() -> None:
    async def scenario(gateway: Gateway, phone: Phone, address: Address) -> None:
        phone.send(options(phone.port, "ack", method="ACK", without="Call-ID"), address)
        phone.send(options(phone.port, "then"), address)
        assert (await phone.reply()).call_id == "then"

    run(scenario)


def test_rport_sends_the_response_to_the_source_port() -> None:
    async def scenario(gateway: Gateway, phone: Phone, address: Address) -> None:
        # A phone behind NAT: its Via names a private address and port it cannot be reached on.
        data = options(phone.port, "nat", rport=True, sent_by_port=5999).replace(
            b"127.0.0.1:5999", b"10.1.2.3:5999"
        )
        phone.send(data, address)
        response = await phone.reply()
        assert response.status == 200
        via = response.top_via
        assert via.params["received"] == "127.0.0.1"
        assert via.params["rport"] == str(phone.port)

    run(scenario)


def test_retransmitted_options_is_answered_from_the_transaction() -> None:
    async def scenario(gateway: Gateway, phone: Phone, address: Address) -> None:
        phone.send(options(phone.port, "twice"), address)
        first = await phone.reply()
        phone.send(options(phone.port, "twice"), address)
        second = await phone.reply()
        assert first.to_bytes() == second.to_bytes()  # same To tag: the same response
        assert len(gateway.seen) == 1

    run(scenario)


def test_an_exception_in_the_transaction_user_costs_one_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def scenario(gateway: Gateway, phone: Phone, address: Address) -> None:
        phone.send(options(phone.port, "boom", method="NOTIFY", branch="z9hG4bKn"), address)
        phone.send(options(phone.port, "fine"), address)
        assert (await phone.reply()).call_id == "fine"

    with caplog.at_level(logging.ERROR, logger="bot.sip.transport"):
        run(scenario)
    (record,) = caplog.records
    assert record.getMessage().startswith("SIP message from 127.0.0.1:")
    assert record.getMessage().endswith("could not be handled")
    assert "boom" not in caplog.text  # the message itself is not logged


def test_fuzzed_datagrams_get_well_formed_answers_or_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rng = random.Random(18)
    statuses: list[int] = []

    async def scenario(gateway: Gateway, phone: Phone, address: Address) -> None:
        # With rport, answers come back to this socket whatever port the Via names.
        sipp_invite = (DATA / "sipp_uac_invite.sip").read_bytes()
        seeds = [
            options(phone.port, "seed", rport=True),
            sipp_invite.replace(b";branch=z9hG4bK-17373-1-0", b";rport;branch=z9hG4bK-17373-1-0"),
        ]
        for batch in range(15):
            for index in range(20):
                phone.send(mutate(seeds[index % 2], rng), address)
            # Waiting for this answer paces the batches (loopback socket buffers are finite);
            # every reply before it must be a proper response.
            call_id = f"still-there-{batch}"
            phone.send(options(phone.port, call_id, branch=f"z9hG4bKb{batch}"), address)
            while (reply := await phone.reply()).headers.get("Call-ID") != call_id:
                statuses.append(reply.status)
            assert reply.status == 200

    with caplog.at_level(logging.ERROR, logger="bot.sip.transport"):
        run(scenario)
    assert caplog.records == []
    # The mutations reached every kind of answer: 100 to INVITEs, 200 to OPTIONS, 400s.
    assert {100, 200, 400} <= set(statuses)  # nothing reached the "could not be handled" safety net
