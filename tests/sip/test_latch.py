"""The RTP latch (issue 11, item 5): whose packets a call takes and where its own go."""

from __future__ import annotations

from bot.sip.latch import RtpLatch

OFFERED = ("192.0.2.10", 40000)


def test_the_offered_address_latches_and_a_third_party_is_refused() -> None:
    latch = RtpLatch(OFFERED, "192.0.2.10")
    assert latch.destination == OFFERED
    assert not latch.admit(("203.0.113.66", 40000))  # before the caller: still refused
    assert latch.admit(OFFERED)
    assert not latch.admit(("203.0.113.66", 40000))
    assert not latch.admit(("192.0.2.10", 40002))  # not even the caller's host, once latched
    assert latch.destination == OFFERED
    assert latch.refused == 3


def test_a_caller_behind_nat_latches_from_the_signalling_host() -> None:
    latch = RtpLatch(("10.0.0.5", 4000), signalling_host="198.51.100.20")
    assert latch.admit(("198.51.100.20", 61000))  # the NAT's public address and port
    assert latch.destination == ("198.51.100.20", 61000)
    assert not latch.admit(("198.51.100.21", 61000))
    assert latch.destination == ("198.51.100.20", 61000)  # never moved by another source


def test_the_sdp_host_on_another_port_may_latch_first() -> None:
    latch = RtpLatch(OFFERED, None)
    assert latch.admit(("192.0.2.10", 40010))
    assert not latch.admit(OFFERED)  # latched: one peer only


def test_a_new_offer_elsewhere_starts_over_the_same_offer_keeps_the_latch() -> None:
    latch = RtpLatch(OFFERED, "192.0.2.10")
    latch.admit(("192.0.2.10", 40010))
    latch.offer(OFFERED)
    assert latch.latched == ("192.0.2.10", 40010)
    latch.offer(("192.0.2.10", 50000))
    assert latch.latched is None and latch.destination == ("192.0.2.10", 50000)
    assert latch.admit(("192.0.2.10", 50000))
