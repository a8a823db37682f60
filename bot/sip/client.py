"""Non-INVITE client transactions (RFC 3261 section 17.1.2): the requests we send ourselves.

BYE, REFER and NOTIFY are retransmitted over UDP (Timer E: T1, doubling up to T2; every T2 once
a provisional response came) until a final response, and given up after 64*T1 (Timer F). The
caller awaits the final response; None means the peer never answered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.sip.message import SipRequest, SipResponse
from bot.sip.transaction import DEFAULT_TIMERS, TimerSettings


class ClientTransaction:
    """One request in flight: `start()` sends it, `receive()` takes its responses."""

    def __init__(
        self,
        request: SipRequest,
        send: Callable[[bytes], None],
        timers: TimerSettings = DEFAULT_TIMERS,
    ) -> None:
        self.request = request
        self.branch = request.top_via.branch or ""
        self._data = request.to_bytes()
        self._send = send
        self._timers = timers
        self._interval = timers.t1
        self._loop = asyncio.get_running_loop()
        self.result: asyncio.Future[SipResponse | None] = self._loop.create_future()
        self._retransmit: asyncio.TimerHandle | None = None
        self._give_up: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._send(self._data)
        self._retransmit = self._loop.call_later(self._interval, self._timer_e)
        self._give_up = self._loop.call_later(self._timers.timeout, self._finish, None)

    def receive(self, response: SipResponse) -> None:
        if self.result.done():
            return
        if response.status < 200:
            self._interval = self._timers.t2  # Proceeding: retransmit every T2
            return
        self._finish(response)

    def cancel(self) -> None:
        self._finish(None)

    def _timer_e(self) -> None:
        if self.result.done():
            return
        self._send(self._data)
        self._interval = min(2 * self._interval, self._timers.t2)
        self._retransmit = self._loop.call_later(self._interval, self._timer_e)

    def _finish(self, response: SipResponse | None) -> None:
        for handle in (self._retransmit, self._give_up):
            if handle is not None:
                handle.cancel()
        if not self.result.done():
            self.result.set_result(response)
