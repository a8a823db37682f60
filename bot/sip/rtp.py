"""RTP (RFC 3550): packets, the state of the stream we send, and a small jitter buffer.

Payload bytes are opaque here (G.711 coding lives in `bot.voice`). Sequence numbers are
16-bit and compared in serial-number arithmetic, so 65535 is followed by 0.
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass

RTP_VERSION = 2
HEADER_SIZE = 12
SEQUENCE_MODULO = 1 << 16
TIMESTAMP_MODULO = 1 << 32
SAMPLES_PER_FRAME = 160  # 20 ms at 8 kHz
_HEADER = struct.Struct("!BBHII")


class RtpError(ValueError):
    """The datagram is not a well-formed RTP packet."""


@dataclass(frozen=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes
    marker: bool = False
    csrcs: tuple[int, ...] = ()

    def to_bytes(self) -> bytes:
        """The packet without header extension or padding."""
        if not 0 <= self.payload_type < 128 or len(self.csrcs) > 15:
            raise RtpError("payload type or CSRC count out of range")
        first = (RTP_VERSION << 6) | len(self.csrcs)
        second = (0x80 if self.marker else 0) | self.payload_type
        header = _HEADER.pack(
            first,
            second,
            self.sequence % SEQUENCE_MODULO,
            self.timestamp % TIMESTAMP_MODULO,
            self.ssrc % TIMESTAMP_MODULO,
        )
        csrcs = b"".join(struct.pack("!I", csrc) for csrc in self.csrcs)
        return header + csrcs + self.payload


def parse_rtp(data: bytes) -> RtpPacket:
    """An RTP packet; the header extension is skipped and padding removed (RFC 3550 5.1, 5.3.1)."""
    if len(data) < HEADER_SIZE:
        raise RtpError("shorter than an RTP header")
    first, second, sequence, timestamp, ssrc = _HEADER.unpack_from(data)
    if first >> 6 != RTP_VERSION:
        raise RtpError("not RTP version 2")
    has_padding = bool(first & 0x20)
    has_extension = bool(first & 0x10)
    csrc_count = first & 0x0F
    offset = HEADER_SIZE + 4 * csrc_count
    if len(data) < offset:
        raise RtpError("truncated CSRC list")
    csrcs = struct.unpack_from(f"!{csrc_count}I", data, HEADER_SIZE)
    if has_extension:
        if len(data) < offset + 4:
            raise RtpError("truncated header extension")
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
        if len(data) < offset:
            raise RtpError("truncated header extension")
    end = len(data)
    if has_padding:
        padding = data[-1]
        if padding == 0 or end - padding < offset:
            raise RtpError("bad padding")
        end -= padding
    return RtpPacket(
        payload_type=second & 0x7F,
        sequence=sequence,
        timestamp=timestamp,
        ssrc=ssrc,
        payload=bytes(data[offset:end]),
        marker=bool(second & 0x80),
        csrcs=tuple(csrcs),
    )


def sequence_distance(later: int, earlier: int) -> int:
    """How far `later` is ahead of `earlier` in 16-bit serial arithmetic (negative: behind)."""
    distance = (later - earlier) % SEQUENCE_MODULO
    return distance - SEQUENCE_MODULO if distance >= SEQUENCE_MODULO // 2 else distance


class RtpSender:
    """The state of one outgoing stream: SSRC, sequence number, timestamp, marker.

    SSRC, first sequence number and first timestamp are random (RFC 3550 section 5.1). The
    timestamp advances by the samples each packet carries (160 per 20 ms at 8 kHz) and keeps
    advancing through silence that is not sent (`skip`), so the receiver can place the next
    talkspurt in time; the first packet of each talkspurt carries the marker bit.
    """

    def __init__(
        self,
        payload_type: int,
        *,
        ssrc: int | None = None,
        sequence: int | None = None,
        timestamp: int | None = None,
        samples_per_packet: int = SAMPLES_PER_FRAME,
    ) -> None:
        self.payload_type = payload_type
        self.ssrc = secrets.randbits(32) if ssrc is None else ssrc
        self.sequence = secrets.randbits(16) if sequence is None else sequence % SEQUENCE_MODULO
        self.timestamp = secrets.randbits(32) if timestamp is None else timestamp
        self.samples_per_packet = samples_per_packet
        self._talkspurt_starts = True
        self.packets_sent = 0
        self.octets_sent = 0

    def packet(self, payload: bytes, *, samples: int | None = None) -> RtpPacket:
        """The next packet carrying `payload` (`samples` of audio: default one 20 ms frame)."""
        packet = RtpPacket(
            payload_type=self.payload_type,
            sequence=self.sequence,
            timestamp=self.timestamp,
            ssrc=self.ssrc,
            payload=payload,
            marker=self._talkspurt_starts,
        )
        self._talkspurt_starts = False
        self.sequence = (self.sequence + 1) % SEQUENCE_MODULO
        self.timestamp = (self.timestamp + (samples or self.samples_per_packet)) % TIMESTAMP_MODULO
        self.packets_sent += 1
        self.octets_sent += len(payload)
        return packet

    def skip(self, samples: int | None = None) -> None:
        """Let time pass without sending (silence): the next packet starts a talkspurt."""
        self.timestamp = (self.timestamp + (samples or self.samples_per_packet)) % TIMESTAMP_MODULO
        self._talkspurt_starts = True


@dataclass
class JitterStats:
    received: int = 0
    released: int = 0
    late: int = 0  # arrived after its place was played out (or given up)
    lost: int = 0  # given up: never arrived in time
    duplicates: int = 0  # a second copy of a packet still waiting
    strays: int = 0  # far off the sequence and not followed by its successor
    resyncs: int = 0  # the sender jumped (new SSRC or restarted sequence)


class JitterBuffer:
    """Puts packets back in sequence order, waiting for at most `depth` later packets.

    `push` returns the packets that may be played now, in order. A stream starts once `depth`
    packets are in (the first to arrive need not be the first sent). After that, a packet that
    fills the gap at the head is released at once with everything after it; while a gap stays
    open, packets wait until `depth` of them are queued, then the missing ones are given up as
    lost. Packets for places already played out are dropped as late; second copies as
    duplicates.

    The sender may jump: a new SSRC, or (as in sipp's pcap replays, which reuse one SSRC) a
    sequence number far behind or far ahead. As in RFC 3550 appendix A.1, one such packet is
    held back and the stream is re-synchronised when the next packet follows it; a single stray
    one is dropped.
    """

    def __init__(self, depth: int = 4, *, max_misorder: int = 100, max_dropout: int = 3000):
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self.depth = depth
        self.max_misorder = max_misorder
        self.max_dropout = max_dropout
        self.stats = JitterStats()
        self._ssrc: int | None = None
        self._next = 0
        self._waiting: dict[int, RtpPacket] = {}
        self._stray: RtpPacket | None = None
        self._starting = False

    def __len__(self) -> int:
        return len(self._waiting)

    def push(self, packet: RtpPacket) -> list[RtpPacket]:
        self.stats.received += 1
        if self._ssrc is None:
            self._start(packet)
            return self._release()
        if packet.ssrc != self._ssrc:
            released = self.flush()
            self.stats.resyncs += 1
            self._start(packet)
            return released + self._release()
        distance = sequence_distance(packet.sequence, self._next)
        if -self.max_misorder <= distance < 0:
            if not self._starting:
                self.stats.late += 1
                return []
            self._next = packet.sequence  # sent before the first one that arrived
        elif distance < 0 or distance > self.max_dropout:
            return self._jump(packet)
        if self._stray is not None:
            self.stats.strays += 1
            self._stray = None
        if packet.sequence in self._waiting:
            self.stats.duplicates += 1
            return []
        self._waiting[packet.sequence] = packet
        return self._release()

    def flush(self) -> list[RtpPacket]:
        """Everything still waiting, in order (the gaps counted as lost); e.g. when RTP pauses."""
        released: list[RtpPacket] = []
        while self._waiting:
            released.extend(self._skip_gap())
        self._starting = False
        self.stats.released += len(released)
        return released

    def _start(self, packet: RtpPacket) -> None:
        self._ssrc = packet.ssrc
        self._next = packet.sequence
        self._waiting = {packet.sequence: packet}
        self._stray = None
        self._starting = True

    def _jump(self, packet: RtpPacket) -> list[RtpPacket]:
        stray = self._stray
        if stray is not None and packet.sequence == (stray.sequence + 1) % SEQUENCE_MODULO:
            released = self.flush()
            self.stats.resyncs += 1
            self._start(stray)
            self._waiting[packet.sequence] = packet
            return released + self._release()
        if stray is not None:
            self.stats.strays += 1
        self._stray = packet
        return []

    def _release(self) -> list[RtpPacket]:
        if self._starting:
            if len(self._waiting) < self.depth:
                return []
            self._starting = False
        released: list[RtpPacket] = []
        while True:
            while self._next in self._waiting:
                released.append(self._waiting.pop(self._next))
                self._next = (self._next + 1) % SEQUENCE_MODULO
            if len(self._waiting) < self.depth:
                break
            released.extend(self._skip_gap())
        self.stats.released += len(released)
        return released

    def _skip_gap(self) -> list[RtpPacket]:
        """Give up the missing packets before the first waiting one; release the run after it."""
        first = min(self._waiting, key=lambda sequence: sequence_distance(sequence, self._next))
        self.stats.lost += sequence_distance(first, self._next)
        self._next = first
        released: list[RtpPacket] = []
        while self._next in self._waiting:
            released.append(self._waiting.pop(self._next))
            self._next = (self._next + 1) % SEQUENCE_MODULO
        return released
