"""One answered call: its dialog, its media, the voice session, and how it ends.

`Call` is the `CallOutput` the session talks to: `play`/`interrupt` go to the media,
`transfer` sends REFER and follows the NOTIFYs, `hangup` sends BYE. Whatever ends the call
(the caller's BYE or CANCEL, our BYE, a transfer, RTP silence, a lost ACK) ends it once: the
media closes, the session gets `CallerHangup`, and the call log gets its line.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bot.sip import call_log
from bot.sip.call_log import CallRecord
from bot.sip.dialog import Dialog
from bot.sip.media import CallMedia
from bot.sip.message import SipRequest, SipResponse
from bot.sip.refer import refer_headers, sipfrag_status, subscription_ended
from bot.sip.transport import Address
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
    caller_id: str | None  # E.164, or None when withheld
    called: str | None  # the user part we were called at
    remote: Address


class Session(Protocol):
    async def run(self, events: asyncio.Queue[CallerEvent]) -> Any: ...


SessionFactory = Callable[[CallContext, CallOutput], Session]
SendRequest = Callable[[SipRequest, Address], Awaitable[SipResponse | None]]


class Call:
    """The call after our 200 OK; implements `CallOutput` for the session."""

    sample_rate = 8000

    def __init__(
        self,
        dialog: Dialog,
        media: CallMedia,
        events: asyncio.Queue[CallerEvent],
        record: CallRecord,
        send_request: SendRequest,
        queues: dict[str, str],
        transfer_timeout: float,
        on_ended: Callable[[Call], None],
    ) -> None:
        self.dialog = dialog
        self.media = media
        media.on_key = self.press
        self.events = events
        self.record = record
        self._send_request = send_request
        self._queues = queues
        self._transfer_timeout = transfer_timeout
        self._on_ended = on_ended
        self._notify: asyncio.Future[int] | None = None
        self.session_task: asyncio.Task[None] | None = None
        self.ended = False
        self.confirmed = False
        self.sdp_version = 1  # o= version of our last SDP answer (RFC 3264 section 8)

    # --- CallOutput -------------------------------------------------------------------------

    async def play(self, pcm: np.ndarray) -> bool:
        return await self.media.play(pcm)

    def interrupt(self) -> None:
        self.media.interrupt()

    async def transfer(self, queue: str) -> TransferResult:
        target = self._queues.get(queue)
        if target is None or self.ended:
            log.warning("call %s: no transfer target for queue %r", self.dialog.call_id, queue)
            return "failed"
        self.record.transfer_queue, self.record.transfer_target = queue, target
        loop = asyncio.get_running_loop()
        self._notify = loop.create_future()
        referred_by = f"sip:{self.dialog.user}@{self.dialog.local_address[0]}"
        request = self.dialog.request("REFER", refer_headers(target, referred_by))
        response = await self._send_request(request, self.dialog.remote_address)
        if response is None or not 200 <= response.status < 300:
            log.info("call %s: REFER refused (%s)", self.dialog.call_id,
                     response.status if response else "no answer")
            return "failed"
        try:
            status = await asyncio.wait_for(self._notify, self._transfer_timeout)
        except TimeoutError:
            log.info("call %s: no final NOTIFY for the transfer", self.dialog.call_id)
            return "failed"
        finally:
            self._notify = None
        if not 200 <= status < 300:
            log.info("call %s: transfer failed (%s)", self.dialog.call_id, status)
            return "failed"
        await self._bye("transferred")
        return "transferred"

    async def hangup(self) -> None:
        await self._bye("bot_hangup")

    # --- what the gateway tells the call ----------------------------------------------------

    def start(self, factory: SessionFactory, context: CallContext) -> None:
        """The caller's ACK arrived: media flows and the session begins."""
        if self.confirmed or self.ended:
            return
        self.confirmed = True
        self.media.start()
        session = factory(context, self)
        self.session_task = asyncio.get_running_loop().create_task(self._run(session))

    def press(self, key: str) -> None:
        """A key the caller pressed, by RFC 4733 (from the media) or SIP INFO (the gateway)."""
        if key in KEYPAD_KEYS and not self.ended:
            self.events.put_nowait(CallerKey(key))

    def on_notify(self, notify: SipRequest) -> None:
        status = sipfrag_status(notify)
        final = status is not None and status >= 200
        if self._notify is not None and not self._notify.done():
            if final:
                self._notify.set_result(status)  # type: ignore[arg-type]
            elif subscription_ended(notify):
                self._notify.set_result(500)

    def end(self, outcome: str) -> None:
        """End the call locally (no signalling): idempotent."""
        if self.ended:
            return
        self.ended = True
        self.record.outcome = self.record.outcome or outcome
        self.record.ended = self.record.ended or time.time()
        self.media.close()
        self.events.put_nowait(CallerHangup(outcome))
        if self._notify is not None and not self._notify.done():
            self._notify.set_result(487)
        self._on_ended(self)
        if self.session_task is None or self.session_task.done():
            call_log.write(self.record)

    # --- inside -----------------------------------------------------------------------------

    async def _bye(self, outcome: str) -> None:
        if self.ended:
            return
        if not self.confirmed:
            # The caller never ACKed our 2xx: it may not be a caller at all (a forged source),
            # so no request is sent its way (issue 11, item 5); the call just ends.
            self.end(outcome)
            return
        request = self.dialog.request("BYE")
        self.end(outcome)
        await self._send_request(request, self.dialog.remote_address)

    async def _run(self, session: Session) -> None:
        try:
            outcome = await session.run(self.events)
            turns = getattr(outcome, "turns", None)
            self.record.turns = turns if isinstance(turns, int) else None
        except Exception:
            log.exception("call %s: the voice session failed", self.dialog.call_id)
        finally:
            if not self.ended:
                await self._bye("bot_hangup")
            call_log.write(self.record)
