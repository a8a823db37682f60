"""Non-INVITE client transactions (RFC 3261 section 17.1.2): the requests we send ourselves.

BYE, REFER and NOTIFY are retransmitted over UDP (Timer E: T1, doubling up to T2; every T2 once
a provisional response came) until a final response, and given up after 64*T1 (Timer F).

Time comes from the same injected `Scheduler` as the server transactions; the outcome is handed
to `on_result` once (the final response, or None when the peer never answered). The gateway's
thin async driver turns that into an awaitable.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.sip.message import SipRequest, SipResponse
from bot.sip.transaction import DEFAULT_TIMERS, Scheduler, Timers, TimerSettings


class ClientTransaction:
    """One request in flight: `start()` sends it, `receive()` takes its responses."""

    def __init__(
        self,
        request: SipRequest,
        send: Callable[[bytes], None],
        scheduler: Scheduler,
        on_result: Callable[[SipResponse | None], None],
        timers: TimerSettings = DEFAULT_TIMERS,
    ) -> None:
        self.request = request
        self.branch = request.top_via.branch or ""
        self._data = request.to_bytes()
        self._send = send
        self._settings = timers
        self._interval = timers.t1
        self._timers = Timers(scheduler)
        self._on_result = on_result
        self.done = False

    def start(self) -> None:
        self._send(self._data)
        self._timers.start("E", self._interval, self._timer_e)
        self._timers.start("F", self._settings.timeout, lambda: self._finish(None))

    def receive(self, response: SipResponse) -> None:
        if self.done:
            return
        if response.status < 200:
            self._interval = self._settings.t2  # Proceeding: retransmit every T2
            return
        self._finish(response)

    def cancel(self) -> None:
        self._finish(None)

    def _timer_e(self) -> None:
        if self.done:
            return
        self._send(self._data)
        self._interval = min(2 * self._interval, self._settings.t2)
        self._timers.start("E", self._interval, self._timer_e)

    def _finish(self, response: SipResponse | None) -> None:
        if self.done:
            return
        self.done = True
        self._timers.cancel_all()
        self._on_result(response)
