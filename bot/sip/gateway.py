"""The SIP gateway: a router from the UDP endpoint to each call's own agent (`call.Call`).

Requests arrive through the server transactions (retransmissions absorbed) and are routed: a
new INVITE becomes a `Call` (after the loop, per-source and capacity checks) that rings and
answers itself; CANCEL, ACK and in-dialog requests (BYE, INFO, NOTIFY, re-INVITE) go to their
call; OPTIONS is answered here; anything for a call we do not know gets 481, and a method we
do not serve gets 405. Our own requests (BYE, REFER) are client transactions matched to their
responses by Via branch. The gateway holds no per-call state beyond the table of calls.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque

from bot.sip.call import Call, Line, SessionFactory
from bot.sip.call_log import CallRecord
from bot.sip.call_log import write as write_call_log
from bot.sip.caller_id import caller_number
from bot.sip.client import ClientTransaction
from bot.sip.config import GatewayConfig
from bot.sip.header_values import SipParseError
from bot.sip.limits import SourceLimits
from bot.sip.media import Pacer, RtpPorts
from bot.sip.message import SipRequest, SipResponse, build_response, new_tag
from bot.sip.options import capability_headers, options_response
from bot.sip.peers import decide_caller_id
from bot.sip.transaction import (
    InviteServerTransaction,
    Scheduler,
    ServerTransaction,
    ServerTransactions,
)
from bot.sip.transport import Address, SipEndpoint, open_endpoint

log = logging.getLogger(__name__)
RECENT_CALLS = 1000  # call records kept in memory (every call is in the call log)


class SipGateway:
    def __init__(
        self,
        config: GatewayConfig,
        session_factory: SessionFactory,
        answer_delay: float = 0.2,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.config = config
        self.session_factory = session_factory
        self.answer_delay = answer_delay
        self._scheduler = scheduler  # SIP timers (server, client, 2xx); default: the loop
        self.endpoint: SipEndpoint | None = None
        self.transactions: ServerTransactions | None = None
        self.ports = RtpPorts(*config.rtp_ports)
        self.pacer = Pacer()
        self.limits = SourceLimits(config.source_limits, config.trusted_peers)
        self.calls: dict[str, Call] = {}  # every call from its INVITE to its end
        self.records: deque[CallRecord] = deque(maxlen=RECENT_CALLS)  # the newest, for tests
        self._clients: dict[str, ClientTransaction] = {}
        self._line: Line | None = None
        self.idle = asyncio.Event()
        self.idle.set()

    # --- life -------------------------------------------------------------------------------

    async def start(self) -> Address:
        limits = self.limits
        self.endpoint = await open_endpoint(
            self.config.host, self.config.port, self.on_request, self.on_response,
            admit=lambda source: limits.admit(source[0], time.monotonic()),
        )
        self._scheduler = self._scheduler or asyncio.get_running_loop()
        self.transactions = ServerTransactions(self.endpoint.send, self._scheduler,
                                               self.config.timers)
        config = self.config
        self._line = Line(
            host=config.host, user=config.user, codecs=config.codecs, queues=config.queues,
            rtp_timeout=config.rtp_timeout, transfer_timeout=config.transfer_timeout,
            timers=config.timers, answer_delay=self.answer_delay,
            session_id=secrets.randbelow(2**31), local_address=self.endpoint.local_address,
            ports=self.ports, pacer=self.pacer, scheduler=self._scheduler,
            send=self.endpoint.send, send_request=self.send_request,
            session_factory=self.session_factory, on_ended=self._ended,
        )
        log.info("SIP gateway on udp:%s:%s", *self.endpoint.local_address)
        return self.endpoint.local_address

    @property
    def address(self) -> Address:
        assert self.endpoint is not None
        return self.endpoint.local_address

    async def stop(self) -> None:
        """Hang up every call (BYE to confirmed ones) and close the socket."""
        byes = [asyncio.wait_for(call.hangup(), 2.0) for call in list(self.calls.values())]
        await asyncio.gather(*byes, return_exceptions=True)
        if self.endpoint is not None:
            self.endpoint.close()

    # --- sending ----------------------------------------------------------------------------

    async def send_request(self, request: SipRequest, destination: Address) -> SipResponse | None:
        """Send an in-dialog request as a client transaction; its final response or None."""
        assert self.endpoint is not None and self._scheduler is not None
        endpoint = self.endpoint
        result: asyncio.Future[SipResponse | None] = asyncio.get_running_loop().create_future()

        def finished(response: SipResponse | None) -> None:
            if not result.done():
                result.set_result(response)

        transaction = ClientTransaction(
            request, lambda data: endpoint.send(data, destination), self._scheduler, finished,
            self.config.timers,
        )
        self._clients[transaction.branch] = transaction
        transaction.start()
        try:
            return await result
        finally:
            transaction.cancel()
            self._clients.pop(transaction.branch, None)

    def on_response(self, response: SipResponse, source: Address) -> None:
        try:
            branch = response.top_via.branch or ""
        except SipParseError:
            return
        transaction = self._clients.get(branch)
        if transaction is not None:
            transaction.receive(response)

    # --- routing ----------------------------------------------------------------------------

    def on_request(self, request: SipRequest, source: Address) -> None:
        assert self.transactions is not None
        incoming = self.transactions.receive(request, source)
        if incoming is None:
            return
        transaction = incoming.transaction
        if transaction is None:  # an ACK for a 2xx
            call = self._find(request)
            if call is not None:
                call.ack()
            return
        method = request.method
        if method == "INVITE" and request.to_address.tag is None:
            assert isinstance(transaction, InviteServerTransaction)
            self._on_invite(request, source, transaction)
        elif method == "CANCEL":
            self._on_cancel(request, transaction)
        elif method == "OPTIONS":
            transaction.respond(options_response(request))
        elif method in ("INVITE", "BYE", "INFO", "NOTIFY", "REFER"):
            call = self._find(request)
            if call is None or call.ended:
                transaction.respond(build_response(request, 481))
            else:
                call.handle(request, transaction)
        else:
            transaction.respond(build_response(request, 405, headers=capability_headers()))

    def _find(self, request: SipRequest) -> Call | None:
        call = self.calls.get(request.call_id)
        return call if call is not None and call.matches(request) else None

    def _on_invite(
        self, invite: SipRequest, source: Address, transaction: InviteServerTransaction
    ) -> None:
        caller_id = decide_caller_id(caller_number(invite, self.config.country_code),
                                     source[0], self.config.trusted_peers)
        record = CallRecord(invite.call_id, caller_id.number)
        if not caller_id.believed:
            record.claimed_caller, record.caller_id_refusal = caller_id.claimed, caller_id.refusal
            log.info("call %s: caller ID not believed (%s): an unregistered line",
                     invite.call_id, caller_id.refusal)
        if invite.call_id in self.calls:
            transaction.respond(build_response(invite, 482, "Loop Detected"))
            return
        if not self.limits.may_call(source[0], (c.source[0] for c in self.calls.values())):
            self._refuse(transaction, invite, 486, record, "source_busy")
            return
        if len(self.calls) >= self.config.max_calls:
            self._refuse(transaction, invite, 486, record, "busy")
            return
        assert self._line is not None
        call = Call(invite, source, transaction, new_tag(), record, self._line)
        self.calls[invite.call_id] = call
        self.idle.clear()
        call.ring()

    def _refuse(self, transaction: InviteServerTransaction, invite: SipRequest, status: int,
                record: CallRecord, outcome: str) -> None:
        """An INVITE that never becomes a call."""
        transaction.respond(build_response(invite, status))
        record.outcome, record.ended = outcome, record.started
        self.records.append(record)
        write_call_log(record)

    def _on_cancel(self, cancel: SipRequest, transaction: ServerTransaction) -> None:
        assert self.transactions is not None
        invite_transaction = self.transactions.matching_invite(cancel)
        call = self.calls.get(cancel.call_id)
        if invite_transaction is None:
            transaction.respond(build_response(cancel, 481))
        elif call is None or call.transaction is not invite_transaction:
            transaction.respond(build_response(cancel, 200))  # over already: no effect
        else:
            call.cancel(cancel, transaction)

    def _ended(self, call: Call) -> None:
        if self.calls.get(call.call_id) is call:
            del self.calls[call.call_id]
        self.records.append(call.record)
        if not self.calls:
            self.idle.set()
