"""The SIP gateway: answers calls on UDP and runs a voice session for each (the UAS core).

Requests arrive through the server transactions (retransmissions absorbed) and are routed:
a new INVITE rings (180) and is answered (200 with our SDP answer, repeated until the ACK);
CANCEL before the answer ends it with 487; in-dialog BYE, INFO (keys), NOTIFY (transfer
progress), OPTIONS and re-INVITE go to their call; anything for a call we do not know gets 481,
and a method we do not serve gets 405. Our own requests (BYE, REFER) are client transactions
matched to their responses by Via branch.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass

from bot.sip.call import Call, CallContext, SessionFactory
from bot.sip.call_log import CallRecord
from bot.sip.call_log import write as write_call_log
from bot.sip.caller_id import caller_number
from bot.sip.client import ClientTransaction
from bot.sip.config import GatewayConfig
from bot.sip.dialog import Dialog
from bot.sip.limits import SourceLimits
from bot.sip.media import CallMedia, Pacer, RtpPorts
from bot.sip.message import SipParseError, SipRequest, SipResponse, build_response, new_tag
from bot.sip.options import capability_headers, options_response
from bot.sip.peers import decide_caller_id
from bot.sip.sdp import SdpError, build_answer, parse_sdp
from bot.sip.telephone_events import DtmfError, key_from_info
from bot.sip.transaction import (
    InviteServerTransaction,
    Retransmitter,
    Scheduler,
    ServerTransaction,
    ServerTransactions,
)
from bot.sip.transport import Address, SipEndpoint, open_endpoint, response_address
from bot.voice.call_io import CallerEvent

log = logging.getLogger(__name__)
RECENT_CALLS = 1000  # call records kept in memory (every call is in the call log)


@dataclass
class _Answering:
    """An INVITE between 180 and 200: CANCEL can still stop it."""

    invite: SipRequest
    source: Address
    transaction: InviteServerTransaction
    tag: str
    record: CallRecord
    task: asyncio.Task[None] | None = None
    media: CallMedia | None = None


class SipGateway:
    def __init__(
        self,
        config: GatewayConfig,
        session_factory: SessionFactory,
        answer_delay: float = 0.2,
        scheduler: Scheduler | None = None,
    ) -> None:
        self.config = config
        self._scheduler = scheduler  # SIP timers (server, client, 2xx); default: the loop
        self.session_factory = session_factory
        self.answer_delay = answer_delay
        self.endpoint: SipEndpoint | None = None
        self.transactions: ServerTransactions | None = None
        self.ports = RtpPorts(*config.rtp_ports)
        self.limits = SourceLimits(config.source_limits, config.trusted_peers)
        self.pacer = Pacer()
        self.calls: dict[str, Call] = {}
        self.answering: dict[str, _Answering] = {}
        self.records: deque[CallRecord] = deque(maxlen=RECENT_CALLS)  # the newest, for tests
        self._answered: dict[str, Retransmitter] = {}  # our 2xx per call, repeated until ACK
        self._clients: dict[str, ClientTransaction] = {}
        self._session_id = secrets.randbelow(2**31)
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
        log.info("SIP gateway on udp:%s:%s", *self.endpoint.local_address)
        return self.endpoint.local_address

    @property
    def address(self) -> Address:
        assert self.endpoint is not None
        return self.endpoint.local_address

    async def stop(self) -> None:
        """Hang up every call (BYE) and close the socket."""
        byes = [asyncio.wait_for(call.hangup(), 2.0) for call in list(self.calls.values())]
        await asyncio.gather(*byes, return_exceptions=True)
        for pending in list(self.answering.values()):
            if pending.task is not None:
                pending.task.cancel()
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

    # --- receiving --------------------------------------------------------------------------

    def on_request(self, request: SipRequest, source: Address) -> None:
        assert self.transactions is not None
        incoming = self.transactions.receive(request, source)
        if incoming is None:
            return
        transaction = incoming.transaction
        if transaction is None:
            self._on_ack(request)
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
            self._in_dialog(request, transaction)
        else:
            transaction.respond(build_response(request, 405, headers=capability_headers()))

    def _find(self, request: SipRequest) -> Call | None:
        call = self.calls.get(request.call_id)
        return call if call is not None and call.dialog.matches(request) else None

    def _in_dialog(self, request: SipRequest, transaction: ServerTransaction) -> None:
        call = self._find(request)
        if call is None or call.ended:
            transaction.respond(build_response(request, 481))
            return
        if not call.dialog.accept_cseq(request):
            transaction.respond(build_response(request, 500, "CSeq Out of Order"))
            return
        method = request.method
        if method == "BYE":
            transaction.respond(build_response(request, 200))
            call.end("caller_hangup")
        elif method == "INFO":
            transaction.respond(self._info(request, call))
        elif method == "NOTIFY":
            transaction.respond(build_response(request, 200))
            call.on_notify(request)
        elif method == "INVITE":
            assert isinstance(transaction, InviteServerTransaction)
            self._reinvite(request, transaction, call)
        else:  # a REFER from the caller: we do not place calls for callers
            transaction.respond(build_response(request, 403))

    def _info(self, request: SipRequest, call: Call) -> SipResponse:
        if not request.body:
            return build_response(request, 200)  # an empty INFO is a keep-alive probe
        try:
            key = key_from_info(request.headers.get("Content-Type"), request.body)
        except DtmfError:
            # Never log the body: it may hold a PIN digit.
            return build_response(request, 415, headers=capability_headers())
        call.press(key)
        return build_response(request, 200)

    # --- INVITE, CANCEL, ACK ----------------------------------------------------------------

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
        if invite.call_id in self.calls or invite.call_id in self.answering:
            transaction.respond(build_response(invite, 482, "Loop Detected"))
            return
        active = [pending.source[0] for pending in self.answering.values()]
        active += [call.dialog.remote_address[0] for call in self.calls.values()]
        if not self.limits.may_call(source[0], active):
            self._reject(transaction, invite, 486, record, "source_busy")
            return
        if len(self.calls) + len(self.answering) >= self.config.max_calls:
            self._reject(transaction, invite, 486, record, "busy")
            return
        tag = new_tag()
        pending = _Answering(invite, source, transaction, tag, record)
        self.answering[invite.call_id] = pending
        self.idle.clear()
        transaction.respond(build_response(invite, 180, to_tag=tag))
        pending.task = asyncio.get_running_loop().create_task(self._answer(pending))

    def _reject(
        self,
        transaction: InviteServerTransaction,
        invite: SipRequest,
        status: int,
        record: CallRecord,
        outcome: str,
        tag: str | None = None,
    ) -> None:
        headers = capability_headers() if status in (488, 415) else []
        transaction.respond(build_response(invite, status, to_tag=tag, headers=headers))
        record.outcome, record.ended = outcome, record.started
        self._log(record)

    async def _answer(self, pending: _Answering) -> None:
        invite, transaction = pending.invite, pending.transaction
        try:
            offer = parse_sdp(invite.body) if invite.content_type == "application/sdp" else None
        except SdpError:
            offer = None
        media: CallMedia | None = None
        try:
            if offer is None:
                self._reject(transaction, invite, 488, pending.record, "no_offer", pending.tag)
                return
            events: asyncio.Queue[CallerEvent] = asyncio.Queue()
            media = CallMedia(events, self.config.rtp_timeout, lambda: None, self.pacer,
                              signalling_host=pending.source[0])
            pending.media = media
            try:
                port = await media.open(self.config.host, self.ports)
            except OSError:
                self._reject(transaction, invite, 503, pending.record, "no_rtp_port", pending.tag)
                return
            answer = build_answer(offer, address=self.config.host, port=port,
                                  session_id=self._session_id, session_version=1,
                                  codecs=self.config.codecs)
            if answer is None:
                self._reject(transaction, invite, 488, pending.record, "no_codec", pending.tag)
                return
            media.use(answer.audio)
            await asyncio.sleep(self.answer_delay)  # a short ring: real lines answer after one
            dialog = Dialog.from_invite(invite, pending.source, self.address, pending.tag,
                                        self.config.user)
            call = Call(dialog, media, events, pending.record, self.send_request,
                        self.config.queues, self.config.transfer_timeout, self._ended)
            media.on_timeout = lambda: asyncio.ensure_future(self._rtp_timeout(call))
            self.calls[invite.call_id] = call
            media = None  # the call owns it now
            sdp = answer.sdp.to_bytes()
            self._send_2xx(invite, pending.source, transaction, call, sdp)
        except Exception:
            log.exception("call %s could not be answered", invite.call_id)
            if not transaction.terminated and transaction.last_response is not None \
                    and transaction.last_response.status < 200:
                self._reject(transaction, invite, 500, pending.record, "error", pending.tag)
        finally:
            self.answering.pop(invite.call_id, None)
            if media is not None:
                media.close()
                self.ports.release(media.port)
            self._check_idle()

    def _send_2xx(
        self,
        invite: SipRequest,
        source: Address,
        transaction: InviteServerTransaction,
        call: Call,
        sdp: bytes,
    ) -> None:
        assert self.endpoint is not None
        headers = [("Contact", call.dialog.contact), *capability_headers()]
        ok = build_response(invite, 200, to_tag=call.dialog.local_tag, headers=headers,
                            body=sdp, content_type="application/sdp")
        transaction.respond(ok)
        data, destination, endpoint = ok.to_bytes(), response_address(invite, source), \
            self.endpoint
        assert self._scheduler is not None
        retransmitter = Retransmitter(
            lambda: endpoint.send(data, destination),
            self._scheduler,
            self.config.timers,
            on_give_up=lambda: self._no_ack(call),
        )
        previous = self._answered.get(invite.call_id)
        if previous is not None:
            previous.stop()
        self._answered[invite.call_id] = retransmitter
        retransmitter.start()

    def _on_cancel(self, cancel: SipRequest, transaction: ServerTransaction) -> None:
        assert self.transactions is not None
        invite_transaction = self.transactions.matching_invite(cancel)
        pending = self.answering.get(cancel.call_id)
        if invite_transaction is None:
            transaction.respond(build_response(cancel, 481))
            return
        if pending is None:  # already answered: the CANCEL has no effect (RFC 3261 9.2)
            transaction.respond(build_response(cancel, 200))
            return
        transaction.respond(build_response(cancel, 200))
        if pending.task is not None:
            pending.task.cancel()
        self.answering.pop(cancel.call_id, None)
        if pending.media is not None:
            pending.media.close()
            self.ports.release(pending.media.port)
        self._reject(invite_transaction, pending.invite, 487, pending.record, "cancelled",
                     pending.tag)
        self._check_idle()

    def _on_ack(self, ack: SipRequest) -> None:
        call = self._find(ack)
        if call is None:
            return  # a stray ACK (or one for a call already over): nothing to confirm
        answered = self._answered.pop(ack.call_id, None)
        if answered is not None:
            answered.stop()
        if call.ended:
            return
        context = CallContext(
            call.dialog.call_id,
            call.record.caller,
            call.dialog.local_uri.split(":", 1)[-1].split("@", 1)[0] or None,
            call.dialog.remote_address,
        )
        call.start(self.session_factory, context)

    def _reinvite(self, invite: SipRequest, transaction: InviteServerTransaction,
                  call: Call) -> None:
        """The same media, answered again (a new offer's codec and address are taken)."""
        if invite.call_id in self._answered:
            transaction.respond(build_response(invite, 491))  # our 2xx still awaits its ACK
            return
        call.sdp_version += 1
        version = call.sdp_version
        try:
            offer = parse_sdp(invite.body) if invite.body else None
        except SdpError:
            transaction.respond(build_response(invite, 488, headers=capability_headers()))
            return
        if offer is None:
            transaction.respond(build_response(invite, 488, headers=capability_headers()))
            return
        answer = build_answer(offer, address=self.config.host, port=call.media.port,
                              session_id=self._session_id, session_version=version,
                              codecs=self.config.codecs)
        if answer is None:
            transaction.respond(build_response(invite, 488, headers=capability_headers()))
            return
        call.media.use(answer.audio)
        self._send_2xx(invite, call.dialog.remote_address, transaction, call,
                       answer.sdp.to_bytes())

    # --- endings ----------------------------------------------------------------------------

    def _no_ack(self, call: Call) -> None:
        """Our 2xx was never ACKed. A caller that never ACKed at all gets no BYE (no request
        goes to a peer that never showed it is one); a re-INVITE's lost ACK ends with BYE."""
        log.info("call %s: no ACK for our 200 OK", call.dialog.call_id)
        self._answered.pop(call.dialog.call_id, None)
        call.record.outcome = "no_ack"
        if call.confirmed:
            asyncio.ensure_future(call.hangup())
        else:
            call.end("no_ack")

    async def _rtp_timeout(self, call: Call) -> None:
        call.record.outcome = "rtp_timeout"
        await call.hangup()

    def _ended(self, call: Call) -> None:
        self.calls.pop(call.dialog.call_id, None)
        answered = self._answered.pop(call.dialog.call_id, None)
        if answered is not None:
            answered.stop()
        self.ports.release(call.media.port)
        self.records.append(call.record)
        self._check_idle()

    def _log(self, record: CallRecord) -> None:
        self.records.append(record)
        write_call_log(record)

    def _check_idle(self) -> None:
        if not self.calls and not self.answering:
            self.idle.set()
