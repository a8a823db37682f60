"""Our own requests as client transactions, on the same hand-driven clock as the server ones."""

from __future__ import annotations

from bot.sip.client import ClientTransaction
from bot.sip.message import SipRequest, SipResponse, build_response, parse_message
from bot.sip.transaction import TimerSettings
from tests.sip.clock import ManualScheduler

TIMERS = TimerSettings(t1=0.5, t2=4.0, t4=5.0)


def bye() -> SipRequest:
    parsed = parse_message(
        b"BYE sip:caller@192.0.2.10:5062 SIP/2.0\r\n"
        b"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbye1;rport\r\nMax-Forwards: 70\r\n"
        b"From: <sip:bank@192.0.2.1>;tag=us\r\nTo: <sip:+355691234567@192.0.2.10>;tag=them\r\n"
        b"Call-ID: c1\r\nCSeq: 7 BYE\r\n\r\n")
    assert isinstance(parsed, SipRequest)
    return parsed


def test_timer_e_doubles_up_to_t2_and_timer_f_gives_up() -> None:
    clock = ManualScheduler()
    sent: list[float] = []
    results: list[SipResponse | None] = []
    transaction = ClientTransaction(bye(), lambda data: sent.append(clock.now), clock,
                                    results.append, TIMERS)
    transaction.start()
    clock.advance(40)
    assert sent[:6] == [0.0, 0.5, 1.5, 3.5, 7.5, 11.5]  # T1, 2T1, 4T1, then every T2
    assert all(b - a <= 4.0 + 1e-9 for a, b in zip(sent, sent[1:], strict=False))
    assert max(sent) < 32.0  # nothing after 64*T1
    assert results == [None]  # the peer never answered
    assert clock.pending == 0


def test_a_final_response_ends_it_once_and_a_provisional_slows_it_to_t2() -> None:
    clock = ManualScheduler()
    sent: list[float] = []
    results: list[SipResponse | None] = []
    request = bye()
    transaction = ClientTransaction(request, lambda data: sent.append(clock.now), clock,
                                    results.append, TIMERS)
    transaction.start()
    transaction.receive(build_response(request, 100))
    clock.advance(1.0)
    ok = build_response(request, 200)
    transaction.receive(ok)
    transaction.receive(ok)  # a retransmitted 200
    clock.advance(40)
    assert results == [ok]
    assert len(sent) == 2 and clock.pending == 0
