from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest

from bot.sip.message import SipRequest, build_response, parse_message
from bot.sip.transaction import (
    InviteServerTransaction,
    Retransmitter,
    ServerTransactions,
    TimerSettings,
    TransactionError,
    TransactionState,
)
from bot.sip.transport import Address
from tests.sip.clock import ManualScheduler

TIMERS = TimerSettings(t1=0.5, t2=4.0, t4=5.0)
CALLER: Address = ("192.0.2.10", 5062)


def request(
    method: str,
    *,
    branch: str = "z9hG4bKinv1",
    cseq: int = 1,
    cseq_method: str | None = None,
    to_tag: str = "",
) -> SipRequest:
    to = "<sip:bank@gateway.example>" + (f";tag={to_tag}" if to_tag else "")
    data = (
        f"{method} sip:bank@gateway.example SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP 192.0.2.10:5062;branch={branch}\r\n"
        "Max-Forwards: 70\r\n"
        "From: <sip:+355691234567@carrier.example>;tag=caller1\r\n"
        f"To: {to}\r\n"
        "Call-ID: call-1@192.0.2.10\r\n"
        f"CSeq: {cseq} {cseq_method or method}\r\n\r\n"
    ).encode()
    parsed = parse_message(data)
    assert isinstance(parsed, SipRequest)
    return parsed


class Wire:
    """What the transactions sent, with the time it was sent."""

    def __init__(self, clock: ManualScheduler) -> None:
        self.clock = clock
        self.sent: list[tuple[float, bytes, Address]] = []

    def send(self, data: bytes, address: Address) -> None:
        self.sent.append((self.clock.now, data, address))

    def statuses(self) -> list[int]:
        return [int(data.split(b" ", 2)[1]) for _, data, _ in self.sent]

    def times(self) -> list[float]:
        return [round(when, 6) for when, _, _ in self.sent]


@pytest.fixture
def clock() -> ManualScheduler:
    return ManualScheduler()


@pytest.fixture
def wire(clock: ManualScheduler) -> Wire:
    return Wire(clock)


@pytest.fixture
def layer(clock: ManualScheduler, wire: Wire) -> ServerTransactions:
    return ServerTransactions(wire.send, clock, TIMERS)


def test_retransmitted_invite_gets_the_same_100_180_and_200_again(
    layer: ServerTransactions, wire: Wire
) -> None:
    invite = request("INVITE")
    incoming = layer.receive(invite, CALLER)
    assert incoming is not None and isinstance(incoming.transaction, InviteServerTransaction)
    transaction = incoming.transaction
    assert wire.statuses() == [100]
    assert layer.receive(request("INVITE"), CALLER) is None  # absorbed
    assert wire.statuses() == [100, 100]

    transaction.respond(build_response(invite, 180, to_tag="gw1"))
    assert layer.receive(request("INVITE"), CALLER) is None
    assert wire.statuses() == [100, 100, 180, 180]
    assert wire.sent[2][1] == wire.sent[3][1]

    transaction.respond(build_response(invite, 200, to_tag="gw1"))
    assert transaction.state is TransactionState.ACCEPTED
    assert layer.receive(request("INVITE"), CALLER) is None
    assert wire.statuses()[-2:] == [200, 200]
    assert wire.sent[-1][1] == wire.sent[-2][1]
    assert {address for _, _, address in wire.sent} == {CALLER}


def test_non_2xx_final_is_retransmitted_with_doubling_until_ack(
    layer: ServerTransactions, wire: Wire, clock: ManualScheduler
) -> None:
    invite = request("INVITE")
    incoming = layer.receive(invite, CALLER)
    assert incoming is not None and incoming.transaction is not None
    incoming.transaction.respond(build_response(invite, 486, to_tag="gw1"))
    clock.advance(4.0)
    # Sent at 0, then Timer G at 0.5, 1.5 (0.5 + 1.0), 3.5 (1.5 + 2.0).
    assert wire.statuses() == [100, 486, 486, 486, 486]
    assert wire.times() == [0.0, 0.0, 0.5, 1.5, 3.5]
    assert incoming.transaction.state is TransactionState.COMPLETED

    ack = request("ACK", to_tag="gw1")  # same branch as the INVITE: part of its transaction
    assert layer.receive(ack, CALLER) is None
    assert incoming.transaction.state is TransactionState.CONFIRMED
    clock.advance(4.9)
    assert len(wire.sent) == 5  # no retransmission after the ACK
    assert layer.receive(request("ACK", to_tag="gw1"), CALLER) is None  # absorbed, too
    clock.advance(0.2)  # Timer I (T4) ends the transaction
    assert incoming.transaction.terminated and len(layer) == 0
    assert clock.pending == 0


def test_retransmission_interval_is_capped_at_t2_and_timer_h_gives_up(
    clock: ManualScheduler, wire: Wire
) -> None:
    abandoned = []
    layer = ServerTransactions(wire.send, clock, TIMERS, on_no_ack=abandoned.append)
    invite = request("INVITE")
    incoming = layer.receive(invite, CALLER)
    assert incoming is not None and incoming.transaction is not None
    incoming.transaction.respond(build_response(invite, 603))
    clock.advance(TIMERS.timeout + 1)
    times = wire.times()[1:]
    gaps = [round(b - a, 6) for a, b in pairwise(times)]
    assert gaps[:4] == [0.5, 1.0, 2.0, 4.0]
    assert set(gaps[4:]) == {4.0}  # capped at T2
    assert times[-1] < TIMERS.timeout
    assert abandoned == [incoming.transaction]
    assert incoming.transaction.terminated and len(layer) == 0 and clock.pending == 0


def test_ack_for_2xx_is_a_new_request_for_the_dialog(
    layer: ServerTransactions, wire: Wire, clock: ManualScheduler
) -> None:
    invite = request("INVITE")
    incoming = layer.receive(invite, CALLER)
    assert incoming is not None and incoming.transaction is not None
    ok = build_response(invite, 200, to_tag="gw1")
    incoming.transaction.respond(ok)
    ack = request("ACK", branch="z9hG4bKack2", to_tag="gw1")
    passed = layer.receive(ack, CALLER)
    assert passed is not None and passed.transaction is None and passed.request is ack
    clock.advance(TIMERS.timeout)  # Timer L
    assert incoming.transaction.terminated and len(layer) == 0


def test_retransmitter_repeats_the_2xx_until_stopped(clock: ManualScheduler) -> None:
    sent: list[float] = []
    retransmitter = Retransmitter(lambda: sent.append(clock.now), clock, TIMERS)
    retransmitter.start()
    clock.advance(10.0)
    assert sent == [0.5, 1.5, 3.5, 7.5]
    retransmitter.stop()  # the ACK came
    clock.advance(40.0)
    assert len(sent) == 4 and not retransmitter.active and clock.pending == 0


def test_retransmitter_gives_up_after_64_t1(clock: ManualScheduler) -> None:
    sent: list[float] = []
    gave_up: list[float] = []
    retransmitter = Retransmitter(
        lambda: sent.append(clock.now), clock, TIMERS, on_give_up=lambda: gave_up.append(clock.now)
    )
    retransmitter.start()
    clock.advance(100.0)
    assert gave_up == [32.0]
    assert sent[-1] < 32.0 and retransmitter.retransmissions == len(sent) == 10
    assert clock.pending == 0


def test_non_invite_transaction_absorbs_retransmissions(
    layer: ServerTransactions, wire: Wire, clock: ManualScheduler
) -> None:
    bye = request("BYE", branch="z9hG4bKbye1", cseq=2, to_tag="gw1")
    incoming = layer.receive(bye, CALLER)
    assert incoming is not None and incoming.transaction is not None
    assert wire.sent == []  # no 100 for non-INVITE
    assert layer.receive(request("BYE", branch="z9hG4bKbye1", cseq=2, to_tag="gw1"), CALLER) is None
    assert wire.sent == []  # Trying: absorbed silently
    incoming.transaction.respond(build_response(bye, 200))
    for _ in range(3):
        assert (
            layer.receive(request("BYE", branch="z9hG4bKbye1", cseq=2, to_tag="gw1"), CALLER)
            is None
        )
    assert wire.statuses() == [200, 200, 200, 200]
    assert len({data for _, data, _ in wire.sent}) == 1
    with pytest.raises(TransactionError):
        incoming.transaction.respond(build_response(bye, 500))
    clock.advance(TIMERS.timeout)  # Timer J
    assert incoming.transaction.terminated and len(layer) == 0
    again = layer.receive(request("BYE", branch="z9hG4bKbye1", cseq=2, to_tag="gw1"), CALLER)
    assert again is not None  # a new transaction once the old one is gone


def test_non_invite_provisional_is_repeated(layer: ServerTransactions, wire: Wire) -> None:
    info = request("INFO", branch="z9hG4bKinfo", cseq=3, to_tag="gw1")
    incoming = layer.receive(info, CALLER)
    assert incoming is not None and incoming.transaction is not None
    incoming.transaction.respond(build_response(info, 180))
    layer.receive(request("INFO", branch="z9hG4bKinfo", cseq=3, to_tag="gw1"), CALLER)
    assert wire.statuses() == [180, 180]
    assert incoming.transaction.state is TransactionState.PROCEEDING


def test_cancel_finds_its_invite(layer: ServerTransactions) -> None:
    incoming = layer.receive(request("INVITE"), CALLER)
    assert incoming is not None
    cancel = request("CANCEL")  # same branch, CSeq number and method CANCEL
    cancel_incoming = layer.receive(cancel, CALLER)
    assert cancel_incoming is not None and cancel_incoming.transaction is not incoming.transaction
    assert layer.matching_invite(cancel) is incoming.transaction
    assert layer.matching_invite(request("CANCEL", branch="z9hG4bKother")) is None


def test_rfc2543_peer_without_magic_cookie_is_matched_too(
    layer: ServerTransactions, wire: Wire
) -> None:
    invite = request("INVITE", branch="old1")
    incoming = layer.receive(invite, CALLER)
    assert incoming is not None and incoming.transaction is not None
    assert layer.receive(request("INVITE", branch="old1"), CALLER) is None
    incoming.transaction.respond(build_response(invite, 486, to_tag="gw"))
    assert layer.receive(request("ACK", branch="old1", to_tag="gw"), CALLER) is None
    assert incoming.transaction.state is TransactionState.CONFIRMED


def test_invite_transaction_refuses_responses_after_its_final(
    layer: ServerTransactions,
) -> None:
    invite = request("INVITE")
    incoming = layer.receive(invite, CALLER)
    assert incoming is not None and incoming.transaction is not None
    incoming.transaction.respond(build_response(invite, 487))
    with pytest.raises(TransactionError):
        incoming.transaction.respond(build_response(invite, 200))


def test_timers_run_on_a_real_event_loop() -> None:
    timers = TimerSettings(t1=0.01, t2=0.04, t4=0.05)

    async def scenario() -> tuple[list[int], bool]:
        loop = asyncio.get_running_loop()
        sent: list[bytes] = []
        layer = ServerTransactions(lambda data, _: sent.append(data), loop, timers)
        invite = request("INVITE")
        incoming = layer.receive(invite, CALLER)
        assert incoming is not None and incoming.transaction is not None
        incoming.transaction.respond(build_response(invite, 480))
        await asyncio.sleep(0.12)  # Timer G: 0.01, 0.03, 0.07 (then 0.11)
        layer.receive(request("ACK"), CALLER)
        count = len(sent)
        await asyncio.sleep(0.1)  # Timer I: 0.05
        assert len(sent) == count
        return [int(data.split(b" ", 2)[1]) for data in sent], len(layer) == 0

    statuses, emptied = asyncio.run(scenario())
    assert statuses[:2] == [100, 480] and len(statuses) >= 4 and set(statuses[1:]) == {480}
    assert emptied


def test_the_transaction_table_is_bounded_and_a_flood_gets_503(
        clock: ManualScheduler, wire: Wire) -> None:
    """10,000 distinct requests in a burst (a flood): the table holds at most its limit, the
    rest are answered 503 Retry-After at once; once the old ones end, new ones are served."""
    layer = ServerTransactions(wire.send, clock, TIMERS, max_transactions=100)
    served = 0
    for number in range(10_000):
        incoming = layer.receive(request("OPTIONS", branch=f"z9hG4bKf{number}"), CALLER)
        if incoming is not None and incoming.transaction is not None:
            incoming.transaction.respond(build_response(incoming.request, 200))
            served += 1
        assert len(layer) <= 100
    assert served == 100
    assert layer.overloaded == 9_900
    busy = [data for _, data, _ in wire.sent if data.startswith(b"SIP/2.0 503")]
    assert len(busy) == 9_900 and b"Retry-After: 5" in busy[0]
    clock.advance(TIMERS.timeout + 1)  # Timer J ends the served ones
    assert len(layer) == 0
    assert layer.receive(request("OPTIONS", branch="z9hG4bKlater"), CALLER) is not None
