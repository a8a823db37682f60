"""One incoming call from its INVITE to its end: the server agent of that call (UAS).

The call moves through explicit states, each owning what it must:

    RINGING    180 sent; CANCEL still ends it (487); the answer (SDP, RTP port) is prepared
    ANSWERED   our 2xx is out and repeated (`Retransmitter`) until the caller's ACK
    CONFIRMED  the ACK came: media flows and the voice session runs
    ENDED      media closed, port released, the session told (`CallerHangup`), logged once

The gateway only routes requests to their call. A call that never reached CONFIRMED never
sends a request (no BYE to a peer that never ACKed: it may not be a caller at all).

`Call` is also the `CallOutput` the session talks to: `play`/`interrupt` go to the media,
`transfer` sends REFER and follows the NOTIFYs, `hangup` sends BYE. Keys, by RFC 4733 (from the
media) or SIP INFO (from the gateway), come in through `press`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bot.sip import call_log
from bot.sip.call_log import CallRecord
from bot.sip.dialog import Dialog
from bot.sip.media import CallMedia, Pacer, RtpPorts
from bot.sip.message import SipRequest, SipResponse, build_response
from bot.sip.options import capability_headers
from bot.sip.refer import (
    conversation_reference,
    refer_headers,
    sipfrag_status,
    subscription_ended,
)
from bot.sip.sdp import SdpError, build_answer, parse_sdp
from bot.sip.telephone_events import DtmfError, key_from_info
from bot.sip.transaction import (
    InviteServerTransaction,
    Retransmitter,
    Scheduler,
    ServerTransaction,
    TimerSettings,
)
from bot.sip.transport import Address, response_address
from bot.voice.call_io import (
    KEYPAD_KEYS,
    CallerEvent,
    CallerHangup,
    CallerKey,
    CallOutput,
    TransferResult,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallContext:
    """What the session may know about the call."""

    call_id: str
    caller_id: str | None  # E.164, or None when withheld or not believed
    called: str | None  # the user part we were called at
    remote: Address
    conversation_id: str = ""  # the assistant conversation this call is (made per call)


class Session(Protocol):
    async def run(self, events: asyncio.Queue[CallerEvent]) -> Any: ...


SessionFactory = Callable[[CallContext, CallOutput], Session]
SendRequest = Callable[[SipRequest, Address], Awaitable[SipResponse | None]]


class CallState(enum.Enum):
    RINGING = "ringing"
    ANSWERED = "answered"
    CONFIRMED = "confirmed"
    ENDED = "ended"


@dataclass
class Line:
    """What the gateway lends every call: settings, sockets, clocks and its way out."""

    host: str
    user: str
    codecs: tuple[str, ...]
    queues: dict[str, str]
    rtp_timeout: float
    transfer_timeout: float
    timers: TimerSettings
    answer_delay: float
    session_id: int
    local_address: Address
    ports: RtpPorts
    pacer: Pacer
    scheduler: Scheduler
    send: Callable[[bytes, Address], None]
    send_request: SendRequest
    session_factory: SessionFactory
    on_ended: Callable[[Call], None]


class Call:
    """One incoming call (see the module docstring for its states)."""

    sample_rate = 8000

    def __init__(self, invite: SipRequest, source: Address,
                 transaction: InviteServerTransaction, tag: str, record: CallRecord,
                 line: Line) -> None:
        self.invite = invite
        self.source = source
        self.transaction = transaction
        self.tag = tag
        self.record = record
        self.line = line
        self.state = CallState.RINGING
        self.events: asyncio.Queue[CallerEvent] = asyncio.Queue()
        self.media = CallMedia(self.events, line.rtp_timeout, self._rtp_timeout, line.pacer,
                               signalling_host=source[0], on_key=self.press)
        self.dialog: Dialog | None = None
        self.conversation_id = f"voice-{secrets.token_hex(16)}"
        self.sdp_version = 1  # o= version of our last SDP answer (RFC 3264 section 8)
        self.session_task: asyncio.Task[None] | None = None
        self._answering: asyncio.Task[None] | None = None
        self._retransmitter: Retransmitter | None = None  # our 2xx, repeated until its ACK
        self._notify: asyncio.Future[int] | None = None

    @property
    def call_id(self) -> str:
        return self.invite.call_id

    @property
    def ended(self) -> bool:
        return self.state is CallState.ENDED

    @property
    def confirmed(self) -> bool:
        return self.state is CallState.CONFIRMED

    def matches(self, request: SipRequest) -> bool:
        """Whether an in-dialog request (To tag set) is for this call's dialog."""
        return self.dialog is not None and self.dialog.matches(request)

    # --- RINGING ----------------------------------------------------------------------------

    def ring(self) -> None:
        """180 now; the answer after a short ring (real lines answer after one)."""
        self.transaction.respond(build_response(self.invite, 180, to_tag=self.tag))
        self._answering = asyncio.get_running_loop().create_task(self._answer())

    def cancel(self, cancel: SipRequest, transaction: ServerTransaction) -> None:
        """CANCEL: 200 to it; while ringing, 487 to the INVITE and the end (RFC 3261 9.2)."""
        transaction.respond(build_response(cancel, 200))
        if self.state is not CallState.RINGING:
            return  # already answered: the CANCEL has no effect
        self.reject(487, "cancelled")

    def reject(self, status: int, outcome: str) -> None:
        """A final non-2xx to the INVITE while ringing, and the end of the call."""
        if self.state is not CallState.RINGING:
            return
        headers = capability_headers() if status in (488, 415) else []
        if not self.transaction.terminated:
            self.transaction.respond(build_response(self.invite, status, to_tag=self.tag,
                                                    headers=headers))
        self.record.ended = self.record.started
        self.end(outcome)

    async def _answer(self) -> None:
        invite, line = self.invite, self.line
        try:
            try:
                offer = parse_sdp(invite.body) if invite.content_type == "application/sdp" \
                    else None
            except SdpError:
                offer = None
            if offer is None:
                self.reject(488, "no_offer")
                return
            try:
                port = await self.media.open(line.host, line.ports)
            except OSError:
                self.reject(503, "no_rtp_port")
                return
            answer = build_answer(offer, address=line.host, port=port,
                                  session_id=line.session_id, session_version=1,
                                  codecs=line.codecs)
            if answer is None:
                self.reject(488, "no_codec")
                return
            self.media.use(answer.audio)
            await asyncio.sleep(line.answer_delay)
            if self.state is not CallState.RINGING:
                return
            self.dialog = Dialog.from_invite(invite, self.source, line.local_address, self.tag,
                                             line.user)
            self.state = CallState.ANSWERED
            self._send_2xx(invite, self.transaction, answer.sdp.to_bytes())
        except Exception:
            log.exception("call %s could not be answered", self.call_id)
            self.reject(500, "error")  # our own failure, never the caller's input

    # --- ANSWERED: our 2xx until its ACK ------------------------------------------------------

    def _send_2xx(self, invite: SipRequest, transaction: InviteServerTransaction,
                  sdp: bytes) -> None:
        assert self.dialog is not None
        headers = [("Contact", self.dialog.contact), *capability_headers()]
        ok = build_response(invite, 200, to_tag=self.tag, headers=headers, body=sdp,
                            content_type="application/sdp")
        transaction.respond(ok)
        data, destination, send = ok.to_bytes(), response_address(invite, self.source), \
            self.line.send
        if self._retransmitter is not None:
            self._retransmitter.stop()
        self._retransmitter = Retransmitter(lambda: send(data, destination),
                                            self.line.scheduler, self.line.timers,
                                            on_give_up=self._no_ack)
        self._retransmitter.start()

    def ack(self) -> None:
        """The ACK for our 2xx: stop repeating it; the first one confirms the call."""
        if self._retransmitter is not None:
            self._retransmitter.stop()
            self._retransmitter = None
        if self.state is not CallState.ANSWERED:
            return
        assert self.dialog is not None
        self.state = CallState.CONFIRMED
        self.media.start()
        called = self.dialog.local_uri.split(":", 1)[-1].split("@", 1)[0] or None
        context = CallContext(self.call_id, self.record.caller, called,
                              self.dialog.remote_address, self.conversation_id)
        session = self.line.session_factory(context, self)
        self.session_task = asyncio.get_running_loop().create_task(self._run(session))

    def _no_ack(self) -> None:
        """Our 2xx was never ACKed. Never confirmed: end without a word to that peer; a
        re-INVITE's lost ACK in a confirmed call ends it with BYE."""
        log.info("call %s: no ACK for our 200 OK", self.call_id)
        self._retransmitter = None
        self.record.outcome = "no_ack"
        if self.state is CallState.CONFIRMED:
            asyncio.ensure_future(self.hangup())
        else:
            self.end("no_ack")

    # --- CONFIRMED: requests inside the dialog ----------------------------------------------

    def handle(self, request: SipRequest, transaction: ServerTransaction) -> None:
        """An in-dialog request for this call (BYE, INFO, NOTIFY, re-INVITE, REFER)."""
        assert self.dialog is not None
        if self.ended:
            transaction.respond(build_response(request, 481))
            return
        if not self.dialog.accept_cseq(request):
            transaction.respond(build_response(request, 500, "CSeq Out of Order"))  # 12.2.2
            return
        method = request.method
        if method == "BYE":
            transaction.respond(build_response(request, 200))
            self.end("caller_hangup")
        elif method == "INFO":
            transaction.respond(self._info(request))
        elif method == "NOTIFY":
            transaction.respond(build_response(request, 200))
            self._on_notify(request)
        elif method == "INVITE":
            assert isinstance(transaction, InviteServerTransaction)
            self._reinvite(request, transaction)
        else:  # a REFER from the caller: we do not place calls for callers
            transaction.respond(build_response(request, 403))

    def press(self, key: str) -> None:
        """A key the caller pressed, by RFC 4733 (from the media) or SIP INFO."""
        if key in KEYPAD_KEYS and self.state in (CallState.ANSWERED, CallState.CONFIRMED):
            self.events.put_nowait(CallerKey(key))

    def _info(self, request: SipRequest) -> SipResponse:
        if not request.body:
            return build_response(request, 200)  # an empty INFO is a keep-alive probe
        try:
            key = key_from_info(request.headers.get("Content-Type"), request.body)
        except DtmfError:
            # Never log the body: it may hold a PIN digit.
            return build_response(request, 415, headers=capability_headers())
        self.press(key)
        return build_response(request, 200)

    def _reinvite(self, invite: SipRequest, transaction: InviteServerTransaction) -> None:
        """The same media, answered again (a new offer's codec and address are taken)."""
        if self._retransmitter is not None:
            transaction.respond(build_response(invite, 491))  # our 2xx still awaits its ACK
            return
        try:
            offer = parse_sdp(invite.body) if invite.body else None
        except SdpError:
            offer = None
        answer = None if offer is None else build_answer(
            offer, address=self.line.host, port=self.media.port,
            session_id=self.line.session_id, session_version=self.sdp_version + 1,
            codecs=self.line.codecs)
        if answer is None:
            transaction.respond(build_response(invite, 488, headers=capability_headers()))
            return
        self.sdp_version += 1
        self.media.use(answer.audio)
        self._send_2xx(invite, transaction, answer.sdp.to_bytes())

    def _on_notify(self, notify: SipRequest) -> None:
        status = sipfrag_status(notify)
        final = status is not None and status >= 200
        if self._notify is not None and not self._notify.done():
            if final:
                self._notify.set_result(status)  # type: ignore[arg-type]
            elif subscription_ended(notify):
                self._notify.set_result(500)

    # --- CallOutput -------------------------------------------------------------------------

    async def play(self, pcm: np.ndarray) -> bool:
        return await self.media.play(pcm)

    def interrupt(self) -> None:
        self.media.interrupt()

    async def transfer(self, queue: str) -> TransferResult:
        target = self.line.queues.get(queue)
        if target is None or not self.confirmed or self.dialog is None:
            log.warning("call %s: no transfer target for queue %r", self.call_id, queue)
            return "failed"
        self.record.transfer_queue, self.record.transfer_target = queue, target
        self._notify = asyncio.get_running_loop().create_future()
        referred_by = f"sip:{self.dialog.user}@{self.dialog.local_address[0]}"
        reference = conversation_reference(self.conversation_id)
        request = self.dialog.request("REFER", refer_headers(target, referred_by, reference))
        response = await self.line.send_request(request, self.dialog.remote_address)
        if response is None or not 200 <= response.status < 300:
            log.info("call %s: REFER refused (%s)", self.call_id,
                     response.status if response else "no answer")
            return "failed"
        try:
            status = await asyncio.wait_for(self._notify, self.line.transfer_timeout)
        except TimeoutError:
            log.info("call %s: no final NOTIFY for the transfer", self.call_id)
            return "failed"
        finally:
            self._notify = None
        if not 200 <= status < 300:
            log.info("call %s: transfer failed (%s)", self.call_id, status)
            return "failed"
        await self._bye("transferred")
        return "transferred"

    async def hangup(self) -> None:
        await self._bye("bot_hangup")

    # --- ENDED ------------------------------------------------------------------------------

    def end(self, outcome: str) -> None:
        """End the call locally (no signalling): idempotent."""
        if self.ended:
            return
        was_ringing = self.state is CallState.RINGING
        self.state = CallState.ENDED
        self.record.outcome = self.record.outcome or outcome
        self.record.ended = self.record.ended or time.time()
        if self._retransmitter is not None:
            self._retransmitter.stop()
            self._retransmitter = None
        if was_ringing and self._answering is not None \
                and self._answering is not asyncio.current_task():
            self._answering.cancel()
        self.media.close()
        if self.media.port:
            self.line.ports.release(self.media.port)
        self.events.put_nowait(CallerHangup(outcome))
        if self._notify is not None and not self._notify.done():
            self._notify.set_result(487)
        self.line.on_ended(self)
        if self.session_task is None or self.session_task.done():
            call_log.write(self.record)

    async def _bye(self, outcome: str) -> None:
        if self.ended:
            return
        if not self.confirmed or self.dialog is None:
            # The caller never ACKed our 2xx: it may not be a caller at all (a forged source),
            # so no request is sent its way (issue 11, item 5); the call just ends.
            self.end(outcome)
            return
        request = self.dialog.request("BYE")
        self.end(outcome)
        await self.line.send_request(request, self.dialog.remote_address)

    def _rtp_timeout(self) -> None:
        if self.confirmed:
            self.record.outcome = "rtp_timeout"
            asyncio.ensure_future(self.hangup())

    async def _run(self, session: Session) -> None:
        try:
            outcome = await session.run(self.events)
            turns = getattr(outcome, "turns", None)
            self.record.turns = turns if isinstance(turns, int) else None
        except Exception:
            log.exception("call %s: the voice session failed", self.call_id)
        finally:
            if not self.ended:
                await self._bye("bot_hangup")
            call_log.write(self.record)
