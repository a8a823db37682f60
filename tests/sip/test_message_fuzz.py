"""Whatever arrives, `parse_message` answers with a message or `SipParseError`, nothing else.

Random bytes and mutations of real messages (fixed seeds, so a failure can be replayed). What
parses must also be usable: the typed views do not raise, and it survives a round trip.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from bot.sip.header_values import SipParseError
from bot.sip.message import SipRequest, parse_message, salvage_request
from tests.sip.mutations import mutate

DATA = Path(__file__).parent / "data"
SEEDS = [
    (DATA / "baresip_invite.sip").read_bytes(),
    (DATA / "sipp_uac_invite.sip").read_bytes(),
    (
        b"SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1;rport=5062, "
        b'SIP/2.0/UDP [::1];branch=z9hG4bK2\r\nf: "A \\"B\\"" <sip:+355691234567@h;user=phone>'
        b";tag=1\r\nt: sip:bank@h;tag=2\r\ni: x@y\r\nCSeq: 9 INFO\r\n"
        b"c: application/dtmf-relay\r\nl: 24\r\n\r\nSignal=5\r\nDuration=160\r\n"
    ),
    (
        b"BYE tel:+355691234567 SIP/2.0\nVia: SIP/2.0/UDP h\n ;branch=z9hG4bKq\nMax-Forwards: 1\n"
        b"From: <tel:+355691234567>;tag=a\nTo: Bank <sips:bank@[2001:db8::1]:5061>;tag=b\n"
        b"Call-ID: q\nCSeq: 3 BYE\n\n"
    ),
]


def check(data: bytes) -> bool:
    """Parse `data`; True if it parsed. Anything but SipParseError fails the test."""
    salvage_request(data)  # the transport relies on it for every malformed datagram
    try:
        message = parse_message(data)
    except SipParseError:
        return False
    _ = (message.call_id, message.cseq, message.from_address, message.to_address, message.vias)
    if isinstance(message, SipRequest):
        _ = message.request_uri
    again = parse_message(message.to_bytes())
    assert list(again.headers) == [
        item for item in message.headers if item[0].lower() not in ("content-length", "l")
    ] + [("Content-Length", str(len(message.body)))]
    assert again.body == message.body
    return True


def test_random_bytes_never_raise_anything_but_sip_parse_error() -> None:
    rng = random.Random(3261)
    for _ in range(2000):
        length = rng.choice([0, 1, 2, 10, 50, 200, 1500])
        check(rng.randbytes(length))


@pytest.mark.parametrize("seed_index", range(len(SEEDS)))
def test_mutated_real_messages_never_raise_anything_but_sip_parse_error(seed_index: int) -> None:
    rng = random.Random(4566 + seed_index)
    seed = SEEDS[seed_index]
    assert check(seed)
    parsed = sum(check(mutate(seed, rng)) for _ in range(1000))
    # The mutations must reach the parser's deeper paths, not only the start line.
    assert parsed > 50
