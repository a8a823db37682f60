"""Server transactions (RFC 3261 section 17.2, with the Accepted state of RFC 6026).

Over UDP the other side retransmits its request until it hears a response, and we retransmit
a final response until we hear the ACK. A server transaction absorbs request retransmissions
by sending the last response again, so that the transaction user (the dialog layer) sees each
request once.

INVITE (section 17.2.1, figure 7, and RFC 6026 figure 5):

    Proceeding --1xx--> Proceeding
    Proceeding --2xx--> Accepted  --Timer L (64*T1)--> Terminated
    Proceeding --300-699--> Completed --ACK--> Confirmed --Timer I (T4)--> Terminated
                            Completed: Timer G resends the response (T1, 2*T1, ... up to T2)
                            Completed --Timer H (64*T1), no ACK--> Terminated (on_no_ack)

A 2xx is retransmitted by the transaction user until its ACK, which is a new transaction
(`Retransmitter`). In Accepted, a retransmitted INVITE is answered with the 2xx again.

Non-INVITE (section 17.2.2, figure 8): Trying --1xx--> Proceeding --final--> Completed --Timer J
(64*T1)--> Terminated; a retransmitted request gets the last response again (none in Trying).

Time comes from a `Scheduler`: an asyncio event loop in production; tests may pass their own.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.sip.header_values import SipParseError
from bot.sip.message import BRANCH_MAGIC_COOKIE, SipRequest, SipResponse, build_response
from bot.sip.transport import Address, response_address


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Scheduler(Protocol):
    """What transactions need of an event loop; `asyncio.AbstractEventLoop` fits."""

    def call_later(self, delay: float, callback: Callable[[], object], /) -> Cancellable: ...


@dataclass(frozen=True)
class TimerSettings:
    """RFC 3261 timer values in seconds (table 4). Tests shrink T1."""

    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0

    @property
    def timeout(self) -> float:
        """Timers B, F, H, J and L: 64*T1."""
        return 64 * self.t1


DEFAULT_TIMERS = TimerSettings()


class TransactionState(enum.Enum):
    TRYING = "trying"
    PROCEEDING = "proceeding"
    ACCEPTED = "accepted"
    COMPLETED = "completed"
    CONFIRMED = "confirmed"
    TERMINATED = "terminated"


class TransactionError(RuntimeError):
    """The transaction user sent a response the transaction's state does not allow."""


@dataclass(frozen=True)
class TransactionKey:
    """Which transaction a request belongs to (RFC 3261 section 17.2.3).

    With an RFC 3261 branch: branch, sent-by and method (ACK counts as INVITE). Without one
    (RFC 2543 peers): Call-ID, From tag, CSeq number and top Via stand in for the branch.
    """

    branch: str
    sent_by: str
    method: str


def transaction_key(request: SipRequest) -> TransactionKey:
    via = request.top_via
    method = "INVITE" if request.method == "ACK" else request.method
    branch = via.branch
    if branch is not None and branch.startswith(BRANCH_MAGIC_COOKIE):
        return TransactionKey(branch, via.sent_by.lower(), method)
    legacy = "\x1f".join(
        (
            request.call_id,
            request.from_address.tag or "",
            str(request.cseq.number),
            str(via),
        )
    )
    return TransactionKey(legacy, via.sent_by.lower(), method)


class Timers:
    """Named one-shot timers that can all be cancelled at once."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler
        self._handles: dict[str, Cancellable] = {}

    def start(self, name: str, delay: float, callback: Callable[[], None]) -> None:
        self.cancel(name)

        def fire() -> None:
            self._handles.pop(name, None)
            callback()

        self._handles[name] = self._scheduler.call_later(delay, fire)

    def cancel(self, name: str) -> None:
        handle = self._handles.pop(name, None)
        if handle is not None:
            handle.cancel()

    def cancel_all(self) -> None:
        for name in list(self._handles):
            self.cancel(name)


class ServerTransaction:
    """What INVITE and non-INVITE server transactions share."""

    def __init__(
        self,
        request: SipRequest,
        send: Callable[[bytes], None],
        scheduler: Scheduler,
        timers: TimerSettings = DEFAULT_TIMERS,
        on_terminated: Callable[[ServerTransaction], None] | None = None,
    ) -> None:
        self.request = request
        self.key = transaction_key(request)
        self.timers = timers
        self.last_response: SipResponse | None = None
        self._send = send
        self._last_bytes: bytes | None = None
        self._timers = Timers(scheduler)
        self._on_terminated = on_terminated
        self.state = TransactionState.TRYING

    @property
    def terminated(self) -> bool:
        return self.state is TransactionState.TERMINATED

    def respond(self, response: SipResponse) -> None:
        raise NotImplementedError

    def receive_retransmission(self, request: SipRequest) -> None:
        raise NotImplementedError

    def _transmit(self, response: SipResponse) -> None:
        self.last_response = response
        self._last_bytes = response.to_bytes()
        self._send(self._last_bytes)

    def _retransmit(self) -> None:
        if self._last_bytes is not None:
            self._send(self._last_bytes)

    def _terminate(self) -> None:
        if self.terminated:
            return
        self.state = TransactionState.TERMINATED
        self._timers.cancel_all()
        if self._on_terminated is not None:
            self._on_terminated(self)


class InviteServerTransaction(ServerTransaction):
    """RFC 3261 figure 7 with RFC 6026's Accepted state. Sends 100 Trying on creation."""

    def __init__(
        self,
        request: SipRequest,
        send: Callable[[bytes], None],
        scheduler: Scheduler,
        timers: TimerSettings = DEFAULT_TIMERS,
        on_terminated: Callable[[ServerTransaction], None] | None = None,
        on_no_ack: Callable[[InviteServerTransaction], None] | None = None,
        send_trying: bool = True,
    ) -> None:
        super().__init__(request, send, scheduler, timers, on_terminated)
        self.state = TransactionState.PROCEEDING
        self._on_no_ack = on_no_ack
        self._interval_g = timers.t1
        if send_trying:
            # RFC 3261 section 17.2.1 allows waiting 200 ms; answering at once stops the
            # caller's INVITE retransmissions early.
            self._transmit(build_response(request, 100))

    def respond(self, response: SipResponse) -> None:
        if self.state is TransactionState.ACCEPTED and 200 <= response.status < 300:
            self._transmit(response)  # the transaction user's 2xx retransmission
            return
        if self.state is not TransactionState.PROCEEDING:
            raise TransactionError(f"cannot send {response.status} in state {self.state.value}")
        self._transmit(response)
        if response.status < 200:
            return
        if response.status < 300:
            self.state = TransactionState.ACCEPTED
            self._timers.start("L", self.timers.timeout, self._terminate)
            return
        self.state = TransactionState.COMPLETED
        self._timers.start("G", self._interval_g, self._timer_g)
        self._timers.start("H", self.timers.timeout, self._timer_h)

    def receive_retransmission(self, request: SipRequest) -> None:
        if self.state in (
            TransactionState.PROCEEDING,
            TransactionState.ACCEPTED,
            TransactionState.COMPLETED,
        ):
            self._retransmit()

    def receive_ack(self, ack: SipRequest) -> None:
        """An ACK for our non-2xx final response: stop retransmitting it."""
        if self.state is not TransactionState.COMPLETED:
            return
        self.state = TransactionState.CONFIRMED
        self._timers.cancel("G")
        self._timers.cancel("H")
        self._timers.start("I", self.timers.t4, self._terminate)

    def _timer_g(self) -> None:
        if self.state is not TransactionState.COMPLETED:
            return
        self._retransmit()
        self._interval_g = min(2 * self._interval_g, self.timers.t2)
        self._timers.start("G", self._interval_g, self._timer_g)

    def _timer_h(self) -> None:
        if self.state is not TransactionState.COMPLETED:
            return
        self._terminate()
        if self._on_no_ack is not None:
            self._on_no_ack(self)


class NonInviteServerTransaction(ServerTransaction):
    """RFC 3261 figure 8."""

    def respond(self, response: SipResponse) -> None:
        if self.state not in (TransactionState.TRYING, TransactionState.PROCEEDING):
            raise TransactionError(f"cannot send {response.status} in state {self.state.value}")
        self._transmit(response)
        if response.status < 200:
            self.state = TransactionState.PROCEEDING
            return
        self.state = TransactionState.COMPLETED
        self._timers.start("J", self.timers.timeout, self._terminate)

    def receive_retransmission(self, request: SipRequest) -> None:
        if self.state in (TransactionState.PROCEEDING, TransactionState.COMPLETED):
            self._retransmit()


class Retransmitter:
    """Sends a 2xx to INVITE again until its ACK arrives (RFC 3261 section 13.3.1.4).

    The first send is the caller's (through the INVITE transaction); `start` schedules the
    repeats at T1, then doubling up to T2, and gives up after 64*T1 (`on_give_up`: the dialog
    should then end the call with BYE).
    """

    def __init__(
        self,
        send: Callable[[], object],
        scheduler: Scheduler,
        timers: TimerSettings = DEFAULT_TIMERS,
        on_give_up: Callable[[], object] | None = None,
    ) -> None:
        self._send = send
        self._timers = Timers(scheduler)
        self._settings = timers
        self._on_give_up = on_give_up
        self._interval = timers.t1
        self.active = False
        self.retransmissions = 0

    def start(self) -> None:
        if self.active:
            return
        self.active = True
        self._interval = self._settings.t1
        self._timers.start("retransmit", self._interval, self._fire)
        self._timers.start("give-up", self._settings.timeout, self._give_up)

    def stop(self) -> None:
        self.active = False
        self._timers.cancel_all()

    def _fire(self) -> None:
        if not self.active:
            return
        self._send()
        self.retransmissions += 1
        self._interval = min(2 * self._interval, self._settings.t2)
        self._timers.start("retransmit", self._interval, self._fire)

    def _give_up(self) -> None:
        self.stop()
        if self._on_give_up is not None:
            self._on_give_up()


@dataclass(frozen=True)
class IncomingRequest:
    """A request for the transaction user: answer it through `transaction`.

    `transaction` is None for an ACK to a 2xx, which has no transaction of its own.
    """

    request: SipRequest
    source: Address
    transaction: ServerTransaction | None


MAX_TRANSACTIONS = 5000  # live server transactions; each lives up to 64*T1 (32 s)


class ServerTransactions:
    """The table of live server transactions: new requests in, retransmissions absorbed.

    The table is bounded (`max_transactions`): when full, a new request is answered 503 with
    Retry-After and forgotten, so a flood of distinct requests cannot grow memory without end.
    """

    def __init__(
        self,
        send: Callable[[bytes, Address], None],
        scheduler: Scheduler,
        timers: TimerSettings = DEFAULT_TIMERS,
        on_no_ack: Callable[[InviteServerTransaction], None] | None = None,
        max_transactions: int = MAX_TRANSACTIONS,
    ) -> None:
        self._send = send
        self._scheduler = scheduler
        self.timers = timers
        self._on_no_ack = on_no_ack
        self.max_transactions = max_transactions
        self.overloaded = 0
        self._table: dict[TransactionKey, ServerTransaction] = {}

    def __len__(self) -> int:
        return len(self._table)

    def receive(self, request: SipRequest, source: Address) -> IncomingRequest | None:
        """The request for the transaction user, or None when a transaction absorbed it."""
        try:
            key = transaction_key(request)
        except SipParseError:
            return None  # not from parse_message: no transaction can be matched
        existing = self._table.get(key)
        if request.method == "ACK":
            if isinstance(existing, InviteServerTransaction) and existing.state in (
                TransactionState.COMPLETED,
                TransactionState.CONFIRMED,
            ):
                existing.receive_ack(request)
                return None
            return IncomingRequest(request, source, None)
        if existing is not None:
            existing.receive_retransmission(request)
            return None
        destination = response_address(request, source)
        if len(self._table) >= self.max_transactions:
            self.overloaded += 1
            busy = build_response(request, 503, headers=[("Retry-After", "5")])
            self._send(busy.to_bytes(), destination)
            return None

        def send(data: bytes) -> None:
            self._send(data, destination)

        transaction: ServerTransaction
        if request.method == "INVITE":
            transaction = InviteServerTransaction(
                request, send, self._scheduler, self.timers, self._forget, self._on_no_ack
            )
        else:
            transaction = NonInviteServerTransaction(
                request, send, self._scheduler, self.timers, self._forget
            )
        self._table[key] = transaction
        return IncomingRequest(request, source, transaction)

    def matching_invite(self, cancel: SipRequest) -> InviteServerTransaction | None:
        """The INVITE transaction a CANCEL is for (RFC 3261 section 9.2), if still alive."""
        try:
            key = transaction_key(cancel)
        except SipParseError:
            return None
        found = self._table.get(TransactionKey(key.branch, key.sent_by, "INVITE"))
        return found if isinstance(found, InviteServerTransaction) else None

    def _forget(self, transaction: ServerTransaction) -> None:
        if self._table.get(transaction.key) is transaction:
            del self._table[transaction.key]
