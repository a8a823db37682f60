"""The dialog an answered INVITE creates (RFC 3261 section 12), seen from our side (the UAS).

It remembers the identifiers both sides use (Call-ID, tags), the caller's Contact (the remote
target), the route set and both CSeq counters, and builds the requests we send inside the call
(BYE, REFER). Requests go back to the address the INVITE came from: on a trunk the carrier's
proxy, and a caller behind NAT is reached where it really is.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass, field

from bot.sip.header_values import SipParseError, Via, parse_name_addr
from bot.sip.message import Headers, SipRequest, new_branch
from bot.sip.transport import Address


@dataclass
class Dialog:
    call_id: str
    local_tag: str
    remote_tag: str | None
    local_uri: str  # the To of the INVITE, without tag: who the caller called
    remote_uri: str  # the From of the INVITE, without tag: the caller
    remote_target: str  # the caller's Contact URI
    route_set: list[str]
    remote_address: Address
    local_address: Address
    remote_cseq: int
    local_cseq: int = field(default_factory=lambda: secrets.randbelow(2**16) + 1)
    user: str = "bank"

    @classmethod
    def from_invite(
        cls, invite: SipRequest, source: Address, local: Address, local_tag: str, user: str
    ) -> Dialog:
        """The dialog our 2xx to `invite` creates (RFC 3261 section 12.1.1)."""
        caller = invite.from_address
        target = invite.uri
        contacts = invite.headers.values("Contact")
        if contacts:
            with contextlib.suppress(SipParseError):
                target = str(parse_name_addr(contacts[0]).uri)
        routes = invite.headers.values("Record-Route")
        return cls(
            call_id=invite.call_id,
            local_tag=local_tag,
            remote_tag=caller.tag,
            local_uri=str(invite.to_address.uri),
            remote_uri=str(caller.uri),
            remote_target=target,
            route_set=routes,
            remote_address=source,
            local_address=local,
            remote_cseq=invite.cseq.number,
            user=user,
        )

    @property
    def contact(self) -> str:
        host, port = self.local_address
        return f"<sip:{self.user}@{host}:{port}>"

    def matches(self, request: SipRequest) -> bool:
        """Whether an in-dialog request (with a To tag) belongs to this dialog."""
        return (
            request.call_id == self.call_id
            and request.to_address.tag == self.local_tag
            and request.from_address.tag == self.remote_tag
        )

    def accept_cseq(self, request: SipRequest) -> bool:
        """Whether the CSeq is in order (RFC 3261 section 12.2.2); a lower one gets 500."""
        number = request.cseq.number
        if number < self.remote_cseq and request.method != "ACK":
            return False
        self.remote_cseq = max(self.remote_cseq, number)
        return True

    def request(
        self,
        method: str,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        content_type: str | None = None,
    ) -> SipRequest:
        """A new request inside the dialog (RFC 3261 section 12.2.1.1), loose routing."""
        self.local_cseq += 1
        host, port = self.local_address
        via = Via("UDP", host, port, {"branch": new_branch(), "rport": None})
        remote = f"<{self.remote_uri}>"
        if self.remote_tag is not None:
            remote += f";tag={self.remote_tag}"
        items = Headers([
            ("Via", str(via)),
            ("Max-Forwards", "70"),
            ("From", f"<{self.local_uri}>;tag={self.local_tag}"),
            ("To", remote),
            ("Call-ID", self.call_id),
            ("CSeq", f"{self.local_cseq} {method}"),
            ("Contact", self.contact),
        ])
        for route in self.route_set:
            items.add("Route", route)
        for name, value in headers or []:
            items.add(name, value)
        if body and content_type:
            items.add("Content-Type", content_type)
        return SipRequest(items, body, method=method, uri=self.remote_target)
