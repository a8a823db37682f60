"""The SIP endpoint on UDP (RFC 3261 section 18, RFC 3581 rport), on asyncio.

Each datagram is one message; one over `MAX_MESSAGE_BYTES` gets 513. A source over its limits
(`admit`) is dropped before parsing. A malformed request is answered with 400 (505 for another SIP
version, 416 for a Request-URI scheme we do not serve) when its start line and top Via can
be read, and dropped otherwise; a malformed response, keep-alive CRLFs and anything that is not
SIP are dropped. Nothing that arrives can stop the endpoint: an exception in the callback is
logged (without the message) and the next datagram is served.

Responses go back to the address the request came from: the port in Via's sent-by when the
sender did not ask for rport, the source port when it did. The host in Via is never used, so
a forged Via cannot turn the gateway into a reflector towards a third party.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

from bot.sip.header_values import SipParseError, Via, parse_via
from bot.sip.message import (
    SipRequest,
    SipResponse,
    build_response,
    parse_message,
    salvage_request,
    split_values,
)

Address = tuple[str, int]
DEFAULT_SIP_PORT = 5060
log = logging.getLogger(__name__)


def response_address(request: SipRequest, source: Address) -> Address:
    """Where responses to `request` go over UDP (RFC 3261 section 18.2.2, RFC 3581)."""
    try:
        via = request.top_via
    except SipParseError:
        return source
    if "rport" in via.params:
        return source
    return source[0], via.port or DEFAULT_SIP_PORT


def stamp_received(request: SipRequest, source: Address) -> None:
    """Record in the top Via where the request really came from (received=, rport=).

    RFC 3261 section 18.2.1 adds `received` when sent-by's host is not the source address;
    RFC 3581 fills in a `rport` that the sender left empty. The response copies the Via, so the
    sender (and any NAT between) learns its public address.
    """
    lines = request.headers.get_all("Via")
    if not lines:
        return
    values = split_values(lines[0])
    if not values:
        return
    via = parse_via(values[0])
    params = dict(via.params)
    if via.host.strip("[]").lower() != source[0].lower():
        params["received"] = source[0]
    if "rport" in params and params["rport"] is None:
        params["rport"] = str(source[1])
    values[0] = str(Via(via.transport, via.host, via.port, params))
    request.headers.replace_first("Via", ", ".join(values))


RequestHandler = Callable[[SipRequest, Address], None]
ResponseHandler = Callable[[SipResponse, Address], None]
Admission = Callable[[Address], bool]  # False: drop the datagram unread and unanswered


class SipEndpoint(asyncio.DatagramProtocol):
    """Receives SIP datagrams, answers the malformed, and hands the rest to the callbacks."""

    def __init__(
        self,
        on_request: RequestHandler,
        on_response: ResponseHandler | None = None,
        admit: Admission | None = None,
    ) -> None:
        self._on_request = on_request
        self._on_response = on_response
        self._admit = admit
        self.limited = 0
        self._transport: asyncio.DatagramTransport | None = None
        self.rejected = 0
        self.dropped = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's UDP transport does not subclass DatagramTransport (CPython 3.11).
        self._transport = cast(asyncio.DatagramTransport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None

    @property
    def local_address(self) -> Address:
        if self._transport is None:
            raise RuntimeError("endpoint is not open")
        host, port = self._transport.get_extra_info("sockname")[:2]
        return host, port

    def send(self, data: bytes, address: Address) -> None:
        if self._transport is not None:
            self._transport.sendto(data, address)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def error_received(self, exc: Exception) -> None:
        # ICMP errors (port unreachable) for an earlier send: nothing to do on UDP.
        log.debug("SIP socket error: %s", exc)

    def datagram_received(self, data: bytes, addr: tuple[Any, ...]) -> None:
        source: Address = (str(addr[0]), int(addr[1]))  # IPv6 adds flow info and scope id
        if self._admit is not None and not self._admit(source):
            self.limited += 1  # over its source's limit: answering would amplify the flood
            return
        try:
            self._handle(data, source)
        except Exception:
            # A bug must cost one message, not the endpoint. The message is not logged: it may
            # carry the digits of a PIN.
            log.exception("SIP message from %s:%s could not be handled", *source)

    def _handle(self, data: bytes, source: Address) -> None:
        if not data.strip(b"\r\n"):
            return  # keep-alive (RFC 5626 section 4.4.1)
        try:
            message = parse_message(data)
        except SipParseError as error:
            self._reject(data, source, error)
            return
        if isinstance(message, SipRequest):
            stamp_received(message, source)
            self._on_request(message, source)
        elif self._on_response is not None:
            self._on_response(message, source)
        else:
            self.dropped += 1

    def _reject(self, data: bytes, source: Address, error: SipParseError) -> None:
        request = salvage_request(data)
        if request is None or request.method == "ACK":
            # Not a request we can address, or an ACK, which is never answered.
            self.dropped += 1
            log.info("dropped a malformed SIP datagram from %s:%s", *source)
            return
        self.rejected += 1
        log.info("answered a malformed %s from %s:%s: %s", request.method, *source, error.reason)
        reason = None
        if error.status == 400:
            reason = f"Bad Request ({error.reason})"
        response = build_response(request, error.status, reason)
        self.send(response.to_bytes(), response_address(request, source))


async def open_endpoint(
    host: str,
    port: int,
    on_request: RequestHandler,
    on_response: ResponseHandler | None = None,
    admit: Admission | None = None,
) -> SipEndpoint:
    """A `SipEndpoint` listening on host:port (port 0: any free port)."""
    loop = asyncio.get_running_loop()
    _, endpoint = await loop.create_datagram_endpoint(
        lambda: SipEndpoint(on_request, on_response, admit), local_addr=(host, port)
    )
    return endpoint
