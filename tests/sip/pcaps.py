"""RTP packets from the pcap files that ship with sipp (Debian package sip-tester)."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

SIPP_PCAPS = Path("/usr/share/sip-tester")
_PCAP_MAGIC = 0xA1B2C3D4
_ETHERNET = 1


def rtp_datagrams(name: str) -> list[bytes]:
    """The UDP payloads of an Ethernet/IPv4 pcap in `SIPP_PCAPS`, in file order."""
    path = SIPP_PCAPS / name
    if not path.exists():
        pytest.skip(f"{path} not installed (Debian package sip-tester)")
    data = path.read_bytes()
    magic, _, _, _, _, _, link_type = struct.unpack_from("<IHHiIII", data)
    assert magic == _PCAP_MAGIC and link_type == _ETHERNET
    datagrams = []
    offset = 24
    while offset < len(data):
        _, _, captured, _ = struct.unpack_from("<IIII", data, offset)
        frame = data[offset + 16 : offset + 16 + captured]
        offset += 16 + captured
        ip = frame[14:]
        header_length = (ip[0] & 0x0F) * 4
        datagrams.append(bytes(ip[header_length + 8 :]))
    return datagrams
