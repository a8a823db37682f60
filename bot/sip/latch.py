"""Whose RTP a call accepts: the latched media peer (issue 11, item 5, "RTP hijack").

Anyone who can reach a call's RTP port could otherwise send it audio and RFC 4733 keys, and
(with symmetric RTP following the last source) receive the call's audio, balance read-outs
included. So the media peer is latched once and never moved to an unrelated source:

- before any packet, we send to the address in the caller's SDP;
- the first packet latches its source if it comes from the SDP's address, or from the SDP's
  host or the SIP signalling host on another port (a caller behind NAT, symmetric RTP);
- once latched, only packets from that exact address are accepted; the rest are dropped and
  counted;
- a new offer (re-INVITE) naming another address starts over from that address.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.sip.transport import Address


@dataclass
class RtpLatch:
    offered: Address  # from the SDP
    signalling_host: str | None = None  # where the INVITE came from
    latched: Address | None = None
    refused: int = field(default=0)

    @property
    def destination(self) -> Address:
        """Where our RTP goes."""
        return self.latched or self.offered

    def admit(self, source: Address) -> bool:
        """Whether a packet from `source` belongs to the call (and latch it if first)."""
        if self.latched is not None:
            if source == self.latched:
                return True
            self.refused += 1
            return False
        if source == self.offered or source[0] in (self.offered[0], self.signalling_host):
            self.latched = source
            return True
        self.refused += 1
        return False

    def offer(self, address: Address) -> None:
        """A new SDP (re-INVITE): same address, latch kept; another one, start over."""
        if address != self.offered:
            self.offered, self.latched = address, None
