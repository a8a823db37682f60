"""Per-source limits, so that one peer cannot take the whole gateway (issue 11, item 5).

Two rules, both for untrusted sources only (a trusted trunk carries every caller's calls; at
that scale flooding is the edge proxy's job, see `peers`):

- requests per source per second: a token bucket per source address (`rate` a second, up to
  `burst` at once); a datagram over the limit is dropped unanswered, since answering it would
  make the gateway an amplifier;
- concurrent calls per source: ringing and answered calls together; one more INVITE gets
  486 Busy Here.

Pure logic: time comes in as an argument. The table of sources is bounded: sources whose bucket
has filled up again are forgotten first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.sip.peers import Network, is_trusted

MAX_SOURCES = 10_000  # sources remembered at once (each costs a few dozen bytes)


@dataclass(frozen=True)
class SourceLimitSettings:
    rate: float = 20.0  # requests a second from one untrusted source
    burst: int = 40  # requests at once before the rate applies
    calls: int = 5  # simultaneous calls (ringing or answered) from one untrusted source


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SourceLimits:
    """Decides, per datagram and per new call, whether a source is within its limits."""

    def __init__(self, settings: SourceLimitSettings, trusted: tuple[Network, ...],
                 max_sources: int = MAX_SOURCES) -> None:
        self.settings = settings
        self.trusted = trusted
        self.max_sources = max_sources
        self._buckets: dict[str, _Bucket] = {}
        self.refused = 0

    def __len__(self) -> int:
        return len(self._buckets)

    def admit(self, host: str, now: float) -> bool:
        """Whether one more request from `host` at time `now` is served."""
        if is_trusted(host, self.trusted):
            return True
        bucket = self._buckets.get(host)
        if bucket is None:
            if len(self._buckets) >= self.max_sources and not self._forget_idle(now):
                self.refused += 1
                return False
            bucket = self._buckets[host] = _Bucket(float(self.settings.burst), now)
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(self.settings.burst),
                                bucket.tokens + elapsed * self.settings.rate)
            bucket.updated = now
        if bucket.tokens < 1.0:
            self.refused += 1
            return False
        bucket.tokens -= 1.0
        return True

    def may_call(self, host: str, active_hosts: Iterable[str]) -> bool:
        """Whether `host` may start one more call, given the source hosts of the live calls."""
        if is_trusted(host, self.trusted):
            return True
        return sum(1 for active in active_hosts if active == host) < self.settings.calls

    def _forget_idle(self, now: float) -> bool:
        """Drop sources whose bucket is full again (they are as good as new); any dropped?"""
        refill = self.settings.burst / self.settings.rate if self.settings.rate > 0 else 0.0
        idle = [host for host, bucket in self._buckets.items() if now - bucket.updated >= refill]
        for host in idle:
            del self._buckets[host]
        return bool(idle)
