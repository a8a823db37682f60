"""A scheduler with a hand-driven clock, for the SIP timers (same `call_later` as asyncio)."""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable


class Handle:
    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class ManualScheduler:
    """`call_later` callbacks run when `advance` moves the clock past their time, in order."""

    def __init__(self) -> None:
        self.now = 0.0
        self._queue: list[tuple[float, int, Callable[[], object], Handle]] = []
        self._order = itertools.count()

    def call_later(self, delay: float, callback: Callable[[], object], /) -> Handle:
        handle = Handle()
        heapq.heappush(self._queue, (self.now + delay, next(self._order), callback, handle))
        return handle

    def advance(self, seconds: float) -> None:
        target = self.now + seconds
        while self._queue and self._queue[0][0] <= target + 1e-9:
            when, _, callback, handle = heapq.heappop(self._queue)
            self.now = when
            if not handle.cancelled:
                callback()
        self.now = target

    @property
    def pending(self) -> int:
        return sum(1 for *_, handle in self._queue if not handle.cancelled)
