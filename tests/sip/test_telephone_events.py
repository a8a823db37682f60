from __future__ import annotations

import random

import pytest

from bot.sip.rtp import RtpPacket, parse_rtp
from bot.sip.telephone_events import (
    MAX_DURATION,
    DtmfError,
    TelephoneEvent,
    TelephoneEventReceiver,
    event_for_key,
    key_from_info,
)
from tests.sip.pcaps import rtp_datagrams

PCAP_NAMES = {key: f"dtmf_2833_{key}.pcap" for key in "0123456789"}
PCAP_NAMES.update({"*": "dtmf_2833_star.pcap", "#": "dtmf_2833_pound.pcap"})


def press_from_pcap(key: str) -> list[RtpPacket]:
    return [parse_rtp(data) for data in rtp_datagrams(PCAP_NAMES[key])]


def press(key: str, timestamp: int, *, ssrc: int = 1, sequence: int = 0) -> list[RtpPacket]:
    """A press as senders make it: durations growing by 160, then the end packet three times."""
    event = event_for_key(key)
    durations = [160 * step for step in range(1, 7)]
    events = [TelephoneEvent(event, False, 10, d) for d in durations]
    events += [TelephoneEvent(event, True, 10, 1120)] * 3
    return [
        RtpPacket(101, (sequence + index) % 65536, timestamp, ssrc, e.to_bytes(), marker=index == 0)
        for index, e in enumerate(events)
    ]


def feed_all(
    receiver: TelephoneEventReceiver, packets: list[RtpPacket], start: float, step: float = 0.02
) -> list[str]:
    keys = []
    for index, rtp in enumerate(packets):
        key = receiver.feed(rtp, start + index * step)
        if key is not None:
            keys.append(key)
    return keys


def test_event_payload_round_trip() -> None:
    event = TelephoneEvent(event=11, end=True, volume=10, duration=2240)
    assert event.to_bytes() == bytes([11, 0x8A, 0x08, 0xC0])
    assert TelephoneEvent.parse(event.to_bytes()) == event
    assert event.key == "#"
    assert TelephoneEvent(16, False, 0, 0).key is None  # hook flash is no key
    with pytest.raises(DtmfError):
        TelephoneEvent.parse(b"\x01\x02\x03")
    with pytest.raises(DtmfError):
        TelephoneEvent(1, False, 64, 0).to_bytes()
    assert [event_for_key(k) for k in "09*#aD"] == [0, 9, 10, 11, 12, 15]
    with pytest.raises(DtmfError):
        event_for_key("E")


@pytest.mark.parametrize("key", sorted(PCAP_NAMES))
def test_each_sipp_pcap_gives_its_key_once(key: str) -> None:
    packets = press_from_pcap(key)
    assert len(packets) == 10 and sum(TelephoneEvent.parse(p.payload).end for p in packets) == 3
    assert feed_all(TelephoneEventReceiver(), packets, start=0.0) == [key]


def test_sipp_pcaps_replayed_in_any_order_give_every_key() -> None:
    """The pcaps share one SSRC; "5109" goes backwards and forwards in sequence numbers."""
    receiver = TelephoneEventReceiver()
    keys: list[str] = []
    for index, key in enumerate("5109"):
        keys += feed_all(receiver, press_from_pcap(key), start=index * 1.0)
    assert keys == list("5109")
    sequences = [press_from_pcap(key)[0].sequence for key in "5109"]
    assert sequences != sorted(sequences)  # the case a sequence-strict receiver gets wrong


def test_the_same_recording_replayed_later_is_a_second_press() -> None:
    receiver = TelephoneEventReceiver()
    one = press_from_pcap("1")
    keys = feed_all(receiver, one, start=0.0) + feed_all(receiver, one, start=1.0)
    assert keys == ["1", "1"]


def test_end_retransmissions_and_a_late_packet_are_not_a_new_press() -> None:
    receiver = TelephoneEventReceiver()
    packets = press("7", timestamp=48000)
    assert feed_all(receiver, packets, start=0.0) == ["7"]
    end_time = 0.02 * (len(packets) - 1)
    # The last end packet again, and a middle packet that the network held back.
    assert receiver.feed(packets[-1], end_time + 0.05) is None
    assert receiver.feed(packets[2], end_time + 0.06) is None


def test_packets_of_a_press_in_random_order_give_one_key() -> None:
    rng = random.Random(4733)
    receiver = TelephoneEventReceiver()
    keys: list[str] = []
    for index, key in enumerate("0123456789*#"):
        packets = press(key, timestamp=10_000 + 4000 * index, sequence=100 + 10 * index)
        rng.shuffle(packets)
        keys += feed_all(receiver, packets, start=index * 0.5, step=0.001)
    assert "".join(keys) == "0123456789*#"


def test_a_press_whose_start_was_lost_is_still_heard_once() -> None:
    receiver = TelephoneEventReceiver()
    assert feed_all(receiver, press("3", timestamp=800)[-3:], start=0.0) == ["3"]


def test_same_key_twice_has_two_timestamps() -> None:
    receiver = TelephoneEventReceiver()
    keys = feed_all(receiver, press("4", timestamp=1000), 0.0)
    keys += feed_all(receiver, press("4", timestamp=3000, sequence=9), 0.3)
    assert keys == ["4", "4"]


def test_streams_with_different_ssrcs_are_apart() -> None:
    receiver = TelephoneEventReceiver()
    keys = feed_all(receiver, press("1", timestamp=500, ssrc=1), 0.0)
    keys += feed_all(receiver, press("2", timestamp=500, ssrc=2), 0.0)
    assert keys == ["1", "2"]


def test_a_press_longer_than_the_duration_field_is_one_key() -> None:
    receiver = TelephoneEventReceiver()
    first = RtpPacket(101, 1, 1000, 1, TelephoneEvent(5, False, 10, MAX_DURATION).to_bytes())
    second = RtpPacket(101, 2, 1000 + MAX_DURATION, 1, TelephoneEvent(5, False, 10, 160).to_bytes())
    end = RtpPacket(101, 3, 1000 + MAX_DURATION, 1, TelephoneEvent(5, True, 10, 320).to_bytes())
    assert [receiver.feed(p, 0.0) for p in (first, second, end)] == ["5", None, None]


def test_malformed_payloads_and_other_events_are_ignored() -> None:
    receiver = TelephoneEventReceiver()
    assert receiver.feed(RtpPacket(101, 1, 1, 1, b"\x01"), 0.0) is None
    assert receiver.malformed == 1
    flash = RtpPacket(101, 2, 2, 1, TelephoneEvent(16, False, 10, 160).to_bytes())
    assert receiver.feed(flash, 0.0) is None


def test_memory_is_bounded() -> None:
    receiver = TelephoneEventReceiver(memory=8)
    for index in range(100):
        feed_all(receiver, press("1", timestamp=index * 2000), start=index)
    assert len(receiver._seen) == 8


@pytest.mark.parametrize(
    ("content_type", "body", "key"),
    [
        ("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n", "5"),
        ("Application/DTMF-Relay; charset=us-ascii", b"signal = *\nduration=250", "*"),
        ("application/dtmf-relay", b"Signal=#\r\nDuration=160", "#"),
        ("application/dtmf-relay", b"Signal=10\r\nDuration=160", "*"),
        ("application/dtmf-relay", b"Duration=160\r\nSignal=11", "#"),
        ("application/dtmf-relay", b"Signal=d\r\n", "D"),
        ("application/dtmf", b"5", "5"),
        ("application/dtmf", b"0\r\n", "0"),
        ("application/dtmf", b"*", "*"),
    ],
)
def test_keys_from_sip_info(content_type: str, body: bytes, key: str) -> None:
    assert key_from_info(content_type, body) == key


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/dtmf-relay", b"Duration=160"),
        ("application/dtmf-relay", b"Signal=16\r\nDuration=160"),
        ("application/dtmf-relay", b"Signal=55"),
        ("application/dtmf-relay", b"Signal=\xff"),
        ("application/dtmf", b""),
        ("application/dtmf", b"16"),
        ("application/dtmf", b"5 6"),
        ("application/sdp", b"Signal=5"),
        (None, b"5"),
    ],
)
def test_info_bodies_without_a_key_are_refused(content_type: str | None, body: bytes) -> None:
    with pytest.raises(DtmfError):
        key_from_info(content_type, body)
