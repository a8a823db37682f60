from __future__ import annotations

import contextlib
import random
import struct
from itertools import pairwise

import pytest

from bot.sip.rtp import (
    JitterBuffer,
    RtpError,
    RtpPacket,
    RtpSender,
    parse_rtp,
    sequence_distance,
)
from tests.sip.pcaps import rtp_datagrams


def packet(sequence: int, ssrc: int = 0x1234, payload: bytes = b"") -> RtpPacket:
    return RtpPacket(
        payload_type=8,
        sequence=sequence % 65536,
        timestamp=160 * sequence,
        ssrc=ssrc,
        payload=payload or bytes([sequence % 256]) * 160,
    )


def sequences(packets: list[RtpPacket]) -> list[int]:
    return [p.sequence for p in packets]


def test_packet_round_trip_with_marker_and_csrcs() -> None:
    original = RtpPacket(
        payload_type=0,
        sequence=65535,
        timestamp=2**32 - 1,
        ssrc=0xDEADBEEF,
        payload=b"\x55" * 160,
        marker=True,
        csrcs=(1, 2),
    )
    data = original.to_bytes()
    assert len(data) == 12 + 8 + 160
    assert data[:2] == bytes([0x82, 0x80])
    assert parse_rtp(data) == original


def test_header_extension_is_skipped_and_padding_removed() -> None:
    header = struct.pack("!BBHII", 0x80 | 0x20 | 0x10 | 1, 8, 7, 1120, 99)
    csrc = struct.pack("!I", 5)
    extension = struct.pack("!HH", 0xBEDE, 2) + b"\x10\xaa\x00\x00" + b"\x00" * 4
    payload = b"\xd5" * 160
    padding = b"\x00\x00\x03"
    parsed = parse_rtp(header + csrc + extension + payload + padding)
    assert parsed.payload == payload
    assert parsed.csrcs == (5,)
    assert (parsed.sequence, parsed.timestamp, parsed.ssrc) == (7, 1120, 99)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x80\x08\x00",  # shorter than a header
        bytes([0x40, 8]) + b"\x00" * 170,  # version 1
        bytes([0x83, 8]) + b"\x00" * 14,  # three CSRCs announced, one present
        bytes([0x90, 8]) + b"\x00" * 10 + b"\x00\x00\x00\x09",  # extension longer than packet
        bytes([0xA0, 8]) + b"\x00" * 10 + b"\x01\x02\x00",  # padding count 0
        bytes([0xA0, 8]) + b"\x00" * 10 + b"\x01\x02\x09",  # padding longer than payload
    ],
)
def test_malformed_packets_raise_rtp_error(data: bytes) -> None:
    with pytest.raises(RtpError):
        parse_rtp(data)


def test_random_datagrams_raise_only_rtp_error() -> None:
    rng = random.Random(3550)
    for _ in range(3000):
        data = rng.randbytes(rng.choice([0, 11, 12, 13, 20, 40, 172]))
        with contextlib.suppress(RtpError):
            parse_rtp(data)


def test_sipp_g711a_pcap_parses() -> None:
    packets = [parse_rtp(data) for data in rtp_datagrams("g711a.pcap")]
    assert len(packets) == 236
    assert {p.payload_type for p in packets} == {8}
    assert {len(p.payload) for p in packets} == {240}  # this recording uses 30 ms packets
    assert packets[0].marker and not any(p.marker for p in packets[1:])
    assert all(sequence_distance(b.sequence, a.sequence) == 1 for a, b in pairwise(packets))


def test_sequence_distance_wraps() -> None:
    assert sequence_distance(0, 65535) == 1
    assert sequence_distance(65535, 0) == -1
    assert sequence_distance(100, 50) == 50
    assert sequence_distance(32767 + 10, 10) == 32767
    assert sequence_distance(32768 + 10, 10) == -32768


def test_sender_advances_160_samples_per_packet_and_wraps() -> None:
    sender = RtpSender(8, ssrc=42, sequence=65534, timestamp=2**32 - 160)
    first, second, third = (sender.packet(b"\xd5" * 160) for _ in range(3))
    assert sequences([first, second, third]) == [65534, 65535, 0]
    assert [p.timestamp for p in (first, second, third)] == [2**32 - 160, 0, 160]
    assert [p.marker for p in (first, second, third)] == [True, False, False]
    assert {p.ssrc for p in (first, second, third)} == {42}
    assert sender.packets_sent == 3 and sender.octets_sent == 480


def test_sender_marks_the_talkspurt_after_silence() -> None:
    sender = RtpSender(0, sequence=10, timestamp=1000)
    sender.packet(b"x")
    sender.skip()
    sender.skip(320)
    after_silence = sender.packet(b"y")
    assert after_silence.marker
    assert after_silence.timestamp == 1000 + 160 + 160 + 320  # time kept running
    assert after_silence.sequence == 11  # no sequence number spent on silence
    assert not sender.packet(b"z").marker


def test_sender_starts_at_random_points() -> None:
    a, b = RtpSender(0), RtpSender(0)
    assert (a.ssrc, a.sequence, a.timestamp) != (b.ssrc, b.sequence, b.timestamp)


def test_jitter_buffer_starts_after_depth_packets_then_passes_them_through_at_once() -> None:
    buffer = JitterBuffer(depth=3)
    assert buffer.push(packet(100)) == [] and buffer.push(packet(101)) == []
    assert sequences(buffer.push(packet(102))) == [100, 101, 102]
    for sequence in range(103, 110):
        assert sequences(buffer.push(packet(sequence))) == [sequence]
    assert buffer.stats.lost == buffer.stats.late == 0 and len(buffer) == 0
    assert buffer.stats.received == buffer.stats.released == 10


def test_jitter_buffer_takes_packets_sent_before_the_first_that_arrived() -> None:
    buffer = JitterBuffer(depth=3)
    assert buffer.push(packet(7)) == [] and buffer.push(packet(5)) == []
    assert sequences(buffer.push(packet(6))) == [5, 6, 7]


def test_jitter_buffer_reorders() -> None:
    buffer = JitterBuffer(depth=4)
    released = []
    for sequence in [1, 2, 3, 4, 6, 8, 7, 5, 9]:
        released.append(sequences(buffer.push(packet(sequence))))
    assert released == [[], [], [], [1, 2, 3, 4], [], [], [], [5, 6, 7, 8], [9]]
    assert buffer.stats.lost == 0


def test_jitter_buffer_drops_duplicates_and_late_packets() -> None:
    buffer = JitterBuffer(depth=4)
    out = []
    for sequence in [1, 2, 3, 4, 5, 5, 7, 7, 8, 6, 2]:
        out += sequences(buffer.push(packet(sequence)))
    assert out == [1, 2, 3, 4, 5, 6, 7, 8]
    assert buffer.stats.duplicates == 1  # the second 7 while it waited
    assert buffer.stats.late == 2  # the second 5 and the last 2, already played


def test_jitter_buffer_gives_up_a_lost_packet_after_depth_packets() -> None:
    buffer = JitterBuffer(depth=3)
    buffer.push(packet(8))
    buffer.push(packet(9))
    assert sequences(buffer.push(packet(10))) == [8, 9, 10]
    assert buffer.push(packet(12)) == []
    assert buffer.push(packet(13)) == []
    assert sequences(buffer.push(packet(14))) == [12, 13, 14]
    assert buffer.stats.lost == 1
    assert buffer.push(packet(11)) == []  # too late now
    assert buffer.stats.late == 1


def test_jitter_buffer_reorders_across_the_wrap() -> None:
    buffer = JitterBuffer(depth=4)
    out = []
    for sequence in [65535, 65533, 1, 65534, 0, 3, 2, 4]:
        out += sequences(buffer.push(packet(sequence)))
    assert out == [65533, 65534, 65535, 0, 1, 2, 3, 4]
    assert buffer.stats.lost == buffer.stats.late == 0


def test_jitter_buffer_flush_releases_what_waits() -> None:
    buffer = JitterBuffer(depth=5)
    buffer.push(packet(1))
    buffer.push(packet(3))
    buffer.push(packet(6))
    assert sequences(buffer.flush()) == [1, 3, 6]
    assert buffer.stats.lost == 3  # 2, 4, 5
    assert sequences(buffer.push(packet(7))) == [7]


def test_jitter_buffer_follows_a_new_ssrc() -> None:
    buffer = JitterBuffer(depth=2)
    buffer.push(packet(1))
    buffer.push(packet(2))
    buffer.push(packet(4))
    released = buffer.push(packet(9000, ssrc=0x9999))
    assert [(p.ssrc, p.sequence) for p in released] == [(0x1234, 4)]
    assert sequences(buffer.push(packet(9001, ssrc=0x9999))) == [9000, 9001]
    assert buffer.stats.resyncs == 1


def test_jitter_buffer_drops_a_single_stray_packet() -> None:
    buffer = JitterBuffer(depth=2)
    out = []
    for sequence in [1, 2, 30000, 3, 4]:
        out += sequences(buffer.push(packet(sequence)))
    assert out == [1, 2, 3, 4]
    assert buffer.stats.strays == 1 and buffer.stats.resyncs == 0


def test_jitter_buffer_resyncs_when_sipp_replays_its_pcap_again() -> None:
    """sipp replays g711a.pcap with its recorded sequence numbers: a second play jumps back."""
    recording = [parse_rtp(data) for data in rtp_datagrams("g711a.pcap")]
    buffer = JitterBuffer(depth=4)
    out = []
    for played in recording + recording:
        out += buffer.push(played)
    out += buffer.flush()
    assert len(out) == 2 * len(recording)
    assert sequences(out) == sequences(recording) * 2
    assert buffer.stats.resyncs == 1
    assert buffer.stats.lost == buffer.stats.late == 0


def test_jitter_buffer_survives_random_network_order() -> None:
    rng = random.Random(7)
    buffer = JitterBuffer(depth=5)
    sent = [(65000 + index) % 65536 for index in range(2000)]  # crosses the wrap
    arriving = []
    for index in range(0, len(sent), 4):
        group = sent[index : index + 4]  # reordering within a window of 4
        rng.shuffle(group)
        arriving += [s for s in group if rng.random() > 0.02]  # 2 % loss
    out = []
    for sequence in arriving:
        out += sequences(buffer.push(packet(sequence)))
    out += sequences(buffer.flush())
    assert out == sorted(arriving, key=lambda s: sequence_distance(s, 65000))
    first, last = out[0], out[-1]
    assert buffer.stats.lost == sequence_distance(last, first) + 1 - len(out)
    assert buffer.stats.late == 0
