"""Per-source limits (issue 11, item 5), as pure logic: time is an argument."""

from __future__ import annotations

from bot.sip.limits import SourceLimits, SourceLimitSettings
from bot.sip.peers import LOOPBACK

SETTINGS = SourceLimitSettings(rate=10.0, burst=20, calls=2)


def test_a_source_gets_its_burst_then_its_rate() -> None:
    limits = SourceLimits(SETTINGS, LOOPBACK)
    admitted = [limits.admit("203.0.113.9", 0.0) for _ in range(100)]
    assert admitted.count(True) == 20  # the burst, then nothing within the same instant
    assert limits.refused == 80
    # one second later: ten more (the rate), not the whole burst
    assert [limits.admit("203.0.113.9", 1.0) for _ in range(15)].count(True) == 10


def test_one_flooding_source_does_not_limit_another() -> None:
    limits = SourceLimits(SETTINGS, LOOPBACK)
    for _ in range(1000):
        limits.admit("203.0.113.9", 0.0)
    assert limits.admit("198.51.100.7", 0.0)


def test_trusted_peers_are_not_limited() -> None:
    limits = SourceLimits(SETTINGS, LOOPBACK)
    assert all(limits.admit("127.0.0.1", 0.0) for _ in range(1000))
    assert limits.may_call("127.0.0.1", ["127.0.0.1"] * 50)


def test_concurrent_calls_per_source() -> None:
    limits = SourceLimits(SETTINGS, LOOPBACK)
    assert limits.may_call("203.0.113.9", ["198.51.100.7"] * 10 + ["203.0.113.9"])
    assert not limits.may_call("203.0.113.9", ["203.0.113.9", "203.0.113.9"])
    assert limits.may_call("198.51.100.7", ["203.0.113.9", "203.0.113.9"])


def test_the_table_of_sources_is_bounded() -> None:
    """Spoofed source addresses cannot grow memory: idle sources are forgotten, and while the
    table is full of active ones a new source waits."""
    limits = SourceLimits(SETTINGS, LOOPBACK, max_sources=100)
    for number in range(5000):
        limits.admit(f"10.0.{number // 256}.{number % 256}", 0.0)
        assert len(limits) <= 100
    assert not limits.admit("203.0.113.9", 0.5)  # all 100 still active
    assert limits.admit("203.0.113.9", 5.0)  # their buckets refilled: forgotten
    assert len(limits) == 1
