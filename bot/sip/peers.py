"""Which SIP peers are believed: the carrier trunk or edge proxy named in BOT_SIP_TRUSTED_PEERS.

Caller ID (`From`, `P-Asserted-Identity`) is only as true as the network it came through: any
host that can reach the gateway can claim a customer's registered number. It is believed only
from a trusted peer, matched on the datagram's real source address (never on Via or Contact,
which the sender writes). From anyone else the call is taken as an unregistered line, and the
call log says why.

Trusted peers are also exempt from the per-source limits (`limits`): a trunk carries every
caller's calls, and flood control at that scale is the edge proxy's job.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK: tuple[Network, ...] = (
    ipaddress.ip_network("127.0.0.1/32"),
    ipaddress.ip_network("::1/128"),
)


def parse_peers(text: str) -> tuple[Network, ...]:
    """`"192.0.2.10, 198.51.100.0/24, 2001:db8::/32"` as networks; "" or "none": no one."""
    if text.strip().lower() in ("", "none"):
        return ()
    networks = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as error:
            raise ValueError(f"bad trusted SIP peer {item!r} (an address or CIDR)") from error
    return tuple(networks)


def is_trusted(host: str, peers: tuple[Network, ...]) -> bool:
    """Whether the source address `host` is one of `peers` (an IPv4-mapped IPv6 counts as v4)."""
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network for network in peers)


@dataclass(frozen=True)
class CallerIdDecision:
    """What the gateway takes as the caller's number, and why (for the call log)."""

    number: str | None  # E.164 the session may use; None: an unregistered line
    claimed: str | None  # what the INVITE said, whether believed or not
    refusal: str | None  # why a claimed number was not believed; None when it was

    @property
    def believed(self) -> bool:
        return self.refusal is None


def decide_caller_id(claimed: str | None, source_host: str,
                     peers: tuple[Network, ...]) -> CallerIdDecision:
    """Believe the claimed caller ID only from a trusted peer (issue 11, item 1)."""
    if claimed is None:
        return CallerIdDecision(None, None, None)
    if not is_trusted(source_host, peers):
        return CallerIdDecision(None, claimed, f"untrusted_peer:{source_host}")
    return CallerIdDecision(claimed, claimed, None)
